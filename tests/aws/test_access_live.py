"""The corpus for real: given a scenario of tests/unit/test_access_corpus.py built in moto's IAM with boto3,
when rolegate reads the organization with its own collector, then the access graph gives the same answers
as for the hand-built snapshot of that scenario, and IAM's documented answer.

moto enforces no trust policy and no MFA (see MOTO-NOTES.md), so what is compared is what rolegate reads and
decides, not what moto would allow. Scenarios moto cannot hold (user permissions boundaries; SCPs, which
never apply to the hub, moto's management account; an unreadable organization) stay in the unit corpus.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.access_scenarios import SCENARIOS, answer, observed, unprefixed
from tests.builders import Doc, SnapshotWorld, World, trust
from tests.helpers import Org, rolegate, seed_applied

from rolegate.access.graph import AccessGraph, Reach
from rolegate.aws.session import AwsSessions
from rolegate.model.load import parse
from rolegate.runner import read_everything
from rolegate.state.snapshot import Snapshot

pytestmark = pytest.mark.aws

NAMES = {"hub": "master", "prod": "production", "stage": "staging", "dev": "development"}
BOOTSTRAP = "OrganizationAccountAccessRole"
LIVE = [
    "cross-account-identity-and-trust-allow",
    "cross-account-without-identity-policy",
    "identity-deny-beats-identity-allow",
    "group-deny-beats-user-allow",
    "trust-deny-beats-trust-allow",
    "notaction-allow-covers-assume",
    "action-is-case-insensitive",
    "resource-question-mark",
    "principal-account-id",
    "principal-aws-list",
    "notprincipal-deny-hits-everyone-else",
    "trust-bool-mfa-true",
    "deny-boolifexists-false-blocks-long-term-keys",
    "principal-org-id-matches",
    "external-id-is-conditional",
    "source-ip-is-conditional",
    "same-account-trust-naming-the-user",
    "same-account-trust-naming-the-root",
    "chain-user-role-role",
    "chain-cycle-terminates",
    "group-managed-policy",
    "aws-managed-admin-with-document",
    "statement-as-single-object",
]


class MotoWorld(World):
    """The scenario's calls as IAM calls: users and groups in the hub, roles where the scenario puts them."""

    def __init__(self, org: Org) -> None:
        accounts = {key: (name, org.ids[name]) for key, name in NAMES.items()}
        super().__init__(accounts, org.client("organizations").describe_organization()["Organization"]["Id"])
        self.iam = {key: org.client("iam", name) for key, name in NAMES.items()}

    def policy(self, name: str, document: Doc, account: str = "hub") -> str:
        created = self.iam[account].create_policy(
            PolicyName=self.name(name), PolicyDocument=json.dumps(document)
        )
        return str(created["Policy"]["Arn"])

    def group(
        self, name: str, *, inline: dict[str, Doc] | None = None, managed: tuple[str, ...] = ()
    ) -> None:
        hub = self.iam["hub"]
        name = self.name(name)
        hub.create_group(GroupName=name)
        for policy, document in (inline or {}).items():
            hub.put_group_policy(GroupName=name, PolicyName=policy, PolicyDocument=json.dumps(document))
        for arn in managed:
            hub.attach_group_policy(GroupName=name, PolicyArn=arn)

    def user(
        self,
        name: str,
        *,
        inline: dict[str, Doc] | None = None,
        managed: tuple[str, ...] = (),
        groups: tuple[str, ...] = (),
        boundary: str | None = None,
    ) -> None:
        if boundary:
            raise NotImplementedError("moto neither stores nor returns user permissions boundaries")
        hub, name = self.iam["hub"], self.name(name)
        hub.create_user(UserName=name)
        for policy, document in (inline or {}).items():
            hub.put_user_policy(UserName=name, PolicyName=policy, PolicyDocument=json.dumps(document))
        for arn in managed:
            hub.attach_user_policy(UserName=name, PolicyArn=arn)
        for group in groups:
            hub.add_user_to_group(UserName=name, GroupName=self.name(group))

    def role(
        self,
        name: str,
        account: str,
        *,
        trust: Doc,
        inline: dict[str, Doc] | None = None,
        managed: tuple[str, ...] = (),
    ) -> None:
        iam, name = self.iam[account], self.name(name)
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        for policy, document in (inline or {}).items():
            iam.put_role_policy(RoleName=name, PolicyName=policy, PolicyDocument=json.dumps(document))
        for arn in managed:
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)

    def aws_managed_document(self, arn: str, document: Doc) -> None:
        """IAM holds it already: the collector reads it from there."""


