"""A snapshot of a hand-made setup -> the rolegate.yaml that describes it, with comments for the rest. Pure.

What rolegate can express is written as config: accounts, roles that trust the hub (with or without MFA),
groups whose grant policy is a pure sts:AssumeRole on those roles (`assume:`) or other policies
(`policies:`), users and their groups. Everything else is left out *and named in a comment*: a role that
trusts someone else, a policy attached to a user. Inline policies are written as `inline_policies:`, as IAM
holds them. What is left out stays unmanaged, and plan and
apply never touch it, so importing loses nobody's access. The file sets `organization.adopt: true`, so the
first plan shows the hand-made resources it names as adopted, not created.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from rolegate.model import marks, names, naming, policydoc
from rolegate.model.guardrails import Facts
from rolegate.model.iam_shapes import listed, statement_list
from rolegate.plan.adoption import hub_trust_mfa, policy_holders
from rolegate.plan.kinds import attachments, password_policy
from rolegate.plan.kinds import control_policy as kind_control_policy
from rolegate.plan.kinds import inline as inline_policies
from rolegate.plan.kinds import role as kind_role
from rolegate.plan.kinds import unit as kind_unit
from rolegate.plan.kinds import user as kind_user
from rolegate.plan.kinds.role import ImportedRole
from rolegate.state.snapshot import AccountState, Group, OrganizationState, Role, Snapshot

_UNREADABLE = (
    "inline policy {} holds a document rolegate.yaml cannot (see rolegate validate): declare it by hand, "
    "or apply removes it"
)
SERVICE_PATHS = ("/aws-service-role/", "/service-role/", "/aws-reserved/")
_ROLE_ARN = re.compile(r"^arn:aws:iam::(\d{12}):role/([\w+=,.@-]+)$")
_NAME_CHARS = re.compile(r"[^a-z0-9_-]+")


@dataclass(frozen=True)
class AccountInfo:
    """One account as found: its logical name in the file, id, and email when Organizations told it."""

    name: str
    account_id: str
    email: str | None = None
    display: str | None = None  # the name Organizations gives it, for the console's switch-role display name


@dataclass
class Source:
    org_name: str
    hub: str  # logical name
    region: str
    bootstrap_role: str
    accounts: list[AccountInfo]  # file order: the hub first
    snapshot: Snapshot  # keyed by the same logical names
    taken_at: str = ""


@dataclass
class Imported:
    text: str
    notes: list[str] = field(default_factory=list)  # what the comments say was left out
    counts: dict[str, int] = field(default_factory=dict)


def account_name(display: str, taken: Iterable[str] = ()) -> str:
    """`Development` -> `development`, `Data Lake` -> `data-lake`: a logical name, unique among `taken`."""
    base = _NAME_CHARS.sub("-", display.strip().lower()).strip("-_") or "account"
    name, n = base, 2
    while name in set(taken):
        name, n = f"{base}-{n}", n + 1
    return name


def org_name_from(hub_alias: str | None, hub: str) -> str:
    """The organization's short name: the hub alias without a trailing `-<hub>` (demo-master -> demo)."""
    if hub_alias:
        suffix = f"-{hub}"
        name = hub_alias[: -len(suffix)] if hub_alias.endswith(suffix) and hub_alias != suffix else hub_alias
        return name[:40]
    return "rolegate"


policy_ref = attachments.policy_ref


def grant_targets(document: dict[str, Any]) -> list[str] | None:
    """The role ARNs of a pure grant (every statement: Allow sts:AssumeRole on role ARNs, nothing else);
    None when the document is anything more or other."""
    try:
        doc = policydoc.parse(document)
    except ValueError:
        return None
    arns: list[str] = []
    for statement in statement_list(doc):
        if not isinstance(statement, dict) or set(statement) - {"Sid", "Effect", "Action", "Resource"}:
            return None
        if statement.get("Effect") != "Allow":
            return None
        if {str(a).lower() for a in listed(statement.get("Action"))} != {"sts:assumerole"}:
            return None
        resources = listed(statement.get("Resource"))
        if not resources or not all(isinstance(r, str) and _ROLE_ARN.match(r) for r in resources):
            return None
        arns.extend(resources)
    return sorted(set(arns)) or None


def describe_trust(document: dict[str, Any]) -> str:
    """A short account of who a trust policy lets in, for a comment: principals and condition keys."""
    try:
        doc = policydoc.parse(document)
    except ValueError:
        return "an unreadable trust policy"
    parts: list[str] = []
    for statement in statement_list(doc):
        if not isinstance(statement, dict):
            continue
        principal = statement.get("Principal", statement.get("NotPrincipal", "?"))
        if isinstance(principal, dict):
            who = ", ".join(str(v) for values in principal.values() for v in listed(values))
        else:
            who = str(principal)
        keys = sorted({k for block in (statement.get("Condition") or {}).values() for k in block})
        effect = "denies" if statement.get("Effect") == "Deny" else "trusts"
        parts.append(f"{effect} {who}" + (f" with {', '.join(keys)}" if keys else ""))
    return "; ".join(parts) or "an empty trust policy"


