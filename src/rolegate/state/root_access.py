"""Read the organization's centralized root access: IAM's enabled features and whether Organizations trusts
IAM. Both from the management account, with the operator's own credentials. Thin: no deciding here.

moto (5.2.5) implements neither ListOrganizationsFeatures nor the enables: its server answers HTTP 500
(NotImplementedError), which botocore cannot parse; that reads as "not readable" (None), as does an
account IAM will not answer (a member account, AccessDenied).
"""

from __future__ import annotations

from typing import Any

from rolegate.aws.errors import error_code
from rolegate.aws.retry import patiently

# Organizations' name for IAM (plan/kinds/root_access.py says it too: reading sits below planning).
IAM_PRINCIPAL = "iam.amazonaws.com"
# Trusted access for IAM is off: then no feature can be on, which is an answer, not a failure to read.
_TRUSTED_ACCESS_OFF = "ServiceAccessNotEnabledException"


def read_features(iam: Any) -> list[str] | None:
    """ListOrganizationsFeatures' EnabledFeatures (RootCredentialsManagement, RootSessions); [] when IAM says
    trusted access is off; None when it cannot be read (not the management account, not allowed, not in an
    organization, or an endpoint that lacks the API)."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    try:
        answer = patiently(iam.list_organizations_features)
    except ClientError as exc:
        return [] if error_code(exc) == _TRUSTED_ACCESS_OFF else None
    except (BotoCoreError, ResponseParserError):  # moto: HTTP 500 with an HTML body (NotImplementedError)
        return None
    return [str(f) for f in answer.get("EnabledFeatures", [])]


def trusted_access(organizations: Any) -> bool | None:
    """Whether Organizations lists iam.amazonaws.com among the services it trusts; None when unreadable."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    try:
        found: list[dict[str, Any]] = []
        paginator = organizations.get_paginator("list_aws_service_access_for_organization")
        for page in patiently(lambda: list(paginator.paginate())):
            found += page.get("EnabledServicePrincipals", [])
    except (ClientError, BotoCoreError, ResponseParserError):
        return None
    return any(p.get("ServicePrincipal") == IAM_PRINCIPAL for p in found)
