"""What `rolegate exec` decides before and while it runs a command, without AWS: given the session options
a person types (--session-name, --source-identity, --tag), then each bad value is named in one usage error
before anything is read or asked, and good ones become exactly AssumeRole's parameters; given a credential
server's session and clock, then it serves the session while fresh, renews it when low, serves the old one
while a renewal fails but it still works, and refuses every request that is not this run's child's.

These test a new API (the options and the server did not exist before e6533b3), so they cannot run there.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.helpers import rolegate

from rolegate.cli.commands.creds import _serve
from rolegate.cli.env import Environment
from rolegate.creds.broker import SessionOptions, session_options, session_problems
from rolegate.creds.credentials import Credentials
from rolegate.creds.server import (
    PATH,
    RenewedCredentials,
    container_answer,
    no_proxy,
    refusal,
    shadowing_default,
)
from rolegate.errors import CredentialsError

NOW = dt.datetime(2026, 12, 4, 21, 0, tzinfo=dt.UTC)
NAME_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-"

# -- the options ------------------------------------------------------------------------------------------

BAD = [  # (session name, source identity, tags, words the one problem must say)
    ("a", None, [], "--session-name 'a'"),
    ("x" * 65, None, [], "--session-name"),
    ("cobus release", None, [], "--session-name"),
    ("cobus/release", None, [], "--session-name"),
    ("cöbus", None, [], "--session-name"),
    ("", None, [], "--session-name ''"),
    ("cobus\n", None, [], "--session-name"),
    ("cobus;rm", None, [], "--session-name"),
    (None, "c", [], "--source-identity 'c'"),
    (None, "y" * 65, [], "--source-identity"),
    (None, "aws:cobus", [], "the prefix aws: is AWS's own"),
    (None, "AWS:cobus", [], "the prefix aws: is AWS's own"),
    (None, "cobus smith", [], "--source-identity"),
    (None, None, ["team"], "KEY=VALUE"),
    (None, None, ["=platform"], "the key must be 1 to 128"),
    (None, None, ["k" * 129 + "=v"], "the key must be 1 to 128"),
    (None, None, ["aws:team=x"], "keys starting with aws:"),
    (None, None, ["AWS:Team=x"], "keys starting with aws:"),
    (None, None, ["team=a", "Team=b"], "given twice"),
    (None, None, ["team=" + "v" * 257], "at most 256"),
    (None, None, ["team=a;b"], "the value must be"),
    (None, None, ["te#am=x"], "the key must be"),
    (None, None, ["team=a\tb"], "the value must be"),
    (None, None, ["team=\u200b"], "the value must be"),  # a zero-width space is a format character, not Z
    (None, None, [f"k{i}=v" for i in range(51)], "at most 50"),
]

GOOD = [
    ("cobus", None, []),
    ("ci", None, []),
    ("x" * 64, None, []),
    ("cobus+release=42,ok.@-_", None, []),
    (None, "cobus", []),
    (None, "cobus@example.com", []),
    (None, "z" * 64, []),
    (None, None, ["team=platform"]),
    (None, None, ["team="]),  # an empty value is allowed
    (None, None, ["ticket=OPS-42"]),
    (None, None, ["path=/a/b:c"]),
    (None, None, ["owner=cobus@example.com"]),
    (None, None, ["équipe=plateforme"]),  # any letter
    (None, None, ["チーム=基盤"]),
    (None, None, ["team name=the platform team"]),  # spaces are separators (Z)
    (None, None, ["k" * 128 + "=" + "v" * 256]),
    (None, None, ["a=b=c"]),  # the first = splits; the value may hold more
    (None, None, [f"k{i}=v" for i in range(50)]),
    ("release-42", "cobus", ["team=platform", "ticket=OPS-42"]),
    ("cobus", "cobus", ["aws-team=x"]),  # aws- is not the aws: prefix
]


@pytest.mark.parametrize(("name", "identity", "tags", "said"), BAD)
def test_a_bad_value_is_named_with_aws_s_rule(
    name: str | None, identity: str | None, tags: list[str], said: str
) -> None:
    problems = session_problems(name, identity, tags)

    assert len(problems) == 1 and said in problems[0], problems
    with pytest.raises(ValueError, match="--"):
        session_options(name, identity, tags)


@pytest.mark.parametrize(("name", "identity", "tags"), GOOD)
def test_good_values_become_assume_role_s_parameters(
    name: str | None, identity: str | None, tags: list[str]
) -> None:
    options = session_options(name, identity, tags)

    assert session_problems(name, identity, tags) == []
    assert options.name == name and options.source_identity == identity
    request = options.request()
    assert request.get("SourceIdentity") == identity
    assert request.get("Tags", []) == [
        {"Key": t.partition("=")[0], "Value": t.partition("=")[2]} for t in tags
    ]


def test_every_problem_is_said_at_once() -> None:
    problems = session_problems("a", "aws:x", ["nokey", "aws:k=v", "ok=fine"])

    assert [p.split(":")[0] for p in problems] == [
        "--session-name 'a'",
        "--source-identity 'aws",
        "--tag 'nokey'",
        "--tag 'aws",
    ]


@given(st.text(alphabet=NAME_ALPHABET, min_size=2, max_size=64))
def test_any_name_of_aws_s_alphabet_and_length_is_accepted(name: str) -> None:
    assert session_problems(name, None, []) == []


@given(
    st.text(alphabet=NAME_ALPHABET, max_size=30),
    st.characters(exclude_characters=NAME_ALPHABET),
    st.text(alphabet=NAME_ALPHABET, max_size=30),
)
def test_any_name_with_another_character_is_refused(before: str, odd: str, after: str) -> None:
    assert session_problems(before + odd + after, None, []) != []


@given(st.lists(st.text(st.characters(categories=("L", "N")), min_size=1, max_size=20), unique_by=str.lower))
def test_tags_of_letters_and_digits_are_kept_in_order(keys: list[str]) -> None:
    keys = [k for k in keys if not k.lower().startswith("aws:")][:50]
    options = session_options(None, None, [f"{k}=v" for k in keys])

    assert [key for key, _ in options.tags] == keys


def test_the_options_are_false_when_none_is_given_and_change_the_fingerprint_when_one_is() -> None:
    assert not SessionOptions() and SessionOptions(name="x")
    assert (
        SessionOptions(tags=(("a", "b"),)).fingerprint() != SessionOptions(tags=(("a", "c"),)).fingerprint()
    )


def test_exec_says_every_bad_value_as_one_usage_error_before_reading_a_profile(
    capsys: pytest.CaptureFixture[str],
) -> None:
    done = rolegate(
        capsys, "exec", "--session-name", "a", "--tag", "aws:team=x", "--tag", "nokey",
        "no-such-profile", "--", "true",
    )  # fmt: skip

    assert done.code == 2
    assert "--session-name 'a'" in done.err and "aws:" in done.err and "'nokey'" in done.err
    assert "no-such-profile" not in done.err  # no profile was looked up


def test_a_profile_without_a_role_takes_no_session_options(tmp_path: Path) -> None:
    from rolegate.creds.broker import Broker, Options
    from rolegate.creds.store import FileStore

    config = tmp_path / "config"
    config.write_text("[profile hub]\nregion = us-east-1\n")
    store = FileStore(str(tmp_path / "store"), str(tmp_path / "store.key"))
    broker = Broker(Options(config_file=config, session=SessionOptions(name="cobus")), store=store)

    with pytest.raises(CredentialsError, match="has no role"):
        broker.credentials("hub")


# -- when exec serves --------------------------------------------------------------------------------------


def session(minutes: float, key: str = "ASIAFIRST") -> Credentials:
    return Credentials(key, "secret-" + key, "token-" + key, NOW + dt.timedelta(minutes=minutes))


def environment() -> Environment:
    return Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(), clock=lambda: NOW)


@pytest.mark.parametrize(
    ("server", "credentials", "serves"),
    [
        (None, session(60), True),  # an hour's session, chained from the MFA session: the server
        (None, session(15), True),
        (None, session(61), True),  # a minute of slack for the clock
        (None, session(8 * 60), False),  # a role without MFA for 8 hours: plain variables
        (True, session(8 * 60), True),
        (False, session(60), False),
        (True, Credentials("AKIA", "secret"), False),  # long-term keys never expire: nothing to renew
    ],
)
def test_exec_serves_by_default_for_sessions_of_an_hour_or_less(
    server: bool | None, credentials: Credentials, serves: bool, tmp_path: Path
) -> None:
    child = {"HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "none")}
    assert _serve(environment(), credentials, child, server) is serves


# -- the server's decisions --------------------------------------------------------------------------------


class Source:
    """The broker, as the server sees it: the next sessions to hand out, or an error to raise."""

    def __init__(self, *answers: Credentials | Exception) -> None:
        self.answers = list(answers)
        self.asked = 0

    def __call__(self) -> Credentials:
        self.asked += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


def test_a_fresh_session_is_served_as_it_is_and_a_low_one_is_renewed() -> None:
    clock, source = Clock(), Source(session(75, "ASIASECOND"))
    renewed = RenewedCredentials(source, clock=clock, current=session(60))

    assert renewed.get().access_key_id == "ASIAFIRST" and source.asked == 0
    clock.now += dt.timedelta(minutes=46)  # 14 minutes left: inside the 15-minute margin
    assert renewed.get().access_key_id == "ASIASECOND" and source.asked == 1
    assert renewed.get().access_key_id == "ASIASECOND" and source.asked == 1 and renewed.renewals == 1


def test_a_failed_renewal_serves_the_old_session_while_it_works_then_fails() -> None:
    clock, notes = Clock(), []
    error = CredentialsError("an MFA code is needed", "set mfa_process")
    renewed = RenewedCredentials(Source(error, error), clock=clock, current=session(60), note=notes.append)

    clock.now += dt.timedelta(minutes=50)
    assert renewed.get().access_key_id == "ASIAFIRST"  # 10 minutes left: still good for the child
    assert notes and "an MFA code is needed" in notes[0] and "secret" not in notes[0]
    clock.now += dt.timedelta(minutes=11)
    with pytest.raises(CredentialsError, match="MFA code"):
        renewed.get()


def test_a_short_session_is_renewed_at_half_its_life_not_at_every_request() -> None:
    clock, source = Clock(), Source(session(20, "ASIASECOND"), session(40, "ASIATHIRD"))
    renewed = RenewedCredentials(source, clock=clock, current=session(15))  # 15 minutes: all in the margin

    assert renewed.get().access_key_id == "ASIAFIRST" and source.asked == 0  # not an AssumeRole per call
    clock.now += dt.timedelta(minutes=7)
    assert renewed.get().access_key_id == "ASIAFIRST"
    clock.now += dt.timedelta(minutes=1)  # 7 minutes left, under half of 15
    assert renewed.get().access_key_id == "ASIASECOND" and source.asked == 1
    assert renewed.get().access_key_id == "ASIASECOND" and source.asked == 1


def test_a_renewal_that_keeps_failing_is_noted_once() -> None:
    clock, notes = Clock(), []
    error = CredentialsError("an MFA code is needed")
    renewed = RenewedCredentials(Source(*[error] * 5), clock=clock, current=session(60), note=notes.append)
    clock.now += dt.timedelta(minutes=50)

    assert [renewed.get().access_key_id for _ in range(5)] == ["ASIAFIRST"] * 5
    assert len(notes) == 1


def test_requests_during_a_slow_renewal_get_the_working_session_without_waiting() -> None:
    started, release = threading.Event(), threading.Event()

    def slow() -> Credentials:
        started.set()
        release.wait(10)
        return session(75, "ASIASECOND")

    clock = Clock()
    renewed = RenewedCredentials(slow, clock=clock, current=session(60))
    clock.now += dt.timedelta(minutes=50)
    first: list[Credentials] = []
    renewing = threading.Thread(target=lambda: first.append(renewed.get()))
    renewing.start()
    assert started.wait(10)

    assert renewed.get().access_key_id == "ASIAFIRST"  # a prompt may take a minute: this does not wait
    release.set()
    renewing.join(10)
    assert first[0].access_key_id == "ASIASECOND" and renewed.get().access_key_id == "ASIASECOND"


def test_the_answer_is_the_container_protocol_s_and_needs_an_expiry() -> None:
    assert container_answer(session(60)) == {
        "AccessKeyId": "ASIAFIRST",
        "SecretAccessKey": "secret-ASIAFIRST",
        "Token": "token-ASIAFIRST",
        "Expiration": "2026-12-04T22:00:00Z",
    }
    with pytest.raises(ValueError, match="expire"):
        container_answer(Credentials("AKIA", "secret"))


TOKEN = "t0ken-of-this-run"
HOST = "127.0.0.1:4000"


@pytest.mark.parametrize(
    ("peer", "host", "authorization", "path", "status"),
    [
        ("127.0.0.1", HOST, TOKEN, PATH, None),
        ("127.0.0.2", HOST, TOKEN, PATH, None),  # all of 127/8 is this machine
        ("::1", HOST, TOKEN, PATH, None),
        ("10.0.0.5", HOST, TOKEN, PATH, 403),
        ("192.168.1.9", HOST, TOKEN, PATH, 403),
        ("169.254.170.2", HOST, TOKEN, PATH, 403),
        ("not-an-ip", HOST, TOKEN, PATH, 403),
        ("127.0.0.1", "evil.example:4000", TOKEN, PATH, 403),
        ("127.0.0.1", "localhost:4000", TOKEN, PATH, 403),
        ("127.0.0.1", None, TOKEN, PATH, 403),
        ("127.0.0.1", "127.0.0.1:4001", TOKEN, PATH, 403),
        ("127.0.0.1", HOST, None, PATH, 403),
        ("127.0.0.1", HOST, "", PATH, 403),
        ("127.0.0.1", HOST, TOKEN + "x", PATH, 403),
        ("127.0.0.1", HOST, TOKEN[:-1], PATH, 403),
        ("127.0.0.1", HOST, f"Bearer {TOKEN}", PATH, 403),
        ("127.0.0.1", HOST, TOKEN.upper(), PATH, 403),
        ("127.0.0.1", HOST, None, "/", 403),  # no token: not even told where the credentials are
        ("127.0.0.1", HOST, TOKEN, "/", 404),
        ("127.0.0.1", HOST, TOKEN, PATH + "/", 404),
        ("127.0.0.1", HOST, TOKEN, PATH + "?x=1", 404),
        ("127.0.0.1", HOST, TOKEN, "/latest/meta-data/iam/security-credentials/", 404),
    ],
)
def test_who_gets_credentials(
    peer: str, host: str | None, authorization: str | None, path: str, status: int | None
) -> None:
    refused = refusal(peer, host, HOST, authorization, TOKEN, path)

    assert (refused[0] if refused else None) == status
    assert refused is None or TOKEN not in refused[2]


def test_no_proxy_gains_loopback_once_in_both_spellings() -> None:
    assert no_proxy({}) == {"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    assert no_proxy({"NO_PROXY": "corp.example", "no_proxy": "127.0.0.1"}) == {
        "NO_PROXY": "corp.example,127.0.0.1",
        "no_proxy": "127.0.0.1",
    }


@pytest.mark.parametrize(
    ("credentials_file", "config_file", "found"),
    [
        ("", "", None),
        ("[demo-master-cobus]\naws_access_key_id = AKIA\n", "", None),
        ("[default]\naws_access_key_id = AKIA\n", "", "[default] aws_access_key_id"),
        ("[default]\nregion = us-east-1\n", "", None),
        ("", "[default]\nregion = us-east-1\n", None),
        ("", "[default]\ncredential_process = x\n", "[default] credential_process"),
        ("", "[profile default]\nrole_arn = arn:aws:iam::1:role/r\n", "[profile default] role_arn"),
        ("", "[default]\nsso_session = corp\n", "[default] sso_session"),
        ("", "[default]\nweb_identity_token_file = /t\n", "[default] web_identity_token_file"),
        ("[default]\naws_access_key_id =\n", "", None),
        ("not ini at all [", "", None),
    ],
)
def test_a_default_profile_with_credentials_is_found_where_it_is(
    credentials_file: str, config_file: str, found: str | None, tmp_path: Path
) -> None:
    (tmp_path / "credentials").write_text(credentials_file)
    (tmp_path / "config").write_text(config_file)
    environ = {
        "HOME": str(tmp_path),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
    }

    shadow = shadowing_default(environ)

    assert (shadow.split(" ", 1)[1] if shadow else None) == found


def test_a_failure_that_is_a_bug_is_a_500_naming_only_its_kind() -> None:
    import http.client
    import json

    from rolegate.creds.server import CredentialServer

    def broken() -> Credentials:
        raise RuntimeError("secret-ASIAFIRST leaked into a message")

    with CredentialServer(RenewedCredentials(broken)) as server:
        connection = http.client.HTTPConnection(*server.address, timeout=10)
        host = "{}:{}".format(*server.address)
        connection.request("GET", PATH, headers={"Host": host, "Authorization": server.token})
        answer = connection.getresponse()
        body = json.loads(answer.read())
        connection.close()

    assert answer.status == 500 and body == {
        "code": "InternalError",
        "message": "rolegate failed (RuntimeError): a bug",
    }
