"""Console switch-role links and the sign-in URL, as the seed clicks them by hand."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from rolegate.model import naming
from rolegate.model.config import Config
from rolegate.model.grants import reachable_roles

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
    roles_per_account: dict[str, int] = {}
    pairs = reachable_roles(config, user)
    for account, _ in pairs:
        roles_per_account[account] = roles_per_account.get(account, 0) + 1
    for account, role in pairs:
        acct = config.accounts[account]
        if acct.id is None:
            continue
        display = naming.display_name(account)
        if roles_per_account[account] > 1:
            display = f"{display} {role}"
        colour = naming.console_colour(acct.color or DEFAULT_COLOUR)
        links.append(
            SwitchRoleLink(
                account, acct.id, role, display, colour, switch_role_url(acct.id, role, display, colour)
            )
        )
    return links
