"""The snapshot file: given an organization read in rolegate.yaml's order of accounts, when it is written with
`rolegate snapshot -o` and read back for `access --snapshot`, then the accounts keep the file's order (the
JSON's keys are sorted, so two snapshots diff cleanly; the order is kept beside them)."""

from __future__ import annotations

import json

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
