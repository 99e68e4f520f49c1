"""Console switch-role links and the sign-in URL, as the seed clicks them by hand."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from rolegate.model import naming
from rolegate.model.config import Config
from rolegate.model.grants import reached_roles

SWITCH_ROLE = "https://signin.aws.amazon.com/switchrole"
DEFAULT_COLOUR = "blue"


@dataclass(frozen=True)
class SwitchRoleLink:
    account: str
    account_id: str
    role: str
    display_name: str
    colour: str  # the console palette's hex
    url: str


def switch_role_url(account_id: str, role: str, display_name: str, colour: str) -> str:
    query = {"account": account_id, "roleName": role, "displayName": display_name, "color": colour}
    return f"{SWITCH_ROLE}?{urlencode(query)}"


def signin_url(config: Config) -> str:
    hub = config.accounts[config.organization.hub]
    return f"https://{hub.alias or hub.id}.signin.aws.amazon.com/console"


def user_links(config: Config, user: str) -> list[SwitchRoleLink]:
    """One link per role the user reaches, in account order; accounts without an id yet have no link."""
    links = []
    for account, role, several in reached_roles(config, user):
        account_id = config.accounts[account].id or ""
        display = naming.display_name(account) + (f" {role}" if several else "")
        colour = naming.console_colour(config.accounts[account].color or DEFAULT_COLOUR)
        url = switch_role_url(account_id, role, display, colour)
        links.append(SwitchRoleLink(account, account_id, role, display, colour, url))
    return links
