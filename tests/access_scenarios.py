"""The access corpus: one small organization per scenario, each with the answer IAM's documentation gives
(quoted or paraphrased next to it). The scenarios build through a `World` (tests/builders.py), so
tests/unit/test_access_corpus.py asks them of a Snapshot and tests/aws/test_access_live.py of moto."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from tests.builders import ADMIN, ASSUME, FULL_ACCESS, MFA, Doc, World, allow, deny, doc, trust, trusts

from rolegate.access.graph import AccessGraph, Reach

# -- expectations and scenarios ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    reachable: str  # yes | conditional | no
    mfa_required: bool = False
    condition: str | None = None  # for conditional: the key the answer hangs on
    via: tuple[str, ...] = ()  # role names passed through


def yes(*, mfa: bool = False, via: tuple[str, ...] = ()) -> Expect:
    return Expect("yes", mfa, via=via)


def no() -> Expect:
    return Expect("no")


def conditional(key: str, *, mfa: bool = False) -> Expect:
    return Expect("conditional", mfa, key)


@dataclass(frozen=True)
class Scenario:
    name: str
    build: Callable[[World], None]
    expect: Expect
    rule: str  # the IAM documentation's rule this exercises
    who: str = "alice"
    target: str = "admin@prod"  # role@account (the scenario's account name)
    live: bool = True  # moto can build it (see tests/aws/test_access_live.py)


SCENARIOS: dict[str, Scenario] = {}


def scenario(
    expect: Expect, rule: str, *, who: str = "alice", target: str = "admin@prod", live: bool = True
) -> Callable[[Callable[[World], None]], Callable[[World], None]]:
    def register(build: Callable[[World], None]) -> Callable[[World], None]:
        name = build.__name__.replace("_", "-")
        SCENARIOS[name] = Scenario(name, build, expect, rule, who, target, live)
        return build

    return register


def alice_may_assume(w: World, resource: Any = None, account: str = "prod", name: str = "admin") -> None:
    w.user("alice", inline={"assume": doc(allow(resource or w.role_arn(name, account)))})


def admin_trusting_hub(w: World, condition: Doc | None = None) -> None:
    w.role("admin", "prod", trust=trust(w.root("hub"), condition))


# -- both sides must allow --------------------------------------------------------------------------------


@scenario(
    yes(), "cross-account: an identity policy in the trusted account and the trust policy must both allow"
)
def cross_account_identity_and_trust_allow(w: World) -> None:
    alice_may_assume(w)
    admin_trusting_hub(w)


@scenario(
    no(), "cross-account: the trusted account's administrator must also grant sts:AssumeRole to the user"
)
def cross_account_without_identity_policy(w: World) -> None:
    w.user("alice")
    admin_trusting_hub(w)


@scenario(no(), "a role may be assumed only by principals its trust policy allows")
def cross_account_trust_names_another_account(w: World) -> None:
    alice_may_assume(w)
    w.role("admin", "prod", trust=trust(w.root("stage")))


@scenario(
    no(), "the trust policy alone grants only within one account; across accounts identity must allow too"
)
def cross_account_trust_naming_the_user_still_needs_identity(w: World) -> None:
    w.user("alice")
    w.role("admin", "prod", trust=trust(w.user_arn("alice")))


@scenario(yes(), "a trust policy may name an IAM user ARN of another account as Principal")
def cross_account_trust_naming_the_user_with_identity(w: World) -> None:
    alice_may_assume(w)
    w.role("admin", "prod", trust=trust(w.user_arn("alice")))


# -- an explicit Deny anywhere wins -------------------------------------------------------------------------


@scenario(no(), "an explicit deny in any policy overrides any allow (identity: managed Deny vs inline Allow)")
def identity_deny_beats_identity_allow(w: World) -> None:
    fence = w.policy("fence", doc(deny(w.role_arn("admin"))))
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin")))}, managed=(fence,))
    admin_trusting_hub(w)


@scenario(no(), "an explicit deny in the group's policy overrides the user's own allow")
def group_deny_beats_user_allow(w: World) -> None:
    w.group("auditors", inline={"no-roles": doc(deny())})
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin")))}, groups=("auditors",))
    admin_trusting_hub(w)


@scenario(no(), "an explicit deny in the trust policy overrides its own allow")
def trust_deny_beats_trust_allow(w: World) -> None:
    alice_may_assume(w)
    w.role("admin", "prod", trust=doc(trusts(w.root("hub")), trusts(w.user_arn("alice"), effect="Deny")))


@scenario(
    no(), "an explicit deny in a permissions boundary overrides the identity policy's allow", live=False
)
def boundary_deny_beats_allows(w: World) -> None:
    edge = w.policy("edge", doc(allow(action="*"), deny(w.role_arn("admin"))))
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin")))}, boundary=edge)
    admin_trusting_hub(w)


@scenario(no(), "an explicit deny in an SCP over the (member) hub account applies to its users", live=False)
def scp_deny_beats_allows(w: World) -> None:
    alice_may_assume(w)
    admin_trusting_hub(w)
    w.scp("hub", [FULL_ACCESS], [doc(allow(action="*"), deny(f"arn:aws:iam::*:role/{w.name('admin')}"))])


@scenario(
    no(),
    "every SCP level (root, OU, account) must allow the action; a level without an allow denies",
    live=False,
)
def scp_level_without_allow(w: World) -> None:
    alice_may_assume(w)
    admin_trusting_hub(w)
    w.scp("hub", [FULL_ACCESS], [doc(allow(action="s3:*"))])


@scenario(
    yes(), "SCPs only limit: with FullAWSAccess at every level the account's policies decide", live=False
)
def scp_full_access_at_every_level(w: World) -> None:
    alice_may_assume(w)
    admin_trusting_hub(w)
    w.scp("hub", [FULL_ACCESS], [FULL_ACCESS])


@scenario(no(), "a Deny's Action wildcard sts:* covers sts:AssumeRole")
def deny_on_service_wildcard(w: World) -> None:
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin")), deny(action="sts:*"))})
    admin_trusting_hub(w)


# -- NotAction and NotResource ----------------------------------------------------------------------------


@scenario(yes(), "Allow with NotAction allows every action not listed (PowerUserAccess style)")
def notaction_allow_covers_assume(w: World) -> None:
    w.user("alice", inline={"power": doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"],
                                          "Resource": "*"})})  # fmt: skip
    admin_trusting_hub(w)


@scenario(no(), "Allow with NotAction does not allow the actions it lists")
def notaction_allow_excluding_sts(w: World) -> None:
    w.user("alice", inline={"most": doc({"Effect": "Allow", "NotAction": "sts:*", "Resource": "*"})})
    admin_trusting_hub(w)


@scenario(no(), "Deny with NotAction denies every action not listed")
def deny_notaction_denies_all_else(w: World) -> None:
    w.user("alice", inline={"s3-only": doc(allow(action="*"), {"Effect": "Deny", "NotAction": "s3:*",
                                                                "Resource": "*"})})  # fmt: skip
    admin_trusting_hub(w)


@scenario(yes(), "Allow with NotResource applies to every resource not listed")
def notresource_allow_covers_role(w: World) -> None:
    w.user("alice", inline={"most": doc({"Effect": "Allow", "Action": ASSUME,
                                         "NotResource": w.role_arn("admin", "stage")})})  # fmt: skip
    admin_trusting_hub(w)


@scenario(no(), "Allow with NotResource does not apply to the resources it lists")
def notresource_allow_excluding_role(w: World) -> None:
    every_prod_role = f"arn:aws:iam::{w.id('prod')}:role/{w.name('*')}"
    w.user(
        "alice", inline={"most": doc({"Effect": "Allow", "Action": ASSUME, "NotResource": every_prod_role})}
    )
    admin_trusting_hub(w)


@scenario(yes(), "Deny with NotResource spares the resources it lists")
def deny_notresource_spares_listed(w: World) -> None:
    w.user("alice", inline={"only-admin": doc(allow(), {"Effect": "Deny", "Action": ASSUME,
                                                        "NotResource": w.role_arn("admin")})})  # fmt: skip
    admin_trusting_hub(w)


# -- wildcards and case -----------------------------------------------------------------------------------


@scenario(yes(), "action names are case-insensitive: STS:assumerole is sts:AssumeRole")
def action_is_case_insensitive(w: World) -> None:
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin"), action="STS:assumerole"))})
    admin_trusting_hub(w)


@scenario(yes(), "actions take the * wildcard: sts:Assume* matches sts:AssumeRole")
def action_star(w: World) -> None:
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin"), action="sts:Assume*"))})
    admin_trusting_hub(w)


@scenario(yes(), "actions take the ? wildcard: one character")
def action_question_mark(w: World) -> None:
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin"), action="sts:AssumeRol?"))})
    admin_trusting_hub(w)


@scenario(no(), "? matches exactly one character, never none")
def action_question_mark_is_one_character(w: World) -> None:
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin"), action="sts:AssumeRole?"))})
    admin_trusting_hub(w)


@scenario(yes(), "resource ARNs take the * wildcard in any segment")
def resource_star_for_account(w: World) -> None:
    w.user("alice", inline={"assume": doc(allow(f"arn:aws:iam::*:role/{w.name('admin')}"))})
    admin_trusting_hub(w)


@scenario(yes(), "resource ARNs take the ? wildcard: one character")
def resource_question_mark(w: World) -> None:
    w.user(
        "alice", inline={"assume": doc(allow(f"arn:aws:iam::{w.id('prod')[:-1]}?:role/{w.name('admin')}"))}
    )
    admin_trusting_hub(w)


@scenario(no(), "resource ARNs are case-sensitive: role/Admin is not role/admin")
def resource_is_case_sensitive(w: World) -> None:
    w.user("alice", inline={"assume": doc(allow(w.role_arn("Admin")))})
    admin_trusting_hub(w)


@scenario(no(), "IAM wildcards are * and ? only: brackets are literal characters, not a class")
def resource_brackets_are_literal(w: World) -> None:
    w.user("alice", inline={"assume": doc(allow(w.role_arn("[a]dmin")))})
    admin_trusting_hub(w)


# -- Principal and NotPrincipal ---------------------------------------------------------------------------


@scenario(yes(), "Principal AWS as a 12-digit account id means the account (its root ARN)")
def principal_account_id(w: World) -> None:
    alice_may_assume(w)
    w.role("admin", "prod", trust=trust(w.id("hub")))


@scenario(yes(), 'Principal "*" is everyone; across accounts the caller\'s identity policy must still allow')
def principal_star(w: World) -> None:
    alice_may_assume(w)
    w.role("admin", "prod", trust=trust("*"))


@scenario(no(), 'Principal "*" trusts everyone, but a cross-account caller still needs an identity allow')
def principal_star_without_identity(w: World) -> None:
    w.user("alice")
    w.role("admin", "prod", trust=trust("*"))


@scenario(yes(), 'Principal {"AWS": "*"} is every AWS principal')
def principal_aws_star(w: World) -> None:
    alice_may_assume(w)
    w.role("admin", "prod", trust=trust({"AWS": "*"}))


@scenario(yes(), "Principal AWS may be a list; any entry matching is enough")
def principal_aws_list(w: World) -> None:
    alice_may_assume(w)
    w.role("admin", "prod", trust=trust([w.root("stage"), w.user_arn("alice")]))


@scenario(no(), "a list naming neither the caller nor its account does not trust it")
def principal_aws_list_without_caller(w: World) -> None:
    alice_may_assume(w)
    w.user("bob")
    w.role("admin", "prod", trust=trust([w.root("stage"), w.user_arn("bob")]))


@scenario(no(), "a Service principal is not an IAM user: only AWS principals reach roles from users")
def principal_service_only(w: World) -> None:
    alice_may_assume(w)
    w.role("admin", "prod", trust=trust({"Service": "ec2.amazonaws.com"}))


@scenario(yes(), "Deny with NotPrincipal denies all but those listed (list the user and its account)")
def notprincipal_deny_exempts_listed(w: World) -> None:
    alice_may_assume(w)
    exempt = {"AWS": [w.user_arn("alice"), w.root("hub")]}
    fence = {"Effect": "Deny", "NotPrincipal": exempt, "Action": ASSUME}
    w.role("admin", "prod", trust=doc(trusts(w.root("hub")), fence))


@scenario(no(), "Deny with NotPrincipal denies every principal not listed", who="bob")
def notprincipal_deny_hits_everyone_else(w: World) -> None:
    w.user("bob", inline={"assume": doc(allow(w.role_arn("admin")))})
    exempt = {"AWS": [w.user_arn("alice"), w.root("hub")]}
    fence = {"Effect": "Deny", "NotPrincipal": exempt, "Action": ASSUME}
    w.role("admin", "prod", trust=doc(trusts(w.root("hub")), fence))


# -- MFA --------------------------------------------------------------------------------------------------


@scenario(yes(mfa=True), "trust Bool aws:MultiFactorAuthPresent true: only MFA-authenticated sessions")
def trust_bool_mfa_true(w: World) -> None:
    alice_may_assume(w)
    admin_trusting_hub(w, MFA)


@scenario(yes(mfa=True), "the identity side may demand MFA just as the trust side can")
def identity_bool_mfa_true(w: World) -> None:
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin"), Condition=MFA))})
    admin_trusting_hub(w)


@scenario(yes(mfa=True), "Deny BoolIfExists MultiFactorAuthPresent false denies also when the key is absent "
          "(long-term keys)")  # fmt: skip
def deny_boolifexists_false_blocks_long_term_keys(w: World) -> None:
    no_mfa = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin")), deny(Condition=no_mfa))})
    admin_trusting_hub(w)


@scenario(
    yes(), "Deny Bool MultiFactorAuthPresent false misses long-term keys: the key is absent, Bool is false"
)
def deny_bool_false_misses_long_term_keys(w: World) -> None:
    no_mfa = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin")), deny(Condition=no_mfa))})
    admin_trusting_hub(w)


@scenario(yes(), "Allow BoolIfExists MultiFactorAuthPresent true admits long-term keys: absent key, true")
def allow_boolifexists_true_admits_long_term_keys(w: World) -> None:
    alice_may_assume(w)
    admin_trusting_hub(w, {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}})


@scenario(yes(mfa=True), "a negated operator (StringNotEquals) is true when the key is absent: Deny applies")
def deny_stringnotequals_absent_key(w: World) -> None:
    not_mfa = {"StringNotEquals": {"aws:MultiFactorAuthPresent": "true"}}
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin")), deny(Condition=not_mfa))})
    admin_trusting_hub(w)


@scenario(yes(mfa=True), "Null true holds when the key is absent from the request: Deny without MFA")
def deny_null_mfa_key(w: World) -> None:
    absent = {"Null": {"aws:MultiFactorAuthPresent": "true"}}
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin")), deny(Condition=absent))})
    admin_trusting_hub(w)


@scenario(yes(mfa=True), "Null false holds only when the key is present: Allow only with MFA")
def allow_null_false_needs_key(w: World) -> None:
    alice_may_assume(w)
    admin_trusting_hub(w, {"Null": {"aws:MultiFactorAuthPresent": "false"}})


@scenario(yes(mfa=True), "NumericLessThan aws:MultiFactorAuthAge: absent without MFA, so false")
def mfa_age_numeric_less_than(w: World) -> None:
    alice_may_assume(w)
    admin_trusting_hub(w, {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}})


# -- global condition keys --------------------------------------------------------------------------------


@scenario(yes(), "aws:PrincipalOrgID is the caller's organization: StringEquals on it matches")
def principal_org_id_matches(w: World) -> None:
    alice_may_assume(w)
    w.role("admin", "prod", trust=trust("*", {"StringEquals": {"aws:PrincipalOrgID": w.org_id}}))


@scenario(no(), "aws:PrincipalOrgID of another organization does not match")
def principal_org_id_of_another_org(w: World) -> None:
    alice_may_assume(w)
    w.role("admin", "prod", trust=trust("*", {"StringEquals": {"aws:PrincipalOrgID": "o-zz9zz9zz9z"}}))


@scenario(conditional("aws:PrincipalOrgID"), "the organization id unknown (Organizations unreadable): "
          "never guessed", live=False)  # fmt: skip
def principal_org_id_unknown(w: World) -> None:
    w.organization_unreadable()
    alice_may_assume(w)
    w.role("admin", "prod", trust=trust("*", {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}))


@scenario(yes(), "aws:PrincipalAccount is the caller's account id")
def principal_account_matches(w: World) -> None:
    alice_may_assume(w)
    w.role("admin", "prod", trust=trust("*", {"StringEquals": {"aws:PrincipalAccount": w.id("hub")}}))


@scenario(no(), "aws:PrincipalAccount of another account does not match")
def principal_account_of_another_account(w: World) -> None:
    alice_may_assume(w)
    w.role("admin", "prod", trust=trust("*", {"StringEquals": {"aws:PrincipalAccount": w.id("stage")}}))


@scenario(yes(), "ArnLike aws:PrincipalArn matches the caller's ARN with wildcards")
def principal_arn_like_matches(w: World) -> None:
    alice_may_assume(w)
    admin_trusting_hub(w, {"ArnLike": {"aws:PrincipalArn": w.user_arn("a*")}})


@scenario(no(), "ArnLike aws:PrincipalArn naming someone else does not match", who="bob")
def principal_arn_like_other_user(w: World) -> None:
    w.user("bob", inline={"assume": doc(allow(w.role_arn("admin")))})
    admin_trusting_hub(w, {"ArnLike": {"aws:PrincipalArn": w.user_arn("a*")}})


@scenario(
    conditional("sts:ExternalId"), "sts:ExternalId is whatever the caller passes: known only at the call"
)
def external_id_is_conditional(w: World) -> None:
    alice_may_assume(w)
    admin_trusting_hub(w, {"StringEquals": {"sts:ExternalId": "shared-secret"}})


@scenario(conditional("aws:SourceIp"), "aws:SourceIp is the caller's address at the call: never known before")
def source_ip_is_conditional(w: World) -> None:
    alice_may_assume(w)
    admin_trusting_hub(w, {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})


@scenario(conditional("aws:SourceIp"), "a Deny that depends on the source address: conditional, not allowed")
def deny_not_ip_address_is_conditional(w: World) -> None:
    office = {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin")), deny(Condition=office))})
    admin_trusting_hub(w)


@scenario(
    conditional("aws:PrincipalTag/team"), "a key the evaluator does not model is reported, never guessed"
)
def unknown_key_is_conditional(w: World) -> None:
    alice_may_assume(w)
    admin_trusting_hub(w, {"StringEquals": {"aws:PrincipalTag/team": "ops"}})


# -- within one account -----------------------------------------------------------------------------------


@scenario(yes(), "same account: adding the user as principal in the trust policy is enough, no identity "
          "policy needed (STS AssumeRole)", target="admin@hub")  # fmt: skip
def same_account_trust_naming_the_user(w: World) -> None:
    w.user("alice")
    w.role("admin", "hub", trust=trust(w.user_arn("alice")))


@scenario(no(), "same account: a trust naming the account delegates to identity policies, which must allow",
          target="admin@hub")  # fmt: skip
def same_account_trust_naming_the_root(w: World) -> None:
    w.user("alice")
    w.role("admin", "hub", trust=trust(w.root("hub")))


@scenario(yes(), "same account: the account trusted and an identity policy allowing", target="admin@hub")
def same_account_trust_naming_the_root_with_identity(w: World) -> None:
    alice_may_assume(w, account="hub")
    w.role("admin", "hub", trust=trust(w.root("hub")))


@scenario(
    no(), "same account, user named in the trust: an explicit identity Deny still wins", target="admin@hub"
)
def same_account_trust_naming_the_user_identity_deny(w: World) -> None:
    w.user("alice", inline={"no": doc(deny())})
    w.role("admin", "hub", trust=trust(w.user_arn("alice")))


@scenario(conditional("aws:SourceIp"), "same account, user named in the trust: a Deny on the source address "
          "still makes it conditional", target="admin@hub")  # fmt: skip
def same_account_trust_naming_the_user_conditional_deny(w: World) -> None:
    office = {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    w.user("alice", inline={"office": doc(deny(Condition=office))})
    w.role("admin", "hub", trust=trust(w.user_arn("alice")))


@scenario(conditional("aws:SourceIp"), "same account: the user's own grant holds only from the office; "
          "otherwise the account grant needs an identity allow alice lacks", target="admin@hub")  # fmt: skip
def same_account_conditional_user_grant(w: World) -> None:
    w.user("alice")
    office = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    w.role("admin", "hub", trust=doc(trusts(w.root("hub")), trusts(w.user_arn("alice"), office)))


@scenario(no(), "user named in the trust yet cannot assume: if a permissions boundary is set it must allow "
          "sts:AssumeRole (Update a role trust policy)", target="admin@hub", live=False)  # fmt: skip
def same_account_trust_naming_the_user_boundary_without_assume(w: World) -> None:
    edge = w.policy("s3-only", doc(allow(action="s3:*")))
    w.user("alice", boundary=edge)
    w.role("admin", "hub", trust=trust(w.user_arn("alice")))


# -- permissions boundaries -------------------------------------------------------------------------------


@scenario(no(), "a permissions boundary caps identity policies: it must allow sts:AssumeRole too", live=False)
def boundary_without_assume(w: World) -> None:
    edge = w.policy("s3-only", doc(allow(action="s3:*")))
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin")))}, boundary=edge)
    admin_trusting_hub(w)


@scenario(yes(), "the effective permissions are where identity policy and boundary overlap", live=False)
def boundary_with_assume(w: World) -> None:
    edge = w.policy("roles", doc(allow(action="sts:AssumeRole")))
    w.user("alice", inline={"assume": doc(allow(w.role_arn("admin")))}, boundary=edge)
    admin_trusting_hub(w)


# -- role chaining ----------------------------------------------------------------------------------------


def _hop_then_target(w: World, hop_trust: Doc | None = None) -> None:
    alice_may_assume(w, name="hop")
    w.role("hop", "prod", trust=hop_trust or trust(w.root("hub")),
           inline={"onward": doc(allow(w.role_arn("target", "stage")))})  # fmt: skip
    w.role("target", "stage", trust=trust(w.role_arn("hop")))


@scenario(yes(via=("hop",)), "role chaining: a role's session may assume another role its policies allow",
          target="target@stage")  # fmt: skip
def chain_user_role_role(w: World) -> None:
    _hop_then_target(w)


@scenario(yes(mfa=True, via=("hop",)), "role chaining from an MFA session: the first hop's MFA demand "
          "carries", target="target@stage")  # fmt: skip
def chain_first_hop_needs_mfa(w: World) -> None:
    _hop_then_target(w, trust(w.root("hub"), MFA))


@scenario(
    yes(via=("a",)), "a cycle of roles trusting each other: followed to a fixed point, ends", target="b@stage"
)
def chain_cycle_terminates(w: World) -> None:
    alice_may_assume(w, name="a")
    w.role("a", "prod", trust=doc(trusts(w.root("hub")), trusts(w.role_arn("b", "stage"))),
           inline={"to-b": doc(allow(w.role_arn("b", "stage")))})  # fmt: skip
    w.role("b", "stage", trust=trust(w.role_arn("a")), inline={"to-a": doc(allow(w.role_arn("a")))})


@scenario(conditional("aws:SourceIp"), "without MFA the direct grant from the office remains: an MFA-only "
          "chain does not hide it", target="target@stage")  # fmt: skip
def chain_needing_mfa_does_not_hide_a_plain_path(w: World) -> None:
    office = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    w.user("alice", inline={"assume": doc(allow([w.role_arn("hop"), w.role_arn("target", "stage")]))})
    w.role("hop", "prod", trust=trust(w.root("hub"), MFA),
           inline={"onward": doc(allow(w.role_arn("target", "stage")))})  # fmt: skip
    w.role("target", "stage", trust=doc(trusts(w.role_arn("hop")), trusts(w.root("hub"), office)))


# -- groups and managed policies --------------------------------------------------------------------------


@scenario(yes(), "a group's inline policy applies to its members")
def group_inline_policy(w: World) -> None:
    w.group("admins", inline={"assume": doc(allow(w.role_arn("admin")))})
    w.user("alice", groups=("admins",))
    admin_trusting_hub(w)


@scenario(yes(), "a customer managed policy attached to a group applies to its members")
def group_managed_policy(w: World) -> None:
    grant = w.policy("prod-admin", doc(allow(w.role_arn("admin"))))
    w.group("admins", managed=(grant,))
    w.user("alice", groups=("admins",))
    admin_trusting_hub(w)


@scenario(yes(), "a customer managed policy attached to the user applies")
def user_managed_policy(w: World) -> None:
    grant = w.policy("prod-admin", doc(allow(w.role_arn("admin"))))
    w.user("alice", managed=(grant,))
    admin_trusting_hub(w)


@scenario(no(), "a group's policy applies to its members only")
def group_policy_of_another_group(w: World) -> None:
    w.group("admins", inline={"assume": doc(allow(w.role_arn("admin")))})
    w.user("bob", groups=("admins",))
    w.user("alice")
    admin_trusting_hub(w)


@scenario(yes(), "AWS managed AdministratorAccess (Allow * on *), its document as read from IAM")
def aws_managed_admin_with_document(w: World) -> None:
    w.aws_managed_document(ADMIN, doc(allow(action="*")))
    w.group("admins", managed=(ADMIN,))
    w.user("alice", groups=("admins",))
    admin_trusting_hub(w)


@scenario(yes(), "AWS managed AdministratorAccess without its document: the built-in copy", live=False)
def aws_managed_admin_without_document(w: World) -> None:
    w.user("alice", managed=(ADMIN,))
    admin_trusting_hub(w)


# -- document shapes --------------------------------------------------------------------------------------


@scenario(yes(), "Statement may be a single object rather than a list")
def statement_as_single_object(w: World) -> None:
    w.user("alice", inline={"assume": {"Version": "2012-10-17", "Statement": allow(w.role_arn("admin"))}})
    w.role("admin", "prod", trust={"Version": "2012-10-17", "Statement": trusts(w.root("hub"))})


@scenario(yes(), "Action and Resource may be a single string or a list")
def action_and_resource_as_lists(w: World) -> None:
    w.user("alice", inline={"assume": doc(allow([w.role_arn("other"), w.role_arn("admin")],
                                                action=["s3:GetObject", ASSUME]))})  # fmt: skip
    admin_trusting_hub(w)


# -- the test ---------------------------------------------------------------------------------------------


def answer(graph: AccessGraph, who: str, target: str, world: World) -> Reach | None:
    """The row for who -> role@account, or None when the graph finds no way there."""
    role, _, account = target.partition("@")
    principal = next(u for u in graph.users() if u.name == world.name(who))
    account_id = world.id(account)
    return next(
        (r for r in graph.reach(principal) if r.role == world.name(role) and r.account_id == account_id), None
    )


def observed(row: Reach | None, key: str | None) -> Expect:
    """The row as an Expect; a conditional one names `key` if one of its conditions tests it."""
    if row is None:
        return no()
    named = None
    if row.reachable == "conditional":
        tested = [c for c in row.conditions if key and key.lower() in c.lower()]
        named = key if tested else "; ".join(row.conditions)
    return Expect(row.reachable, row.mfa_required, named, tuple(v.rsplit("/", 1)[-1] for v in row.via))


def unprefixed(expect: Expect, prefix: str) -> Expect:
    return replace(expect, via=tuple(v.removeprefix(prefix) for v in expect.via))
