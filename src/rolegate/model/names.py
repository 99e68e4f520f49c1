"""The alphabet of every kind of name rolegate reads or writes: one definition, used by validate and writers.

Every name here ends up in other formats: profile names in `~/.aws/config` section headers, role names in
the aws-extend-switch-roles INI, account keys in URLs, HTML and terminal lines. So each alphabet is the
narrowest one that holds every real name of its kind, and each is checked whole (`fullmatch`, or `\\A…\\Z`
for patterns callers `.match`): `re.match(r"^…$")` accepts a trailing newline, and `\\w` or `\\d` admit
letters and digits of every script, neither of which IAM does.

The rules, and where they come from:

- IAM user, group, role and policy names: IAM's own documented pattern `[\\w+=,.@-]+`, where IAM's `\\w` is
  ASCII only: `[A-Za-z0-9_+=,.@-]`; users and roles up to 64 characters, groups and policies up to 128.
- IAM paths: `/`, or `/` + printable ASCII (0x21-0x7E) + `/`, up to 512 characters (IAM's own rule). A path
  may hold `[`, `]`, `;` and `#`: it is never put into an INI file by name, and writers refuse it if it is.
- Account aliases: AWS's `^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`, 3 to 63 characters, no `--`.
- Account ids: exactly 12 ASCII digits.
- Account keys (the logical names under `accounts:`): rolegate's own, conservative alphabet
  `[a-z0-9][a-z0-9_-]{0,49}`: lowercase ASCII letters, digits, `_` and `-`, starting with a letter or digit,
  up to 50 characters (the length of an AWS account name, so `rolegate import` can keep every one). They name
  CLI profiles, form switch-role display names and URLs, and so hold nothing any of those formats treats as
  special. `*` is not a key: it means "every account but the hub".
- Organization name (the profile prefix): `[A-Za-z0-9][A-Za-z0-9_.-]{0,39}`.
- Display names (the console's switch-role `displayName`, a launch page's tile) are made from an account key
  and a role name, so they are in the union of those alphabets plus a space: `[A-Za-z0-9_+=,.@ -]`, up to 64.
- Unit names and guardrail (control policy) names: Organizations takes nearly any text; rolegate takes IAM's
  name characters (units also inner spaces), and no `/`, which separates a unit path.
- Profile names rolegate writes: `<org>-<account>-<user>[-<role>]`, so `[A-Za-z0-9_+=,.@-]`; a `--prefix`
  is held to the organization name's alphabet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Alphabet:
    """A kind of name: its pattern (matched whole), its length limits, and how to say it to a person."""

    kind: str
    pattern: re.Pattern[str]
    max_len: int
    rule: str  # "up to 64 of letters, digits and + = , . @ _ -": what the user reads in an error
    min_len: int = 1

    def problem(self, value: object) -> str | None:
        """Why `value` is not a name of this kind, or None when it is one."""
        if not isinstance(value, str) or not value:
            return f"a {self.kind} is a non-empty text"
        if not self.min_len <= len(value) <= self.max_len or not self.pattern.fullmatch(value):
            return f"{value!r} is not a valid {self.kind} ({self.rule})"
        return None

    def ok(self, value: object) -> bool:
        return self.problem(value) is None


_IAM_CHARS = r"[A-Za-z0-9_+=,.@-]"  # IAM's `[\w+=,.@-]`, where IAM's \w is ASCII only

IAM_NAME_RE = re.compile(rf"\A{_IAM_CHARS}+\Z")
ACCOUNT_ID_RE = re.compile(r"\A[0-9]{12}\Z")
ALIAS_RE = re.compile(r"\A[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]\Z")
IAM_PATH_RE = re.compile(r"\A(?:/|/[\x21-\x7e]{1,510}/)\Z")
ACCOUNT_KEY_RE = re.compile(r"\A[a-z0-9][a-z0-9_-]{0,49}\Z")
ORG_NAME_RE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,39}\Z")
DISPLAY_NAME_RE = re.compile(r"\A[A-Za-z0-9_+=,.@ -]{1,64}\Z")
PROFILE_NAME_RE = re.compile(rf"\A{_IAM_CHARS}+\Z")
# A customer or AWS managed policy by ARN: partition, the account (or `aws`), an IAM path, an IAM name.
POLICY_ARN_RE = re.compile(
    rf"\Aarn:aws(?:-[a-z]+)*:iam::(?:aws|[0-9]{{12}}):policy(?:/|/[\x21-\x7e]*/){_IAM_CHARS}{{1,128}}\Z"
)
# An AWS managed policy by name, with its path when it has one (`service-role/AWSConfigRole`).
MANAGED_POLICY_NAME_RE = re.compile(rf"\A(?:{_IAM_CHARS}+/)*{_IAM_CHARS}{{1,128}}\Z")
REGION_RE = re.compile(r"\A[a-z]{2}(?:-gov)?-[a-z]+-[0-9]\Z")
EMAIL_RE = re.compile(r"\A[\x21-\x3f\x41-\x7e]+@[\x21-\x3f\x41-\x7e]+\.[\x21-\x3f\x41-\x7e]+\Z")

_IAM_RULE = "of letters, digits and + = , . @ _ -"

USER = Alphabet("IAM user name", IAM_NAME_RE, 64, f"up to 64 {_IAM_RULE}")
GROUP = Alphabet("IAM group name", IAM_NAME_RE, 128, f"up to 128 {_IAM_RULE}")
ROLE = Alphabet("IAM role name", IAM_NAME_RE, 64, f"up to 64 {_IAM_RULE}")
POLICY = Alphabet("IAM policy name", IAM_NAME_RE, 128, f"up to 128 {_IAM_RULE}")
PATH = Alphabet("IAM path", IAM_PATH_RE, 512, "/ or /…/ of printable ASCII, up to 512")
ACCOUNT_ID = Alphabet("account id", ACCOUNT_ID_RE, 12, '12 digits in quotes, like "111111111111"')
ALIAS = Alphabet(
    "account alias",
    ALIAS_RE,
    63,
    "3 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen, no '--'",
    min_len=3,
)
ACCOUNT_KEY = Alphabet(
    "account name",
    ACCOUNT_KEY_RE,
    50,
    "up to 50 lowercase letters, digits, '_' and '-', starting with a letter or digit, like data-lake",
)
ORG_NAME = Alphabet(
    "organization name",
    ORG_NAME_RE,
    40,
    "the prefix of CLI profiles: up to 40 letters, digits, '.', '_' and '-', starting with a letter or digit",
)
DISPLAY_NAME = Alphabet("display name", DISPLAY_NAME_RE, 64, f"up to 64 {_IAM_RULE} and spaces")
PROFILE_NAME = Alphabet("profile name", PROFILE_NAME_RE, 256, f"{_IAM_RULE}")
REGION = Alphabet("AWS region", REGION_RE, 32, "an AWS region name like us-west-2")
# Organizations takes almost any text for a unit or policy name; rolegate holds both to what prints and links
# safely everywhere: IAM's name characters and spaces, no `/` (it separates a unit path).
UNIT_RE = re.compile(r"\A[A-Za-z0-9_+=,.@-](?:[A-Za-z0-9_+=,.@ -]{0,126}[A-Za-z0-9_+=,.@-])?\Z")
UNIT = Alphabet("unit name", UNIT_RE, 128, f"up to 128 {_IAM_RULE} and inner spaces, no '/'")
CONTROL_POLICY = Alphabet("guardrail name", IAM_NAME_RE, 128, f"up to 128 {_IAM_RULE}, like protect-rolegate")
EMAIL = Alphabet("email address", EMAIL_RE, 64, "an address like aws+prod@example.com, ASCII, up to 64")


def policy_ref_problem(value: object) -> str | None:
    """Why `value` names no policy: an AWS managed policy name (with its path, if any) or a policy ARN."""
    if not isinstance(value, str) or not value.strip():
        return "a policy is an AWS managed policy name like AdministratorAccess, or a policy ARN"
    if value.startswith("arn:"):
        if ":policy/" not in value:
            return f"{value!r} is an ARN but not of a policy (arn:aws:iam::<account>:policy/<name>)"
        if not POLICY_ARN_RE.fullmatch(value):
            return f"{value!r} is not a policy ARN (arn:aws:iam::<account or aws>:policy/<path/><name>)"
        return None
    if len(value) > 512 or not MANAGED_POLICY_NAME_RE.fullmatch(value.lstrip("/")):
        return f"{value!r} is not a policy name; use a name like ReadOnlyAccess or a full policy ARN"
    return None
