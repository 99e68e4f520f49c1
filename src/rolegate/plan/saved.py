"""Saved plans (`rolegate plan -out FILE`, `rolegate apply FILE`), `-target`, and the mass-delete guard. Pure.

A saved plan is the plan's JSON (format_version 1) with what it was planned against: the sha256 of the
rolegate.yaml it was compiled from, a digest of every resource of each account the plan depends on (what the
file declares and what rolegate owns there), rolegate's version, the engine, the targets and --adopt's names,
and when. The whole is hashed (sha256 over its canonical JSON), so an edited file is refused before any AWS
call.

The hash has no key: it catches a file edited by hand or damaged, not one crafted by someone who recomputes
it. What stops a crafted file is what apply does with it: every call's operation must be one the change's
kind can emit (so no file makes apply call an arbitrary IAM API), the accounts are read again and must give
the same digests, and the plan made from this rolegate.yaml and that read must have exactly the file's
changes, call for call. Then apply runs the file's changes, and nothing else.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from rolegate.errors import LocalFileError, RolegateError
from rolegate.plan import kinds
from rolegate.plan.changes import PHASES, Call, Change, Conflict, Plan
from rolegate.plan.compile import Desired
from rolegate.state.snapshot import AccountState, Snapshot, owns_path, owns_tagged

FORMAT = "rolegate saved plan"
VERSION = 1
# A plan of 500 accounts, each with its roles' trust and permission documents, is a few MB.
PLAN_BYTES = 64 * 1024 * 1024

# What each volatile field of a resource is: read for audit and access, never what a plan decides on. A role
# assumed between plan and apply has a new last_used; that must not make the plan stale.
_VOLATILE = frozenset({"last_used", "access_keys_last_used"})

# A plan file is data anyone could write: each change's calls are checked against the operations its kind
# declares (plan/kinds/) before anything runs. A test holds that table equal to what the kinds emit.
OPERATIONS = kinds.OPERATIONS
SERVICES = kinds.SERVICES
# What -target organization/KIND/NAME may name (plan/organization.py's changes).
ORGANIZATION_KINDS = ("unit", "placement", "guardrail", "policy type", "root access")


# -- what a plan was made against --------------------------------------------------------------------------


@dataclass(frozen=True)
class Basis:
    """What a saved plan was planned against, and with which choices."""

    config_sha256: str
    accounts: dict[str, dict[str, str]]  # account -> resource (kind/name) -> digest of what was read
    rolegate_version: str
    planned_at: str  # ISO 8601, UTC
    engine: str = "direct"
    targets: tuple[str, ...] = ()
    adopt: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["targets"], out["adopt"] = list(self.targets), list(self.adopt)
        return out


@dataclass
class SavedPlan:
    plan: Plan
    basis: Basis


def sha256_text(data: str | bytes) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _digest(value: Any) -> str:
    return sha256_text(_canonical(value))


def _relevant(state: AccountState, declared: set[tuple[str, str]], org: str) -> dict[str, Any]:
    """The parts of one account's read a plan depends on: each resource the file declares there or rolegate
    owns there (by its tag or path), with every field but the volatile ones; the alias and password policy
    where they were read. Someone's own unrelated role coming or going changes nothing here."""
    out: dict[str, Any] = {}
    groups: list[tuple[str, dict[str, Any], bool]] = [
        ("role", {n: asdict(r) for n, r in state.roles.items()}, False),
        ("policy", {n: asdict(p) for n, p in state.policies.items()}, True),
        ("group", {n: asdict(g) for n, g in state.groups.items()}, True),
        ("user", {n: asdict(u) for n, u in state.users.items()}, False),
    ]
    for kind, resources, by_path in groups:
        for name, fields in resources.items():
            owned = owns_path(fields["path"]) if by_path else owns_tagged(fields.get("tags", {}), org)
            if owned or (kind, name) in declared:
                out[f"{kind}/{name}"] = {k: v for k, v in fields.items() if k not in _VOLATILE}
    if state.alias_read:
        out["account/alias"] = state.alias
    if state.password_policy_read:
        out["account/password policy"] = state.password_policy
    return out


