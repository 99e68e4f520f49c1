"""Lockdown and restore decided without AWS: given an account as a snapshot shows it, which calls lock it,
which put it back, what the journal holds, and what counts as "changed since the lockdown"."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from tests.builders import MFA, doc, trusts

from rolegate.access.audit import audit
from rolegate.access.graph import AccessGraph
from rolegate.model import marks as mk
from rolegate.model.load import parse
from rolegate.model.marks import POLICY_NAME, SID, has_lockdown, without_lockdown
from rolegate.plan.compile import compile_config
from rolegate.plan.diff import diff
from rolegate.respond import journal as jr
from rolegate.respond.lockdown import (
    compare_account,
    deny_statement,
    journal_in_account,
    open_to_outside,
    operator_keep,
    plan_lockdown,
    plan_restore,
)
from rolegate.state.snapshot import AccountState, Role, Snapshot, User

HUB, PROD = "111111111111", "333333333333"
OPERATOR = f"arn:aws:iam::{HUB}:user/operator"
LOCK = mk.Lock(since="2026-11-25T17:00:00Z", by=OPERATOR, reason="INC-42")
KEEP = operator_keep(OPERATOR, HUB)


def trust(principal: str, *, mfa: bool = False) -> dict[str, Any]:
    """A trust of `principal` as an AWS principal (even "*": {"AWS": "*"}), MFA required or not."""
    return doc(trusts({"AWS": principal}, MFA if mfa else None))


def role(name: str, document: dict[str, Any], path: str = "/", **extra: Any) -> Role:
    return Role(name, f"arn:aws:iam::{PROD}:role{path}{name}", path, document, **extra)


LAMBDA = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}


def production() -> AccountState:
    state = AccountState("production", PROD)
    for r in (
        role("administrator", trust(f"arn:aws:iam::{HUB}:root", mfa=True),
             managed_policies=["arn:aws:iam::aws:policy/AdministratorAccess"]),
        role("OrganizationAccountAccessRole", trust(f"arn:aws:iam::{HUB}:root"),
             managed_policies=["arn:aws:iam::aws:policy/AdministratorAccess"]),
        role("vendor", trust("*"), inline_policies={"read": {"Version": "2012-10-17", "Statement": []}}),
        role("lambda-exec", {"Version": "2012-10-17", "Statement": [LAMBDA]}),
        role("internal", trust(f"arn:aws:iam::{PROD}:root")),
        role("AWSServiceRoleForSupport", trust(f"arn:aws:iam::{HUB}:root"), path="/aws-service-role/"),
    ):  # fmt: skip
        state.roles[r.name] = r
    return state


def run(state: AccountState, changes: Any) -> AccountState:
    """What IAM would hold after these calls: enough of IAM to check decisions end to end."""
    state = copy.deepcopy(state)
    for change in changes:
        for call in change.calls:
            p = call.params
            target = state.roles.get(p.get("RoleName", ""))
            if call.operation == "TagRole":
                assert target is not None
                target.tags.update({t["Key"]: t["Value"] for t in p["Tags"]})
            elif call.operation == "UntagRole":
                assert target is not None
                for key in p["TagKeys"]:
                    target.tags.pop(key, None)
            elif call.operation == "UpdateAssumeRolePolicy":
                assert target is not None
                target.trust_policy = json.loads(p["PolicyDocument"])
            elif call.operation == "PutRolePolicy":
                assert target is not None
                target.inline_policies[p["PolicyName"]] = json.loads(p["PolicyDocument"])
            elif call.operation == "DeleteRolePolicy":
                assert target is not None
                target.inline_policies.pop(p["PolicyName"], None)
            else:
                raise AssertionError(call.operation)
    return state


def lock(state: AccountState) -> tuple[jr.Journal, AccountState]:
    decided = plan_lockdown(state, lock=LOCK, keep=KEEP, bootstrap_role="OrganizationAccountAccessRole")
    return decided.journal, run(state, decided.changes)


def test_every_role_open_to_the_outside_is_locked_and_nothing_else() -> None:
    state = production()

    decided = plan_lockdown(state, lock=LOCK, keep=KEEP, bootstrap_role="OrganizationAccountAccessRole")

    assert [(c.kind, c.name) for c in decided.changes] == [
        ("account", "lockdown journal"),  # the copy in the account, before any change
        ("role", "administrator"),
        ("role", "vendor"),
        ("role", "OrganizationAccountAccessRole"),  # last: its revoke ends the operator's session too
    ]
    assert sorted(decided.journal.roles) == ["OrganizationAccountAccessRole", "administrator", "vendor"]
    assert [c.operation for c in decided.changes[0].calls] == ["TagRole"] * 3
    for change in decided.changes[1:]:
        # Sessions ended first (a refused trust policy still leaves them ended), but on the bootstrap role
        # last of all: its revoke ends the operator's own session.
        bootstrap = change.name == "OrganizationAccountAccessRole"
        order = (
            ["UpdateAssumeRolePolicy", "PutRolePolicy"]
            if bootstrap
            else ["PutRolePolicy", "UpdateAssumeRolePolicy"]
        )
        assert [c.operation for c in change.calls] == order
        put = next(c for c in change.calls if c.operation == "PutRolePolicy")
        revoke = json.loads(put.params["PolicyDocument"])["Statement"][0]
        assert revoke["Effect"] == "Deny" and revoke["Action"] == "*"
        assert revoke["Condition"] == {"DateLessThan": {"aws:TokenIssueTime": LOCK.since}}


def test_the_journal_holds_the_exact_prior_documents_and_restore_puts_them_back() -> None:
    state = production()
    journal, locked = lock(state)

    assert journal.roles["administrator"].trust_policy == state.roles["administrator"].trust_policy
    assert has_lockdown(locked.roles["administrator"].trust_policy)
    assert compare_account(journal, locked) == []
    restored = run(locked, plan_restore(journal, locked, "OrganizationAccountAccessRole").changes)
    assert restored == state


def test_the_account_alone_is_enough_to_restore() -> None:
    state = production()
    _, locked = lock(state)

    from_tags = journal_in_account(locked)

    assert from_tags is not None and from_tags.lock == LOCK and from_tags.keep == KEEP
    assert run(locked, plan_restore(from_tags, locked, "OrganizationAccountAccessRole").changes) == state


def test_a_second_lockdown_changes_nothing_and_keeps_the_first_time_and_reason() -> None:
    journal, locked = lock(production())
    later = mk.Lock(since="2026-11-26T09:00:00Z", by="arn:aws:iam::111111111111:user/other", reason="again")

    again = plan_lockdown(locked, lock=later, keep=KEEP, bootstrap_role="OrganizationAccountAccessRole")

    assert again.empty and again.journal.lock == LOCK
    assert {n: r.trust_policy for n, r in again.journal.roles.items()} == {
        n: r.trust_policy for n, r in journal.roles.items()
    }


def test_only_the_bootstrap_role_stays_open_and_only_to_the_management_account() -> None:
    _, locked = lock(production())
    statements = locked.roles["OrganizationAccountAccessRole"].trust_policy["Statement"]
    plain = locked.roles["administrator"].trust_policy["Statement"]

    assert statements[-1] == deny_statement(KEEP)
    assert plain[-1] == deny_statement()
    assert "Condition" not in plain[-1]
    assert all(naming_account(arn) == HUB for arn in KEEP)


def naming_account(arn: str) -> str:
    return arn.split(":")[4]


def test_the_operator_is_kept_as_iam_names_it_in_aws_principalarn() -> None:
    assert operator_keep("arn:aws:sts::111111111111:assumed-role/Admin/jane", HUB) == [
        "arn:aws:iam::111111111111:role/*/Admin",
        "arn:aws:iam::111111111111:role/Admin",
        "arn:aws:iam::111111111111:root",
    ]
    assert operator_keep("arn:aws:iam::111111111111:user/ops/jane", HUB) == [
        "arn:aws:iam::111111111111:root",
        "arn:aws:iam::111111111111:user/ops/jane",
    ]
    assert operator_keep("arn:aws:iam::111111111111:root", HUB) == ["arn:aws:iam::111111111111:root"]


def test_which_roles_are_open_to_the_outside() -> None:
    state = production()
    opened = {name for name, r in state.roles.items() if open_to_outside(r, PROD)}

    assert opened == {"administrator", "OrganizationAccountAccessRole", "vendor"}


def test_a_role_edited_during_the_lockdown_is_a_difference_with_its_diff() -> None:
    journal, locked = lock(production())
    edited = copy.deepcopy(locked)
    admin = edited.roles["administrator"]
    admin.trust_policy["Statement"][0]["Principal"] = {"AWS": "arn:aws:iam::999999999999:root"}
    admin.managed_policies.append("arn:aws:iam::aws:policy/ReadOnlyAccess")
    edited.roles["vendor"].inline_policies["read"] = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow"}],
    }
    del edited.roles["OrganizationAccountAccessRole"]

    found = {(d.principal, d.what.split(" (")[0]): d.details for d in compare_account(journal, edited)}

    assert set(found) == {
        ("administrator", "trust policy edited during the lockdown"),
        ("administrator", "permissions changed during the lockdown"),
        ("vendor", "permissions changed during the lockdown"),
        ("OrganizationAccountAccessRole", "deleted during the lockdown"),
    }
    trust_diff = "\n".join(found[("administrator", "trust policy edited during the lockdown")])
    assert "+   Principal: { AWS: arn:aws:iam::999999999999:root }" in trust_diff
    assert found[("administrator", "permissions changed during the lockdown")] == (
        "+ policy ReadOnlyAccess attached",
    )
    assert found[("vendor", "permissions changed during the lockdown")][0] == "~ inline policy read changed"


def test_journal_tags_fit_iam_limits_and_read_back() -> None:
    record = mk.RoleRecord("r", "arn:aws:iam::333333333333:role/r", trust("*"))
    record.trust_policy["Statement"] *= 30  # a long trust policy spreads over several tags

    tags = mk.encode_tags(LOCK, record, KEEP)

    assert len(tags) > 1 and all(len(v) <= 256 for v in tags.values())
    assert all(re.fullmatch(r"[\w.:/=+\-@ ]*", v) for v in tags.values())  # IAM's tag value alphabet
    decoded = mk.role_record_from_tags({**tags, "other": "kept"})
    assert decoded is not None and decoded[0] == LOCK and decoded[2] == KEEP
    assert decoded[1].trust_policy == record.trust_policy
    assert mk.role_record_from_tags({"rolegate:lockdown:00": "damaged by hand"}) is None


def test_a_role_without_room_for_the_tags_is_journaled_locally_and_said_so() -> None:
    state = production()
    state.roles["vendor"].tags = {f"t{i}": "x" for i in range(49)}

    decided = plan_lockdown(state, lock=LOCK, keep=KEEP, bootstrap_role="OrganizationAccountAccessRole")

    assert decided.journal.roles["vendor"].in_account is False
    assert any("vendor has no room" in note for note in decided.notes)
    assert "vendor" not in {c.params["RoleName"] for c in decided.changes[0].calls}


def test_a_lockdown_statement_without_a_journal_is_still_undone() -> None:
    _, locked = lock(production())
    for r in locked.roles.values():
        r.tags = {}  # both copies of the journal lost

    journal = journal_in_account(locked)

    assert journal is not None and journal.roles["administrator"].derived
    restored = run(locked, plan_restore(journal, locked, "OrganizationAccountAccessRole").changes)
    assert not any(
        has_lockdown(r.trust_policy) or POLICY_NAME in r.inline_policies for r in restored.roles.values()
    )


SEED = f"""\
version: 1
organization: {{name: demo, hub: master}}
accounts:
  master: {{id: "{HUB}", email: a@example.com}}
  production: {{id: "{PROD}", email: b@example.com}}
