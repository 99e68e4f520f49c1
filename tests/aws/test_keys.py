"""The hub user's access key, from a plaintext file to the secure store and through rotations.

Given the seed applied on moto with cobus's key pasted into ~/.aws/credentials (as the seed has it), when
cobus runs `rolegate keys add`, then the key lives in rolegate's store only, and the `aws` CLI and rolegate's
role credentials still work through it. When a new hub user, dana, gets hers with `rolegate keys create`
and rotates it, the old key is gone in IAM, the new one works and the store holds only the new one — also
when a rotation is cut off half way and run again.

moto accepts GetCallerIdentity from a key at once and enforces no IAM permissions: the wait for IAM's
propagation is shown with an injected InvalidClientTokenId, and whether a hub user may rotate their own key
(IAM's self-service policy) is not tested here.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import ROLEGATE, FaultInjector, Org, Result, rolegate, run, user_env
from tests.terminal import drain, read_until

from rolegate.atomic import BACKUP_MARK
from rolegate.aws.moto_local import MANAGEMENT_ACCOUNT, LocalAws
from rolegate.creds.keys import KeyClients, StoredKey, key_entry
from rolegate.creds.store import FileStore

pytestmark = pytest.mark.aws

DANA = "demo-master-dana"


class Seen:
    """Everything the tests printed or ran, to grep for secrets at the end."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.secrets: set[str] = set()

    def add(self, result: Result | subprocess.CompletedProcess[str]) -> Any:
        if isinstance(result, Result):
            self.texts += [result.out, result.err]
        else:
            self.texts += [result.stdout, result.stderr]
        return result

    def assert_clean(self, root: Path, allowed: tuple[Path, ...] = ()) -> None:
        """No secret in any output, nor in any file under root but the backups the user was told about."""
        assert self.secrets
        for secret in self.secrets:
            assert all(secret not in text for text in self.texts)
            for path in root.rglob("*"):
                if path.is_file() and path not in allowed:
                    assert secret.encode() not in path.read_bytes(), path


@pytest.fixture
def seen() -> Seen:
    return Seen()


def aws(org: Org, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["aws", *args, "--output", "json"], env=org.extra["env"], capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip


def caller(org: Org, profile: str, seen: Seen) -> str:
    done = seen.add(aws(org, "sts", "get-caller-identity", "--profile", profile))
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["Arn"])


def stored(profile: str) -> StoredKey:
    text = FileStore().get(key_entry(profile))
    assert text is not None
    return StoredKey.loads(text)


