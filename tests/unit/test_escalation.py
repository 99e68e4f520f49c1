"""The escalation corpus: hand-built organizations, one per way a principal can make itself reach a role
(issue 17, section 3), and chains of two, each with the exact path `access` shows.

Every scenario is the same small organization: a hub (111111111111) where mallory signs in, and production
(222222222222) whose `administrator` role (AdministratorAccess) trusts the hub's root with MFA. Alone,
mallory reaches nothing; each scenario gives her one IAM permission, and the test says what it makes of her.
Escalation is a new API (rolegate.access.escalation): these tests cannot run on dc3883e, which had none.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from tests.builders import ADMIN, HUB, MFA, PROD, OrgBuilder, allow, deny, doc, iam_arn, iam_role, trust

from rolegate.access.audit import AuditInput, Finding, audit
from rolegate.access.escalation import Escalations
from rolegate.access.graph import AccessGraph
from rolegate.state.snapshot import AccountState

PROD_ADMIN = f"arn:aws:iam::{PROD}:role/administrator"


def hub_user(name: str) -> str:
    return iam_arn(HUB, "user", name)


def hub_group(name: str) -> str:
    return iam_arn(HUB, "group", name)


def hub_role(name: str) -> str:
    return iam_arn(HUB, "role", name)


def hub_policy(name: str) -> str:
    return iam_arn(HUB, "policy", name)


ASSUME_PROD_ADMIN = doc(allow(PROD_ADMIN))


class Org(OrgBuilder):
    """Given this organization: a hub where mallory signs in, and production, whose administrator
    (AdministratorAccess) trusts the hub's root with MFA…"""

    def __init__(self) -> None:
        super().__init__({"hub": HUB, "production": PROD}, hub="hub")
        self.role("administrator", trust({"AWS": f"arn:aws:iam::{HUB}:root"}, MFA), managed=[ADMIN],
                  account="production")  # fmt: skip
        self.user("mallory")

    @property
    def prod(self) -> AccountState:
        return self.account("production")

    def give(self, document: dict[str, Any]) -> None:
        self.hub.users["mallory"].inline_policies["given"] = document

    def escalations(self, who: str = "mallory") -> dict[str, list[str]]:
        """…when mallory's reach is asked for, then these roles are reached through escalation, with paths."""
        graph = AccessGraph(copy.deepcopy(self.snapshot))
        principal = next(u for u in graph.users() if u.name == who)
        return {e.role_arn: list(e.via) for e in Escalations(graph).reach(principal)}


ENTER_PROD_ADMIN = "sts:AssumeRole on role administrator in production"


def scenario_add_user_to_group(org: Org) -> None:
    org.group("admins", {"assume": ASSUME_PROD_ADMIN})
    org.give(doc(allow(hub_group("admins"), "iam:AddUserToGroup")))


def scenario_attach_user_policy(org: Org) -> None:
    org.give(doc(allow(hub_user("mallory"), "iam:AttachUserPolicy")))


def scenario_put_user_policy(org: Org) -> None:
    org.give(
        doc(allow(hub_user("${aws:username}").replace("${aws:username}", "mallory"), "iam:PutUserPolicy"))
    )


def scenario_attach_group_policy(org: Org) -> None:
    org.group("devs", {"self": doc(allow(hub_group("devs"), "iam:AttachGroupPolicy"))})
    org.hub.users["mallory"].groups.append("devs")


def scenario_put_group_policy(org: Org) -> None:
    org.group("devs", {"self": doc(allow(hub_group("*"), "iam:PutGroupPolicy"))})
    org.hub.users["mallory"].groups.append("devs")


def scenario_create_policy_version(org: Org) -> None:
    arn = org.policy("mine", doc(allow(hub_policy("mine"), "iam:CreatePolicyVersion"))).arn
    org.hub.users["mallory"].managed_policies.append(arn)


def scenario_set_default_policy_version(org: Org) -> None:
    arn = org.policy("team", doc(allow(hub_policy("team"), "iam:SetDefaultPolicyVersion")), ("v1", "v2")).arn
    org.group("team", managed=(arn,))
    org.hub.users["mallory"].groups.append("team")