def _yaml_value(value: Any) -> Any:
    """A policy document as block-style YAML, keys in IAM's order."""
    if isinstance(value, dict):
        out = CommentedMap()
        for key, item in value.items():
            out[key] = _yaml_value(item)
        return out
    if isinstance(value, list):
        return CommentedSeq([_yaml_value(v) for v in value])
    return value


class _Importer:
    def __init__(self, source: Source) -> None:
        self.src = source
        self.hub_id = next(a.account_id for a in source.accounts if a.name == source.hub)
        self.by_id = {a.account_id: a.name for a in source.accounts}
        self.order = [a.name for a in source.accounts]
        self.notes: list[str] = []
        self.entry_notes: dict[tuple[str, str], list[str]] = {}
        self.roles: dict[str, tuple[ImportedRole, list[str]]] = {}  # name -> (shape, accounts)
        self.role_inline: dict[tuple[str, ImportedRole], dict[str, dict[str, Any]]] = {}

    def state(self, account: str) -> AccountState | None:
        return self.src.snapshot.accounts.get(account)

    def note(self, section: str, name: str, text: str) -> None:
        self.entry_notes.setdefault((section, name), []).append(text)

    # -- roles -------------------------------------------------------------------------------------------
    def read_roles(self) -> None:
        shapes: dict[str, dict[ImportedRole, list[str]]] = {}
        bootstrap_in: list[str] = []
        for account in self.order:
            state = self.state(account)
            if state is None:
                continue
            foreign: list[str] = []
            locks = [marks.role_lock(r.tags, r.trust_policy, r.inline_policies) for r in state.roles.values()]
            lock = next((found for found in locks if found is not None), None)
            if lock is not None:
                self.notes.append(
                    f"{account} is {lock.describe()}: imported as before the lockdown (its Deny statements "
                    "and policies are rolegate's, and `rolegate restore` takes them away)"
                )
            for role in sorted(state.roles.values(), key=lambda r: r.name):
                if role.path.startswith(SERVICE_PATHS):
                    continue
                if role.name == self.src.bootstrap_role:
                    bootstrap_in.append(account)
                    continue
                trust = marks.without_lockdown(role.trust_policy)
                mfa = hub_trust_mfa(trust, self.hub_id)
                if role.path != "/":
                    foreign.append(f"{role.name} (path {role.path}; rolegate's roles live at /)")
                elif mfa is None:
                    foreign.append(f"{role.name} ({describe_trust(trust)})")
                else:
                    shape = kind_role.imported(role, mfa)
                    self.role_inline.setdefault((role.name, shape), role.inline_policies)
                    shapes.setdefault(role.name, {}).setdefault(shape, []).append(account)
                    self._role_extras(account, role)
            if foreign:
                self.notes.append(
                    f"{account}: roles left unmanaged, their trust is not the hub trust rolegate writes: "
                    + "; ".join(foreign)
                )
        if bootstrap_in:
            self.notes.append(
                f"{self.src.bootstrap_role} in {', '.join(bootstrap_in)}: organization.bootstrap_role, "
                "rolegate's way into those accounts; left unmanaged"
            )
        for name, by_shape in shapes.items():
            ranked = sorted(by_shape.items(), key=lambda kv: (-len(kv[1]), self.order.index(kv[1][0])))
            (shape, accounts), others = ranked[0], ranked[1:]
            self.roles[name] = (shape, accounts)
            for other, where in others:
                self.note(
                    "roles",
                    name,
                    f"in {', '.join(where)} it differs ({other.describe()}): left unmanaged there; "
                    "a role is the same in every account it is in",
                )

    def _role_extras(self, account: str, role: Role) -> None:
        for inline in inline_policies.unwritable(role.inline_policies):
            self.note("roles", role.name, _UNREADABLE.format(inline) + f" (in {account})")

    # -- groups --------------------------------------------------------------------------------------------
    def role_of(self, arn: str) -> tuple[str, str] | None:
        """(role, account) when the ARN is a role this file manages."""
        m = _ROLE_ARN.match(arn)
        if not m or m.group(1) not in self.by_id:
            return None
        role, account = m.group(2), self.by_id[m.group(1)]
        if role not in self.roles or account not in self.roles[role][1]:
            return None
        return role, account

    def group_entry(self, state: AccountState, group: Group) -> CommentedMap:
        assume: dict[str, set[str]] = {}
        policies: list[str] = []
        for arn in group.managed_policies:
            policy = state.policy_by_arn(arn)
            targets = grant_targets(policy.document) if policy is not None else None
            mapped = [self.role_of(a) for a in targets or []]
            if policy is None or targets is None:
                policies.append(policy_ref(arn))
                continue
            why = None
            if any(m is None for m in mapped):
                outside = [a for a, m in zip(targets, mapped, strict=True) if m is None]
                why = f"it grants roles this file does not manage ({', '.join(outside)})"
            elif policy.name != group.name:
                why = f"it is named unlike the group (rolegate names a group's grant policy {group.name})"
            elif holders := policy_holders(state, policy, group.name):
                why = f"it is attached to {', '.join(holders)} too"
            if why:
                self.note(
                    "groups",
                    group.name,
                    f"policy {policy.name} is a grant, kept under policies: because {why}",
                )
                policies.append(arn)
                continue
            for m in mapped:
                assert m is not None
                assume.setdefault(m[0], set()).add(m[1])
        entry = CommentedMap()
        if assume:
            grants = CommentedMap()
            for role in self.roles:
                if role in assume:
                    grants[role] = _flow([a for a in self.order if a in assume[role]])
            entry["assume"] = grants
        if policies:
            entry["policies"] = _flow(sorted(policies))
        if inline_policies.importable(group.inline_policies):
            entry["inline_policies"] = _yaml_value(inline_policies.importable(group.inline_policies))
        for inline in inline_policies.unwritable(group.inline_policies):
            self.note("groups", group.name, _UNREADABLE.format(inline))
        return entry

    # -- the document ----------------------------------------------------------------------------------------
    def build(self) -> CommentedMap:
        self.read_roles()
        hub = self.state(self.src.hub)
        doc = CommentedMap()
        doc["version"] = 1
        organization = CommentedMap()
        organization["name"] = self.src.org_name
        organization["hub"] = self.src.hub
        organization["region"] = self.src.region
        organization["bootstrap_role"] = self.src.bootstrap_role
        organization["adopt"] = True
        organization.yaml_add_eol_comment(
            "take over the hand-made resources named below (shown as `= adopt` in the plan)", "adopt"
        )
        found = self.src.snapshot.organization
        if found is not None:
            tree, skipped = kind_unit.imported_tree(found)
            if tree:
                organization["units"] = _tree(tree)
            self.notes += [
                f"unit {path} (and what is in it): its name is not one rolegate writes" for path in skipped
            ]
        if hub is not None and hub.password_policy:
            organization["password_policy"] = _password_policy(hub.password_policy)
        doc["organization"] = organization

        places = kind_unit.imported_places(found, self.by_id) if found is not None else {}
        accounts = CommentedMap()
        for info in self.src.accounts:
            entry = CommentedMap()
            entry["id"] = DoubleQuotedScalarString(info.account_id)
            if info.email:
                entry["email"] = info.email
            if _display_name_worth_writing(info):
                entry["display_name"] = info.display
            state = self.state(info.name)
            if state is not None and state.alias:
                entry["alias"] = state.alias
            if info.name in places:
                entry["unit"] = places[info.name]
            accounts[info.name] = entry
        doc["accounts"] = accounts

        if self.roles:
            roles = CommentedMap()
            for name, (shape, where) in self.roles.items():
                roles[name] = _entry(shape.entry(where, self.role_inline.get((name, shape), {})))
            doc["roles"] = roles

        if hub is not None:
            self._hub_principals(doc, hub)
        if found is not None:
            self._guardrails(doc, found)
        self._spoke_principals()
        self._attach_notes(doc)
        return doc

    def _hub_principals(self, doc: CommentedMap, hub: AccountState) -> None:
        groups = CommentedMap()
        for group in sorted(hub.groups.values(), key=lambda g: g.name):
            groups[group.name] = self.group_entry(hub, group)
        if groups:
            doc["groups"] = groups
        report = {row.get("user", ""): row for row in hub.credential_report or []}
        users = CommentedMap()
        for user in sorted(hub.users.values(), key=lambda u: u.name):
            entry = _entry(kind_user.imported(user, hub.groups, report.get(user.name)))
            for arn in user.managed_policies:
                self.note(
                    "users", user.name, f"policy {policy_ref(arn)} attached to the user stays (not managed)"
                )
            for inline in inline_policies.unwritable(user.inline_policies):
                self.note("users", user.name, _UNREADABLE.format(inline))
            if user.permissions_boundary:
                self.note(
                    "users", user.name, f"permissions boundary {policy_ref(user.permissions_boundary)} stays"
                )
            users[user.name] = entry
        if users:
            doc["users"] = users
            if hub.credential_report is None:
                self.notes.append(
                    "the hub's credential report could not be read: `console:` and `mfa:` of users come "
                    "from rolegate's tags only; check who signs in to the console before applying"
                )

    def _guardrails(self, doc: CommentedMap, found: OrganizationState) -> None:
        """The organization's own control policies; AWS's and a lockdown's are left out unsaid."""
        src = self.src
        facts = Facts(src.org_name, src.bootstrap_role, (src.region,), found.id)
        guardrails = CommentedMap()
        for name, policy in sorted(found.policies.items()):
            entry = kind_control_policy.imported(policy, found, facts, self.by_id)
            if isinstance(entry, str):
                if not (policy.aws_managed or kind_control_policy.is_lockdown(policy)):
                    self.notes.append(f"control policy {name}: left unmanaged, {entry}")
                continue
            guardrails[name] = _entry(entry)
        if guardrails:
            doc["guardrails"] = guardrails

    def _spoke_principals(self) -> None:
        for account in self.order:
            state = self.state(account)
            if account == self.src.hub or state is None:
                continue
            if state.users:
                self.notes.append(
                    f"{account}: users {', '.join(sorted(state.users))} left unmanaged "
                    "(rolegate keeps people in the hub)"
                )
            if state.groups:
                self.notes.append(f"{account}: groups {', '.join(sorted(state.groups))} left unmanaged")

    def _attach_notes(self, doc: CommentedMap) -> None:
        for (section, name), texts in self.entry_notes.items():
            parent = doc.get(section)
            if not isinstance(parent, CommentedMap) or name not in parent:
                self.notes.extend(f"{section}.{name}: {t}" for t in texts)
                continue
            lines = [
                wrapped
                for t in texts
                for wrapped in textwrap.wrap(f"rolegate import: {t}", 104, subsequent_indent="  ")
            ]
            parent.yaml_set_comment_before_after_key(name, before="\n".join(lines), indent=2)