def minimal_config(ids: dict[str, str]) -> str:
    accounts = "".join(
        f'  {name}:\n    id: "{ids[name]}"\n    email: you+{name}@example.com\n' for name in ids
    )
    return (
        f"version: 1\norganization:\n  name: demo\n  hub: master\n  region: us-east-1\naccounts:\n{accounts}"
    )


def read_live(org: Org) -> Snapshot:
    """Everything `rolegate access` reads, through the project's own collector."""
    return read_everything(parse(minimal_config(org.ids)).config, AwsSessions(None, "us-east-1"))


def comparable(rows: list[Reach]) -> list[dict[str, Any]]:
    # When a role was last used is what IAM records (the bootstrap role's use by rolegate itself, "" for a
    # role never used), which a hand-built snapshot does not know: the answers are compared, not the usage.
    return sorted(
        ({k: v for k, v in r.to_json().items() if k != "role_last_used"} for r in rows),
        key=lambda r: r["role_arn"],
    )


def test_live_answers_equal_the_hand_built_ones(org: Org) -> None:
    """Given every live scenario built in moto (each under its own name prefix, all in one organization) and
    the same organization built by hand with moto's account ids and its bootstrap roles, when both are asked
    who reaches what, then each scenario's user gets the same answers from both, and IAM's answer."""
    live_world = MotoWorld(org)
    by_hand = SnapshotWorld(live_world.accounts, live_world.org_id)
    for key in ("prod", "stage", "dev"):  # moto creates the bootstrap role, trusting the hub, no policy
        by_hand.role(BOOTSTRAP, key, trust=trust(by_hand.root("hub")))
    for index, name in enumerate(LIVE):
        for world in (live_world, by_hand):
            world.prefix = f"s{index:02d}-"
            SCENARIOS[name].build(world)

    live = AccessGraph(read_live(org))
    hand = AccessGraph(by_hand.snapshot)

    wrong = []
    for index, name in enumerate(LIVE):
        item = SCENARIOS[name]
        by_hand.prefix = live_world.prefix = prefix = f"s{index:02d}-"
        user, live_user = (next(u for u in g.users() if u.name == prefix + item.who) for g in (hand, live))
        if comparable(live.reach(live_user)) != comparable(hand.reach(user)):
            wrong.append(
                f"{name}: live {comparable(live.reach(live_user))} != {comparable(hand.reach(user))}"
            )
        got = unprefixed(
            observed(answer(live, item.who, item.target, live_world), item.expect.condition), prefix
        )
        if got != item.expect:
            wrong.append(f"{name}: {got} is not IAM's {item.expect} ({item.rule})")
    assert not wrong, "\n".join(wrong)


def test_the_live_set_covers_enough_ground() -> None:
    """Given the scenarios built live, then there are at least eight, each one moto can represent."""
    assert len(LIVE) >= 8 and all(SCENARIOS[name].live for name in LIVE)


def test_cobus_reaches_administrator_everywhere_with_mfa_and_the_bootstrap_role_without(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the seed applied with rolegate, when `rolegate access --user cobus --json` is asked, then cobus
    reaches `administrator` in development, staging and production only with MFA — and, a real finding,
    OrganizationAccountAccessRole in each spoke without MFA: his hub group holds AdministratorAccess and that
    role trusts the hub's account."""
    config = seed_applied(org, capsys)

    result = rolegate(capsys, "-c", config, "access", "--user", "cobus", "--json")

    assert result.code == 0, result.all
    rows = {(r["role"], r["account"]): r for r in json.loads(result.out)["access"]}
    for account in ("development", "staging", "production"):
        admin = rows[("administrator", account)]
        assert (admin["reachable"], admin["mfa_required"], admin["via"]) == ("yes", True, [])
        assert admin["account_id"] == org.ids[account]
        bootstrap = rows[("OrganizationAccountAccessRole", account)]
        assert (bootstrap["reachable"], bootstrap["mfa_required"]) == ("yes", False)
        assert any("AdministratorAccess" in why for why in bootstrap["why"])
