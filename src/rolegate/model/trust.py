"""The trust policy of every role rolegate makes: the seed's cross-account trust. Pure.

Here, below plan/, because ownership and adoption compare what they find against it as much as compile
writes it.
"""

from __future__ import annotations

from typing import Any

from rolegate.model import naming


def trust_policy(hub_id: str, require_mfa: bool) -> dict[str, Any]:
    """The hub's account principal may assume the role, with MFA when the role demands it."""
    statement: dict[str, Any] = {
        "Sid": "AssumeFromHub",
        "Effect": "Allow",
        "Principal": {"AWS": naming.root_arn(hub_id)},
        "Action": "sts:AssumeRole",
    }
    if require_mfa:
        statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    return {"Version": "2012-10-17", "Statement": [statement]}