def _entry(fields: dict[str, Any]) -> CommentedMap:
    """A kind's entry (plain data) as the file shows it: lists of names in flow style, documents in block."""
    out = CommentedMap()
    for key, value in fields.items():
        if isinstance(value, list):
            out[key] = _flow(value)
        else:
            out[key] = _yaml_value(value)
    return out


def _display_name_worth_writing(info: AccountInfo) -> bool:
    """Organizations' name for the account, when rolegate would not derive it from the key (`ML-Dev` for
    `ml-dev`) and the console could show it: a name from AWS is anyone's who may rename the account."""
    display = info.display
    if not display or display == naming.display_name(info.name):
        return False
    return names.DISPLAY_NAME_RE.match(display) is not None


def _tree(tree: dict[str, Any]) -> CommentedMap:
    out = CommentedMap()
    for name, children in tree.items():
        out[name] = _tree(children) if children else CommentedMap()
        if not children:
            out[name].fa.set_flow_style()
    return out


def _flow(items: list[str]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _password_policy(policy: dict[str, Any]) -> CommentedMap:
    out = CommentedMap()
    out.update(password_policy.imported(policy))
    return out


def _spaced(text: str) -> str:
    """A blank line before each top-level section after the first, as in `rolegate init`'s file."""
    lines = text.splitlines()
    out: list[str] = []
    for i, line in enumerate(lines):
        if i and line[:1].isalpha():
            out.append("")
        out.append(line)
    return "\n".join(out) + "\n"


def import_config(source: Source) -> Imported:
    importer = _Importer(source)
    doc = importer.build()
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 110
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    n_accounts = len(source.accounts)
    head = [
        "# rolegate.yaml, written by `rolegate import` from what exists in "
        f"{n_accounts} account{'s' if n_accounts != 1 else ''}"
        + (f" ({source.taken_at})" if source.taken_at else "")
        + ".",
        "# Review it, then: rolegate validate; rolegate plan (hand-made resources show as `= adopt`: they",
        "# get rolegate's ownership mark, nothing is created or deleted); rolegate apply.",
    ]
    tail: list[str] = []
    if importer.notes:
        tail = [
            "",
            "# Not imported: rolegate cannot express these; they stay as they are, never touched.",
        ]
        for note in importer.notes:
            tail += textwrap.wrap(note, 106, initial_indent="#   - ", subsequent_indent="#     ")
    text = "\n".join(head) + "\n" + _spaced(buffer.getvalue()) + ("\n".join(tail) + "\n" if tail else "")
    counts = {
        "accounts": n_accounts,
        "roles": len(doc.get("roles", {})),
        "groups": len(doc.get("groups", {})),
        "users": len(doc.get("users", {})),
        **({"guardrails": len(doc["guardrails"])} if "guardrails" in doc else {}),
    }
    notes = importer.notes + [
        f"{section}.{name}: {t}" for (section, name), texts in importer.entry_notes.items() for t in texts
    ]
    return Imported(text, notes, counts)
