"""A fault-injecting HTTP proxy in front of a real moto server (tests only).

Requests are forwarded unchanged, except while a fault is switched on for their service
(and operation, if given): then the proxy answers itself, in the service's own wire
protocol, what real AWS answers in that situation — so botocore parses, retries and
raises exactly as it would against AWS. This injects faults in front of a real server;
it does not mock AWS.

Modes: ``throttle``, ``denied``, ``expired``, ``unsupported``, ``malformed`` (200 with a
garbage body), ``drop`` (close the connection without answering); ``down()``/``up()``
stop listening and listen again on the same port.
"""
from __future__ import annotations

import contextlib
import http.client
import re
import threading
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# (wire code, message, HTTP status) per mode; query protocols (STS, IAM) use the bare codes.
FAULTS = {
    "throttle": ("ThrottlingException", "Rate exceeded", 400),
    "denied": ("AccessDeniedException",
               "User: arn:aws:iam::123456789012:user/oncall is not authorized to perform this operation", 400),
    "expired": ("ExpiredTokenException", "The security token included in the request is expired", 400),
    "unsupported": ("UnknownOperationException", "The operation is not supported by this endpoint", 400),
}
QUERY_CODES = {"ThrottlingException": "Throttling", "AccessDeniedException": "AccessDenied",
               "ExpiredTokenException": "ExpiredToken", "UnknownOperationException": "InvalidAction"}
REST_CODES = {"ThrottlingException": ("TooManyRequestsException", 429)}  # Lambda's throttling answer


@dataclass(frozen=True)
class Request:
    service: str  # the SigV4 signing name: monitoring, logs, sqs, lambda, sts, iam
    operation: str  # GetMetricData, FilterLogEvents, … ("" for rest-json: the path names it)
    protocol: str  # cbor, json, query, rest-json


def cbor_map(items: dict[str, str]) -> bytes:
    """CBOR (RFC 8949) for a map of text strings: all an error body needs."""

    def head(major: int, length: int) -> bytes:
        if length < 24:
            return bytes([major << 5 | length])
        if length < 256:
            return bytes([major << 5 | 24, length])
        return bytes([major << 5 | 25]) + length.to_bytes(2, "big")

    out = bytearray(head(5, len(items)))
    for key, value in items.items():
        for text in (key, value):
            data = text.encode()
            out += head(3, len(data)) + data
    return bytes(out)


def classify(method: str, path: str, headers, body: bytes) -> Request:
    scope = re.search(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/aws4_request", headers.get("Authorization", ""))
    service = scope.group(1) if scope else ""
    if "cbor" in headers.get("Content-Type", "") or headers.get("smithy-protocol"):
        return Request(service, path.rstrip("/").rsplit("/", 1)[-1], "cbor")
    if headers.get("X-Amz-Target"):
        return Request(service, headers["X-Amz-Target"].rsplit(".", 1)[-1], "json")
    if "x-www-form-urlencoded" in headers.get("Content-Type", ""):
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        return Request(service, action, "query")
    return Request(service, "", "rest-json")


def error_response(request: Request, mode: str, content_type: str) -> tuple[int, dict[str, str], bytes]:
    code, message, status = FAULTS[mode]
    if request.protocol == "cbor":
        return status, {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}, \
            cbor_map({"__type": code, "message": message})
    if request.protocol == "json":
        import json

        return status, {"Content-Type": content_type or "application/x-amz-json-1.1"}, \
            json.dumps({"__type": code, "message": message}).encode()
    if request.protocol == "query":
        code = QUERY_CODES.get(code, code)
        status = 403 if mode in ("denied", "expired") else status
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
                f"<RequestId>fault-proxy</RequestId></ErrorResponse>")
        return status, {"Content-Type": "text/xml"}, body.encode()
    code, status = REST_CODES.get(code, (code, status))
    import json

    return status, {"Content-Type": "application/json", "x-amzn-ErrorType": code}, json.dumps({"message": message}).encode()


GARBAGE = b"\xff\x00<html>502 upstream garbage \xfe"


class FaultProxy:
    """Forwards to ``upstream``; ``fault(mode, service, operation)`` switches a fault on."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urllib.parse.urlsplit(upstream)
        if not self.upstream.hostname:
            raise ValueError(f"the upstream needs a host: {upstream!r}")
        self.upstream_host: str = self.upstream.hostname
        self._faults: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self.faulted: Counter[tuple[str, str]] = Counter()
        """Requests answered with a fault, per (service, operation)."""
        self.forwarded: Counter[tuple[str, str]] = Counter()
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._connections: set = set()
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fault(self, mode: str, service: str = "*", operation: str = "*") -> None:
        assert mode in (*FAULTS, "malformed", "drop"), mode
        with self._lock:
            self._faults[(service, operation)] = mode

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def mode_for(self, request: Request) -> str | None:
        with self._lock:
            for key in ((request.service, request.operation), (request.service, "*"), ("*", "*")):
                if key in self._faults:
                    return self._faults[key]
        return None

    def up(self) -> None:
        """Listen (again, on the same port after ``down()``)."""
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet: test output stays readable
                pass

            def setup(self) -> None:
                super().setup()
                with proxy._lock:
                    proxy._connections.add(self.connection)

            def finish(self) -> None:
                with proxy._lock:
                    proxy._connections.discard(self.connection)
                super().finish()

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = classify(self.command, self.path, self.headers, body)
                mode = proxy.mode_for(request)
                key = (request.service, request.operation)
                if mode is None:
                    proxy.forwarded[key] += 1
                    return self._forward(body)
                proxy.faulted[key] += 1
                if mode == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if mode == "malformed":
                    content_type = "application/cbor" if request.protocol == "cbor" else self.headers.get("Content-Type", "")
                    return self._answer(200, {"Content-Type": content_type or "application/json"}, GARBAGE)
                self._answer(*error_response(request, mode, self.headers.get("Content-Type", "")))

            def _forward(self, body: bytes) -> None:
                upstream = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream.port, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                    headers = {k: v for k, v in answer.getheaders()
                               if k.lower() not in ("transfer-encoding", "connection", "content-length")}
                    self._answer(answer.status, headers, data)
                finally:
                    upstream.close()

            def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True
            daemon_threads = True

        self._server = Server(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True).start()

    def down(self) -> None:
        """Stop listening: connections are refused until ``up()``."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:  # kept-alive connections go too: nothing answers while down
            for connection in list(self._connections):
                with contextlib.suppress(OSError):  # already closed by its client
                    connection.shutdown(2)

    def close(self) -> None:
        self.down()