roles:
  administrator: {{accounts: [production], policies: [AdministratorAccess], require_mfa: true}}
groups:
  admins: {{assume: {{administrator: [production]}}}}
users:
  cobus: {{groups: [admins]}}
"""


def seed_snapshot(text: str = SEED) -> tuple[Any, Snapshot]:
    desired = compile_config(parse(text).config)
    snap = Snapshot()
    hub = AccountState("master", HUB)
    hub.users["cobus"] = User("cobus", f"arn:aws:iam::{HUB}:user/cobus", "/", ["admins"],
                              tags={"rolegate:owner": "demo"})  # fmt: skip
    snap.accounts["master"] = hub
    prod = AccountState("production", PROD)
    want = desired.accounts["production"].roles["administrator"]
    prod.roles["administrator"] = role(
        "administrator", want.trust_policy, managed_policies=list(want.managed_policies),
        tags={"rolegate:owner": "demo"}, max_session=3600,
    )  # fmt: skip
    snap.accounts["production"] = prod
    plan = diff(desired, snap)
    assert [c for c in plan.changes if c.account == "production"] == []
    return desired, snap


def test_plan_does_not_undo_a_lockdown_and_says_since_when_and_why() -> None:
    desired, snap = seed_snapshot()
    snap.accounts["production"] = lock(snap.accounts["production"])[1]

    plan = diff(desired, snap)

    assert [c for c in plan.changes if c.account == "production"] == []
    assert plan.locked["production"] == [f"{LOCK.describe()} (rolegate restore production)"]
    assert plan.to_json()["locked"] == plan.locked


def test_a_role_update_while_locked_keeps_the_lockdown_statement() -> None:
    _, snap = seed_snapshot()
    snap.accounts["production"] = lock(snap.accounts["production"])[1]
    relaxed = compile_config(parse(SEED.replace("require_mfa: true", "require_mfa: false")).config)

    plan = diff(relaxed, snap)

    (change,) = [c for c in plan.changes if c.account == "production"]
    document = json.loads(change.calls[0].params["PolicyDocument"])
    assert [s.get("Sid") for s in document["Statement"]] == ["AssumeFromHub", SID]
    assert without_lockdown(document) == relaxed.accounts["production"].roles["administrator"].trust_policy
    assert not any("RolegateLockdown" in line for line in change.details)


def test_audit_reports_the_lockdown_once_and_not_its_marks_as_other_findings() -> None:
    _, snap = seed_snapshot()
    snap.accounts["production"] = lock(snap.accounts["production"])[1]

    findings = audit(snap)

    assert [f.rule for f in findings if f.account == "production"] == ["RG020"]
    assert "INC-42" in next(f.message for f in findings if f.rule == "RG020")
    assert all(r.reachable == "no" for r in AccessGraph(snap).matrix() if r.account == "production")


def test_a_person_is_locked_out_with_their_keys_kept_and_let_back_in_with_a_new_password() -> None:
    from rolegate.plan.changes import GENERATED_PASSWORD
    from rolegate.respond.people import plan_user_lockdown, plan_user_restore

    hub = AccountState("master", HUB)
    cobus = User("cobus", f"arn:aws:iam::{HUB}:user/cobus", "/", ["admins"])
    hub.users["cobus"] = cobus
    prod = production()
    keys = {"AKIAAAAAAAAAAAAAWXYZ": "Active", "AKIABBBBBBBBBBBBOLD1": "Inactive"}
    reached = [("production", PROD, prod.roles["administrator"])]

    decided = plan_user_lockdown(hub, cobus, access_keys=keys, login_profile=True, lock=LOCK, reached=reached)

    calls = [(c.operation, c.params.get("AccessKeyId")) for ch in decided.changes for c in ch.calls]
    assert calls == [
        ("TagUser", None),  # the journal first
        ("UpdateAccessKey", "AKIAAAAAAAAAAAAAWXYZ"),  # only the active key; the inactive one stays so
        ("DeleteLoginProfile", None),
        ("PutUserPolicy", None),
        ("PutRolePolicy", None),  # older role sessions end on what cobus reached
    ]
    assert "AKIAAAAAAAAAAAAAWXYZ" not in "".join(d for ch in decided.changes for d in ch.details)
    assert decided.journal.user is not None
    assert decided.journal.user.revoked_roles == [["production", PROD, "administrator"]]

    tagged = copy.deepcopy(cobus)
    tagged.tags = mk.encode_tags(LOCK, decided.journal.user)
    tagged.inline_policies[POLICY_NAME] = {}
    after = {"AKIAAAAAAAAAAAAAWXYZ": "Inactive", "AKIABBBBBBBBBBBBOLD1": "Inactive"}
    again = plan_user_lockdown(hub, tagged, access_keys=after, login_profile=False, lock=LOCK)
    assert again.empty  # a rerun finds it done, and keeps the first journal

    back = plan_user_restore(decided.journal, tagged, access_keys=after, login_profile=False)
    calls = [(c.operation, c.params.get("AccessKeyId")) for ch in back.changes for c in ch.calls]
    assert calls == [
        ("UpdateAccessKey", "AKIAAAAAAAAAAAAAWXYZ"),
        ("CreateLoginProfile", None),
        ("DeleteUserPolicy", None),
        ("DeleteRolePolicy", None),
        ("UntagUser", None),  # last
    ]
    login = next(c for ch in back.changes for c in ch.calls if c.operation == "CreateLoginProfile")
    assert login.params["Password"] == GENERATED_PASSWORD and login.params["PasswordResetRequired"] is True


def test_a_long_trust_policy_is_flagged_before_iam_refuses_it() -> None:
    state = production()
    state.roles["vendor"].trust_policy["Statement"] *= 40

    decided = plan_lockdown(state, lock=LOCK, keep=KEEP, bootstrap_role="OrganizationAccountAccessRole")

    assert any("vendor: its trust policy with the lockdown statement has" in n for n in decided.notes)


def test_restore_knows_the_roles_a_rerun_from_another_machine_locked() -> None:
    from rolegate.respond.lockdown import completed

    state = production()
    journal, locked = lock(state)
    local = copy.deepcopy(journal)
    del local.roles["vendor"]  # this laptop's journal predates the rerun that locked vendor

    both = completed(local, journal_in_account(locked))

    assert both is not None and sorted(both.roles) == sorted(journal.roles)
    assert both.roles["administrator"].inline_documents == journal.roles["administrator"].inline_documents
    assert run(locked, plan_restore(both, locked, "OrganizationAccountAccessRole").changes) == state


def test_a_person_let_back_in_meanwhile_is_no_difference_to_the_account_lockdown() -> None:
    state = production()
    revoke = {"Version": "2012-10-17", "Statement": []}
    state.roles["administrator"].inline_policies["RolegateLockdown-cobus"] = revoke  # cobus locked out
    journal, locked = lock(state)
    del locked.roles["administrator"].inline_policies["RolegateLockdown-cobus"]  # cobus let back in

    assert "RolegateLockdown-cobus" not in journal.roles["administrator"].inline_policies
    assert compare_account(journal, locked) == []


def test_a_person_locked_out_has_the_bootstrap_roles_sessions_ended_last_in_each_account() -> None:
    """rolegate's own session in an account comes through the bootstrap role; ending that role's older
    sessions first would cut rolegate off before the account's other roles are done."""
    from rolegate.respond.people import plan_user_lockdown

    hub = AccountState("master", HUB)
    cobus = User("cobus", f"arn:aws:iam::{HUB}:user/cobus", "/", ["admins"])
    hub.users["cobus"] = cobus
    prod = production()
    reached = [
        ("production", PROD, prod.roles[name]) for name in ("OrganizationAccountAccessRole", "administrator")
    ]

    decided = plan_user_lockdown(
        hub, cobus, access_keys={}, login_profile=False, lock=LOCK, reached=reached,
        bootstrap_role="OrganizationAccountAccessRole",
    )  # fmt: skip

    roles = [
        c.params["RoleName"] for ch in decided.changes for c in ch.calls if c.operation == "PutRolePolicy"
    ]
    assert roles == ["administrator", "OrganizationAccountAccessRole"]