def account_digests(desired: Desired, snapshot: Snapshot) -> dict[str, dict[str, str]]:
    """Per account read, a digest of each resource the plan depends on (see `_relevant`)."""
    out: dict[str, dict[str, str]] = {}
    for name, state in snapshot.accounts.items():
        want = desired.accounts.get(name)
        declared: set[tuple[str, str]] = set()
        if want is not None:
            for kind, names in (
                ("role", want.roles),
                ("policy", want.policies),
                ("group", want.groups),
                ("user", want.users),
            ):
                # The key and the IAM name (the same today; a prefix would make them differ).
                declared |= {(kind, n) for n in names} | {
                    (kind, getattr(v, "name", n)) for n, v in names.items()
                }
        out[name] = {k: _digest(v) for k, v in sorted(_relevant(state, declared, desired.org).items())}
    organization = snapshot.organization
    if organization is not None and desired.organization.declared:
        # The organization's part: every unit, policy and account place it was planned against.
        parts: dict[str, Any] = {"policy types": organization.policy_types, "places": organization.parents}
        parts |= {f"unit {p}": asdict(u) for p, u in organization.units.items()}
        parts |= {f"guardrail {n}": asdict(p) for n, p in organization.policies.items()}
        out["organization"] = {k: _digest(v) for k, v in sorted(parts.items())}
    return out


def changed_since(
    planned: dict[str, dict[str, str]], now: dict[str, dict[str, str]], account_ids: dict[str, str]
) -> list[str]:
    """What differs between the read a plan was made against and the read of now, one line per account:
    `production (879188445948): role administrator changed; user mallory appeared`."""
    lines = []
    for account, before in planned.items():
        after = now.get(account)
        where = f"{account} ({account_ids.get(account, '?')})"
        if after is None:
            lines.append(f"{where}: not read now")
            continue
        what = [f"{_spoken(k)} changed" for k in before if k in after and after[k] != before[k]]
        what += [f"{_spoken(k)} is gone" for k in before if k not in after]
        what += [f"{_spoken(k)} appeared" for k in after if k not in before]
        if what:
            lines.append(f"{where}: {'; '.join(what)}")
    return lines


def _spoken(address: str) -> str:
    kind, _, name = address.partition("/")
    return name if kind == "account" else f"{kind} {name}"


def _executable(change: Change) -> str:
    """What running a change does: where, which resource, and every call with its parameters."""
    return _canonical(
        [change.account, change.account_id, change.action, change.kind, change.name]
        + [c.to_json() for c in change.calls]
    )


def differing_changes(saved: Plan, fresh: Plan) -> list[str]:
    """The addresses whose changes differ between a saved plan and the plan made now: none when the file is
    what `plan -out` wrote against these accounts and this rolegate.yaml."""
    mine = sorted(_executable(c) for c in saved.changes)
    theirs = sorted(_executable(c) for c in fresh.changes)
    if mine == theirs:
        return []
    a = {c.address: _executable(c) for c in saved.changes}
    b = {c.address: _executable(c) for c in fresh.changes}
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k)) or ["(the order of changes)"]


# -- the file ----------------------------------------------------------------------------------------------


def dumps(saved: SavedPlan) -> str:
    body = {"planned": saved.basis.to_json(), "plan": saved.plan.to_json()}
    head = {"format": FORMAT, "version": VERSION, "sha256": _digest(body)}
    # Keys in the plan's own order (accounts as in rolegate.yaml); the hash is over sorted keys, so an
    # editor that reorders or reindents the file changes nothing that counts.
    return json.dumps({**head, **body}, indent=1) + "\n"


def loads(raw: bytes, where: str) -> SavedPlan:
    """A saved plan read back: bounded in size and depth, its hash checked, every field typed, every call's
    operation one its kind can emit. Anything else is a LocalFileError naming the file and the field."""
    from rolegate import limits

    if len(raw) > PLAN_BYTES:
        raise limits.too_large(where, PLAN_BYTES, "a saved plan")
    data = limits.loads_json(raw, where, "a saved plan")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _bad(where, 'not a saved plan (no "format": "rolegate saved plan")')
    if data.get("version") != VERSION:
        raise _bad(where, f"a saved plan of version {data.get('version')!r}; this rolegate reads {VERSION}")
    body = {"planned": data.get("planned"), "plan": data.get("plan")}
    if data.get("sha256") != _digest(body):
        raise LocalFileError(
            f"{where}: edited since `rolegate plan -out` wrote it (its sha256 does not match what it "
            "holds); nothing was changed",
            "make a new plan: `rolegate plan -out FILE`, review it, then `rolegate apply FILE`",
        )
    try:
        return SavedPlan(_plan(body["plan"]), _basis(body["planned"]))
    except _Invalid as exc:
        raise _bad(where, str(exc)) from None


class _Invalid(ValueError):
    pass


