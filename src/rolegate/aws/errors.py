"""What AWS answered when it refused a call: the one reader of a ClientError's `response["Error"]`.

botocore's ClientError carries `response = {"Error": {"Code": …, "Message": …}, …}`; anything else (our own
errors, a timeout) has no such answer, so every reader here takes any exception and falls back to a
default. Stdlib only, and no botocore import: the pure packages and the warm credential path may read a
code without loading the SDK.
"""

from __future__ import annotations

import os
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


# The SDK's failures to reach an endpoint at all, by class name (no botocore import here): a refused
# connection, a name that does not resolve, a timeout, a closed connection, a proxy or TLS failure.
UNREACHABLE = frozenset(
    {
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "ConnectionClosedError",
        "ProxyConnectionError",
        "SSLError",
    }
)


def _wrapped(exc: BaseException) -> object:
    """What botocore wrapped: its exceptions carry the underlying error (or its text) as `error`."""
    kwargs = getattr(exc, "kwargs", None)
    return kwargs.get("error") if isinstance(kwargs, dict) else None


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception, what botocore wrapped, and their causes, each once."""
    seen: list[BaseException] = []
    todo: list[object] = [exc]
    while todo and len(seen) < 20:
        item = todo.pop(0)
        if not isinstance(item, BaseException) or any(item is s for s in seen):
            continue
        seen.append(item)
        todo += [_wrapped(item), item.__cause__, item.__context__]
    return seen


def unreachable_reason(exc: BaseException) -> str:
    """Why an endpoint could not be reached, in the words a network tool uses."""
    causes = _causes(exc)
    names = {type(c).__name__ for c in causes}
    said = [str(c) for c in causes] + [w for w in map(_wrapped, causes) if isinstance(w, str)]
    text = " ".join(said).lower()
    if "ConnectionRefusedError" in names or "connection refused" in text:
        return "connection refused"
    if "gaierror" in names or any(
        s in text
        for s in ("name or service not known", "nodename nor servname", "name resolution", "getaddrinfo")
    ):
        return "DNS: the name does not resolve"
    if type(exc).__name__ in ("ConnectTimeoutError", "ReadTimeoutError") or "timed out" in text:
        return "timed out"
    if type(exc).__name__ == "SSLError":
        return "TLS failed"
    if type(exc).__name__ == "ProxyConnectionError":
        return "the proxy refused"
    if type(exc).__name__ == "ConnectionClosedError":
        return "the connection was closed"
    return "no connection"


def endpoint_of(exc: BaseException) -> str:
    """The endpoint the SDK tried (scheme and host, no path), or "AWS" when it did not say."""
    kwargs = getattr(exc, "kwargs", None)
    url = kwargs.get("endpoint_url") or kwargs.get("proxy_url") if isinstance(kwargs, dict) else None
    if not isinstance(url, str) or not url:
        return "AWS"
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}" if rest else url


def unreachable(exc: BaseException, configured_endpoint: str | None = None) -> AwsError | None:
    """AwsError "cannot reach <endpoint> (<why>)" when the SDK could not reach the endpoint at all; None for
    any other failure. `configured_endpoint`: AWS_ENDPOINT_URL, when the user set one (a local AWS that is
    not running is the usual cause then)."""
    if type(exc).__name__ not in UNREACHABLE:
        return None
    where, why = endpoint_of(exc), unreachable_reason(exc)
    if configured_endpoint and why.startswith("DNS"):
        hint = f"AWS_ENDPOINT_URL is {configured_endpoint}: check its host name"
    elif configured_endpoint:
        hint = (
            f"AWS_ENDPOINT_URL is {configured_endpoint}: is the server there running? "
            "`rolegate demo --serve` runs a local AWS and prints the settings to use"
        )
    else:
        hint = "check the network, DNS and any proxy (HTTPS_PROXY); then run the same command again"
    return AwsError(f"cannot reach {where} ({why})", hint)


def from_sdk(exc: Exception) -> RolegateError | None:
    """The SDK's own failures that are the user's to fix, as one clear message; None for anything else."""
    name = type(exc).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError", "NoRegionError", "ProfileNotFound"):
        return CredentialsError(
            f"AWS credentials: {exc}",
            "pass --profile with the hub account's profile, or set AWS_PROFILE / AWS_ACCESS_KEY_ID",
        )
    if name in UNREACHABLE:
        return unreachable(exc, os.environ.get("AWS_ENDPOINT_URL"))
    if name == "ClientError":
        return AwsError(
            f"AWS refused {getattr(exc, 'operation_name', 'a call')}: {refusal(exc)}",
            "check the operator's permissions in the hub and the bootstrap role's in the other accounts",
        )
    return None