def _alice(org: Org, **kw: Any) -> None:
    org.group("admins", {"assume": ASSUME_PROD_ADMIN})
    org.user("alice", groups=("admins",), **kw)


def scenario_create_access_key(org: Org) -> None:
    _alice(org, access_keys=1)
    org.give(doc(allow(hub_user("alice"), "iam:CreateAccessKey")))


def scenario_create_login_profile(org: Org) -> None:
    _alice(org, login_profile=False)
    org.give(doc(allow(hub_user("alice"), "iam:CreateLoginProfile")))


def scenario_update_login_profile(org: Org) -> None:
    _alice(org, login_profile=True)
    org.give(doc(allow(hub_user("a*"), "iam:UpdateLoginProfile")))


def _deployer(org: Org, trusted: Any) -> None:
    org.role("deployer", trusted, {"assume": ASSUME_PROD_ADMIN})


def scenario_update_assume_role_policy(org: Org) -> None:
    _deployer(org, trust({"Service": "codepipeline.amazonaws.com"}))
    org.give(doc(allow(hub_role("deployer"), "iam:UpdateAssumeRolePolicy")))


def _passable(org: Org, service: str) -> None:
    _deployer(org, trust({"Service": service}))


def scenario_pass_role_lambda(org: Org) -> None:
    _passable(org, "lambda.amazonaws.com")
    org.give(doc(allow(hub_role("deployer"), "iam:PassRole"),
                 allow(action=["lambda:CreateFunction", "lambda:InvokeFunction"])))  # fmt: skip


def scenario_pass_role_ec2(org: Org) -> None:
    _passable(org, "ec2.amazonaws.com")
    org.give(doc(allow("*", "iam:PassRole"), allow(action="ec2:RunInstances")))


def scenario_pass_role_cloudformation(org: Org) -> None:
    _passable(org, "cloudformation.amazonaws.com")
    org.give(doc(allow("*", ["iam:PassRole", "cloudformation:*"])))


def scenario_pass_role_ecs(org: Org) -> None:
    _passable(org, "ecs-tasks.amazonaws.com")
    org.give(doc(allow(hub_role("deployer"), "iam:PassRole",
                       Condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}),
                 allow(action=["ecs:RegisterTaskDefinition", "ecs:RunTask"])))  # fmt: skip


def scenario_role_attaches_to_itself(org: Org) -> None:
    """Chain of two: a role she may assume may write its own policies."""
    org.role(
        "helper",
        trust({"AWS": f"arn:aws:iam::{HUB}:root"}),
        {"self": doc(allow(hub_role("helper"), "iam:AttachRolePolicy"))},
    )
    org.give(doc(allow(hub_role("helper"), "sts:AssumeRole")))


def scenario_role_puts_on_itself(org: Org) -> None:
    org.role(
        "helper",
        trust({"AWS": hub_user("mallory")}),
        {"self": doc(allow(hub_role("*"), "iam:PutRolePolicy"))},
    )


def scenario_group_then_access_key(org: Org) -> None:
    """Chain of two: into a group that may make keys for alice, then alice."""
    _alice(org, access_keys=0)
    org.group("operators", {"keys": doc(allow(hub_user("alice"), "iam:CreateAccessKey"))})
    org.give(doc(allow(hub_group("operators"), "iam:AddUserToGroup")))


def scenario_access_key_then_self_attach(org: Org) -> None:
    """Chain of two: bob's keys, then bob attaches AdministratorAccess to himself."""
    org.user("bob", inline={"self": doc(allow(hub_user("bob"), "iam:AttachUserPolicy"))}, access_keys=0)
    org.give(doc(allow(hub_user("bob"), "iam:CreateAccessKey")))


def scenario_cross_account_trust_rewrite(org: Org) -> None:
    """Chain across accounts: a production role she may assume may rewrite the administrator's trust."""
    rewrite = doc(allow(PROD_ADMIN, "iam:UpdateAssumeRolePolicy"))
    org.role("ops", trust({"AWS": hub_user("mallory")}), {"t": rewrite}, account="production")
    org.give(doc(allow(f"arn:aws:iam::{PROD}:role/ops", "sts:AssumeRole")))