def _bad(where: str, why: str) -> LocalFileError:
    return LocalFileError(
        f"{where}: {why}; nothing was changed",
        "apply only a file `rolegate plan -out FILE` wrote; make a new one",
    )


def _get(data: Any, key: str, kind: type | tuple[type, ...], at: str) -> Any:
    if not isinstance(data, dict):
        raise _Invalid(f"{at} is not an object")
    value = data.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _Invalid(f"{at}.{key} is missing or not {_type_name(kind)}")
    return value


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", dict: "an object", list: "a list", int: "a number"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _strings(value: Any, at: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid(f"{at} is not a list of strings")
    return tuple(value)


def _string_map(value: Any, at: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _Invalid(f"{at} is not an object of strings")
    return dict(value)


def _basis(data: Any) -> Basis:
    accounts = _get(data, "accounts", dict, "planned")
    return Basis(
        config_sha256=_get(data, "config_sha256", str, "planned"),
        accounts={k: _string_map(v, f"planned.accounts.{k}") for k, v in accounts.items()},
        rolegate_version=_get(data, "rolegate_version", str, "planned"),
        planned_at=_get(data, "planned_at", str, "planned"),
        engine=_get(data, "engine", str, "planned"),
        targets=_strings(_get(data, "targets", list, "planned"), "planned.targets"),
        adopt=_strings(_get(data, "adopt", list, "planned"), "planned.adopt"),
    )


def _plan(data: Any) -> Plan:
    if _get(data, "format_version", int, "plan") != 1:
        raise _Invalid("plan.format_version is not 1")
    accounts = _string_map(_get(data, "accounts", dict, "plan"), "plan.accounts")
    changes = [
        _change(c, f"plan.changes[{i}]", accounts) for i, c in enumerate(_get(data, "changes", list, "plan"))
    ]
    conflicts = [
        Conflict(
            **{
                k: _get(c, k, str, f"plan.conflicts[{i}]")
                for k in ("account", "kind", "name", "message", "hint")
            }
        )
        for i, c in enumerate(_get(data, "conflicts", list, "plan"))
    ]
    return Plan(changes=changes, conflicts=conflicts, accounts=accounts)


def _change(data: Any, at: str, accounts: dict[str, str]) -> Change:
    account = _get(data, "account", str, at)
    account_id = _get(data, "account_id", str, at)
    action, kind = _get(data, "action", str, at), _get(data, "kind", str, at)
    if accounts.get(account) != account_id:
        raise _Invalid(f"{at}: account {account!r} ({account_id}) is not one of the plan's accounts")
    if (action, kind) not in PHASES or kind not in OPERATIONS:
        raise _Invalid(f"{at}: {action!r} of {kind!r} is no change rolegate plans")
    calls = tuple(_call(c, f"{at}.calls[{i}]", kind) for i, c in enumerate(_get(data, "calls", list, at)))
    return Change(
        account=account,
        account_id=account_id,
        action=action,  # checked against PHASES above
        kind=kind,
        name=_get(data, "name", str, at),
        summary=_get(data, "summary", str, at),
        details=_strings(_get(data, "details", list, at), f"{at}.details"),
        calls=calls,
    )


def _call(data: Any, at: str, kind: str) -> Call:
    operation = _get(data, "operation", str, at)
    if operation not in OPERATIONS[kind]:
        raise _Invalid(
            f"{at}: {operation!r} is not an operation {'an' if kind == 'account' else 'a'} {kind} change "
            "makes (it makes "
            f"{', '.join(sorted(OPERATIONS[kind]))})"
        )
    params = _get(data, "params", dict, at)
    tolerate = _strings(data.get("tolerate", []), f"{at}.tolerate")
    service = data.get("service", "iam")
    services = SERVICES.get(kind, frozenset({"iam"}))
    if service not in services:
        raise _Invalid(f"{at}: a {kind} change calls {' and '.join(sorted(services))}, not {service!r}")
    return Call(operation, params, tolerate, service=service)


# -- -target ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """`-target ACCOUNT` or `-target ACCOUNT/KIND/NAME`: the changes planned there, and no others."""

    account: str
    kind: str | None = None
    name: str | None = None

    def matches(self, account: str, kind: str, name: str) -> bool:
        if account != self.account:
            return False
        return self.kind is None or (kind == self.kind and name == self.name)

    def __str__(self) -> str:
        return self.account if self.kind is None else f"{self.account}/{self.kind}/{self.name}"


TARGET_KINDS = ("role", "policy", "group", "user", "account", *ORGANIZATION_KINDS)


def parse_target(text: str, accounts: list[str]) -> Target:
    """A -target as typed, checked against the file's accounts and rolegate's kinds."""
    parts = text.split("/", 2)
    account = parts[0]
    if account not in accounts:
        import difflib

        near = difflib.get_close_matches(account, accounts, n=1)
        raise RolegateError(
            f"-target {text}: no account {account!r} in rolegate.yaml"
            + (f" (did you mean {near[0]!r}?)" if near else ""),
            f"a target is ACCOUNT or ACCOUNT/KIND/NAME; accounts: {', '.join(accounts)}",
        )
    if len(parts) == 1:
        return Target(account)
    if len(parts) != 3 or parts[1] not in TARGET_KINDS or not parts[2]:
        raise RolegateError(
            f"-target {text}: not ACCOUNT or ACCOUNT/KIND/NAME",
            f"KIND is one of {', '.join(TARGET_KINDS)}; e.g. -target production/role/administrator",
        )
    return Target(account, parts[1], parts[2])


def select(plan: Plan, targets: tuple[Target, ...]) -> Plan:
    """Only the targeted changes (and conflicts, and unreadable accounts): exactly those, none they depend
    on. No targets: the plan as it is."""
    if not targets:
        return plan

    def wanted(account: str, kind: str, name: str) -> bool:
        return any(t.matches(account, kind, name) for t in targets)

    accounts = {t.account for t in targets}
    return Plan(
        changes=[c for c in plan.changes if wanted(c.account, c.kind, c.name)],
        conflicts=[c for c in plan.conflicts if wanted(c.account, c.kind, c.name)],
        unmanaged={a: v for a, v in plan.unmanaged.items() if a in accounts},
        accounts=dict(plan.accounts),
        locked={a: v for a, v in plan.locked.items() if a in accounts},
        unreadable={a: v for a, v in plan.unreadable.items() if a in accounts},
    )


# -- the mass-delete guard ---------------------------------------------------------------------------------

# More deletes than this in one apply needs --allow-mass-delete. Ten is more than a person leaving or a
# renamed role makes (a user, their group memberships are updates; a role in 3 accounts is 3), and far less
# than a mistyped account list or a file from another branch.
MASS_DELETE = 10


@dataclass(frozen=True)
class MassDelete:
    deletes: int
    whole_accounts: tuple[str, ...] = field(default=())  # accounts left without any role of rolegate's

    def reasons(self, limit: int = MASS_DELETE) -> list[str]:
        out = []
        if self.deletes > limit:
            out.append(f"it deletes {self.deletes} resources (more than {limit})")
        out += [f"it deletes every role rolegate made in {a}" for a in self.whole_accounts]
        return out


def mass_delete(plan: Plan, snapshot: Snapshot, org: str, limit: int = MASS_DELETE) -> MassDelete | None:
    """Whether a plan deletes on a scale a typo makes: more than `limit` resources, or all of an account's
    roles that rolegate owns (with none made there in their place)."""
    deletes = [c for c in plan.changes if c.action == "delete"]
    whole = []
    for account, state in snapshot.accounts.items():
        owned = {n for n, r in state.roles.items() if owns_tagged(r.tags, org)}
        gone = {c.name for c in deletes if c.account == account and c.kind == "role"}
        made = any(c.account == account and c.kind == "role" and c.action == "create" for c in plan.changes)
        if gone and owned <= gone and not made:
            whole.append(account)
    found = MassDelete(len(deletes), tuple(whole))
    return found if found.reasons(limit) else None


# -- first passwords -------------------------------------------------------------------------------------


def issued_passwords(plan: Plan, snapshot: Snapshot) -> list[tuple[str, str]]:
    """(account, user) of each first password apply will make: a CreateLoginProfile with the generated
    placeholder for a user who has no login profile now. One who has (an adopted or imported user keeping
    their password) gets none: the call tolerates EntityAlreadyExists and nothing is issued. A user whose
    login profile was not read counts: better one question too many than a password nobody sees."""
    from rolegate.plan.changes import GENERATED_PASSWORD

    out = []
    for change in plan.changes:
        for call in change.calls:
            if call.operation != "CreateLoginProfile" or call.params.get("Password") != GENERATED_PASSWORD:
                continue
            user = str(call.params.get("UserName", change.name))
            state = snapshot.accounts.get(change.account)
            have = state.users.get(user) if state is not None else None
            if have is None or have.login_profile is not True:
                out.append((change.account, user))
    return out