def iam_keys(org: Org, user: str) -> dict[str, str]:
    listed = org.client("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]
    return {k["AccessKeyId"]: k["Status"] for k in listed}


@pytest.fixture
def dana(
    aws_env: dict[str, str],
    local_aws: LocalAws,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    seen: Seen,
) -> Org:
    """A new hub user with no key yet, her key made by the operator (the SDK's usual credentials) straight
    into the store. Only the hub account: keys need no organization around them."""
    env = user_env(aws_env)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    org = Org(local_aws.url, {"master": MANAGEMENT_ACCOUNT}, tmp_path, aws_env, {"env": env})
    org.client("iam").create_user(UserName="dana")
    done = seen.add(rolegate(capsys, "keys", "create", "--user", "dana", "--profile", DANA))
    assert done.code == 0, done.err
    seen.secrets.add(stored(DANA).key.secret_access_key)
    return org


def test_keys_add_moves_the_seeds_plaintext_key_into_the_store_and_everything_still_works(
    cobus: Org,
    capsys: pytest.CaptureFixture[str],
    seen: Seen,
) -> None:
    credentials = Path(cobus.env["AWS_SHARED_CREDENTIALS_FILE"])
    secret = cobus.extra["keys"]["SecretAccessKey"]
    seen.secrets.add(secret)
    neighbour = "# my own account, not rolegate's business\n[personal]\naws_access_key_id = AKIAPERSONAL\n"
    credentials.write_text(neighbour + "\n" + credentials.read_text())
    before = credentials.read_text()

    config_file = str(cobus.extra["config"])  # rolegate.yaml names the hub profile: demo-master-cobus
    beside = seen.add(rolegate(capsys, "-c", config_file, "keys", "create", "--user", "cobus"))
    assert beside.code == 1 and "`rolegate keys add demo-master-cobus`" in beside.err  # not a second key
    asked = seen.add(rolegate(capsys, "keys", "add", "demo-master-cobus"))
    assert asked.code == 1 and "--yes" in asked.err and credentials.read_text() == before

    done = seen.add(rolegate(capsys, "keys", "add", "demo-master-cobus", "--yes"))

    assert done.code == 0, done.err
    assert credentials.read_text() == neighbour + "\n"  # cobus's section gone, the rest byte for byte
    backups = tuple(credentials.parent.glob(f"credentials{BACKUP_MARK}*"))
    assert [b.read_text() for b in backups] == [before] and "still holds the key in plain text" in done.out
    config = Path(cobus.env["AWS_CONFIG_FILE"]).read_text()
    assert "keys credential-process demo-master-cobus" in config
    assert stored("demo-master-cobus").key.access_key_id == cobus.extra["keys"]["AccessKeyId"]

    assert caller(cobus, "demo-master-cobus", seen).endswith(":user/cobus")
    role = seen.add(run(cobus, "credential-process", "demo-production-cobus"))  # the broker reads the store
    assert role.returncode == 0, role.stderr
    assert json.loads(role.stdout)["AccessKeyId"] != cobus.extra["keys"]["AccessKeyId"]
    assert seen.add(run(cobus, "logout")).returncode == 0  # sessions forgotten, the key kept
    assert stored("demo-master-cobus").key.secret_access_key == secret

    rewritten = seen.add(
        rolegate(capsys, "-c", str(cobus.extra["config"]), "profiles", "-u", "cobus", "--write")
    )
    assert (
        rewritten.code == 0 and Path(cobus.env["AWS_CONFIG_FILE"]).read_text() == config
    )  # the wiring stays
    unwired = config.replace("credential_process", "# credential_process")
    Path(cobus.env["AWS_CONFIG_FILE"]).write_text(unwired)
    direct = run(cobus, "credential-process", "demo-staging-cobus")  # the broker reads the store itself
    assert direct.returncode == 0, direct.stderr
    seen.add(subprocess.CompletedProcess([], 0, "", direct.stderr))
    doctor = seen.add(run(cobus, "doctor"))
    assert "access key" in doctor.stdout and "of cobus" in doctor.stdout
    seen.assert_clean(Path(cobus.env["HOME"]).parent, allowed=backups)


def test_create_then_rotate_the_old_key_is_gone_the_new_one_works_and_only_it_is_stored(
    dana: Org, capsys: pytest.CaptureFixture[str], seen: Seen
) -> None:
    first = stored(DANA).key.access_key_id
    assert caller(dana, DANA, seen).endswith(":user/dana")
    assert iam_keys(dana, "dana") == {first: "Active"}
    assert not Path(dana.env["AWS_SHARED_CREDENTIALS_FILE"]).exists()  # nothing in plain text, ever

    done = seen.add(rolegate(capsys, "keys", "rotate", "--profile", DANA))

    assert done.code == 0, done.err
    now = stored(DANA)
    seen.secrets.add(now.key.secret_access_key)
    assert now.key.access_key_id != first and now.pending is None and not now.retiring
    assert iam_keys(dana, "dana") == {now.key.access_key_id: "Active"}
    assert caller(dana, DANA, seen).endswith(":user/dana")
    process = run(dana, "keys", "credential-process", DANA)  # prints the secret: that is its job
    assert json.loads(process.stdout)["AccessKeyId"] == now.key.access_key_id
    assert first in done.out and "deleted" in done.out
    seen.assert_clean(Path(dana.env["HOME"]).parent)


def test_create_is_refused_when_the_user_already_has_two_keys_or_the_profile_has_one(
    dana: Org, capsys: pytest.CaptureFixture[str], seen: Seen
) -> None:
    dana.client("iam").create_access_key(UserName="dana")  # made in the console, say: now she has two
    before = iam_keys(dana, "dana")

    again = seen.add(rolegate(capsys, "keys", "create", "--user", "dana", "--profile", DANA))
    full = seen.add(rolegate(capsys, "keys", "create", "--user", "dana", "--profile", "demo-master-dana2"))

    assert again.code == 1 and "already holds" in again.err and "keys rotate" in again.err
    assert full.code == 1 and "IAM maximum of 2" in full.err and "not in rolegate's store" in full.err
    assert iam_keys(dana, "dana") == before
    assert FileStore().get(key_entry("demo-master-dana2")) is None


@pytest.mark.parametrize(
    ("operation", "step", "store_uses"),
    [("GetCallerIdentity", "step 3 of 6 (prove", "old"), ("DeleteAccessKey", "step 6 of 6 (delete", "new")],
)
def test_a_rotation_cut_off_half_way_leaves_a_working_key_and_a_rerun_finishes(
    dana: Org,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    seen: Seen,
    operation: str,
    step: str,
    store_uses: str,
) -> None:
    old = stored(DANA).key.access_key_id
    monkeypatch.setattr(KeyClients, "pace", 0.0)
    monkeypatch.setattr(KeyClients, "hooks", [FaultInjector(operation, "InvalidClientTokenId", times=99)])

    cut = seen.add(rolegate(capsys, "keys", "rotate"))

    assert cut.code == 1 and step in cut.err and "run `rolegate keys rotate` again" in cut.err
    half = stored(DANA)
    new = (half.pending or half.key).access_key_id
    seen.secrets.add((half.pending or half.key).secret_access_key)
    assert new != old and set(iam_keys(dana, "dana")) == {old, new}
    assert half.key.access_key_id == (old if store_uses == "old" else new)
    assert caller(dana, DANA, seen).endswith(":user/dana")  # whatever step failed, the stored key works

    monkeypatch.setattr(KeyClients, "hooks", [])
    rerun = seen.add(rolegate(capsys, "keys", "rotate"))

    assert rerun.code == 0, rerun.err
    assert "resuming" in rerun.err
    done = stored(DANA)
    assert done.key.access_key_id == new and done.pending is None and not done.retiring
    assert iam_keys(dana, "dana") == {new: "Active"}
    assert caller(dana, DANA, seen).endswith(":user/dana")
    seen.assert_clean(Path(dana.env["HOME"]).parent)


def test_keep_old_stops_at_deactivation_and_the_next_rotation_makes_room(
    dana: Org, capsys: pytest.CaptureFixture[str], seen: Seen
) -> None:
    first = stored(DANA).key.access_key_id

    kept = seen.add(rolegate(capsys, "keys", "rotate", "--keep-old"))
    second = stored(DANA).key.access_key_id
    again = seen.add(rolegate(capsys, "keys", "rotate"))
    third = stored(DANA)

    assert kept.code == 0 and again.code == 0, again.err
    assert "kept" in kept.out and first in again.err
    assert iam_keys(dana, "dana") == {third.key.access_key_id: "Active"}
    assert third.key.access_key_id not in (first, second) and not third.kept


def test_keys_list_shows_age_last_use_status_and_which_key_rolegate_keeps(
    dana: Org, capsys: pytest.CaptureFixture[str], seen: Seen
) -> None:
    caller(dana, DANA, seen)  # used once

    data = seen.add(rolegate(capsys, "keys", "list", "--all-users", "--json"))
    table = seen.add(rolegate(capsys, "keys", "list", "--all-users"))

    assert data.code == 0 and table.code == 0, data.err + table.err
    rows = {r["user"]: r for r in json.loads(data.out)}
    assert rows["dana"]["stored_as"] == DANA and rows["dana"]["status"] == "Active"
    assert rows["dana"]["age_days"] == 0 and rows["dana"]["level"] in ("ok", "unused")
    assert "dana" in table.out and DANA in table.out and "days" in table.out


def test_the_encrypted_store_file_is_private_and_unreadable_without_its_key(
    dana: Org, tmp_path: Path, seen: Seen
) -> None:
    path = Path(FileStore().path(key_entry(DANA)))

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stranger = FileStore(directory=str(path.parent), key_file=str(tmp_path / "another.key"))
    FileStore(directory=str(tmp_path / "x"), key_file=stranger.key_file).put("warm-up", "makes the other key")
    assert stranger.get(key_entry(DANA)) is None
    seen.assert_clean(Path(dana.env["HOME"]).parent)


def test_keys_add_takes_the_consoles_csv_download_on_stdin(dana: Org, seen: Seen) -> None:
    dana.client("iam").create_user(UserName="erin")
    made = dana.client("iam").create_access_key(UserName="erin")["AccessKey"]
    seen.secrets.add(made["SecretAccessKey"])
    csv = f"Access key ID,Secret access key\n{made['AccessKeyId']},{made['SecretAccessKey']}\n"

    done = seen.add(run(dana, "keys", "add", "demo-master-erin", "--stdin", "--yes", input=csv))

    assert done.returncode == 0, done.stderr
    assert stored("demo-master-erin").key.access_key_id == made["AccessKeyId"]
    assert caller(dana, "demo-master-erin", seen).endswith(":user/erin")
    assert not Path(dana.env["AWS_SHARED_CREDENTIALS_FILE"]).exists()
    seen.assert_clean(Path(dana.env["HOME"]).parent)


def on_a_terminal(
    org: Org, *args: str, answer: bytes | None = None, operator: bool = False
) -> tuple[str, int]:
    """`rolegate ARGS` on a terminal (stdin and stdout), as a person runs it: what they saw, and the exit."""
    import pty

    env = dict(org.extra["env"])
    if operator:  # the SDK's usual credentials: here, the hub account's operator
        env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    master, slave = pty.openpty()
    child = subprocess.Popen([ROLEGATE, *args], stdin=slave, stdout=slave, stderr=subprocess.STDOUT, env=env)
    os.close(slave)
    screen = b""
    if answer is not None:
        screen += read_until(master, b"[y/N]")
        os.write(master, answer)
    code = child.wait(timeout=120)
    screen += drain(master)
    os.close(master)
    return screen.decode(), code


def test_on_a_terminal_keys_add_asks_first_and_create_shows_the_secret_only_with_show(
    dana: Org, seen: Seen
) -> None:
    iam = dana.client("iam")
    iam.create_user(UserName="erin")
    made = iam.create_access_key(UserName="erin")["AccessKey"]
    credentials = Path(dana.env["AWS_SHARED_CREDENTIALS_FILE"])
    text = f"[erin]\naws_access_key_id = {made['AccessKeyId']}\n"
    text += f"aws_secret_access_key = {made['SecretAccessKey']}\n"
    credentials.write_text(text)

    declined, no = on_a_terminal(dana, "keys", "add", "erin", answer=b"n\n")
    assert no == 1 and "nothing was changed" in declined and credentials.read_text() == text
    accepted, yes = on_a_terminal(dana, "keys", "add", "erin", answer=b"y\n")
    assert yes == 0 and "backup" in accepted and credentials.read_text() == ""
    assert made["SecretAccessKey"] not in declined + accepted

    iam.create_user(UserName="fay")
    quiet, made_it = on_a_terminal(dana, "keys", "create", "--user", "fay", "--profile", "fay", operator=True)
    assert made_it == 0, quiet
    secret = stored("fay").key.secret_access_key
    assert secret not in quiet
    iam.create_user(UserName="gus")
    shown, code = on_a_terminal(
        dana, "keys", "create", "-u", "gus", "--profile", "gus", "--show", operator=True
    )
    assert code == 0 and stored("gus").key.secret_access_key in shown


def test_keys_add_refuses_a_key_aws_does_not_accept_and_changes_nothing(
    dana: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, seen: Seen
) -> None:
    """moto answers GetCallerIdentity for any key, even one it never issued (as user `moto`): AWS's refusal
    of a deleted key is injected here."""
    import io

    monkeypatch.setattr(KeyClients, "hooks", [FaultInjector("GetCallerIdentity", "InvalidClientTokenId", 9)])
    monkeypatch.setattr("sys.stdin", io.StringIO("AKIANOSUCHKEY0000000 not-a-secret"))

    refused = seen.add(rolegate(capsys, "keys", "add", "erin", "--stdin", "--yes"))

    assert refused.code == 1 and "does not accept the key AKIANOSUCHKEY0000000" in refused.err
    assert "nothing was changed" in refused.err and key_entry("erin") not in FileStore().names()
    assert "not-a-secret" not in refused.all


def test_the_hub_key_is_handed_to_the_sdk_without_loading_the_sdk_or_the_command_line(dana: Org) -> None:
    """Given dana's key in the store, when the AWS CLI asks for the hub profile's credentials (before every
    first request), then rolegate answers from the store alone: no boto3, click or rich imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c",
         f"import sys; sys.argv = ['rolegate', 'keys', 'credential-process', {DANA!r}]; "
         "from rolegate.entry import main; main()"],
        env=dana.extra["env"], capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert done.returncode == 0 and json.loads(done.stdout)["AccessKeyId"] == stored(DANA).key.access_key_id
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()}
    assert not imported & {"boto3", "botocore", "click", "rich", "pydantic"}


def test_a_profile_that_cannot_be_wired_is_refused_before_any_key_is_made(
    dana: Org, capsys: pytest.CaptureFixture[str], seen: Seen
) -> None:
    """Given an SSO profile in ~/.aws/config, when dana's key is created for it by mistake, then rolegate
    refuses before asking IAM for a key: IAM's two keys per user are not spent on a key nobody can use."""
    config = Path(dana.env["AWS_CONFIG_FILE"])
    config.write_text(config.read_text() + "\n[profile ops-sso]\nsso_session = corp\nsso_account_id = 1\n")
    before = iam_keys(dana, "dana")

    refused = seen.add(rolegate(capsys, "keys", "create", "--user", "dana", "--profile", "ops-sso"))

    assert refused.code == 1 and "ops-sso" in refused.err and "Traceback" not in refused.err
    assert iam_keys(dana, "dana") == before
    assert FileStore().get(key_entry("ops-sso")) is None