SCENARIOS: list[tuple[Any, str, list[str]]] = [
    (scenario_add_user_to_group, PROD_ADMIN, ["iam:AddUserToGroup on group admins", ENTER_PROD_ADMIN]),
    (scenario_attach_user_policy, PROD_ADMIN, ["iam:AttachUserPolicy on user mallory", ENTER_PROD_ADMIN]),
    (scenario_put_user_policy, PROD_ADMIN, ["iam:PutUserPolicy on user mallory", ENTER_PROD_ADMIN]),
    (scenario_attach_group_policy, PROD_ADMIN, ["iam:AttachGroupPolicy on group devs", ENTER_PROD_ADMIN]),
    (scenario_put_group_policy, PROD_ADMIN, ["iam:PutGroupPolicy on group devs", ENTER_PROD_ADMIN]),
    (
        scenario_create_policy_version,
        PROD_ADMIN,
        ["iam:CreatePolicyVersion on policy mine", ENTER_PROD_ADMIN],
    ),
    (
        scenario_set_default_policy_version,
        PROD_ADMIN,
        ["iam:SetDefaultPolicyVersion on policy team", ENTER_PROD_ADMIN],
    ),
    (scenario_create_access_key, PROD_ADMIN, ["iam:CreateAccessKey on user alice", ENTER_PROD_ADMIN]),
    (scenario_create_login_profile, PROD_ADMIN, ["iam:CreateLoginProfile on user alice", ENTER_PROD_ADMIN]),
    (scenario_update_login_profile, PROD_ADMIN, ["iam:UpdateLoginProfile on user alice", ENTER_PROD_ADMIN]),
    (
        scenario_update_assume_role_policy,
        PROD_ADMIN,
        ["iam:UpdateAssumeRolePolicy on role deployer", ENTER_PROD_ADMIN],
    ),
    (
        scenario_pass_role_lambda,
        PROD_ADMIN,
        [
            "iam:PassRole on role deployer to lambda (lambda:CreateFunction, lambda:InvokeFunction)",
            ENTER_PROD_ADMIN,
        ],
    ),
    (
        scenario_pass_role_ec2,
        PROD_ADMIN,
        ["iam:PassRole on role deployer to ec2 (ec2:RunInstances)", ENTER_PROD_ADMIN],
    ),
    (
        scenario_pass_role_cloudformation,
        PROD_ADMIN,
        ["iam:PassRole on role deployer to cloudformation (cloudformation:CreateStack)", ENTER_PROD_ADMIN],
    ),
    (
        scenario_pass_role_ecs,
        PROD_ADMIN,
        ["iam:PassRole on role deployer to ecs (ecs:RegisterTaskDefinition, ecs:RunTask)", ENTER_PROD_ADMIN],
    ),
    (
        scenario_role_attaches_to_itself,
        PROD_ADMIN,
        ["sts:AssumeRole on role helper in hub", "iam:AttachRolePolicy on role helper", ENTER_PROD_ADMIN],
    ),
    (
        scenario_role_puts_on_itself,
        PROD_ADMIN,
        ["sts:AssumeRole on role helper in hub", "iam:PutRolePolicy on role helper", ENTER_PROD_ADMIN],
    ),
    (
        scenario_group_then_access_key,
        PROD_ADMIN,
        ["iam:AddUserToGroup on group operators", "iam:CreateAccessKey on user alice", ENTER_PROD_ADMIN],
    ),
    (
        scenario_access_key_then_self_attach,
        PROD_ADMIN,
        ["iam:CreateAccessKey on user bob", "iam:AttachUserPolicy on user bob", ENTER_PROD_ADMIN],
    ),
    (
        scenario_cross_account_trust_rewrite,
        PROD_ADMIN,
        ["sts:AssumeRole on role ops in production", "iam:UpdateAssumeRolePolicy on role administrator"],
    ),
]


