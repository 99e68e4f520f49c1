"""The plan-time check of AWS managed policy names: a name rolegate's list does not know is asked of AWS,
once, in the hub, before any account is read; a name AWS does not have either stops plan and apply with the
file:line of every reference and the closest names (model/managed_policies.py decides; this asks AWS)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rolegate.aws.errors import error_code
from rolegate.aws.retry import patiently
from rolegate.errors import ConfigError, Diagnostic
from rolegate.model.managed_policies import Lookup, plan_issues
from rolegate.model.validate import Issue

if TYPE_CHECKING:
    from rolegate.aws.session import AwsSessions
    from rolegate.model.load import Loaded, Source


def policy_exists(iam: Any) -> Lookup:
    """iam:GetPolicy as a yes / no / cannot tell: only NoSuchEntity is a no."""

    def exists(arn: str) -> bool | None:
        try:
            patiently(lambda: iam.get_policy(PolicyArn=arn))
        except Exception as exc:  # denied, offline, throttled beyond the retries: apply will say
            return False if error_code(exc) == "NoSuchEntity" else None
        return True

    return exists


def diagnostic(source: Source, issue: Issue) -> Diagnostic:
    from rolegate.model.load import format_loc

    line, column, width = source.position(issue.loc, issue.at_key)
    return Diagnostic(
        source.filename, line, column, format_loc(issue.loc), issue.message, issue.hint,
        source.line_text(line), width, issue.severity,
    )  # fmt: skip


def check_managed_policies(loaded: Loaded, sessions: AwsSessions) -> None:
    """Raises ConfigError naming each reference to an AWS managed policy that does not exist. No AWS call
    when every name is in the shipped list (nearly always)."""
    lookup: Lookup | None = None

    def exists(arn: str) -> bool | None:
        nonlocal lookup
        if lookup is None:  # the client only when a name needs it
            lookup = policy_exists(sessions.iam(sessions.operator_account()))
        return lookup(arn)

    issues = plan_issues(loaded.config, exists)
    if issues:
        raise ConfigError([diagnostic(loaded.source, i) for i in issues])
