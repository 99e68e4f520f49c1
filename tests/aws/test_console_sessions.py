"""Several consoles side by side, as cobus opens them: given the seed applied on moto and his profiles
written, when he runs `rolegate console --multi-session` with up to five profiles, then he gets one
federation sign-in per role (each session acting in its own account), types one MFA code for all of them,
and is told how the console's multi-session holds them; without the flag, or with a sixth profile, he is
stopped before any credentials are fetched, with what to do instead.

The federation endpoint is a loopback fake (AWS's cannot be reached here); the role sessions it receives are
checked against moto with STS GetCallerIdentity.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.helpers import PROFILES, Org, asked, run

from rolegate.creds.console import MULTI_SESSION_DOCS, MULTI_SESSION_LIMIT, console_sessions

pytestmark = pytest.mark.aws


class _Federation(BaseHTTPRequestHandler):
    sessions: list[dict[str, str]] = []  # noqa: RUF012 - the fake's record of what it was sent

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        assert query["Action"] == ["getSigninToken"]
        self.sessions.append(json.loads(query["Session"][0]))
        body = json.dumps({"SigninToken": f"token-{len(self.sessions)}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def federation() -> Iterator[str]:
    _Federation.sessions = []
    server = HTTPServer(("127.0.0.1", 0), _Federation)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/federation"
    server.shutdown()


def caller(session: dict[str, str]) -> str:
    import boto3

    return str(
        boto3.client(
            "sts",
            region_name="us-east-1",
            aws_access_key_id=session["sessionId"],
            aws_secret_access_key=session["sessionKey"],
            aws_session_token=session["sessionToken"],
        ).get_caller_identity()["Arn"]
    )


def test_cobus_opens_staging_and_production_side_by_side_with_one_mfa_code(
    cobus: Org, federation: str
) -> None:
    done = run(
        cobus, "console", "--multi-session", "demo-staging-cobus", "demo-production-cobus",
        "--print-url", "--federation-endpoint", federation,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    urls = done.stdout.split()
    assert len(urls) == 2
    tokens = [parse_qs(urlsplit(u).query)["SigninToken"] for u in urls]
    assert tokens == [["token-1"], ["token-2"]]  # one sign-in each, in the order given
    assert [caller(s) for s in _Federation.sessions] == [
        f"arn:aws:sts::{cobus.ids['staging']}:assumed-role/administrator/cobus",
        f"arn:aws:sts::{cobus.ids['production']}:assumed-role/administrator/cobus",
    ]
    assert asked(cobus) == 1  # one MFA session serves every role
    assert "multi-session" in done.stderr and MULTI_SESSION_DOCS in done.stderr.replace("\n", "")
    assert all(s["sessionKey"] not in done.stdout + done.stderr for s in _Federation.sessions)


def test_the_same_profile_twice_is_one_session(cobus: Org, federation: str) -> None:
    done = run(
        cobus, "console", "--multi-session", "demo-staging-cobus", "demo-staging-cobus",
        "--print-url", "--federation-endpoint", federation,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.split()) == 1 and len(_Federation.sessions) == 1


def test_two_profiles_without_multi_session_are_refused_before_any_credentials(
    cobus: Org, federation: str
) -> None:
    done = run(
        cobus, "console", "demo-staging-cobus", "demo-production-cobus",
        "--print-url", "--federation-endpoint", federation,
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert "pass --multi-session" in done.stderr and "Traceback" not in done.stderr
    assert _Federation.sessions == [] and asked(cobus) == 0


def test_a_sixth_session_is_refused_as_the_console_would(cobus: Org, federation: str) -> None:
    six = [*PROFILES, "demo-master-cobus", "demo-staging-cobus-x"]
    done = run(cobus, "console", "--multi-session", *six, "--print-url", "--federation-endpoint", federation)
    assert done.returncode == 2
    assert f"at most {MULTI_SESSION_LIMIT} sessions" in done.stderr
    assert _Federation.sessions == [] and asked(cobus) == 0


# -- the decision alone ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profiles", "multi", "expected"),
    [
        (["a"], False, ["a"]),
        (["a"], True, ["a"]),
        (["a", "a"], False, ["a"]),
        (["a", "a", "a"], True, ["a"]),
        (["a", "b"], True, ["a", "b"]),
        (["b", "a"], True, ["b", "a"]),
        (["a", "b", "a"], True, ["a", "b"]),
        (["a", "b", "c", "d", "e"], True, ["a", "b", "c", "d", "e"]),
        (["a", "b", "c", "d", "e", "e", "a"], True, ["a", "b", "c", "d", "e"]),
        (["p-1", "p-2", "p-3"], True, ["p-1", "p-2", "p-3"]),
        (["a", "b"], False, "pass --multi-session"),
        (["a", "b", "a"], False, "pass --multi-session"),
        (["a", "b", "c"], False, "pass --multi-session"),
        (["a", "b", "c", "d", "e", "f"], True, "at most 5"),
        (["a", "b", "c", "d", "e", "f", "g"], True, "at most 5"),
        ([f"p{i}" for i in range(20)], True, "at most 5"),
        ([f"p{i}" for i in range(20)], False, "pass --multi-session"),
        ([], True, "name a PROFILE"),
        ([], False, "name a PROFILE"),
        (["A", "a"], True, ["A", "a"]),  # profile names are case-sensitive, as botocore reads them
        (["a", "A"], False, "pass --multi-session"),
    ],
)
def test_which_profiles_the_browser_can_hold_side_by_side(
    profiles: list[str], multi: bool, expected: list[str] | str
) -> None:
    if isinstance(expected, list):
        assert console_sessions(profiles, multi) == expected
    else:
        with pytest.raises(ValueError, match=expected):
            console_sessions(profiles, multi)