@pytest.mark.parametrize(("build", "role", "path"), SCENARIOS, ids=[s[0].__name__[9:] for s in SCENARIOS])
def test_given_one_iam_permission_mallory_escalates_by_exactly_this_path(
    build: Any, role: str, path: list[str]
) -> None:
    org = Org()
    assert org.escalations() == {}, "alone, mallory reaches nothing through escalation"
    build(org)
    found = org.escalations()
    assert found.get(role) == path, found


def _blocked_by_boundary(org: Org) -> None:
    scenario_attach_user_policy(org)
    arn = org.policy("boundary", doc(allow(action="sts:GetCallerIdentity"), deny(action="iam:*"))).arn
    org.hub.users["mallory"].permissions_boundary = arn


def _blocked_by_scp(org: Org) -> None:
    scenario_add_user_to_group(org)
    org.snapshot.scps[HUB] = [
        [doc(allow(action="*"))],
        [doc(allow(action="*"), deny(action="iam:AddUserToGroup"))],
    ]


def _pass_role_without_compute(org: Org) -> None:
    _passable(org, "lambda.amazonaws.com")
    org.give(doc(allow("*", "iam:PassRole"), allow(action="lambda:CreateFunction")))  # cannot invoke it


def _pass_role_to_a_service_the_role_does_not_trust(org: Org) -> None:
    _passable(org, "glue.amazonaws.com")
    org.give(
        doc(allow("*", "iam:PassRole"), allow(action=["lambda:CreateFunction", "lambda:InvokeFunction"]))
    )


def _two_keys_already(org: Org) -> None:
    _alice(org, access_keys=2)
    org.give(doc(allow(hub_user("alice"), "iam:CreateAccessKey")))  # no iam:DeleteAccessKey: IAM caps at two


def _denied_on_that_user(org: Org) -> None:
    scenario_create_access_key(org)
    org.hub.users["mallory"].inline_policies["no"] = doc(deny(hub_user("alice"), "iam:CreateAccessKey"))


def _other_group_resource(org: Org) -> None:
    org.group("admins", {"assume": ASSUME_PROD_ADMIN})
    org.give(doc(allow(hub_group("readers"), "iam:AddUserToGroup")))


def _login_profile_create_on_user_with_password(org: Org) -> None:
    _alice(org, login_profile=True)
    org.give(doc(allow(hub_user("alice"), "iam:CreateLoginProfile")))


NOTHING = [_blocked_by_boundary, _blocked_by_scp, _pass_role_without_compute,
           _pass_role_to_a_service_the_role_does_not_trust, _two_keys_already, _denied_on_that_user,
           _other_group_resource, _login_profile_create_on_user_with_password]  # fmt: skip


@pytest.mark.parametrize("build", NOTHING, ids=[b.__name__[1:] for b in NOTHING])
def test_given_the_permission_is_not_enough_mallory_escalates_to_nothing(build: Any) -> None:
    org = Org()
    build(org)
    assert org.escalations() == {}


def test_given_a_condition_rolegate_cannot_know_the_escalation_is_conditional_not_dropped() -> None:
    org = Org()
    scenario_add_user_to_group(org)
    org.give(doc(allow(hub_group("admins"), "iam:AddUserToGroup",
                       Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})))  # fmt: skip
    graph = AccessGraph(org.snapshot)
    mallory = next(u for u in graph.users() if u.name == "mallory")
    (found,) = Escalations(graph).reach(mallory)
    assert found.reachable == "conditional"
    assert found.to_json()["conditions"] == ["IpAddress aws:SourceIp 203.0.113.0/24"]
    assert found.to_json()["via"] == ["iam:AddUserToGroup on group admins", ENTER_PROD_ADMIN]


def test_given_alice_reaches_the_role_already_her_reach_shows_no_escalation_for_it() -> None:
    org = Org()
    scenario_create_access_key(org)
    assert PROD_ADMIN not in org.escalations("alice")
    assert PROD_ADMIN in org.escalations("mallory")


