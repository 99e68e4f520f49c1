"""Test helpers: run the CLI in-process as a user would, and inject AWS faults through botocore events."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest

from rolegate.cli.main import run


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def all(self) -> str:
        return self.out + self.err


def rolegate(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    """`rolegate ARGS…` in this process; stdout and stderr are not terminals, as in CI."""
    capsys.readouterr()
    code = run(list(args))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def error_response(code: str, message: str, status: int = 400) -> Any:
    """An IAM-style XML error response, as AWS would send it, for a before-send hook to return."""
    from botocore.awsrequest import AWSResponse

    body = (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>injected</RequestId></ErrorResponse>"
    ).encode()
    return AWSResponse("https://iam.amazonaws.com/", status, {"Content-Type": "text/xml"}, _Raw(body))


class FaultInjector:
    """Fails the first `times` sends of an operation with an error code, then lets calls through."""

    def __init__(self, operation: str, code: str, times: int, message: str = "injected by the test") -> None:
        self.operation, self.code, self.times, self.message = operation, code, times, message
        self.hits = 0

    def __call__(self, client: Any) -> None:
        client.meta.events.register(f"before-send.*.{self.operation}", self._send)

    def _send(self, **_: Any) -> Any:
        if self.hits < self.times:
            self.hits += 1
            return error_response(self.code, self.message)
        return None


def text(stream: io.StringIO) -> str:
    return stream.getvalue()
