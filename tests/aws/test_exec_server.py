"""`rolegate exec` keeps a long command alive, as cobus sees it: given the seed applied on moto, his hub keys
and his profiles written, when he runs a command through `rolegate exec` with the credential server, then the
command's own botocore fetches role credentials from 127.0.0.1 with this run's token, comes back for new ones
as the session nears its end, and keeps working past the role session's length, on one MFA code. A request
without the exact token gets nothing; the server listens on loopback only and stops with the command.

The role session here lasts 15 minutes, the shortest AWS allows (moto honours DurationSeconds). The server's
clock is moved on by the test instead of waiting: what is asserted is behaviour (a new session is fetched
and works; the old one is served while fresh), never wall time. moto accepts any MFA code and ignores trust
policies, so these tests show what rolegate asks AWS for, not what AWS would refuse.

On e6533b3 (before the server) this module fails at its import: there was no server and no session option,
and a child's credentials ended with the one session put in its environment.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.helpers import ROLEGATE, Org, asked, run

from rolegate.creds.broker import Broker, Options
from rolegate.creds.server import PATH, CredentialServer, RenewedCredentials

pytestmark = pytest.mark.aws

SHORT = "demo-staging-cobus-15m"  # the staging administrator, for 15 minutes

# The child: one boto3 session for its whole life, as Terraform's provider or a long script keeps one; for
# each line on stdin it calls GetCallerIdentity and prints the access key id the request was signed with
# (read from its Authorization header: an id, not a secret) and who AWS says it is.
CHILD = textwrap.dedent(
    """
    import json, os, sys
    import boto3
    session = boto3.Session(region_name="us-east-1")
    sts = session.client("sts")
    signed = []
    def remember(request, **_):
        signed.append(request.headers["Authorization"].decode().split("Credential=")[1].split("/")[0])
    sts.meta.events.register("before-send.sts", remember)
    print(json.dumps({"keys": sorted(k for k in os.environ if k.startswith("AWS_"))}), flush=True)
    for line in sys.stdin:
        arn = sts.get_caller_identity()["Arn"]
        method = session.get_credentials().method
        print(json.dumps({"arn": arn, "key": signed[-1], "method": method}), flush=True)
    """
)


class Clock:
    """This machine's time, moved on by the test: "fifteen minutes later" in no time at all."""

    def __init__(self) -> None:
        self.ahead = dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.ahead


@pytest.fixture
def short_profile(cobus: Org) -> str:
    """A hand-written role profile for staging's administrator whose sessions last 15 minutes."""
    config = Path(cobus.env["AWS_CONFIG_FILE"])
    role = f"arn:aws:iam::{cobus.ids['staging']}:role/administrator"
    mfa = f"arn:aws:iam::{cobus.ids['master']}:mfa/cobus"
    config.write_text(
        config.read_text() + f"\n[profile {SHORT}]\nrole_arn = {role}\nsource_profile = demo-master-cobus\n"
        f"mfa_serial = {mfa}\nrole_session_name = cobus\nduration_seconds = 900\nregion = us-east-1\n"
    )
    return SHORT


@pytest.fixture
def child_env(cobus: Org) -> dict[str, str]:
    """cobus's shell, less any AWS key: whatever the child signs with comes from the server."""
    env: dict[str, str] = cobus.extra["env"]
    return {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}


class Child:
    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.keys: list[str] = self._line()["keys"]

    def _line(self) -> dict[str, object]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, self.process.stderr.read() if self.process.stderr else "the child ended"
        answer: dict[str, object] = json.loads(line)
        return answer

    def call(self) -> dict[str, object]:
        """One AWS call by the child, now."""
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        return self._line()

    def end(self) -> str:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)
        return self.process.stderr.read() if self.process.stderr else ""


@pytest.fixture
def served(
    cobus: Org, short_profile: str, child_env: dict[str, str]
) -> Iterator[tuple[Clock, Child, RenewedCredentials]]:
    """The server `exec --server` runs, in this process so its clock can be moved, with a child on it."""
    clock = Clock()
    broker = Broker(Options(mfa_command=cobus.extra["env"]["ROLEGATE_MFA_COMMAND"]), clock=clock)
    first = broker.credentials(short_profile)
    renewed = RenewedCredentials(
        lambda: broker.credentials(short_profile), clock=clock, margin=dt.timedelta(minutes=5), current=first
    )
    with CredentialServer(renewed) as server:
        child = Child({**child_env, **server.environment()})
        yield clock, child, renewed
        child.end()