@pytest.mark.parametrize(("build", "role", "path"), SCENARIOS, ids=[s[0].__name__[9:] for s in SCENARIOS])
def test_the_audits_one_pass_for_everyone_finds_the_same_worst_path(
    build: Any, role: str, path: list[str]
) -> None:
    """Escalations.worst (the fixed point over every user at once, which the audit uses) agrees with the
    breadth-first search of one principal."""
    org = Org()
    build(org)
    graph = AccessGraph(org.snapshot)
    found = Escalations(graph).worst(graph.users(), lambda arn: 2 if arn == role else 0)
    mallory = found[hub_user("mallory")]
    assert (mallory.role_arn, list(mallory.via)) == (role, path)


@pytest.mark.parametrize("build", NOTHING, ids=[b.__name__[1:] for b in NOTHING])
def test_the_audits_one_pass_finds_nothing_where_there_is_nothing(build: Any) -> None:
    org = Org()
    build(org)
    graph = AccessGraph(org.snapshot)
    assert hub_user("mallory") not in Escalations(graph).worst(graph.users(), lambda arn: 1)


# -- the audit ---------------------------------------------------------------------------------------------

DEV = "333333333333"
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _with_development(org: Org) -> None:
    dev = AccountState("development", DEV)
    dev.roles["administrator"] = iam_role(
        DEV, "administrator", trust({"AWS": f"arn:aws:iam::{HUB}:root"}, MFA), managed=[ADMIN]
    )
    org.snapshot.accounts["development"] = dev


def _audit(org: Org, **extra: Any) -> list[Finding]:
    return audit(copy.deepcopy(org.snapshot), AuditInput(hub="hub", now=NOW, **extra))


def test_given_mallory_may_add_herself_to_admins_the_audit_says_critical_with_the_path() -> None:
    org = Org()
    scenario_add_user_to_group(org)
    (found,) = [f for f in _audit(org) if f.rule == "RG030"]
    assert (found.severity, found.resource, found.account) == ("CRITICAL", hub_user("mallory"), "hub")
    assert found.message == (
        "mallory can make itself reach administrator in production: "
        "iam:AddUserToGroup on group admins > sts:AssumeRole on role administrator in production"
    )


def test_given_the_admin_role_is_only_in_development_the_escalation_is_high() -> None:
    org = Org()
    _with_development(org)
    del org.prod.roles["administrator"]
    org.group("admins", {"assume": doc(allow(f"arn:aws:iam::{DEV}:role/administrator", "sts:AssumeRole"))})
    org.give(doc(allow(hub_group("admins"), "iam:AddUserToGroup")))
    (found,) = [f for f in _audit(org) if f.rule == "RG030"]
    assert found.severity == "HIGH"
    assert [f.severity for f in _audit(org, production=frozenset({"development"})) if f.rule == "RG030"] == [
        "CRITICAL"
    ]


def test_given_a_hub_role_is_administrator_equivalent_reaching_it_by_escalation_is_critical() -> None:
    org = Org()
    del org.prod.roles["administrator"]
    org.role("hub_admin", trust({"Service": "lambda.amazonaws.com"}), managed=[ADMIN])
    scenario_pass_role_lambda(org)
    org.give(doc(allow(hub_role("hub_admin"), "iam:PassRole"),
                 allow(action=["lambda:CreateFunction", "lambda:InvokeFunction"])))  # fmt: skip
    (found,) = [f for f in _audit(org) if f.rule == "RG030"]
    assert found.severity == "CRITICAL"
    assert "iam:PassRole on role hub_admin to lambda" in found.message


def test_given_alice_reaches_admin_herself_no_escalation_finding_is_hers() -> None:
    org = Org()
    scenario_create_access_key(org)
    assert [f.resource for f in _audit(org) if f.rule == "RG030"] == [hub_user("mallory")]


def test_given_nobody_has_an_iam_permission_there_is_no_escalation_finding() -> None:
    org = Org()
    org.group("admins", {"assume": ASSUME_PROD_ADMIN})
    org.user("alice", groups=("admins",))
    assert [f for f in _audit(org) if f.rule == "RG030"] == []


