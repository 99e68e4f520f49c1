"""Drift: the plan, seen as what differs between rolegate.yaml and the accounts. Pure.

One item per resource, one word for what kind of difference, so cron and CI can grep it:
  changed    a resource rolegate owns was edited outside rolegate (the console, the CLI)
  missing    the file declares it and the account lacks it
  extra      rolegate owns it and the file no longer declares it
  adoptable  hand-made, the file declares it and would adopt it
  conflict   hand-made, the file declares it and it cannot be adopted
  unmanaged  a user or role rolegate does not own (the bootstrap role aside)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase

from rolegate.plan.changes import Change, Plan
from rolegate.plan.kinds import inline

WHAT = {"create": "missing", "update": "changed", "delete": "extra", "adopt": "adoptable"}
KINDS = ("changed", "missing", "extra", "adoptable", "conflict", "unmanaged")  # the order they are listed in


@dataclass(frozen=True)
class DriftItem:
    what: str
    account: str
    account_id: str
    kind: str
    name: str
    detail: str

    @property
    def address(self) -> str:
        return f"{self.account}/{self.kind}/{self.name}"

    def to_json(self) -> dict[str, str]:
        return {**asdict(self), "address": self.address}


def _aspects(change: Change) -> str:
    """What an edit by hand changed: the aspects the kind says its undoing calls set (plan/kinds/)."""
    return ", ".join(change.aspects)


def _detail(change: Change) -> str:
    if change.action == "update":
        aspects = _aspects(change) or change.summary
        # Which inline policies: one added by hand is the difference people look for first.
        dropped = inline.dropped(change.details)
        if dropped:
            aspects += f" (not in rolegate.yaml: {', '.join(dropped)})"
        return aspects
    if change.action == "adopt":
        changes = _aspects(change)
        return "hand-made, would be adopted" + (f" ({changes} to update)" if changes else "")
    if change.action == "create":
        return "declared in rolegate.yaml, not in the account"
    return "rolegate's, no longer in rolegate.yaml"


def _conflict_detail(message: str) -> str:
    """A mark rolegate does not believe (plan/ownership.py) says why; any other conflict is hand-made."""
    _, _, why = message.partition("carries rolegate's mark, but ")
    if why:
        return "rolegate's mark not believed: " + why.split(": the mark is not believed")[0]
    return "hand-made, not adoptable"


def drift_items(plan: Plan, *, bootstrap_role: str, ignore: tuple[str, ...] = ()) -> list[DriftItem]:
    """Every difference, in the file's order of accounts; `ignore` globs match account/kind/name."""
    items = [
        DriftItem(WHAT[c.action], c.account, c.account_id, c.kind, c.name, _detail(c)) for c in plan.ordered()
    ]
    ids = plan.accounts
    items += [
        DriftItem("conflict", c.account, ids.get(c.account, ""), c.kind, c.name, _conflict_detail(c.message))
        for c in plan.conflicts
    ]
    for account, kinds in plan.unmanaged.items():
        for kind, plural in (("user", "users"), ("role", "roles")):
            for name in kinds.get(plural, []):
                if kind == "role" and name == bootstrap_role:
                    continue  # rolegate's own way in: there in every account by design
                items.append(
                    DriftItem("unmanaged", account, ids.get(account, ""), kind, name, "not in rolegate.yaml")
                )
    order = {name: i for i, name in enumerate(plan.accounts)}
    kept = [i for i in items if not any(fnmatchcase(i.address, pattern) for pattern in ignore)]
    return sorted(kept, key=lambda i: (order.get(i.account, 0), KINDS.index(i.what)))


def drift_lines(items: list[DriftItem]) -> list[str]:
    """`changed    development/role/administrator  trust policy`: one line per item, columns aligned."""
    width = max((len(i.address) for i in items), default=0)
    return [f"{i.what:<10} {i.address:<{width}}  {i.detail}" for i in items]


def drift_summary(items: list[DriftItem]) -> str:
    if not items:
        return "No drift: the accounts match rolegate.yaml."
    counts = {what: sum(1 for i in items if i.what == what) for what in KINDS}
    listed = ", ".join(f"{n} {what}" for what, n in counts.items() if n)
    return f"Drift: {len(items)} ({listed})."
