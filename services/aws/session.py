"""boto3 clients for one profile, and the translation of botocore's errors into ours.

boto3 is imported here, lazily, the first time a client is asked for: the UI shows its
first frame before paying for it.
"""
from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from services.errors import (
    AccessDenied,
    BadInput,
    BadResponse,
    CredentialsExpired,
    NoCredentials,
    ServerError,
    SourceError,
    Throttled,
    Unreachable,
    Unsupported,
)

_THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
              "ProvisionedThroughputExceededException", "SlowDown", "LimitExceededException"}
_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException",
           "InvalidClientTokenId", "InvalidSignatureException",
           "SignatureDoesNotMatch", "AuthFailure", "MissingAuthenticationToken"}
_UNSUPPORTED = {"NotImplemented", "NotImplementedError", "InvalidAction", "UnknownOperationException",
                "UnsupportedOperation"}
_NETWORK = {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError",
            "ConnectionError", "ProxyConnectionError", "HTTPClientError", "SSLError"}
_MALFORMED = {"ResponseParserError", "UnicodeDecodeError", "JSONDecodeError", "IncompleteReadError",
              "ResponseStreamingError"}


@dataclass(frozen=True)
class AwsTarget:
    """Where to connect: the profile's ``[aws]`` after CLI overrides."""

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    role_arn: str | None = None

    def describe(self) -> str:
        parts = [self.region or "default region"]
        if self.endpoint_url:
            parts.append(self.endpoint_url)
        if self.profile:
            parts.append(f"profile {self.profile}")
        return " · ".join(parts)


class AwsSession:
    """One boto3 session and its clients; thread-safe creation, clients shared by workers."""

    def __init__(self, target: AwsTarget) -> None:
        if not target.endpoint_url and os.environ.get("AWS_ENDPOINT_URL"):
            # botocore would follow it anyway (like the AWS CLI); knowing it here shows it in the header
            # and keeps the live tail's host prefix off an emulator's URL.
            target = replace(target, endpoint_url=os.environ["AWS_ENDPOINT_URL"])
        self.target = target
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._unsupported: set[str] = set()
        self._answered: set[str] = set()
        """Operations this endpoint has answered: it implements them, whatever it answers later."""

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._make_client(service)
            return self._clients[service]

    def streaming_client(self, service: str) -> Any:
        """A client for long-lived event streams (StartLiveTail): a long read timeout, no retries.

        With an ``endpoint_url`` (an emulator, a VPC endpoint) the operation's host prefix
        (``streaming-``) is not added: the URL already names the host.
        """
        from botocore.config import Config

        key = f"{service}#streaming"
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._make_client(service, Config(
                    connect_timeout=5, read_timeout=300, retries={"mode": "standard", "max_attempts": 1},
                    user_agent_extra="incident-cockpit", inject_host_prefix=self.target.endpoint_url is None))
            return self._clients[key]

    def _make_client(self, service: str, config: Any = None) -> Any:
        import boto3
        from botocore.config import Config

        config = config or Config(
            connect_timeout=3,
            read_timeout=15,
            retries={"mode": "adaptive", "max_attempts": 3},  # standard retries + a client-side rate that falls when throttled
            user_agent_extra="incident-cockpit",
        )
        session = boto3.session.Session(profile_name=self.target.profile, region_name=self.target.region)
        if self.target.role_arn:
            sts = session.client("sts", endpoint_url=self.target.endpoint_url, config=config)
            credentials = sts.assume_role(RoleArn=self.target.role_arn, RoleSessionName="incident-cockpit")["Credentials"]
            session = boto3.session.Session(
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
                region_name=self.target.region or session.region_name,
            )
        return session.client(service, endpoint_url=self.target.endpoint_url, config=config,
                              region_name=self.target.region or session.region_name or "us-east-1")

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """One API call with errors translated; an operation known to be unsupported is not retried."""
        key = f"{service}.{operation}"
        if key in self._unsupported:
            raise Unsupported(f"{operation} is not implemented by {self.target.endpoint_url or 'this endpoint'}",
                              operation=key)
        try:
            with translated_errors(key, profile=self._profile_name(), answered=key in self._answered):
                answer = getattr(self.client(service), operation)(**params)
        except Unsupported:
            self._unsupported.add(key)
            raise
        self._answered.add(key)
        return answer

    def paginate(self, service: str, operation: str, **params: Any) -> Iterator[dict[str, Any]]:
        key = f"{service}.{operation}"
        with translated_errors(key, profile=self._profile_name(), answered=key in self._answered):
            paginator = self.client(service).get_paginator(operation)
            for page in paginator.paginate(**params):
                self._answered.add(key)
                yield page

    def _profile_name(self) -> str | None:
        """The AWS named profile in use, for the ``aws sso login --profile NAME`` an error suggests."""
        return self.target.profile or os.environ.get("AWS_PROFILE")


@contextmanager
def translated_errors(operation: str, *, profile: str | None = None, answered: bool = False) -> Iterator[None]:
    """Turn botocore's exceptions into the few typed errors panes know how to show."""
    try:
        yield
    except SourceError:
        raise
    except Exception as error:  # botocore is imported lazily, so classify by name
        raise translate(error, operation, profile=profile, answered=answered) from error