ROLE_USE = [  # last used, created, days, expected message (None: no finding)
    ("2026-11-30T00:00:00+00:00", "2020-01-01T00:00:00+00:00", 90, None),
    ("2026-09-01T00:00:00+00:00", "2020-01-01T00:00:00+00:00", 90, "was last used 91 days ago"),
    ("2026-09-01T00:00:00+00:00", "2020-01-01T00:00:00+00:00", 120, None),
    ("", "2020-01-01T00:00:00+00:00", 90, "was never used in its 2526 days"),
    ("", "2026-11-01T00:00:00+00:00", 90, None),  # new: not yet a finding
    ("", "", 90, None),  # creation unknown
    (None, "2020-01-01T00:00:00+00:00", 90, None),  # not read (an old snapshot)
]


@pytest.mark.parametrize(("last_used", "created", "days", "expected"), ROLE_USE)
def test_given_a_role_last_used_long_ago_the_audit_finds_unused_access(
    last_used: str | None, created: str, days: int, expected: str | None
) -> None:
    org = Org()
    org.prod.roles["administrator"].last_used = last_used
    org.prod.roles["administrator"].created = created
    found = [f.message for f in _audit(org, unused_days=days) if f.rule == "RG031"]
    assert found == ([f"role administrator in production {expected}"] if expected else [])


KEY_USE = [  # key 1 active, its last use, days, finding
    ("true", "2026-11-20T10:00:00+00:00", 90, False),
    ("true", "2026-08-01T10:00:00+00:00", 90, True),
    ("false", "2026-08-01T10:00:00+00:00", 90, False),  # inactive
    ("true", "N/A", 90, False),  # never used: RG013's
    ("true", "2026-08-01T10:00:00+00:00", 365, False),
]


@pytest.mark.parametrize(("active", "used", "days", "finding"), KEY_USE)
def test_given_an_access_key_not_used_in_n_days_the_audit_says_so(
    active: str, used: str, days: int, finding: bool
) -> None:
    org = Org()
    org.hub.credential_report = [
        {"user": "mallory", "arn": hub_user("mallory"), "access_key_1_active": active,
         "access_key_1_last_used_date": used, "access_key_1_last_rotated": "2026-07-01T00:00:00+00:00"}
    ]  # fmt: skip
    found = [f for f in _audit(org, unused_days=days) if f.rule == "RG032"]
    assert [f.resource for f in found] == ([f"{hub_user('mallory')}#key1"] if finding else [])
    assert all("AKIA" not in f.message for f in found)


# -- the two searches agree, over random organizations ---------------------------------------------------

_PERMISSIONS = [
    ("iam:AddUserToGroup", "group"), ("iam:PutUserPolicy", "user"), ("iam:AttachGroupPolicy", "group"),
    ("iam:CreateAccessKey", "user"), ("iam:CreateLoginProfile", "user"),
    ("iam:UpdateAssumeRolePolicy", "role"),
    ("iam:PutRolePolicy", "role"), ("iam:PassRole", "role"), ("lambda:*", "*"), ("sts:AssumeRole", "role"),
    ("sts:AssumeRole", "prod"),
]  # fmt: skip
NAMES = {"user": ["u0", "u1", "u2"], "group": ["g0", "g1"], "role": ["r0", "r1", "r2"]}


@st.composite
def random_orgs(draw: st.DrawFn) -> Org:
    org = Org()
    for name in NAMES["group"]:
        org.group(name)
    for name in NAMES["user"]:
        org.user(name, groups=tuple(draw(st.sets(st.sampled_from(NAMES["group"]), max_size=1))))
    for name in NAMES["role"]:
        trusted = draw(
            st.sampled_from([{"AWS": f"arn:aws:iam::{HUB}:root"}, {"Service": "lambda.amazonaws.com"}])
        )
        org.role(name, trust(trusted))
    holders = [("user", n) for n in NAMES["user"]] + [("group", n) for n in NAMES["group"]]
    holders += [("role", n) for n in NAMES["role"]]
    for kind, name in holders:
        grants = draw(st.lists(st.sampled_from(_PERMISSIONS), max_size=3))
        stmts = []
        for action, target in grants:
            if target == "prod":
                resource = PROD_ADMIN
            elif target == "*":
                resource = "*"
            else:
                resource = f"arn:aws:iam::{HUB}:{target}/{draw(st.sampled_from(NAMES[target]))}"
            stmts.append(allow(resource, action))
        if stmts:
            holder = {"user": org.hub.users, "group": org.hub.groups, "role": org.hub.roles}[kind][name]
            holder.inline_policies["p"] = doc(*stmts)
    return org


