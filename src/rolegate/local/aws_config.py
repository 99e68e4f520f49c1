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

from rolegate.creds.awsconfig import ROLE_ARN_KEY
from rolegate.errors import LocalFileError
from rolegate.local.atomic import update_file
from rolegate.local.profiles import Profile

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


def newline_of(text: str) -> str:
    """The file's own line ending: CRLF when most of its lines end so, else LF."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def _render(profile: Profile, org: str, user: str, nl: str) -> str:
    lines = [f"[{section_name(profile.name)}]", marker(org, user)]
    lines += [f"{key} = {value}" for key, value in profile.settings.items()]
    return nl.join(lines) + nl


def _owner(section: object) -> str | None:
    """The marker comment of a section rolegate wrote, or None for one it did not."""
    from configupdater import Comment

    for block in section.iter_blocks():  # type: ignore[attr-defined]
        if isinstance(block, Comment) and str(block).strip().startswith(MARK):
            return str(block).strip()
    return None


def _trailing_space(section: object) -> str:
    """The blank lines and comments that follow a section's last option: they separate it from the next."""
    from configupdater import Option

    blocks = list(section.iter_blocks())  # type: ignore[attr-defined]
    tail: list[str] = []
    for block in reversed(blocks):
        if isinstance(block, Option):
            break
        tail.append(str(block))
    text = "".join(reversed(tail))
    return "".join(line for line in text.splitlines(keepends=True) if not line.strip().startswith(MARK))


def _same_role(section: object, profile: Profile) -> bool:
    """A hand-written profile for the role rolegate would write (the seed's own), in either spelling."""
    wanted = (profile.settings.get("role_arn") or profile.settings.get(ROLE_ARN_KEY) or "").lower()
    for key in ("role_arn", ROLE_ARN_KEY):
        option = section.get(key)  # type: ignore[attr-defined]
        if option is not None and option.value:
            return bool(wanted) and option.value.lower() == wanted
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
    """The new file text; pure. `profiles[0]` is the hub (source) profile, the others switch role from it."""
    from configupdater import ConfigUpdater, Section
    from configupdater.parser import ParsingError

    from rolegate.local.aws_credentials import parse_error_place

    updater = ConfigUpdater(allow_no_value=True, strict=False)
    try:
        updater.read_string(text)
    except ParsingError as exc:
        raise LocalFileError(
            f"the AWS config file cannot be parsed ({parse_error_place(exc)})",
            "fix it by hand (`aws configure list` shows the trouble too); nothing was written",
        ) from None
    nl = newline_of(text)
    mine = marker(org, user)
    wanted = {section_name(p.name): p for p in profiles}
    hub = section_name(profiles[0].name) if profiles else None
    result = MergeResult(text="", has_default=updater.has_section("default"))
    out: list[str] = []
    seen: set[str] = set()
    for block in updater.iter_blocks():
        if not isinstance(block, Section):
            out.append(str(block))
            continue
        name = block.name
        owner = _owner(block)
        profile = wanted.get(name)
        if profile is None:
            if owner == mine:
                result.removed.append(name.removeprefix("profile "))
                continue
            out.append(str(block))
            continue
        seen.add(name)
        if name == hub:
            profile = _with_stored_key(block, profile)
        rendered = _render(profile, org, user, nl) + _trailing_space(block)
        if owner == mine:
            if str(block) != rendered:
                result.updated.append(profile.name)
            out.append(rendered)
        elif owner is not None:  # another organization's or user's rolegate profile of the same name
            result.conflicts.append(f"{profile.name} (managed by rolegate for another organization or user)")
            out.append(str(block))
        elif name == hub:
            result.kept.append(profile.name)  # the user's own source profile: keys, region, SSO… stay theirs
            out.append(str(block))
        elif _same_role(block, profile):
            result.adopted.append(profile.name)
            out.append(rendered)
        else:
            result.conflicts.append(f"{profile.name} (a hand-written profile for another role)")
            out.append(str(block))
    merged = "".join(out)
    new = [p for p in profiles if section_name(p.name) not in seen]
    if new:
        if merged and not merged.endswith(("\n", "\r")):
            merged += nl
        if merged and not merged.endswith(nl + nl) and merged.strip():
            merged += nl
        merged += nl.join(_render(p, org, user, nl) for p in new)
        result.added = [p.name for p in new]
    result.text = merged
    return result


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

    updater = ConfigUpdater(allow_no_value=True, strict=False)
    updater.read_string(text)
    changed: list[str] = []
    for block in updater.iter_blocks():
        if not isinstance(block, Section):
            continue
        owner = _owner(block)
        option = block.get("mfa_serial")
        if owner and f", user {user};" in owner and option is not None and option.value != serial:
            option.value = serial
            changed.append(block.name.removeprefix("profile "))
    return str(updater), changed
