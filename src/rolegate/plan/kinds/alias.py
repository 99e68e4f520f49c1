"""The account alias: `accounts.<name>.alias` in the file, the sign-in URL's name in IAM (one per account).
Pure. rolegate sets it when the file names one and leaves an alias alone when the file names none."""

from __future__ import annotations

from typing import Any

from rolegate.plan.changes import Call
from rolegate.plan.kinds.base import Edit, edit

ASPECT = "alias"
OPERATIONS = frozenset({"CreateAccountAlias", "DeleteAccountAlias"})


def update(want: str | None, have: str | None, read: bool) -> Edit:
    if not want or not read or have == want:
        return Edit()
    calls = [Call("DeleteAccountAlias", {"AccountAlias": have})] if have else []
    calls.append(Call("CreateAccountAlias", {"AccountAlias": want}))
    return edit(calls, [f"alias: {have} → {want}"] if have else [], ASPECT).with_summary(want)


def made_by(call: Call, aliases: list[str]) -> bool:
    """A refused CreateAccountAlias: the account has the alias already."""
    return call.params["AccountAlias"] in aliases


def terraform(want: str) -> dict[str, Any]:
    return {"account_alias": want}
