"""In a breach: given the seed applied on moto, when the operator locks production down and later restores
it, then production is exactly as before, development was never touched, and nobody reached production in
between, except rolegate's own way back in.

moto does not enforce trust policies, MFA or `aws:TokenIssueTime` (MOTO-NOTES.md): AssumeRole succeeds
whatever the trust policy says. So what moto shows here is what rolegate *writes*; what those documents
*allow* is decided by rolegate's own IAM evaluator (`AccessGraph(snapshot).matrix()`, and the evaluator's
`evaluate` for the operator, who is no IAM user in moto), which the access corpus tests against IAM's rules.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import Org, seed_config
from tests.helpers import FaultInjector, rolegate

from rolegate.access.graph import AccessGraph
from rolegate.access.policy import Context, evaluate, statements
from rolegate.aws.session import AwsSessions
from rolegate.respond.journal import state_dir
from rolegate.runner import read_everything
from rolegate.state.collect import ReadPlan, read_account
from rolegate.state.snapshot import Snapshot

pytestmark = pytest.mark.aws

OPERATOR = "arn:aws:iam::123456789012:user/moto"  # who moto's test credentials are (GetCallerIdentity)


def applied(org: Org, capsys: pytest.CaptureFixture[str]) -> str:
    config = str(org.write_config(seed_config(org.ids)))
    result = rolegate(capsys, "-c", config, "apply", "--yes", "--password-out", str(org.workdir / "pw"))
    assert result.code == 0, result.all
    return config


def account_state(org: Org, name: str) -> dict[str, Any]:
    """Everything IAM says about one account's principals: documents, attachments, inline policies, tags."""
    sessions = AwsSessions(None, "us-east-1")
    state = read_account(sessions.iam(org.ids[name]), ReadPlan(name, org.ids[name], role_sessions=True))
    return _plain(state)


def _plain(state: Any) -> dict[str, Any]:
    from dataclasses import asdict

    data = asdict(state)
    return {"roles": data["roles"], "users": data["users"], "policies": data["policies"], "groups": data["groups"]}


def snapshot(org: Org, config: str) -> Snapshot:
    from rolegate.model.load import load

    loaded = load(Path(config))
    return read_everything(loaded.config, AwsSessions(None, "us-east-1"))


def reach(taken: Snapshot, user: str, account: str) -> dict[str, str]:
    return {
        row.role: row.reachable
        for row in AccessGraph(taken).matrix()
        if row.principal_name == user and row.account == account
    }


def reaches_nothing(taken: Snapshot, user: str, account: str) -> bool:
    return all(v == "no" for v in reach(taken, user, account).values())


def test_lockdown_then_restore_leaves_production_exactly_as_before_and_development_untouched(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = applied(org, capsys)
    before = {name: account_state(org, name) for name in ("production", "development")}
    taken = snapshot(org, config)
    assert reach(taken, "cobus", "production") == {
        "OrganizationAccountAccessRole": "yes",
        "administrator": "yes",
    }

    locked = rolegate(capsys, "-c", config, "lockdown", "production", "--yes", "--reason", "INC-42 leaked key")

    assert locked.code == 0, locked.all
    assert "production is locked down" in locked.out
    during = account_state(org, "production")
    for role in ("administrator", "OrganizationAccountAccessRole"):
        trust = during["roles"][role]["trust_policy"]["Statement"]
        assert trust[-1]["Sid"] == "RolegateLockdown" and trust[-1]["Effect"] == "Deny"
        revoke = during["roles"][role]["inline_policies"]["RolegateLockdown"]["Statement"][0]
        assert revoke["Effect"] == "Deny" and "aws:TokenIssueTime" in revoke["Condition"]["DateLessThan"]
        assert any(k.startswith("rolegate:lockdown:") for k in during["roles"][role]["tags"])
    assert account_state(org, "development") == before["development"]
    journal = state_dir() / f"{org.ids['production']}.json"
    assert oct(journal.stat().st_mode & 0o777) == "0o600"
    assert json.loads(journal.read_text())["lock"]["reason"] == "INC-42 leaked key"
    # While locked, the evaluator finds no way into production for cobus (an administrator of the hub),
    # and development is as reachable as before.
    during_snapshot = snapshot(org, config)
    assert reaches_nothing(during_snapshot, "cobus", "production")
    assert reach(during_snapshot, "cobus", "development") == reach(taken, "cobus", "development")

    restored = rolegate(capsys, "-c", config, "restore", "production", "--yes")

    assert restored.code == 0, restored.all
    assert account_state(org, "production") == before["production"]
    assert account_state(org, "development") == before["development"]
    assert reach(snapshot(org, config), "cobus", "production") == reach(taken, "cobus", "production")
    assert not journal.exists()  # kept aside, renamed, for the incident's record
    assert list(journal.parent.glob(f"{org.ids['production']}.restored-*.json"))