def test_the_lockdown_takes_awss_time_not_a_skewed_laptops() -> None:
    """Given a laptop whose clock is an hour behind, when the lockdown's time is taken, then it is AWS's
    (the Date of its answer): with the laptop's, sessions issued in that hour would be spared."""
    from types import SimpleNamespace

    from rolegate.cli.commands.respond import _aws_now

    aws_date = "Wed, 25 Nov 2099 19:08:32 GMT"  # far from this machine's clock, whatever it says
    answer = {"ResponseMetadata": {"HTTPHeaders": {"date": aws_date}}}
    sts = SimpleNamespace(get_caller_identity=lambda: answer)
    sessions = SimpleNamespace(client=lambda service, account: sts, operator_account=lambda: "123456789012")
    notes: list[str] = []

    since = _aws_now(SimpleNamespace(note=notes.append), sessions)  # type: ignore[arg-type]

    assert since == "2099-11-25T19:08:32Z"
    assert notes and "off AWS's" in notes[0]


def test_a_role_a_ci_pipeline_assumes_through_oidc_is_locked_too() -> None:
    """Given a deploy role trusted by GitHub's OIDC provider (no AWS principal at all), when production is
    locked down, then it is locked like the others, and its Deny covers AssumeRoleWithWebIdentity: a
    compromised pipeline is a way in too."""
    state = production()
    oidc = f"arn:aws:iam::{PROD}:oidc-provider/token.actions.githubusercontent.com"
    web = {"Effect": "Allow", "Principal": {"Federated": oidc}, "Action": "sts:AssumeRoleWithWebIdentity"}
    state.roles["deploy"] = role("deploy", {"Version": "2012-10-17", "Statement": [web]})

    decided = plan_lockdown(state, lock=LOCK, keep=KEEP, bootstrap_role="OrganizationAccountAccessRole")

    deploy = next(c for c in decided.changes if c.name == "deploy")
    trust_call = next(c for c in deploy.calls if c.operation == "UpdateAssumeRolePolicy")
    deny = json.loads(trust_call.params["PolicyDocument"])["Statement"][-1]
    assert deny["Sid"] == SID and deny["Principal"] == "*"
    assert "sts:AssumeRoleWithWebIdentity" in deny["Action"] and "sts:AssumeRoleWithSAML" in deny["Action"]
    assert any(c.operation == "PutRolePolicy" for c in deploy.calls)  # its pipeline's sessions end too
