"""A user's console sign-in: an IAM login profile, its first password made at apply and shown once. Pure.

The tag rolegate:console=true on the user says rolegate issued the password; the profile itself is read from
the hub's credential report. rolegate never resets a password it finds.
"""

from __future__ import annotations

from rolegate.model import marks
from rolegate.plan import ownership
from rolegate.plan.changes import GENERATED_PASSWORD, Call
from rolegate.plan.kinds.base import Edit, edit
from rolegate.state.snapshot import User

CONSOLE_TAG = ownership.CONSOLE_TAG
ASPECT = "console sign-in"
KEPT = "console sign-in: the password there is kept; a first one is made only if there is none"
# The calls a console sign-in's changes may hold (a saved plan is checked against them).
OPERATIONS = frozenset({"TagUser", "UntagUser", "CreateLoginProfile", "DeleteLoginProfile"})


def issued(user: User) -> bool:
    """rolegate issued this user's console password (its tag says so)."""
    return user.tags.get(CONSOLE_TAG) == "true"


def _calls(name: str, *, tagged: bool = False) -> list[Call]:
    # The tag goes first: an apply killed between the two calls leaves a tagged user without a password (the
    # next plan issues it), never a password without the tag (which reads as one rolegate did not make).
    tag = [Call("TagUser", {"UserName": name, "Tags": [{"Key": CONSOLE_TAG, "Value": "true"}]})]
    return [
        *([] if tagged else tag),
        Call(
            "CreateLoginProfile",
            {"UserName": name, "Password": GENERATED_PASSWORD, "PasswordResetRequired": True},
            tolerate=("EntityAlreadyExists",),
        ),  # a hand-made one stays: rolegate never resets a password
    ]


def create(name: str) -> Edit:
    """For a user created with the console tag already set."""
    return edit(_calls(name, tagged=True), aspect=ASPECT)


def update(name: str, console: bool, have: User) -> Edit:
    if console and not issued(have):
        line = "+ console sign-in (first password generated, shown once)"
        return edit(_calls(name), [line], ASPECT)
    if console and have.login_profile is False and marks.user_lock(have.tags, have.inline_policies) is None:
        # (A lockdown takes the password away on purpose: `rolegate restore --user` gives a new one.)
        # The tag says rolegate issued one, IAM says there is none (deleted by hand): issue it again.
        line = "+ console sign-in (its password was deleted: a new first one, shown once)"
        return edit(_calls(name, tagged=True), [line], ASPECT)
    if issued(have) and not console:
        calls = [
            Call("DeleteLoginProfile", {"UserName": name}, tolerate=("NoSuchEntity",)),
            Call("UntagUser", {"UserName": name, "TagKeys": [CONSOLE_TAG]}),
        ]
        return edit(calls, ["- console sign-in"], ASPECT)
    return Edit()


def delete(name: str) -> list[Call]:
    return [Call("DeleteLoginProfile", {"UserName": name}, tolerate=("NoSuchEntity",))]


def kept_on_adoption(details: tuple[str, ...]) -> tuple[str, ...]:
    """An adopted user's console line: the login profile call tolerates an existing one, so the password
    there is never reset."""
    return tuple(KEPT if d.startswith("+ console sign-in") else d for d in details)
