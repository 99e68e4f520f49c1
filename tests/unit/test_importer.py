"""Import and adoption, without AWS: given a snapshot of the seed's setup as the article clicks it together,
the importer writes a rolegate.yaml that validates and describes it, the plan on that file only adopts, and
whatever rolegate cannot express (or must not take over) stays out and is named."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.builders import seed_config

from rolegate.adopt.drift import drift_items, drift_lines, drift_summary
from rolegate.adopt.importer import (
    AccountInfo,
    Source,
    account_name,
    grant_targets,
    import_config,
    org_name_from,
)
from rolegate.model import naming
from rolegate.model.load import parse
from rolegate.plan.adoption import hub_trust_mfa
from rolegate.plan.compile import compile_config
from rolegate.plan.diff import diff
from rolegate.state.snapshot import AccountState, Group, ManagedPolicy, Role, Snapshot, User

IDS = {
    "master": "111111111111",
    "development": "222222222222",
    "staging": "333333333333",
    "production": "444444444444",
}
HUB_ROOT = naming.root_arn(IDS["master"])
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def console_trust(*, mfa: bool = True, principal: str = HUB_ROOT, **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    condition: dict[str, Any] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}} if mfa else {}
    condition.update(extra)
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def grant(*accounts: str) -> dict[str, Any]:
    arns = [naming.role_arn(IDS[a], "administrator") for a in accounts]
    return {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": arns[0] if len(arns) == 1 else arns,
        },
    }


def hand_made() -> Snapshot:
    """The seed, clicked together: nothing tagged, everything at path /."""
    snap = Snapshot(
        accounts={
            name: AccountState(name, account_id, alias_read=True, password_policy_read=name == "master")
            for name, account_id in IDS.items()
        }
    )
    hub = snap.accounts["master"]
    hub.alias = "demo-master"
    hub.password_policy = {
        "MinimumPasswordLength": 14,
        "RequireSymbols": True,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": True,
        "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True,
        "HardExpiry": False,
    }
    for env, reach in (("development", ("development",)), ("production", ("staging", "production"))):
        name = f"{env}_administrator"
        arn = f"arn:aws:iam::{IDS['master']}:policy/{name}"
        hub.policies[name] = ManagedPolicy(name, arn, "/", grant(*reach))
        hub.groups[name] = Group(name, f"arn:aws:iam::{IDS['master']}:group/{name}", "/", [arn])
    hub.groups["master_administrator"] = Group(
        "master_administrator", f"arn:aws:iam::{IDS['master']}:group/master_administrator", "/", [ADMIN]
    )
    hub.users["cobus"] = User(
        "cobus",
        naming.user_arn(IDS["master"], "cobus"),
        "/",
        ["development_administrator", "production_administrator", "master_administrator"],
    )
    hub.credential_report = [{"user": "cobus", "password_enabled": "true", "mfa_active": "true"}]
    for env in ("development", "staging", "production"):
        state = snap.accounts[env]
        state.roles["administrator"] = Role(
            "administrator",
            naming.role_arn(IDS[env], "administrator"),
            "/",
            console_trust(),
            [ADMIN],
            max_session=3600,
        )
        state.roles["OrganizationAccountAccessRole"] = Role(
            "OrganizationAccountAccessRole",
            naming.role_arn(IDS[env], "OrganizationAccountAccessRole"),
            "/",
            console_trust(mfa=False),
            [ADMIN],
            max_session=3600,
        )
    return snap


def source(snap: Snapshot) -> Source:
    accounts = [AccountInfo(name, account_id, f"you+{name}@example.com") for name, account_id in IDS.items()]
    return Source("demo", "master", "us-west-2", "OrganizationAccountAccessRole", accounts, snap)


def comments(text: str) -> str:
    return " ".join(
        line.strip().lstrip("#").strip() for line in text.splitlines() if line.lstrip().startswith("#")
    )


# -- reading documents ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trust", "expected"),
    [
        (console_trust(), True),
        (console_trust(mfa=False), False),
        ({**console_trust(), "Statement": [{**console_trust()["Statement"][0], "Sid": "Console"}]}, True),
        (console_trust(principal="arn:aws:iam::999999999999:root"), None),
        (console_trust(mfa=False, StringEquals={"sts:ExternalId": "x"}), None),
        (console_trust(IpAddress={"aws:SourceIp": "203.0.113.0/24"}), None),
    ],
    ids=["require-mfa", "no-mfa", "with-a-sid", "another-account", "external-id", "source-ip"],
)
def test_only_the_hub_trust_rolegate_writes_counts_as_a_rolegate_role(
    trust: dict[str, Any], expected: bool | None
) -> None:
    assert hub_trust_mfa(trust, IDS["master"]) is expected


def test_a_pure_grant_gives_its_role_arns_and_anything_more_gives_none() -> None:
    assert grant_targets(grant("staging", "production")) == sorted(
        naming.role_arn(IDS[a], "administrator") for a in ("staging", "production")
    )
    conditioned = grant("development")
    conditioned["Statement"]["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    wildcard = grant("development")
    wildcard["Statement"]["Resource"] = "arn:aws:iam::*:role/administrator"
    more = grant("development")
    more["Statement"]["Action"] = ["sts:AssumeRole", "sts:TagSession"]
    denied = grant("development")
    denied["Statement"]["Effect"] = "Deny"
    assert [grant_targets(d) for d in (conditioned, wildcard, more, denied)] == [None] * 4


def test_names_come_from_what_people_called_things() -> None:
    assert account_name("Development") == "development"
    assert account_name("Data Lake (EU)") == "data-lake-eu"
    assert account_name("Development", taken=["development"]) == "development-2"
    assert org_name_from("demo-master", "master") == "demo"
    assert org_name_from("acme", "master") == "acme"
    assert org_name_from(None, "master") == "rolegate"


# -- the file --------------------------------------------------------------------------------------------


def test_the_seed_imported_is_the_seed_config_and_validates() -> None:
    imported = import_config(source(hand_made()))

    config = parse(imported.text).config
    seed = parse(seed_config(IDS)).config

    assert config.organization.adopt is True
    assert config.organization.password_policy == seed.organization.password_policy
    assert config.roles == seed.roles
    assert {name: g.assume for name, g in config.groups.items()} == {
        name: g.assume for name, g in seed.groups.items()
    }
    assert config.users["cobus"].console and config.users["cobus"].mfa == "required"
    assert sorted(config.users["cobus"].groups) == sorted(seed.users["cobus"].groups)
    assert config.accounts["master"].alias == "demo-master"
    assert "OrganizationAccountAccessRole" not in config.roles
    assert "OrganizationAccountAccessRole in development, staging, production" in comments(imported.text)


def test_a_role_that_differs_in_one_account_is_imported_where_it_agrees_and_named_where_it_does_not() -> None:
    snap = hand_made()
    snap.accounts["staging"].roles["administrator"].managed_policies = [
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    ]

    imported = import_config(source(snap))

    config = parse(imported.text).config
    assert config.roles["administrator"].accounts == ["development", "production"]
    assert "in staging it differs (ReadOnlyAccess, MFA, 1h): left unmanaged there" in comments(imported.text)
    # production_administrator also granted staging's, which the file no longer manages: kept as a policy
    assert config.groups["production_administrator"].policies == [
        f"arn:aws:iam::{IDS['master']}:policy/production_administrator"
    ]


BILLING = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["aws-portal:View*"], "Resource": "*"}],
}


def test_inline_policies_are_config_and_foreign_trusts_are_comments() -> None:
    snap = hand_made()
    snap.accounts["master"].users["cobus"].inline_policies["billing"] = BILLING
    snap.accounts["master"].groups["master_administrator"].inline_policies["extra"] = {"Statement": []}
    snap.accounts["production"].roles["vendor"] = Role(
        "vendor",
        naming.role_arn(IDS["production"], "vendor"),
        "/",
        console_trust(
            mfa=False, principal="arn:aws:iam::999999999999:root", StringEquals={"sts:ExternalId": "x"}
        ),
    )

    imported = import_config(source(snap))

    text = comments(imported.text)
    assert "vendor (trusts arn:aws:iam::999999999999:root with sts:ExternalId)" in text
    config = parse(imported.text).config
    assert config.users["cobus"].inline_policies == {"billing": BILLING}  # as IAM holds it
    assert "inline policy extra holds a document rolegate.yaml cannot" in text  # an empty Statement
    assert "vendor" not in config.roles


# -- the plan on it --------------------------------------------------------------------------------------


def test_the_plan_on_the_imported_file_only_adopts_and_after_adoption_nothing_is_left() -> None:
    snap = hand_made()
    config = parse(import_config(source(snap)).text).config

    plan = diff(compile_config(config), snap)

    assert not plan.conflicts
    assert plan.counts() == {"create": 0, "update": 0, "delete": 0, "adopt": 9}
    marks = {c.address: c.calls[0].operation for c in plan.changes}
    assert marks["master/group/master_administrator"] == "UpdateGroup"
    assert marks["master/policy/development_administrator"] == "TagPolicy"
    assert marks["development/role/administrator"] == "TagRole"
    assert marks["master/user/cobus"] == "TagUser"
    calls = [call.operation for c in plan.changes for call in c.calls]
    assert not [
        op
        for op in calls
        if op.startswith(("Create", "Delete", "Detach", "Remove"))
        and op not in ("CreatePolicyVersion", "CreateLoginProfile")
    ]

    adopted = after_adoption(snap, config.organization.name)
    assert diff(compile_config(config), adopted).empty


def after_adoption(snap: Snapshot, org: str) -> Snapshot:
    """What AWS shows once the adoption calls ran: tags, groups under /rolegate/, rolegate's documents."""
    want = compile_config(parse(import_config(source(snap)).text).config)
    for name, acct in want.accounts.items():
        state = snap.accounts[name]
        for role in acct.roles.values():
            state.roles[role.name].tags = {naming.OWNER_TAG: org}
            state.roles[role.name].trust_policy = json.loads(json.dumps(role.trust_policy))
        for policy in acct.policies.values():
            state.policies[policy.name].document = policy.document
        for group in acct.groups.values():
            state.groups[group.name].path = naming.OWNED_PATH
        for user in acct.users.values():
            state.users[user.name].tags = {naming.OWNER_TAG: org, "rolegate:console": "true"}
    return snap


