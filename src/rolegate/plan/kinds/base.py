"""What every kind is made of: an Edit (calls, the lines people read, the aspects they change), the account
being planned (Context), and the small pieces more than one kind uses. Pure.

A kind module (role.py, group.py, …) answers, for its resources, the same questions: what the file wants
(compile), what the account has, whether rolegate owns it (plan/ownership.py), which calls create, update,
delete or adopt it, and how CloudFormation and Terraform spell it. plan/diff.py runs the one ownership rule
over every kind; the exports, drift and the importer read the kinds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from rolegate.model import naming
from rolegate.model.iam_shapes import tag_list
from rolegate.plan import ownership
from rolegate.plan.changes import Call
from rolegate.state.snapshot import AccountState

if TYPE_CHECKING:  # the containers import the kinds' dataclasses: only their types are needed here
    from rolegate.plan.compile import Desired, DesiredAccount

# Every resource rolegate makes says so where people look first (the console's description field).
DESCRIPTION = "Managed by rolegate: edit rolegate.yaml, not this"

W = TypeVar("W")  # what the file wants
H = TypeVar("H")  # what an account has


def document_json(document: dict[str, Any]) -> str:
    """A policy document as IAM's calls take it: compact JSON."""
    return json.dumps(document, separators=(",", ":"))


@dataclass(frozen=True)
class Edit:
    """What one resource needs: the calls in order, the lines a reviewer reads, and which of its aspects
    ("trust policy", "policies", "console sign-in", …) the calls set. Drift names the aspects; it never
    guesses them from operation names."""

    calls: tuple[Call, ...] = ()
    details: tuple[str, ...] = ()
    aspects: tuple[str, ...] = ()
    summary: str = ""

    def __add__(self, other: Edit) -> Edit:
        aspects = self.aspects + tuple(a for a in other.aspects if a not in self.aspects)
        return Edit(
            self.calls + other.calls, self.details + other.details, aspects, self.summary or other.summary
        )

    def __bool__(self) -> bool:
        return bool(self.calls)

    def with_summary(self, summary: str) -> Edit:
        return Edit(self.calls, self.details, self.aspects, summary)

    def with_details(self, details: Iterable[str]) -> Edit:
        return Edit(self.calls, tuple(details), self.aspects, self.summary)


def edit(calls: Iterable[Call], details: Iterable[str] = (), aspect: str | None = None) -> Edit:
    """One piece of an Edit: its calls set `aspect` (when there are any)."""
    made = tuple(calls)
    return Edit(made, tuple(details), (aspect,) if made and aspect else ())


def join(pieces: Iterable[Edit], summary: str = "") -> Edit:
    total = Edit()
    for piece in pieces:
        total = total + piece
    return total.with_summary(summary) if summary else total


@dataclass
class Context:
    """The account being planned, with what only the whole plan knows (the hub, --adopt, the labels)."""

    desired: Desired
    acct: DesiredAccount
    state: AccountState
    # The account's users as ownership decided them: groups and policies ask whose a member is.
    users_decided: dict[str, ownership.Decision] = field(default_factory=dict)
    # account id -> logical name and file position, for labels (computed once per plan by the driver)
    names: Mapping[str, str] = field(default_factory=dict)
    order: Mapping[str, int] = field(default_factory=dict)

    @property
    def org(self) -> str:
        return self.desired.org

    @property
    def hub_id(self) -> str:
        return self.desired.accounts[self.desired.hub].account_id

    def explicit(self, kind: str, name: str) -> bool:
        """Adopted by name on the command line (--adopt)."""
        return ownership.adopt_matches(self.desired.adopt_names, self.acct.name, kind, name)

    def owner_tags(self, **extra: str) -> list[dict[str, str]]:
        return tag_list({naming.OWNER_TAG: self.org, **extra})

    def role_label(self, arn: str) -> str:
        """arn:aws:iam::222…:role/administrator -> administrator@development."""
        account = naming.account_from_arn(arn)
        return f"{naming.name_from_arn(arn)}@{self.names.get(account, account)}"

    def role_labels(self, arns: Iterable[str]) -> str:
        """Role ARNs as people name them, in the file's order of accounts."""
        ordered = sorted(arns, key=lambda a: (self.order.get(naming.account_from_arn(a), 0), a))
        return ", ".join(self.role_label(a) for a in ordered)

    def owned_user(self, name: str) -> bool:
        """rolegate's user, its mark believed (or adopted by name): its own change handles its groups."""
        decided = self.users_decided.get(name)
        if decided is None:
            return False
        explicit = any(
            ownership.adopt_matches(self.desired.adopt_names, account, "user", name)
            for account in self.desired.accounts
        )
        return decided.owned or (decided.ownership == "conflict" and explicit and not decided.reserved)


class Kind(Protocol[W, H]):
    """One kind of IAM resource, as the ownership rule in plan/diff.py drives it."""

    name: str  # as plans name it: role, policy, group, user
    plural: str  # as the unmanaged list names it

    def wanted(self, ctx: Context) -> Mapping[str, W]: ...
    def existing(self, ctx: Context) -> Mapping[str, H]: ...
    def decide(self, ctx: Context, have: H) -> ownership.Decision: ...
    def create(self, ctx: Context, want: W) -> Edit: ...
    def update(self, ctx: Context, want: W, have: H) -> Edit: ...
    def delete(self, ctx: Context, have: H) -> Edit: ...
    def adopt(self, ctx: Context, want: W, have: H) -> Edit | str:
        """The adoption (its mark, then the update that makes it match), or why it may not be adopted."""
        ...

    def foreign(self, have: H) -> str:
        """Why a same-named resource reads as not rolegate's, as a clause for the conflict ("" for none)."""
        ...

    def unmanaged(self, ctx: Context) -> list[str]: ...


def adoption(mark: Iterable[Call], summary: str, update: Edit) -> Edit:
    """An adopt change: the calls that mark the resource rolegate's, then the update rolegate would make
    once it owns it (the same code as any update, so the plan after apply is empty)."""
    return Edit(tuple(mark) + update.calls, update.details, update.aspects, summary)
