"""Names and ARNs: the one place that knows how rolegate spells things in IAM."""

from __future__ import annotations

import re

from rolegate.model import names

PARTITION = "aws"

# Where rolegate keeps what it owns. Groups and customer managed policies cannot carry tags that
# GetAccountAuthorizationDetails returns (groups cannot be tagged at all), so ownership of those is the IAM
# path: it is set at creation, shown by every read, and needs no extra call. Users and roles carry a tag
# instead, because their path is part of their ARN (a role path would change the seed's switch-role links).
OWNED_PATH = "/rolegate/"
OWNER_TAG = "rolegate:owner"  # value: the organization name in rolegate.yaml

# The alphabets of names live in names.py; these are kept here for the modules that spell ARNs with them.
ACCOUNT_ID_RE = names.ACCOUNT_ID_RE
IAM_NAME_RE = names.IAM_NAME_RE
ALIAS_RE = names.ALIAS_RE
HEX_RE = re.compile(r"\A#?([0-9a-fA-F]{6})\Z")

# The console's switch-role colour palette (as seen 2024). The console accepts only these values for `color`.
CONSOLE_PALETTE: dict[str, str] = {
    "red": "f2b0a9",
    "orange": "fbc8aa",
    "yellow": "efda95",
    "green": "b7ca9d",
    "blue": "83d4e8",
}


def root_arn(account_id: str) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:root"


def role_arn(account_id: str, role: str, path: str = "/") -> str:
    return f"arn:{PARTITION}:iam::{account_id}:role{path}{role}"


def user_arn(account_id: str, user: str, path: str = "/") -> str:
    return f"arn:{PARTITION}:iam::{account_id}:user{path}{user}"


def mfa_arn(account_id: str, user: str) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:mfa/{user}"


def customer_policy_arn(account_id: str, name: str, path: str = OWNED_PATH) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:policy{path}{name}"


def managed_policy_arn(ref: str) -> str:
    """`AdministratorAccess` -> the AWS managed policy ARN; a full ARN is kept as it is."""
    if ref.startswith("arn:"):
        return ref
    return f"arn:{PARTITION}:iam::aws:policy/{ref.lstrip('/')}"


def policy_display_name(arn: str) -> str:
    """The short name people know a policy by: AWS managed ones by name, others by their ARN's last part."""
    prefix = f"arn:{PARTITION}:iam::aws:policy/"
    if arn.startswith(prefix):
        return arn[len(prefix) :]
    return arn.rsplit("/", 1)[-1]


def name_from_arn(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def account_from_arn(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def colour_hex(colour: str) -> str:
    """The colour as 6 lowercase hex digits: palette names map to the console's own values."""
    if colour.lower() in CONSOLE_PALETTE:
        return CONSOLE_PALETTE[colour.lower()]
    m = HEX_RE.match(colour)
    if not m:
        raise ValueError(f"not a colour: {colour!r}")
    return m.group(1).lower()


def console_colour(colour: str) -> str:
    """The nearest colour of the console's switch-role palette: the console accepts no other value."""
    target = colour_hex(colour)
    tr, tg, tb = (int(target[i : i + 2], 16) for i in (0, 2, 4))

    def distance(hex6: str) -> int:
        r, g, b = (int(hex6[i : i + 2], 16) for i in (0, 2, 4))
        return (r - tr) ** 2 + (g - tg) ** 2 + (b - tb) ** 2

    return min(CONSOLE_PALETTE.values(), key=distance)


def display_name(account: str) -> str:
    """`development` -> `Development`, `data-lake` -> `Data-Lake`: the switch-role displayName."""
    return "-".join(part[:1].upper() + part[1:] for part in account.replace("_", " ").split("-"))
