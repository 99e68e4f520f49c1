"""A loopback HTTP proxy in front of the moto server that throttles, drops connections and kills, seeded.

Point the SDK at it with AWS_ENDPOINT_URL. For the services it is told to trouble, it answers a fixed,
seeded fraction of calls with the throttling error AWS sends (IAM and STS: HTTP 400 with the query API's
XML `Throttling`/`ThrottlingException`; Organizations: JSON `TooManyRequestsException`), closes some
connections before the call reaches moto (nothing done) and some after moto carried it out (done, but the
answer is lost: the case idempotent creates are for). It can also SIGKILL a process at the n-th write call,
before or after the call lands. Used by tests/aws/test_scale_faults.py and benchmarks/scale.py.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import re
import signal
import socket
import threading
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from rolegate.aws.session import is_write

_SERVICE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")
IAM_XMLNS = "https://iam.amazonaws.com/doc/2010-05-08/"
STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"


@dataclass
class Kill:
    """SIGKILL `pid` at the `nth` IAM write call (1-based); `landed`: after moto carried it out."""

    pid: int
    nth: int
    landed: bool
    fired: bool = False


@dataclass
class Faults:
    seed: int = 0
    throttle: float = 0.0  # fraction of calls answered with a throttling error
    drop_before: float = 0.0  # fraction of connections closed before the call reaches moto
    drop_after: float = 0.0  # fraction closed after moto carried the call out (the answer is lost)
    services: tuple[str, ...] = ("iam",)
    kill: Kill | None = None
    # Accounts whose bootstrap role cannot be assumed (missing, or trusting someone else): AssumeRole into
    # them is refused with AccessDenied, as AWS refuses it; moto's AssumeRole checks neither.
    deny_assume: frozenset[str] = frozenset()
    # Actions whose first answer is lost after moto carried them out (deterministic, unlike drop_after).
    lose_first: frozenset[str] = frozenset()


@dataclass
class Stats:
    counts: Counter[str] = field(default_factory=Counter)  # forwarded, throttled, dropped_before, …
    writes: int = 0
    lost: set[str] = field(default_factory=set)


def throttling_response(service: str, code: str) -> tuple[int, dict[str, str], bytes]:
    """The error AWS sends when it throttles, in the shape botocore parses for that service."""
    if service == "organizations":
        body = b'{"__type":"TooManyRequestsException","Message":"Rate exceeded"}'
        return 400, {"Content-Type": "application/x-amz-json-1.1"}, body
    xmlns = STS_XMLNS if service == "sts" else IAM_XMLNS
    body = (
        f'<ErrorResponse xmlns="{xmlns}"><Error><Type>Sender</Type><Code>{code}</Code>'
        "<Message>Rate exceeded</Message></Error><RequestId>throttled-by-test-proxy</RequestId>"
        "</ErrorResponse>"
    ).encode()
    return 400, {"Content-Type": "text/xml"}, body


def access_denied(body: bytes) -> tuple[int, dict[str, str], bytes]:
    arn = urllib.parse.parse_qs(body.decode()).get("RoleArn", ["?"])[0]
    message = (
        "User: arn:aws:iam::123456789012:user/operator is not authorized to perform: sts:AssumeRole "
        f"on resource: {arn}"
    )
    xml = (
        f'<ErrorResponse xmlns="{STS_XMLNS}"><Error><Type>Sender</Type><Code>AccessDenied</Code>'
        f"<Message>{message}</Message></Error><RequestId>denied-by-test-proxy</RequestId></ErrorResponse>"
    ).encode()
    return 403, {"Content-Type": "text/xml"}, xml


class FaultyProxy:
    """Start with `with FaultyProxy(upstream_url, Faults(...)) as proxy:`; `proxy.url` is the endpoint."""

    def __init__(self, upstream: str, faults: Faults | None = None) -> None:
        self.upstream = urllib.parse.urlsplit(upstream)
        self.faults = faults or Faults()
        self.stats = Stats()
        self._rng = random.Random(self.faults.seed)
        self._lock = threading.Lock()
        self._local = threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the SDK uses it

            def do_POST(self) -> None:
                proxy._handle(self)

            do_GET = do_POST

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def configure(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults
            self._rng = random.Random(faults.seed)
            self.stats = Stats()

    # -- one request ---------------------------------------------------------------------------------------
    def _decide(self, service: str, action: str) -> str:
        """forward, throttle, drop_before, drop_after, kill_before or kill_after; seeded, under a lock."""
        with self._lock:
            decision = self._roll(service, action)
            self.stats.counts[decision] += 1
            if decision == "throttle":  # both codes IAM is seen to send; botocore treats them alike
                decision = "ThrottlingException" if self._rng.random() < 0.5 else "Throttling"
            return decision

    def _roll(self, service: str, action: str) -> str:
        f = self.faults
        if service == "iam" and is_write(action):
            self.stats.writes += 1
            if f.kill is not None and not f.kill.fired and self.stats.writes == f.kill.nth:
                f.kill.fired = True
                return "kill_after" if f.kill.landed else "kill_before"
        if action in f.lose_first and action not in self.stats.lost:
            self.stats.lost.add(action)
            return "drop_after"
        if service not in f.services:
            return "forward"
        roll = self._rng.random()
        if roll < f.throttle:
            return "throttle"
        if roll < f.throttle + f.drop_before:
            return "drop_before"
        if roll < f.throttle + f.drop_before + f.drop_after:
            return "drop_after"
        return "forward"

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        match = _SERVICE.search(handler.headers.get("Authorization", ""))
        service = match.group(1) if match else ""
        target = handler.headers.get("X-Amz-Target", "")
        action = (
            target.rpartition(".")[2]
            or urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        )
        if (
            service == "sts"
            and action == "AssumeRole"
            and any(a.encode() in body for a in self.faults.deny_assume)
        ):
            self._reply(handler, *access_denied(body))
            return
        decision = self._decide(service, action)
        if decision.startswith("Throttling"):
            self._reply(handler, *throttling_response(service, decision))
            return
        if decision in ("drop_before", "kill_before"):
            self._drop(handler, kill=decision == "kill_before")
            return
        status, headers, answer = self._forward(handler, body)
        if decision in ("drop_after", "kill_after"):
            self._drop(handler, kill=decision == "kill_after")
            return
        self._reply(handler, status, headers, answer)

    def _forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("connection", "keep-alive")}
        for attempt in range(2):  # a kept-alive connection moto closed is opened again once
            if conn is None:
                conn = http.client.HTTPConnection(self.upstream.hostname or "127.0.0.1", self.upstream.port)
                self._local.conn = conn
            try:
                conn.request(handler.command, handler.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                conn = self._local.conn = None
                if attempt:
                    raise
                continue
            keep = {
                k: v
                for k, v in response.getheaders()
                if k.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length")
            }
            return response.status, keep, data
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _drop(self, handler: BaseHTTPRequestHandler, *, kill: bool) -> None:
        if kill and self.faults.kill is not None:
            os.kill(self.faults.kill.pid, signal.SIGKILL)
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)
