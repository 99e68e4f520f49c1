"""Console switch-role links and the sign-in URL, as the seed clicks them by hand."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from rolegate.creds.console import MULTI_SESSION_LIMIT
from rolegate.model import naming
from rolegate.model.config import Config
from rolegate.model.grants import reached_roles

SWITCH_ROLE = "https://signin.aws.amazon.com/switchrole"
DEFAULT_COLOUR = "blue"
# Side by side is the console's own multi-session (creds/console.py says why): turned on once per browser,
# switch-role links and `rolegate console --multi-session` then add a session instead of replacing one.
SIDE_BY_SIDE = (
    f"Side by side: turn on multi-session once in the console's account menu (up to {MULTI_SESSION_LIMIT} "
    "sessions per browser); each link then adds a session, and `rolegate console --multi-session P1 P2` "
    "opens several roles at once."
)


@dataclass(frozen=True)
class SwitchRoleLink:
    account: str
    account_id: str
    role: str
    display_name: str  # exactly what the link's displayName carries and the console shows
    colour: str  # the console palette's hex
    url: str
    mfa: bool = True  # the role's trust demands MFA
    max_session: str = "1h"  # the role's MaxSessionDuration, as written in rolegate.yaml


def switch_role_url(account_id: str, role: str, display_name: str, colour: str) -> str:
    query = {"account": account_id, "roleName": role, "displayName": display_name, "color": colour}
    return f"{SWITCH_ROLE}?{urlencode(query)}"


def signin_url(config: Config) -> str:
    hub = config.accounts[config.organization.hub]
    return f"https://{hub.alias or hub.id}.signin.aws.amazon.com/console"


def account_display_name(config: Config, account: str) -> str:
    """The account's `display_name` exactly as written (`ML-Dev` stays `ML-Dev`); without one, the account
    key capitalised as the seed writes it (`development` -> `Development`)."""
    return config.accounts[account].display_name or naming.display_name(account)


def user_links(config: Config, user: str) -> list[SwitchRoleLink]:
    """One link per role the user reaches, in account order; accounts without an id yet have no link."""
    links = []
    for account, role, several in reached_roles(config, user):
        acct = config.accounts[account]
        account_id = acct.id or ""
        display = account_display_name(config, account) + (f" {role}" if several else "")
        colour = naming.console_colour(acct.color or DEFAULT_COLOUR)
        url = switch_role_url(account_id, role, display, colour)
        spec = config.roles.get(role)
        mfa = spec.require_mfa if spec is not None else True
        max_session = spec.max_session if spec is not None else "1h"
        links.append(SwitchRoleLink(account, account_id, role, display, colour, url, mfa, max_session))
    return links