def test_a_child_that_outlives_the_role_session_keeps_getting_new_valid_credentials(
    cobus: Org, served: tuple[Clock, Child, RenewedCredentials]
) -> None:
    clock, child, renewed = served
    staging = f"arn:aws:sts::{cobus.ids['staging']}:assumed-role/administrator/cobus"

    assert "AWS_SECRET_ACCESS_KEY" not in child.keys and "AWS_CONTAINER_CREDENTIALS_FULL_URI" in child.keys
    first, again = child.call(), child.call()
    assert first["arn"] == again["arn"] == staging and first["method"] == "container-role"
    assert first["key"] == again["key"] and renewed.renewals == 0  # fresh: the same session, no AssumeRole

    seen = [first["key"]]
    for minutes in (11, 22, 33, 44):  # the child has now run three times the session's 15 minutes
        clock.ahead = dt.timedelta(minutes=minutes)
        later = child.call()
        assert later["arn"] == staging  # AWS took the new credentials: they are valid…
        assert later["key"] not in seen  # …and new: the child came back and got another session
        seen.append(later["key"])

    # Each session moto makes ends 15 real minutes on, so at a clock moved past that every fetch renews:
    # at least one renewal per step, all from the one MFA session, so one code in all.
    assert renewed.renewals >= 4
    assert asked(cobus) == 1


def test_rolegate_exec_runs_the_command_on_the_server_and_keeps_secrets_out_of_its_output(
    cobus: Org, short_profile: str
) -> None:
    script = (
        "import os, boto3; s = boto3.Session(); c = s.get_credentials(); "
        "print(c.method, os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'].startswith('http://127.0.0.1:'), "
        "'AWS_SECRET_ACCESS_KEY' in os.environ, '127.0.0.1' in os.environ['NO_PROXY'].split(','), "
        "s.client('sts').get_caller_identity()['Arn'])"
    )
    done = run(cobus, "-v", "exec", short_profile, "--", sys.executable, "-c", script)

    assert done.returncode == 0, done.stderr
    method, loopback_uri, secret_in_env, no_proxy, arn = done.stdout.split()
    assert (method, loopback_uri, secret_in_env, no_proxy) == ("container-role", "True", "False", "True")
    assert arn == f"arn:aws:sts::{cobus.ids['staging']}:assumed-role/administrator/cobus"
    assert "credential server on http://127.0.0.1:" in done.stderr  # said with -v, and nothing secret:
    assert "Token" not in done.stderr and "AWS_CONTAINER_AUTHORIZATION_TOKEN" not in done.stderr


def test_no_server_puts_the_keys_in_the_environment_as_before(cobus: Org, short_profile: str) -> None:
    script = (
        "import os; e = os.environ; "
        "print('AWS_SECRET_ACCESS_KEY' in e, 'AWS_CONTAINER_CREDENTIALS_FULL_URI' in e)"
    )
    done = run(cobus, "exec", "--no-server", short_profile, "--", sys.executable, "-c", script)

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]


def test_a_default_profile_with_keys_would_win_so_server_refuses_and_the_default_falls_back(
    cobus: Org, short_profile: str
) -> None:
    credentials = Path(cobus.env["AWS_SHARED_CREDENTIALS_FILE"])
    credentials.write_text(credentials.read_text() + "\n[default]\naws_access_key_id = AKIAOTHER\n")
    script = "import os; print('AWS_CONTAINER_CREDENTIALS_FULL_URI' in os.environ)"

    refused = run(cobus, "exec", "--server", short_profile, "--", sys.executable, "-c", script)
    fallen_back = run(cobus, "exec", short_profile, "--", sys.executable, "-c", script)

    assert refused.returncode == 1 and "[default] aws_access_key_id" in refused.stderr
    assert "--no-server" in refused.stderr and "Traceback" not in refused.stderr
    assert fallen_back.returncode == 0 and fallen_back.stdout.split() == ["False"]
    assert "would win over a credential server" in fallen_back.stderr


# -- who may ask -------------------------------------------------------------------------------------------


def ask(server: CredentialServer, headers: dict[str, str], *, method: str = "GET", path: str = PATH) -> int:
    host, port = server.address
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for key, value in headers.items():
            connection.putheader(key, value)
        connection.endheaders()
        answer = connection.getresponse()
        body = answer.read().decode()
        assert (server.token not in body and "SecretAccessKey" not in body) or answer.status == 200
        return answer.status
    finally:
        connection.close()


