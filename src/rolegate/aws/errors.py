"""What AWS answered when it refused a call: the one reader of a ClientError's `response["Error"]`.

botocore's ClientError carries `response = {"Error": {"Code": …, "Message": …}, …}`; anything else (our own
errors, a timeout) has no such answer, so every reader here takes any exception and falls back to a
default. Stdlib only, and no botocore import: the pure packages and the warm credential path may read a
code without loading the SDK.
"""

from __future__ import annotations

from typing import Any

from rolegate.errors import AwsError, CredentialsError, RolegateError


def error_of(exc: BaseException) -> dict[str, Any]:
    """The `Error` part of AWS's answer; empty when the exception carries none."""
    error = getattr(exc, "response", {}).get("Error", {})
    return error if isinstance(error, dict) else {}


def error_code(exc: BaseException, default: str = "") -> str:
    """AWS's error code (`NoSuchEntity`, `AccessDenied`, …), or `default` when there is none."""
    return str(error_of(exc).get("Code", default))


def error_message(exc: BaseException, default: str = "") -> str:
    return str(error_of(exc).get("Message", default))


def refusal(exc: BaseException) -> str:
    """`Code: Message`, as the messages shown to the user spell an AWS refusal."""
    return f"{error_code(exc)}: {error_message(exc)}"


def from_sdk(exc: Exception) -> RolegateError | None:
    """The SDK's own failures that are the user's to fix, as one clear message; None for anything else."""
    name = type(exc).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError", "NoRegionError", "ProfileNotFound"):
        return CredentialsError(
            f"AWS credentials: {exc}",
            "pass --profile with the hub account's profile, or set AWS_PROFILE / AWS_ACCESS_KEY_ID",
        )
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError"):
        return AwsError(f"cannot reach AWS: {exc}", "check the network, or AWS_ENDPOINT_URL if you set one")
    if name == "ClientError":
        return AwsError(
            f"AWS refused {getattr(exc, 'operation_name', 'a call')}: {refusal(exc)}",
            "check the operator's permissions in the hub and the bootstrap role's in the other accounts",
        )
    return None
