"""Merge rolegate's profiles into `~/.aws/config`, keeping every other byte as it was.

The file is the user's. rolegate owns only the sections it marked with a comment naming the organization and
the user; it updates those in place, removes them when the user no longer reaches the role, and appends new
ones at the end. A hand-written profile of the same name is adopted when it points at the same role (the
seed's own hand-made profiles), and is a conflict otherwise: nothing is written. Everything else — other
profiles, comments, blank lines, order, CRLF line endings — comes out byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rolegate.atomic import update_file
from rolegate.creds.awsconfig import ROLE_ARN_KEY
from rolegate.errors import LocalFileError
from rolegate.local.ini import newline_of
from rolegate.local.profiles import Profile

if TYPE_CHECKING:
    from configupdater import ConfigUpdater, Section

MARK = "# rolegate: managed"


def marker(org: str, user: str) -> str:
    return f"{MARK} for organization {org}, user {user}; `rolegate profiles --write` rewrites this profile"


def section_name(profile: str) -> str:
    return "default" if profile == "default" else f"profile {profile}"


@dataclass
class MergeResult:
    text: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # a hand-written hub profile: the user's, left as is
    conflicts: list[str] = field(default_factory=list)
    has_default: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.adopted)


# The settings rolegate writes into a profile (any of them, in any version). In a section it owns or adopts,
# these are rolegate's; every other line there (the user's own settings, comments) is the user's and stays.
ROLEGATE_KEYS = frozenset(
    {
        "role_arn",
        ROLE_ARN_KEY,
        "credential_process",
        "source_profile",
        "role_session_name",
        "region",
        "mfa_serial",
        "duration_seconds",
    }
)
WHERE = "the AWS config file"


def profile_of_section(section: str) -> str | None:
    """The profile botocore reads a section header as, or None when it reads it as no profile.

    botocore (configloader.build_profile_map) takes `default` as is, and any header that starts with
    `profile` through `shlex.split`, keeping the second word when there are exactly two: so `[profile  x]`,
    `[profile "x"]` and `[profile\tx]` are all profile x, while `[ profile x ]` (configparser keeps the
    spaces) and `[profile x y]` are no profile at all."""
    import shlex

    if section == "default":
        return "default"
    if not section.startswith("profile"):
        return None
    try:
        parts = shlex.split(section)
    except ValueError:
        return None
    return parts[1] if len(parts) == 2 else None


def _checked(profile: Profile, org: str, user: str) -> None:
    from rolegate.local.ini import check_comment, check_section

    check_section(section_name(profile.name), profile.settings, profile=profile.name, where=WHERE)
    check_comment(marker(org, user), profile=profile.name, where=WHERE)


def _render(profile: Profile, org: str, user: str, nl: str) -> str:
    _checked(profile, org, user)
    lines = [f"[{section_name(profile.name)}]", marker(org, user)]
    lines += [f"{key} = {value}" for key, value in profile.settings.items()]
    return nl.join(lines) + nl


def _rewrite(section: object, profile: Profile, org: str, user: str, nl: str) -> str:
    """A section rolegate owns or adopts, with rolegate's settings and the user's own lines.

    The header keeps the user's spelling (`[profile  x]` stays so), the marker follows it, then any comments
    that opened the section, then rolegate's settings in its order, then every other line of the section
    (the user's own settings, comments, blank lines) byte for byte in its order. A setting rolegate writes
    is rolegate's whatever its case (configparser reads `Region` as `region`; two would break the file)."""
    from configupdater import Comment, Option

    _checked(profile, org, user)
    header = str(section).splitlines(keepends=True)[0]
    if not header.endswith(("\n", "\r")):
        header += nl
    leading: list[str] = []
    rest: list[str] = []
    for block in section.iter_blocks():  # type: ignore[attr-defined]
        if isinstance(block, Comment) and str(block).strip().startswith(MARK):
            continue
        if isinstance(block, Option):
            if block.key.strip().lower() in ROLEGATE_KEYS:
                continue
            rest.append(str(block))
        elif rest:
            rest.append(str(block))
        else:
            leading.append(str(block))
    if not rest and leading and not any(line.strip() for line in leading):
        rest, leading = leading, []  # blank lines alone: they separate this section from the next
    settings = [f"{key} = {value}{nl}" for key, value in profile.settings.items()]
    return header + marker(org, user) + nl + "".join(leading) + "".join(settings) + "".join(rest)


def _owner(section: object) -> str | None:
    """The marker comment of a section rolegate wrote, or None for one it did not."""
    from configupdater import Comment

    for block in section.iter_blocks():  # type: ignore[attr-defined]
        if isinstance(block, Comment) and str(block).strip().startswith(MARK):
            return str(block).strip()
    return None


def _same_role(section: object, profile: Profile) -> bool:
    """A hand-written profile for the role rolegate would write (the seed's own), in either spelling."""
    wanted = (profile.settings.get("role_arn") or profile.settings.get(ROLE_ARN_KEY) or "").lower()
    for key in ("role_arn", ROLE_ARN_KEY):
        option = section.get(key)  # type: ignore[attr-defined]
        if option is not None and option.value:
            return bool(wanted) and option.value.strip().lower() == wanted
    return False


def _with_stored_key(section: object, profile: Profile) -> Profile:
    """The hub profile keeps the `credential_process` line `rolegate keys` wired into it: rewriting the
    profile must not cut it off from the user's stored access key."""
    option = section.get("credential_process")  # type: ignore[attr-defined]
    value = (option.value or "").strip() if option is not None else ""
    if " keys credential-process " not in f"{value} ":
        return profile
    return Profile(profile.name, {**profile.settings, "credential_process": value})


def merge_profiles(text: str, profiles: list[Profile], org: str, user: str) -> MergeResult:
    """The new file text; pure. `profiles[0]` is the hub (source) profile, the others switch role from it.

    Sections are matched by the profile botocore reads them as (profile_of_section), so a hand-written
    `[profile  x]` is profile x and is adopted in place, not shadowed by a second `[profile x]`. Every name
    and value written is checked first (ini.py): a name that would break the file is refused."""
    from configupdater import Section

    for each in profiles:
        _checked(each, org, user)
    updater = _parsed(text)
    sections = [b for b in updater.iter_blocks() if isinstance(b, Section)]
    wanted = {p.name: p for p in profiles}
    merge = _Merge(
        org,
        user,
        newline_of(text),
        wanted,
        profiles[0].name if profiles else None,
        _spellings(sections, wanted),
    )
    result = MergeResult(text="", has_default=any(profile_of_section(b.name) == "default" for b in sections))
    result.conflicts += _written_twice(merge.spellings)
    reported = {
        "updated": result.updated,
        "removed": result.removed,
        "adopted": result.adopted,
        "kept": result.kept,
        "conflict": result.conflicts,
    }
    out: list[str] = []
    for block in updater.iter_blocks():
        if not isinstance(block, Section):
            out.append(str(block))
            continue
        outcome, entry, rendered = merge.section(block)
        if outcome is not None:
            reported[outcome].append(entry)
        out.append(rendered)
    # A wanted profile with a section (once or more) was handled above; the rest are new, at the end.
    new = [p for p in profiles if p.name not in merge.spellings]
    result.text = _appended("".join(out), new, org, user, merge.nl)
    result.added = [p.name for p in new]
    return result


def _parsed(text: str) -> ConfigUpdater:
    from configupdater import ConfigUpdater
    from configupdater.parser import ParsingError

    from rolegate.local.ini import parse_error_place

    updater = ConfigUpdater(allow_no_value=True, strict=False)
    try:
        updater.read_string(text)
    except ParsingError as exc:
        raise LocalFileError(
            f"the AWS config file cannot be parsed ({parse_error_place(exc)})",
            "fix it by hand (`aws configure list` shows the trouble too); nothing was written",
        ) from None
    return updater


def _spellings(sections: list[Section], wanted: dict[str, Profile]) -> dict[str, list[str]]:
    """For each wanted profile that has a section, every header it is written under (in file order)."""
    spellings: dict[str, list[str]] = {}
    for section in sections:
        name = profile_of_section(section.name)
        if name in wanted:
            spellings.setdefault(name, []).append(section.name)
    return spellings


def _written_twice(spellings: dict[str, list[str]]) -> list[str]:
    return [
        f"{name} (written {len(headers)} times: {', '.join(f'[{h}]' for h in headers)}; "
        "botocore reads only the last)"
        for name, headers in spellings.items()
        if len(headers) > 1
    ]


Outcome = Literal["updated", "removed", "adopted", "kept", "conflict"]


@dataclass(frozen=True)
class _Merge:
    """What one merge decides each section against: whose marker is ours, which profiles are wanted."""

    org: str
    user: str
    nl: str
    wanted: dict[str, Profile]
    hub: str | None
    spellings: dict[str, list[str]]

    def section(self, block: Section) -> tuple[Outcome | None, str, str]:
        """(what happened to the section, the name to report it under, its new text; "" drops it)."""
        name = profile_of_section(block.name)
        owner = _owner(block)
        mine = owner == marker(self.org, self.user)
        profile = self.wanted.get(name) if name is not None else None
        if profile is None or len(self.spellings.get(profile.name, [])) > 1:
            if mine and profile is None:
                return "removed", name or block.name, ""
            return None, "", str(block)
        if profile.name == self.hub:
            profile = _with_stored_key(block, profile)
        if mine:
            rendered = _rewrite(block, profile, self.org, self.user, self.nl)
            return ("updated" if str(block) != rendered else None), profile.name, rendered
        if owner is not None:  # another organization's or user's rolegate profile of the same name
            return (
                "conflict",
                f"{profile.name} (managed by rolegate for another organization or user)",
                str(block),
            )
        if profile.name == self.hub:
            return "kept", profile.name, str(block)  # the user's own source profile: keys, region, SSO… stay
        if _same_role(block, profile):
            return "adopted", profile.name, _rewrite(block, profile, self.org, self.user, self.nl)
        return "conflict", f"{profile.name} (a hand-written profile for another role)", str(block)


def _appended(merged: str, new: list[Profile], org: str, user: str, nl: str) -> str:
    """New profiles go at the end, after one blank line, in the file's own line ending."""
    if not new:
        return merged
    if merged and not merged.endswith(("\n", "\r")):
        merged += nl
    if merged and not merged.endswith(nl + nl) and merged.strip():
        merged += nl
    return merged + nl.join(_render(p, org, user, nl) for p in new)


def write_profiles(
    path: Path, profiles: list[Profile], org: str, user: str
) -> tuple[MergeResult, Path | None]:
    """Merge into the file at `path` (created 0600 if missing); writes nothing on conflict or no change.

    The read, the merge and the replace are one operation under the file's lock (`update_file`): another
    rolegate writing the same file at the same moment waits, and its profiles are merged, not lost."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)

    def merge(text: str | None) -> tuple[str | None, MergeResult]:
        result = merge_profiles(text or "", profiles, org, user)
        # A file its owner made read-only is a decision, even where root could write it anyway.
        if text is not None and not path.stat().st_mode & 0o200 and result.changed:
            raise LocalFileError(
                f"{path} is read-only; rolegate leaves it as you set it, and wrote nothing",
                f"`chmod u+w {path}` to let rolegate merge its profiles, or pass --config-file",
            )
        if result.conflicts:
            raise LocalFileError(
                f"{path}: profiles of the same name exist and are not rolegate's: "
                f"{', '.join(result.conflicts)}; nothing was written",
                "rename or remove them, or pass --prefix to write rolegate's under other names",
            )
        return (result.text if result.changed else None), result

    return update_file(path, merge, mode=0o600)


def set_mfa_serial(text: str, user: str, serial: str) -> tuple[str, list[str]]:
    """`mfa_serial` of the profiles rolegate wrote for `user` that ask for MFA, set to `serial`; pure.

    Only rolegate's own sections change, and only that one line in each; the names of the profiles changed
    are returned."""
    from configupdater import ConfigUpdater, Section

    from rolegate.local.ini import check_entry

    updater = ConfigUpdater(allow_no_value=True, strict=False)
    updater.read_string(text)
    changed: list[str] = []
    for block in updater.iter_blocks():
        if not isinstance(block, Section):
            continue
        owner = _owner(block)
        option = block.get("mfa_serial")
        if owner and f", user {user};" in owner and option is not None and option.value != serial:
            name = profile_of_section(block.name) or block.name
            check_entry(block.name, "mfa_serial", serial, profile=name, where=WHERE)
            option.value = serial
            changed.append(name)
    return str(updater), changed