def test_without_adopt_the_same_file_is_all_conflicts_as_before() -> None:
    snap = hand_made()
    text = import_config(source(snap)).text.replace("adopt: true", "adopt: false")

    plan = diff(compile_config(parse(text).config), snap)

    assert plan.empty and len(plan.conflicts) == 9


def test_the_bootstrap_role_and_a_shared_policy_are_never_adopted() -> None:
    snap = hand_made()
    hub = snap.accounts["master"]
    shared = hub.policies["development_administrator"]
    hub.groups["contractors"] = Group(
        "contractors", "arn:aws:iam::111111111111:group/contractors", "/", [shared.arn]
    )
    text = seed_config(IDS).replace("  region: us-west-2\n", "  region: us-west-2\n  adopt: true\n")
    text = text.replace(
        "roles:\n",
        "roles:\n  OrganizationAccountAccessRole:\n    accounts: [development]\n    require_mfa: false\n",
    )

    plan = diff(compile_config(parse(text).config), snap)

    reasons = {f"{c.account}/{c.kind}/{c.name}": c.message for c in plan.conflicts}
    assert "rolegate's way into the account" in reasons["development/role/OrganizationAccountAccessRole"]
    assert "attached to group contractors too" in reasons["master/policy/development_administrator"]


# -- drift -----------------------------------------------------------------------------------------------


