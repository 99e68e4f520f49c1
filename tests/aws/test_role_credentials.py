"""Role credentials on demand, as cobus uses them every day: given the seed applied on moto, his hub access
keys in his (sandboxed) credentials file and his profiles written, when he runs `rolegate exec`, `env`,
`credential-process` and `console`, then he lands in the right account, types one MFA code a day, and no
secret shows up anywhere but where he asked for it.

moto accepts any MFA code and does not enforce trust policies: these tests show which calls rolegate makes
and how often it asks for a code, not that AWS would refuse a wrong one (test_seed_walkthrough checks the
trust policy's MFA condition).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.helpers import PROFILES, ROLEGATE, Org, asked, rolegate, run
from tests.terminal import TAKE_TERMINAL, drain, read_until

pytestmark = pytest.mark.aws


def identity(credentials: dict[str, str]) -> str:
    import boto3

    return str(
        boto3.client(
            "sts",
            region_name="us-east-1",
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        ).get_caller_identity()["Arn"]
    )


def test_credential_process_gives_credentials_that_act_in_the_production_account(cobus: Org) -> None:
    done = run(cobus, "credential-process", "demo-production-cobus")

    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["Version"] == 1 and set(answer) == {
        "Version",
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    }
    assert answer["Expiration"].endswith("Z")
    assert identity(answer) == f"arn:aws:sts::{cobus.ids['production']}:assumed-role/administrator/cobus"
    assert answer["SecretAccessKey"] not in done.stderr and done.stderr == ""


def test_exec_runs_the_command_as_the_role_and_returns_its_exit_code(cobus: Org) -> None:
    shown = run(
        cobus, "exec", "demo-staging-cobus", "--",
        "aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text",
    )  # fmt: skip
    environment = run(
        cobus, "exec", "demo-staging-cobus", "--", sys.executable, "-c",
        "import os; e = os.environ; print(e.get('AWS_PROFILE'), e['ROLEGATE_PROFILE'], e['AWS_REGION'])",
    )  # fmt: skip
    failed = run(cobus, "exec", "demo-staging-cobus", "--", "sh", "-c", "exit 7")
    missing = run(cobus, "exec", "demo-staging-cobus", "--", "no-such-command-here")

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == f"arn:aws:sts::{cobus.ids['staging']}:assumed-role/administrator/cobus"
    assert environment.stdout.split() == ["None", "demo-staging-cobus", "us-west-2"]
    assert failed.returncode == 7
    assert missing.returncode == 127 and "command not found: no-such-command-here" in missing.stderr


def test_env_prints_lines_a_shell_evaluates_into_the_role(cobus: Org) -> None:
    script = 'eval "$(rolegate env demo-development-cobus-administrator)"; aws sts get-caller-identity'

    done = subprocess.run(
        ["bash", "-c", script],
        env=cobus.extra["env"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert f"arn:aws:sts::{cobus.ids['development']}:assumed-role/administrator/cobus" in done.stdout


def test_the_aws_cli_uses_credential_process_profiles_rolegate_wrote(
    cobus: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(cobus.extra["config"])
    assert (
        rolegate(capsys, "-c", config, "profiles", "-u", "cobus", "--credential-process", "--write").code == 0
    )
    text = Path(cobus.env["AWS_CONFIG_FILE"]).read_text()
    assert "credential_process = " in text and "\nrole_arn" not in text

    for profile, account in (("demo-production-cobus", "production"), ("demo-staging-cobus", "staging")):
        done = subprocess.run(
            ["aws", "sts", "get-caller-identity", "--profile", profile, "--output", "json"],
            env=cobus.extra["env"], capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["Account"] == cobus.ids[account]
    assert asked(cobus) == 1


def test_one_mfa_code_a_day_however_many_calls_profiles_and_parallel_processes(cobus: Org) -> None:
    for i in range(20):
        done = run(cobus, "credential-process", PROFILES[i % 4])
        assert done.returncode == 0, done.stderr
    assert asked(cobus) == 1  # twenty calls over four roles: one code

    assert run(cobus, "logout").returncode == 0
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: run(cobus, "credential-process", PROFILES[i % 4]), range(8)))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    assert asked(cobus) == 2  # eight at once after logout: one more code, not eight

    expire_everything_cached()
    assert run(cobus, "credential-process", "demo-staging-cobus").returncode == 0
    assert asked(cobus) == 3  # the day is over: one more


def expire_everything_cached() -> None:
    """As if the night had passed: every cached session's expiry moved into the past."""
    import datetime as dt

    from rolegate.creds.credentials import CacheEntry
    from rolegate.creds.store import FileStore

    store = FileStore()
    names = store.names()
    assert names
    for name in names:
        entry = CacheEntry.loads(store.get(name) or "")
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        store.put(name, CacheEntry(entry.credentials._replace(expiration=past), entry.fingerprint).dumps())


