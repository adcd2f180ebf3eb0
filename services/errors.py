"""The few typed errors every service raises, so that one place in the UI can show them.

A pane shows ``str(error)`` on its status line; ``retry`` says whether polling again
later can help (bad input and unsupported operations will not get better by waiting).
"""
from __future__ import annotations


class SourceError(Exception):
    """Base class: one line of text a responder can act on."""

    kind = "error"
    retry = True

    def __init__(self, message: str, *, operation: str | None = None) -> None:
        super().__init__(message)
        self.operation = operation

    def __str__(self) -> str:
        return f"{self.kind}: {self.args[0]}"


class Unreachable(SourceError):
    """The endpoint did not answer (connection refused, DNS, timeout)."""

    kind = "unreachable"


class Unsupported(SourceError):
    """The endpoint does not implement this operation (e.g. moto without alarm history)."""

    kind = "not supported by this endpoint"
    retry = False


class AccessDenied(SourceError):
    """Credentials are missing, expired or not allowed to do this."""

    kind = "access denied"
    retry = False


class CredentialsExpired(AccessDenied):
    """The session's token expired: new credentials are needed (``aws sso login``, a new role session)."""

    kind = "credentials expired"
    retry = True  # refreshable credentials (SSO, assumed roles) come back by themselves


class BadResponse(SourceError):
    """The endpoint answered something that is not the service's protocol (a proxy's page, garbage)."""

    kind = "malformed response"


class Throttled(SourceError):
    """The endpoint asked us to slow down."""

    kind = "throttled"


class BadInput(SourceError):
    """The request was rejected as invalid (unknown resource, bad parameter, bad query)."""

    kind = "bad input"
    retry = False


class ReadOnly(SourceError):
    """The cockpit runs read-only: plans are shown, nothing can run."""

    kind = "read-only"
    retry = False


class NotConfirmed(SourceError):
    """An action was asked to run without a valid confirmation of its plan."""

    kind = "not confirmed"
    retry = False


class NoCredentials(AccessDenied):
    """No usable AWS credentials were found (none, partial, an unknown AWS profile): the message says how to set them.

    Not retried soon: credentials do not appear in this process by waiting.
    """

    kind = "no AWS credentials"
    retry = False


class ServerError(SourceError):
    """The endpoint failed (HTTP 5xx): its fault, not the request's; polling again later can help.

    Only an answer that says so (a 501, a code such as ``NotImplemented``) is ``Unsupported``.
    """

    kind = "server error"

    def __init__(self, message: str, *, status: int, code: str = "", operation: str | None = None) -> None:
        # args[0] keeps the ``CODE: message`` form every translated error has (actions read the code from it).
        super().__init__(f"{code}: {message}" if code else message, operation=operation)
        self.status = status
        self.code = code
        self.detail = message

    def __str__(self) -> str:
        return f"{self.kind} (HTTP {self.status}{' ' + self.code if self.code else ''}): {self.detail}"