def translate(error: Exception, operation: str, *, profile: str | None = None, answered: bool = False) -> SourceError:
    """``answered``: the endpoint has answered ``operation`` before (so it implements it)."""
    name = type(error).__name__
    credentials = _credentials_error(error, name, operation, profile)
    if credentials is not None:
        return credentials
    if name in _NETWORK:  # botocore's network errors carry a ``response`` attribute too (None)
        return Unreachable(str(error) or name, operation=operation)
    if name in _MALFORMED:
        detail = str(error).replace("\n", " ")[:120]
        return BadResponse(f"{operation} answered something not in its protocol ({name}: {detail})",
                           operation=operation)
    response: Any = getattr(error, "response", None)
    if name == "ClientError" or (isinstance(response, dict) and "Error" in response):
        response = response or {}
        code = str(response.get("Error", {}).get("Code", name))
        message = str(response.get("Error", {}).get("Message", "")) or code
        status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        text = f"{code}: {message}" if message != code else code
        if code in _THROTTLED or status == 429:
            return Throttled(text, operation=operation)
        if code in _EXPIRED:
            return CredentialsExpired(f"{text} (renew: aws sso login or a new role session)",
                                      operation=operation)
        if code in _DENIED or status == 403:
            return AccessDenied(text, operation=operation)
        if code in _UNSUPPORTED or status == 501 or code == "501":
            return Unsupported(f"{operation} is not implemented by this endpoint", operation=operation)
        if status >= 500 or (code.isdigit() and int(code) >= 500):
            return _server_error(code, message, status or int(code), operation, answered=answered)
        return BadInput(text, operation=operation)
    if name in ("NoRegionError",):
        return BadInput("no region: set [aws] region in the profile or AWS_REGION", operation=operation)
    if name in ("ParamValidationError", "ValidationError"):
        return BadInput(str(error).replace("\n", " "), operation=operation)
    return SourceError(f"{name}: {error}", operation=operation)


_SET_CREDENTIALS = ("set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or AWS_PROFILE / --aws-profile NAME, "
                    "or run `aws sso login --profile NAME`")
_SSO_EXPIRED = {"UnauthorizedSSOTokenError", "SSOTokenLoadError", "TokenRetrievalError", "SSOError"}
_LOGIN_EXPIRED = {"LoginRefreshRequired", "LoginTokenLoadError", "LoginError"}


def _credentials_error(error: Exception, name: str, operation: str, profile: str | None) -> SourceError | None:
    """botocore could not find or refresh credentials: say which, and how to provide them."""
    detail = str(error).rstrip(".")
    login = f"aws sso login --profile {profile}" if profile else "aws sso login --profile NAME"
    if name in ("NoCredentialsError", "NoAuthTokenError"):
        return NoCredentials(f"none found in the environment or ~/.aws; {_SET_CREDENTIALS}", operation=operation)
    if name == "PartialCredentialsError":  # names the variable that is missing, never a value
        return NoCredentials(f"{detail}; {_SET_CREDENTIALS}", operation=operation)
    if name == "ProfileNotFound":
        return NoCredentials(f"{detail} in ~/.aws/config (AWS_CONFIG_FILE); create it "
                             f"(`aws configure sso --profile {getattr(error, 'kwargs', {}).get('profile', 'NAME')}`) "
                             "or choose another with --aws-profile NAME", operation=operation)
    if name == "UnauthorizedSSOTokenError":  # botocore's text suggests the command without the profile
        detail = "its token expired or is invalid"
    if name in _SSO_EXPIRED:
        # Retried with backoff: the SSO provider reads the token cache again, so a login in another shell is enough.
        return CredentialsExpired(f"the SSO session is over ({detail}); run `{login}`", operation=operation)
    if name in _LOGIN_EXPIRED:
        return CredentialsExpired(f"{detail}; run `aws login`", operation=operation)
    if name in ("CredentialRetrievalError", "UnknownCredentialError", "InvalidConfigError"):
        return NoCredentials(f"{detail}; fix that source, or {_SET_CREDENTIALS}", operation=operation)
    return None


def _says_unsupported(message: str) -> bool:
    lowered = message.lower()
    return "<html" not in lowered and any(words in lowered for words in ("not implemented", "not supported",
                                                                         "unknown operation"))


def _server_error(code: str, message: str, status: int, operation: str, *, answered: bool) -> SourceError:
    """A 5xx: the endpoint failing, retried with backoff; it says nothing about the operation being absent.

    Exception: a bare web-server page (no AWS error document: botocore's code is the status
    itself) for an operation this endpoint has never answered: that is how moto answers an
    operation it lacks (AWS's APIs fail with an error document), so it is unsupported,
    remembered. Once the operation has answered, the same page is the endpoint failing.
    """
    if _says_unsupported(message):
        return Unsupported(f"{operation} is not implemented by this endpoint", operation=operation)
    if code == str(status):  # no AWS error document: a web server's page
        if not answered and "<html" in message.lower():
            return Unsupported(f"{operation} is not implemented by this endpoint (HTTP {status}, a web page, "
                               "not an AWS answer)", operation=operation)
        title = re.search(r"<title>\s*(.*?)\s*</title>", message, re.IGNORECASE | re.DOTALL)
        shown = title.group(1) if title else re.sub(r"<[^>]+>|\s+", " ", message).strip()
        return ServerError(f"a web page, not an AWS answer: {shown[:120] or 'no text'}", status=status,
                           operation=operation)
    return ServerError(message, status=status, code=code, operation=operation)
