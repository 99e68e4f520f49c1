"""The snapshot file: given an organization read in rolegate.yaml's order of accounts, when it is written with
`rolegate snapshot -o` and read back for `access --snapshot`, then the accounts keep the file's order (the
JSON's keys are sorted, so two snapshots diff cleanly; the order is kept beside them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.helpers import rolegate

from rolegate.access.graph import AccessGraph
from rolegate.state.snapshot import AccountState, Role, Snapshot, User

ORDER = ("master", "development", "staging", "production")
ASSUME = "sts:AssumeRole"
ASSUME_ANY = {"Statement": [{"Effect": "Allow", "Action": ASSUME, "Resource": "*"}]}


def organization() -> Snapshot:
    snapshot = Snapshot()
    for i, name in enumerate(ORDER):
        snapshot.accounts[name] = AccountState(name, f"{i + 1:012d}")
    hub = snapshot.accounts["master"]
    hub.users["cobus"] = User(
        "cobus", f"arn:aws:iam::{hub.account_id}:user/cobus", "/",
        inline_policies={"all": ASSUME_ANY},
    )  # fmt: skip
    for name in ORDER[1:]:
        account = snapshot.accounts[name]
        trust = {
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": hub.account_id}, "Action": "sts:AssumeRole"}
            ]
        }
        account.roles["administrator"] = Role(
            "administrator", f"arn:aws:iam::{account.account_id}:role/administrator", "/", trust
        )
    return snapshot


def test_the_accounts_keep_the_files_order_through_the_snapshot_file() -> None:
    text = organization().dumps()

    again = Snapshot.from_json(json.loads(text))

    assert tuple(again.accounts) == ORDER
    graph = AccessGraph(again)
    assert [r.account for r in graph.reach(graph.users()[0])] == ["development", "staging", "production"]


def test_a_snapshot_written_before_the_order_was_kept_reads_in_name_order() -> None:
    data = json.loads(organization().dumps())
    del data["account_order"]

    assert tuple(Snapshot.from_json(data).accounts) == tuple(sorted(ORDER))


def test_access_streams_its_json_and_a_misspelt_user_gets_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a snapshot file, when cobus's access is asked offline as JSON, then it is the documented shape,
    one row a line; and when his name is misspelt, one error that suggests it."""
    taken = tmp_path / "org.json"
    taken.write_text(organization().dumps())

    done = rolegate(capsys, "access", "--snapshot", str(taken), "--json")
    typo = rolegate(capsys, "access", "--snapshot", str(taken), "--user", "cobsu")

    data = json.loads(done.out)
    assert done.code == 0 and data["format_version"] == 1 and list(data["accounts"]) == list(ORDER)
    assert [r["account"] for r in data["access"]] == ["development", "staging", "production"]
    assert len(done.out.splitlines()) == 1 + len(data["access"]) + 1  # the head, a line a row, the end
    assert typo.code != 0 and "no user 'cobsu'" in typo.err and "did you mean cobus?" in typo.err
    assert "Traceback" not in typo.err
