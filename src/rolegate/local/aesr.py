"""The aws-extend-switch-roles (AESR) configuration for a user, ready to paste into the extension.

AESR reads an INI text: a base account section (the account people sign in to, here the hub) with
`aws_account_id`, then target sections with `aws_account_id`, `role_name`, `color`, `region` and
`source_profile` naming the base. Its parser (src/js/lib/load_aws_config.js in the extension) cuts every
line at the first `;` or `#`, so colours are written as bare hex and values never carry either character;
`key = value` splits at the first `=`; a key twice in a section is an error; each section needs an account id.
"""

from __future__ import annotations

import re

from rolegate.local.ini import check_section
from rolegate.local.links import DEFAULT_COLOUR
from rolegate.local.profiles import hub_profile_name, role_profile_name
from rolegate.model import naming
from rolegate.model.config import Config
from rolegate.model.grants import reached_roles

_SECTION = re.compile(r"^\[(.+)\]$")


def render_aesr(config: Config, user: str) -> str:
    """The config text; LocalFileError when a name or value would not read back as written (ini.py)."""
    org = config.organization
    hub = config.accounts[org.hub]
    base = hub_profile_name(config, user)
    sections: list[tuple[str, dict[str, str]]] = [(base, {"aws_account_id": hub.id or ""})]
    for account, role, several in reached_roles(config, user):
        acct = config.accounts[account]
        name = role_profile_name(config, account, user, role if several else None)
        settings = {
            "aws_account_id": acct.id or "",
            "role_name": role,
            "color": naming.colour_hex(acct.color or DEFAULT_COLOUR),
            "region": org.region,
            "source_profile": base,
        }
        sections.append((name, settings))
    return render_sections(sections)


def render_sections(sections: list[tuple[str, dict[str, str]]]) -> str:
    """AESR text for (profile, settings) pairs, each checked by the one INI rule (ini.check_section)."""
    blocks = []
    for name, settings in sections:
        check_section(name, settings, profile=name, where="the aws-extend-switch-roles config")
        blocks.append("\n".join([f"[{name}]", *(f"{k} = {v}" for k, v in settings.items())]))
    return "\n\n".join(blocks) + "\n"


def parse_aesr(text: str) -> list[dict[str, str]]:
    """The extension's own reading of the text, as a check: sections in order, with their keys."""
    profiles: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for raw in re.split(r"\r\n|\r|\n", text):
        line = re.sub(r"[;#].*$", "", raw).strip()
        if not line:
            continue
        header = _SECTION.match(line)
        if header:
            current = {"profile": re.sub(r"^profile\s+", "", header.group(1).strip(), flags=re.IGNORECASE)}
            profiles.append(current)
            continue
        if current is None:
            raise ValueError("profile is not declared before the key property definitions")
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"invalid key property definition: {raw!r}")
        if key.strip() in current:
            raise ValueError(f"duplicate definition of {key.strip()}")
        current[key.strip()] = value.strip()
    for profile in profiles:
        if not profile.get("aws_account_id") and not profile.get("role_arn"):
            raise ValueError(f"profile {profile['profile']} does not include an AWS account id")
    return profiles