@settings(max_examples=150, deadline=None)
@given(random_orgs())
def test_given_any_small_org_the_audits_fixed_point_agrees_with_each_users_own_search(org: Org) -> None:
    """No user the search of one principal finds escalating to production is missed by the fixed point,
    none it names is reached by no path, and none is named with a better target than it finds."""
    graph = AccessGraph(org.snapshot)
    worst = Escalations(graph).worst(graph.users(), lambda arn: 2 if arn == PROD_ADMIN else 0)
    event(f"users escalating: {len(worst)}")
    for user in graph.users():
        found = {e.role_arn: e for e in Escalations(graph).reach(user)}
        plain = {r.role_arn for r in graph.reach(user)}
        if user.arn in worst:
            assert worst[user.arn].role_arn == PROD_ADMIN
            assert PROD_ADMIN in found or PROD_ADMIN in plain
        else:
            assert PROD_ADMIN not in found, (user.name, found[PROD_ADMIN].via)


def test_given_mallory_may_make_keys_for_her_own_named_users_she_takes_over_those_alone() -> None:
    """Given mallory, who may create access keys for `user/${aws:username}-*` (her own helper users), and
    the admins mallory-ci and alice-ci, when her escalation steps are asked for, then she may take over
    mallory-ci and not alice-ci: the variable is resolved per user asked about, and a decision on one user
    is never reused for another whose name the statement reads differently."""
    org = Org()
    org.group("admins", {"assume": ASSUME_PROD_ADMIN})
    for name in ("mallory-ci", "alice-ci"):
        org.user(name, groups=("admins",))
    org.give(doc(allow(f"arn:aws:iam::{HUB}:user/${{aws:username}}-*", "iam:CreateAccessKey")))
    for first in ("mallory-ci", "alice-ci"):  # whichever user is asked about first
        org.hub.users = {"mallory": org.hub.users["mallory"], first: org.hub.users[first]} | org.hub.users
        graph = AccessGraph(copy.deepcopy(org.snapshot))
        escalations = Escalations(graph)
        mallory = escalations.state_of(next(u for u in graph.users() if u.name == "mallory"))
        assert [e.via for e in escalations.edges(mallory)] == ["iam:CreateAccessKey on user mallory-ci"]


def test_escalation_reads_the_graph_through_its_public_answers_only() -> None:
    """Given escalation.py, when its source is read, then no attribute of the access graph it reads is
    private: it asks `answer(principal)` and `session_reach(role, mfa=...)`, which the graph keeps public."""
    import ast
    import inspect

    from rolegate.access import escalation

    tree = ast.parse(inspect.getsource(escalation))
    private = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and "graph" in ast.unparse(node.value)
    ]
    assert private == []


def test_the_graphs_public_answer_is_what_its_rows_show() -> None:
    """Given mallory in admins, when the graph's `answer` of her and the `session_reach` of the role she
    enters are asked, then they are the rows `reach` shows, and the same objects each time (shared)."""
    org = Org()
    org.group("admins", {"assume": ASSUME_PROD_ADMIN})
    org.hub.users["mallory"].groups.append("admins")
    graph = AccessGraph(org.snapshot)
    mallory = next(u for u in graph.users() if u.name == "mallory")
    answer = graph.answer(mallory)
    assert set(answer.with_mfa) == {r.role_arn for r in graph.reach(mallory)} == {PROD_ADMIN}
    assert answer.without_mfa == {}
    assert graph.answer(mallory) is answer
    assert graph.session_reach(PROD_ADMIN, mfa=True) == {}