def wrong_tokens(token: str) -> list[str | None]:
    """Authorization headers that are not this run's token: near misses, other schemes, other runs'. (Spaces
    before the value are HTTP's optional whitespace, not part of it: a header " TOKEN" is the token.)"""
    return [
        None, "", " ", token[:-1], token + "x", token[1:], "x" + token, token.upper(), token.lower(),
        f"Bearer {token}", f"Basic {token}", f"{token} ", token[::-1], token * 2,
        token[: len(token) // 2], "null", "undefined", "*", "0", "A" * len(token),
        ("-" if token[0] == "_" else "_") + token[1:],
        token + ",", f"{token}\x00", f"Token {token}",
        token[:10] + ("A" if token[10] != "A" else "B") + token[11:],
    ]  # fmt: skip


@pytest.fixture
def server(cobus: Org, short_profile: str) -> Iterator[CredentialServer]:
    broker = Broker(Options(mfa_command=cobus.extra["env"]["ROLEGATE_MFA_COMMAND"]))
    renewed = RenewedCredentials(lambda: broker.credentials(short_profile))
    with CredentialServer(renewed) as running:
        yield running


def test_a_request_without_the_exact_token_is_refused(server: CredentialServer) -> None:
    host = "{}:{}".format(*server.address)
    statuses = {}
    for header in wrong_tokens(server.token):
        headers = {"Host": host} | ({} if header is None else {"Authorization": header})
        try:
            statuses[header] = ask(server, headers)
        except ValueError:  # http.client refuses to send a header with NUL: nothing reaches the server
            continue

    accepted = [repr(header) for header, status in statuses.items() if status != 403]
    assert len(statuses) >= 20 and not accepted, accepted
    assert ask(server, {"Host": host, "Authorization": server.token}) == 200


def test_a_rebound_name_another_path_or_method_gets_nothing(server: CredentialServer) -> None:
    host, port = server.address
    token = {"Authorization": server.token}
    other_hosts = [
        f"evil.example:{port}",
        f"localhost:{port}",
        f"{host}:{port + 1}",
        host,
        "",
        f"{host}:{port}.",
    ]

    assert {ask(server, {"Host": other} | token) for other in other_hosts} == {403}
    assert ask(server, {"Host": f"{host}:{port}"} | token, path="/") == 404
    assert ask(server, {"Host": f"{host}:{port}"}, path="/") == 403  # no token: the path is not even said
    assert {ask(server, {"Host": f"{host}:{port}"} | token, method=m) for m in ("POST", "PUT", "DELETE")} == {
        405
    }


def test_the_server_listens_on_loopback_only_and_stops_with_the_run(server: CredentialServer) -> None:
    host, port = server.address
    assert host == "127.0.0.1" and server.uri == f"http://127.0.0.1:{port}{PATH}"

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:  # UDP connect sends nothing: it only picks this machine's outward address
            probe.connect(("10.255.255.255", 1))
            outward = probe.getsockname()[0]
        except OSError:  # no route at all: loopback is the only address there is
            outward = "127.0.0.1"
    if not outward.startswith("127."):
        with pytest.raises(ConnectionRefusedError), socket.create_connection((outward, port), timeout=5):
            pass

    server.stop()
    with pytest.raises(ConnectionRefusedError), socket.create_connection((host, port), timeout=5):
        pass


def test_with_nobody_at_the_terminal_a_renewal_that_needs_mfa_fails_the_request_clearly(
    cobus: Org, short_profile: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(cobus, "logout").returncode == 0  # the MFA session is gone: a renewal needs a code
    monkeypatch.delenv("ROLEGATE_MFA_COMMAND")
    broker = Broker(Options(ask=False))
    with CredentialServer(RenewedCredentials(lambda: broker.credentials(short_profile))) as running:
        host = "{}:{}".format(*running.address)
        connection = http.client.HTTPConnection(*running.address, timeout=10)
        connection.request("GET", PATH, headers={"Host": host, "Authorization": running.token})
        answer = connection.getresponse()
        body = json.loads(answer.read())
        connection.close()

    assert answer.status == 500 and body["code"] == "CredentialsError"
    assert "does not ask" in body["message"] and "mfa_process" in body["message"]
    assert asked(cobus) == 0  # nobody was asked, and nothing waited for an answer


def test_exec_tags_names_and_source_identity_reach_assume_role_and_stay_out_of_the_cache(
    cobus: Org, short_profile: str
) -> None:
    who = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"
    named = run(
        cobus, "exec", "--session-name", "cobus-release-42", "--source-identity", "cobus",
        "--tag", "ticket=OPS-42", "--tag", "team=platform", short_profile, "--", sys.executable, "-c", who,
    )  # fmt: skip
    plain = run(cobus, "credential-process", short_profile)

    assert named.returncode == 0, named.stderr
    assert named.stdout.strip().endswith(":assumed-role/administrator/cobus-release-42")
    assert plain.returncode == 0, plain.stderr
    plain_arn = subprocess.run(
        [sys.executable, "-c", who],
        env={**cobus.extra["env"], "AWS_ACCESS_KEY_ID": json.loads(plain.stdout)["AccessKeyId"],
             "AWS_SECRET_ACCESS_KEY": json.loads(plain.stdout)["SecretAccessKey"],
             "AWS_SESSION_TOKEN": json.loads(plain.stdout)["SessionToken"]},
        capture_output=True, text=True, timeout=60, check=False,
    ).stdout.strip()  # fmt: skip
    assert plain_arn.endswith(":assumed-role/administrator/cobus")  # the named session was not cached

    for command in ("credential-process", "env"):  # the SDKs' and the shell's ways take the same options
        given = run(cobus, command, short_profile, "--session-name", f"cobus-{command}", "--tag", "a=b")
        assert given.returncode == 0, given.stderr
        if command == "credential-process":
            answer = json.loads(given.stdout)
            arn = identity(answer["AccessKeyId"], answer["SecretAccessKey"], answer["SessionToken"])
            assert arn.endswith(":assumed-role/administrator/cobus-credential-process")
        else:
            assert "export AWS_SESSION_TOKEN=" in given.stdout


def identity(key: str, secret: str, token: str) -> str:
    import boto3

    sts = boto3.client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )
    return str(sts.get_caller_identity()["Arn"])


def test_a_bad_tag_is_a_usage_error_before_any_call(cobus: Org) -> None:
    done = subprocess.run(
        [ROLEGATE, "exec", "--tag", "aws:team=x", "--session-name", "x", "demo-staging-cobus", "--", "true"],
        env=cobus.extra["env"], capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert done.returncode == 2 and "aws:" in done.stderr and "--session-name 'x'" in done.stderr
    assert asked(cobus) == 0


# The command's clean-up after a signal: it says it is ready, waits for the signal, then makes one AWS call
# (through the server, which must still answer) and exits with a status of its own.
CLEANUP = textwrap.dedent(
    """
    import signal, sys, boto3
    got = []
    signal.signal(signal.SIGINT, lambda n, f: got.append(n))
    signal.signal(signal.SIGTERM, lambda n, f: got.append(n))
    print("ready", flush=True)
    while not got:
        signal.pause()
    print(signal.Signals(got[0]).name, boto3.client("sts").get_caller_identity()["Arn"], flush=True)
    sys.exit(4)
    """
)


@pytest.mark.parametrize("how", ["ctrl-c at the terminal", "sigterm to rolegate"])
def test_a_signalled_command_finishes_its_clean_up_with_credentials_and_its_own_status(
    cobus: Org, short_profile: str, how: str
) -> None:
    import os
    import signal

    rolegate_exec = subprocess.Popen(
        [ROLEGATE, "exec", short_profile, "--", sys.executable, "-c", CLEANUP],
        env=cobus.extra["env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )  # fmt: skip
    assert rolegate_exec.stdout is not None and rolegate_exec.stdout.readline() == "ready\n"

    if how == "ctrl-c at the terminal":
        os.killpg(rolegate_exec.pid, signal.SIGINT)  # the terminal interrupts the whole foreground group
    else:
        rolegate_exec.send_signal(signal.SIGTERM)  # a CI runner stops rolegate alone: it passes it on
    out, err = rolegate_exec.communicate(timeout=60)

    assert rolegate_exec.returncode == 4, err  # the command's status: it was not killed, nor was it 130
    name, arn = out.split()
    assert name == ("SIGINT" if how == "ctrl-c at the terminal" else "SIGTERM")
    assert arn == f"arn:aws:sts::{cobus.ids['staging']}:assumed-role/administrator/cobus"