def test_role_sessions_last_one_hour_and_are_refreshed_from_the_cached_mfa_session(cobus: Org) -> None:
    import datetime as dt

    from rolegate.creds.credentials import CacheEntry
    from rolegate.creds.store import FileStore

    read_only = json.loads(run(cobus, "credential-process", "demo-development-cobus-read_only").stdout)
    left = dt.datetime.fromisoformat(read_only["Expiration"]) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=55) < left <= dt.timedelta(hours=1)  # 8h asked; AWS allows 1h when chained

    store = FileStore()
    role = "role:demo-development-cobus-read_only"
    entry = CacheEntry.loads(store.get(role) or "")
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)  # inside the refresh margin
    store.put(role, CacheEntry(entry.credentials._replace(expiration=soon), entry.fingerprint).dumps())
    again = json.loads(run(cobus, "credential-process", "demo-development-cobus-read_only").stdout)

    assert again["AccessKeyId"] != read_only["AccessKeyId"]  # a new role session…
    assert asked(cobus) == 1  # …from the cached MFA session, without a prompt


def test_the_warm_path_does_not_import_boto3_or_the_command_line(cobus: Org) -> None:
    assert run(cobus, "credential-process", "demo-production-cobus").returncode == 0

    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c",
         "import sys; sys.argv = ['rolegate', 'credential-process', 'demo-production-cobus']; "
         "from rolegate.entry import main; main()"],
        env=cobus.extra["env"], capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert done.returncode == 0 and json.loads(done.stdout)["Version"] == 1
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()}
    assert not imported & {"boto3", "botocore", "click", "rich", "pydantic", "keyring"}


