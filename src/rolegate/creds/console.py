"""A console sign-in URL for a role session, through AWS's federation endpoint.

GetSigninToken exchanges the role session for a sign-in token (valid 15 minutes); the login URL carrying it
opens the console for the profile's region. The endpoint is configurable (ROLEGATE_FEDERATION_ENDPOINT) so
tests run against a loopback fake. The session's keys go to the endpoint only; errors never echo the URL.

Several roles side by side: the console's own multi-session (2025), not a browser profile per role as
granted's containers do. Once it is turned on in a browser (the console's account menu), every sign-in, a
federation login URL as much as a switch-role link, adds a session beside the others instead of replacing the
one there, up to five; it needs no browser-specific code, works in any browser, and keeps bookmarks and
extensions. With it off, a second sign-in signs the first out, so several profiles need --multi-session.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence

from rolegate.creds.credentials import Credentials
from rolegate.errors import AwsError, CredentialsError

ENDPOINT_ENV = "ROLEGATE_FEDERATION_ENDPOINT"
DEFAULT_ENDPOINT = "https://signin.aws.amazon.com/federation"
# The console holds at most this many sessions side by side in one browser (multi-session, January 2025).
MULTI_SESSION_LIMIT = 5
MULTI_SESSION_DOCS = "https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/multisession.html"
MULTI_SESSION_NOTE = (
    f"multi-session: each sign-in adds a console session beside the others (up to {MULTI_SESSION_LIMIT} per "
    f"browser) once multi-session is turned on in the console's account menu ({MULTI_SESSION_DOCS})"
)


def console_sessions(profiles: Sequence[str], multi_session: bool) -> list[str]:
    """The profiles to sign in, each once, in the order given; ValueError when the browser cannot hold them
    side by side (a second sign-in without multi-session signs the first out; with it, at most five)."""
    wanted = list(dict.fromkeys(profiles))
    if not wanted:
        raise ValueError("name a PROFILE to open the console as")
    if len(wanted) > 1 and not multi_session:
        raise ValueError(
            f"{len(wanted)} profiles, but a browser holds one console session unless multi-session is on "
            "(signing in as the second signs the first out): pass --multi-session, or one PROFILE"
        )
    if len(wanted) > MULTI_SESSION_LIMIT:
        raise ValueError(
            f"{len(wanted)} profiles, but the console holds at most {MULTI_SESSION_LIMIT} sessions side by "
            f"side in one browser: open at most {MULTI_SESSION_LIMIT} at a time"
        )
    return wanted


def federation_endpoint(given: str | None = None) -> str:
    return given or os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT


def console_destination(region: str | None) -> str:
    if not region or region == "us-east-1":
        return "https://console.aws.amazon.com/console/home?region=us-east-1"
    return f"https://{region}.console.aws.amazon.com/console/home?region={region}"


def signin_url(
    credentials: Credentials,
    region: str | None,
    endpoint: str | None = None,
    destination: str | None = None,
    issuer: str = "rolegate",
) -> str:
    if credentials.session_token is None:
        raise CredentialsError(
            "the console needs a role session; long-term keys cannot sign in through federation",
            "use a role profile (one with role_arn), or sign in to the hub with its sign-in URL",
        )
    url = federation_endpoint(endpoint)
    session = json.dumps(
        {
            "sessionId": credentials.access_key_id,
            "sessionKey": credentials.secret_access_key,
            "sessionToken": credentials.session_token,
        }
    )
    query = urllib.parse.urlencode({"Action": "getSigninToken", "Session": session})
    try:
        with urllib.request.urlopen(f"{url}?{query}", timeout=30) as answer:  # noqa: S310 - https or loopback
            token = json.loads(answer.read().decode())["SigninToken"]
    except urllib.error.HTTPError as exc:
        raise AwsError(
            f"the federation endpoint refused the role session (HTTP {exc.code})",
            "role sessions chained from another role cannot sign in to the console; try again after "
            "`rolegate logout PROFILE`",
        ) from None
    except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
        reason = getattr(exc, "reason", None) or type(exc).__name__
        raise AwsError(
            f"cannot get a sign-in token from {urllib.parse.urlsplit(url).netloc}: {reason}"
        ) from None
    login = {
        "Action": "login",
        "Issuer": issuer,
        "Destination": destination or console_destination(region),
        "SigninToken": token,
    }
    return f"{url}?{urllib.parse.urlencode(login)}"