def test_drift_lists_each_difference_once_with_one_word_for_what_it_is() -> None:
    snap = hand_made()
    config = parse(import_config(source(snap)).text).config
    adopted = after_adoption(snap, "demo")
    adopted.accounts["development"].roles["administrator"].trust_policy = console_trust(mfa=False)
    adopted.accounts["master"].users["mallory"] = User(
        "mallory", naming.user_arn(IDS["master"], "mallory"), "/"
    )
    plan = diff(compile_config(config), adopted)
    plan.unmanaged.setdefault("development", {}).setdefault("roles", [])

    items = drift_items(plan, bootstrap_role="OrganizationAccountAccessRole")

    assert drift_lines(items) == [
        "unmanaged  master/user/mallory             not in rolegate.yaml",
        "changed    development/role/administrator  trust policy",
    ]
    assert drift_summary(items) == "Drift: 2 (1 changed, 1 unmanaged)."
    assert (
        drift_items(plan, bootstrap_role="OrganizationAccountAccessRole", ignore=("*/user/*",))[0].what
        == "changed"
    )
    assert drift_summary([]) == "No drift: the accounts match rolegate.yaml."


def test_a_setup_rolegate_already_manages_imports_to_a_file_whose_plan_is_empty() -> None:
    """Round trip: importing what rolegate made gives the same setup back (its Sids, paths and tags are
    read as its own), and the plan has nothing to do, not even an adoption."""
    from tests.builders import as_aws_has_it, desired

    snap = as_aws_has_it(desired())  # no credential report: console comes from rolegate's own tag

    imported = import_config(source(snap))
    plan = diff(compile_config(parse(imported.text).config), snap)

    assert plan.empty and not plan.conflicts, [c.address for c in plan.changes]
    assert parse(imported.text).config.users["cobus"].console is True
    assert "credential report could not be read" in comments(imported.text)


@pytest.mark.parametrize(
    ("key", "organizations_name", "written"),
    [
        ("ml-dev", "ML-Dev", "ML-Dev"),  # rolegate would say Ml-Dev: the console's own name is kept
        ("data-lake", "Data Lake (EU)", None),  # parentheses: not a name the switch-role link can carry
        ("development", "Development", None),  # what rolegate derives anyway: nothing to write
        ("staging", "Staging\nsecond line", None),  # anyone who may rename the account chose this
        ("production", "<script>", None),
        ("sandbox", "Sandbox for the ML team", "Sandbox for the ML team"),
    ],
)
def test_import_keeps_the_name_organizations_gives_an_account_when_the_console_can_show_it(
    key: str, organizations_name: str, written: str | None
) -> None:
    accounts = [
        AccountInfo("master", IDS["master"]),
        AccountInfo(key, "555555555555", None, organizations_name),
    ]
    snapshot = Snapshot(accounts={a.name: AccountState(a.name, a.account_id) for a in accounts})
    source = Source("demo", "master", "us-east-1", "OrganizationAccountAccessRole", accounts, snapshot)

    text = import_config(source).text

    config = parse(text).config
    assert config.accounts[key].display_name == written