def test_without_a_terminal_or_command_it_says_what_to_do_instead_of_hanging(cobus: Org) -> None:
    env = {k: v for k, v in cobus.extra["env"].items() if k != "ROLEGATE_MFA_COMMAND"}

    done = subprocess.run(
        [ROLEGATE, "credential-process", "demo-production-cobus"],
        env=env, capture_output=True, text=True, timeout=60, check=False, start_new_session=True,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip

    assert done.returncode == 1 and done.stdout == ""
    assert "no terminal to ask" in done.stderr and "mfa_process" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_prompt_goes_to_the_terminal_and_stdout_holds_only_the_json(cobus: Org) -> None:
    import pty

    env = {k: v for k, v in cobus.extra["env"].items() if k != "ROLEGATE_MFA_COMMAND"}
    master, slave = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-c", TAKE_TERMINAL, ROLEGATE, "credential-process", "demo-production-cobus"],
        env=env, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    try:
        screen = read_until(master, b"MFA code for ")
    except AssertionError:
        child.kill()
        raise AssertionError(child.communicate()) from None
    os.write(master, b"123456\n")
    out, err = child.communicate(timeout=60)
    screen += drain(master)
    os.close(master)

    assert child.returncode == 0, err
    answer = json.loads(out)  # nothing but the JSON
    assert f"arn:aws:iam::{cobus.hub_id}:mfa/cobus" in screen.decode()
    for secret in (answer["SecretAccessKey"], answer["SessionToken"], cobus.extra["keys"]["SecretAccessKey"]):
        assert secret not in screen.decode() and secret not in err
    assert not secrets_in_files(Path(cobus.env["HOME"]) / ".cache", answer)


def secrets_in_files(directory: Path, answer: dict[str, str]) -> list[Path]:
    """Files under `directory` holding a secret in clear."""
    needles = [answer["SecretAccessKey"].encode(), answer["SessionToken"].encode()]
    return [p for p in directory.rglob("*") if p.is_file() and any(n in p.read_bytes() for n in needles)]


def test_no_secret_in_verbose_logs_errors_or_the_cache_and_doctor_shows_only_names(cobus: Org) -> None:
    first = run(cobus, "-v", "credential-process", "demo-production-cobus")
    answer = json.loads(first.stdout)
    doctor = run(cobus, "doctor")
    doctor_json = json.loads(run(cobus, "doctor", "--json").stdout)
    wrong = run(cobus, "-v", "credential-process", "demo-production-cobsu")

    outputs = (
        first.stderr + doctor.stdout + doctor.stderr + json.dumps(doctor_json) + wrong.stdout + wrong.stderr
    )
    for secret in (answer["SecretAccessKey"], answer["SessionToken"], cobus.extra["keys"]["SecretAccessKey"]):
        assert secret not in outputs
    assert not secrets_in_files(Path(cobus.env["HOME"]), answer)
    store_files = list((Path(cobus.env["HOME"]) / ".cache" / "rolegate" / "store").iterdir())
    assert store_files and all(oct(p.stat().st_mode & 0o777) == "0o600" for p in store_files)
    assert doctor_json["store"]["kind"] == "file"
    assert {e["name"] for e in doctor_json["cached"]} == {
        "role:demo-production-cobus",
        f"session:demo-master-cobus:arn:aws:iam::{cobus.hub_id}:mfa/cobus",
    }
    assert "did you mean 'demo-production-cobus'?" in wrong.stderr and wrong.returncode == 1


class _Federation(BaseHTTPRequestHandler):
    sessions: list[dict[str, str]] = []  # noqa: RUF012 - the fake's record of what it was sent

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        assert query["Action"] == ["getSigninToken"]
        self.sessions.append(json.loads(query["Session"][0]))
        body = json.dumps({"SigninToken": "token-from-the-fake"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def federation() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Federation)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/federation"
    server.shutdown()


def test_console_signs_in_through_the_federation_endpoint_as_the_role(cobus: Org, federation: str) -> None:
    done = run(cobus, "console", "demo-production-cobus", "--print-url", "--federation-endpoint", federation)

    assert done.returncode == 0, done.stderr
    url = urlsplit(done.stdout.strip())
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}{url.path}" == federation
    assert query["Action"] == ["login"] and query["SigninToken"] == ["token-from-the-fake"]
    assert query["Destination"] == ["https://us-west-2.console.aws.amazon.com/console/home?region=us-west-2"]
    (session,) = _Federation.sessions[-1:]
    assert set(session) == {"sessionId", "sessionKey", "sessionToken"}
    assert session["sessionKey"] not in done.stdout + done.stderr


def test_logout_of_one_profile_forgets_its_role_and_its_mfa_session_only(cobus: Org) -> None:
    assert run(cobus, "credential-process", "demo-production-cobus").returncode == 0
    assert run(cobus, "credential-process", "demo-staging-cobus").returncode == 0

    done = run(cobus, "-v", "logout", "demo-production-cobus")

    assert done.returncode == 0, done.stderr
    assert "forgot 2 cached sessions" in done.stdout and "role:demo-production-cobus" in done.stdout
    doctor = json.loads(run(cobus, "doctor", "--json").stdout)
    assert [e["name"] for e in doctor["cached"]] == ["role:demo-staging-cobus"]
    assert run(cobus, "credential-process", "demo-staging-cobus").returncode == 0
    assert asked(cobus) == 1  # staging's role session was still cached: no new code


def test_a_profile_whose_source_calls_rolegate_for_itself_is_a_clear_error_not_a_fork_bomb(
    cobus: Org,
) -> None:
    config = Path(cobus.env["AWS_CONFIG_FILE"])
    config.write_text(
        config.read_text()
        + f"\n[profile loop]\ncredential_process = {ROLEGATE} credential-process loop-role\n"
        + "\n[profile loop-role]\nrole_arn = arn:aws:iam::111111111111:role/x\nsource_profile = loop\n"
    )

    done = run(cobus, "credential-process", "loop-role")

    assert done.returncode != 0 and "goes round in a circle" in done.stderr
