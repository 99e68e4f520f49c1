"""Issue 16, class 1: names written into other formats unescaped, and the ~/.aws/config merge's fidelity.

Given an organization whose names (account keys, users, roles, groups, the organization name, display names)
hold `]`, a newline, `[profile x`, ESC, BEL, C1 controls, bidi overrides, `</script>` or a leading `=`, these
tests show that

- `rolegate validate` refuses every such name in rolegate.yaml with file:line (exit 1, no traceback), and a
  config of arbitrary unicode names (hypothesis `st.text()`) either fails validation or is written into a
  `~/.aws/config` that botocore reads as exactly the profiles and keys rolegate meant;
- the INI writers (the ~/.aws/config merge, `Profile.render`, the aws-extend-switch-roles config) refuse on
  their own a name or value that bypassed validation (as if read from AWS or a snapshot): they never write a
  profile or a key that was not meant, checked with botocore's own parser and with the extension's
  (`parse_aesr`);
- the terminal (plan, diagnostics, links, access and audit tables, rendered through rolegate's own rich
  consoles into a string), the launch page and access's CSV show hostile names inertly;
- adopting a hand-written profile keeps the user's own lines and comments byte for byte, and a section is
  matched as botocore reads its name (`[profile  x]`, `[profile "x"]`, `[profile\\tx]` are profile x).

Checked against the pre-fix commit fb45e3e (its worktree on PYTHONPATH, then this module): the attacks fail
there (account keys were not validated, `cobus\\n` passed, the INI writers wrote names as they came, ESC and
U+202E reached the terminal raw, `=cmd` reached the CSV as a formula, an adopted profile lost the user's
lines, `[profile  x]` was shadowed by a second section). The tests of the new helpers (`rolegate.safe_text`,
`rolegate.local.ini`, `profile_of_section`) cannot run there at all: those did not exist at fb45e3e.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests.builders import HOSTILE, constructed, hidden
from tests.helpers import HtmlElements, rolegate

from rolegate.errors import ConfigError, Diagnostic, LocalFileError
from rolegate.local.aesr import parse_aesr, render_aesr
from rolegate.local.aws_config import merge_profiles
from rolegate.local.profiles import Profile, render_profiles, user_profiles
from rolegate.model.load import parse

# Names an attacker (or a careless import) puts where a name goes: each breaks INI, a terminal, HTML or
# a spreadsheet, and none is a name of any kind rolegate accepts.
KINDS = ("account", "user", "role", "group", "org")


def config_text(**names: str) -> str:
    """A small seed (hub, one spoke, one role, one group, one user) as JSON, which is YAML: every name is
    written as a JSON string, so any character at all reaches the loader as the name itself."""
    org = names.get("org", "demo")
    account = names.get("account", "development")
    role = names.get("role", "administrator")
    group = names.get("group", "admins")
    user = names.get("user", "cobus")
    return json.dumps(
        {
            "version": 1,
            "organization": {"name": org, "hub": "master", "region": "us-east-1"},
            "accounts": {"master": {"id": "111111111111"}, account: {"id": "222222222222", "color": "red"}},
            "roles": {role: {"accounts": [account], "policies": ["AdministratorAccess"]}},
            "groups": {group: {"assume": {role: [account]}}},
            "users": {user: {"groups": [group]}},
        }
    )


def botocore_sections(text: str) -> dict[str, dict[str, str]]:
    """The file as botocore reads ~/.aws/config: every section with its settings."""
    from botocore.configloader import raw_config_parse

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config"
        path.write_text(text, encoding="utf-8")
        return raw_config_parse(str(path))  # type: ignore[no-any-return]


def botocore_profiles(text: str) -> dict[str, dict[str, str]]:
    from botocore.configloader import load_config

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config"
        path.write_text(text, encoding="utf-8")
        return load_config(str(path))["profiles"]  # type: ignore[no-any-return]


def meant(profiles: list[Profile]) -> dict[str, dict[str, str]]:
    return {f"profile {p.name}": dict(p.settings) for p in profiles}


# -- validate: the alphabets -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n)[:30] for n in HOSTILE])
def test_a_hostile_name_in_rolegate_yaml_is_refused_with_its_line(kind: str, name: str) -> None:
    """Given rolegate.yaml with one hostile name, when cobus validates it, then it is an error at a line."""
    with pytest.raises(ConfigError) as caught:
        parse(config_text(**{kind: name}))

    assert any(d.line is not None for d in caught.value.diagnostics)


@pytest.mark.parametrize("name", HOSTILE[:12], ids=[repr(n)[:30] for n in HOSTILE[:12]])
def test_validate_refuses_a_hostile_account_key_with_exit_1_and_no_traceback(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rolegate.yaml"
    path.write_text(config_text(account=name))

    result = rolegate(capsys, "-c", str(path), "validate")

    assert result.code == 1
    assert "Traceback" not in result.all and "internal error" not in result.all
    assert f"{path.name}:" in result.all and not hidden(result.all)


@pytest.mark.parametrize("name", ["master", "development", "staging", "production", "data-lake", "env001"])
def test_the_names_people_use_stay_valid(name: str) -> None:
    parse(config_text(account=name, org="demo"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(KINDS),
    name=st.text(min_size=1, max_size=24),
)
@example(kind="account", name="x]\n[profile evil]\ncredential_process = touch /tmp/pwned")
@example(kind="account", name="dev]\n[default]\ncredential_process = id")
@example(kind="user", name="cobus\n")
def test_any_unicode_name_fails_validation_or_is_written_exactly_as_meant(kind: str, name: str) -> None:
    """Given a config with an arbitrary name, either validate says no, or botocore reads from the merged
    ~/.aws/config exactly the profiles and settings rolegate meant to write, nothing else."""
    try:
        config = parse(config_text(**{kind: name})).config
    except ConfigError as exc:
        refused: ConfigError | None = exc
    else:
        refused = None
    if refused is not None:
        assert refused.diagnostics
        return
    user = next(iter(config.users))
    profiles = user_profiles(config, user)
    text = merge_profiles("", profiles, config.organization.name, user).text

    assert botocore_sections(text) == meant(profiles)


# -- the INI writers refuse on their own ---------------------------------------------------------------------

HUB = Profile("demo-master-cobus", {"region": "us-east-1"})


def role_profile(name: str, **settings: str) -> Profile:
    base = {
        "role_arn": "arn:aws:iam::222222222222:role/administrator",
        "source_profile": HUB.name,
        "region": "us-east-1",
    }
    return Profile(name, base | settings)


def written_or_refused(profiles: list[Profile], org: str = "demo", user: str = "cobus") -> None:
    """Merged into a file with a [default] and another profile: refused, or read back exactly as meant."""
    original = "[default]\nregion = eu-west-1\n\n[profile mine]\nregion = eu-west-2\n"
    try:
        text = merge_profiles(original, profiles, org, user).text
    except LocalFileError as exc:
        refused: LocalFileError | None = exc
    else:
        refused = None
    if refused is not None:
        assert "refusing" in refused.message or "cannot" in refused.message
        return
    sections = botocore_sections(text)
    assert sections == {"default": {"region": "eu-west-1"}, "profile mine": {"region": "eu-west-2"}} | meant(
        profiles
    )


@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n)[:30] for n in HOSTILE])
def test_the_config_merge_refuses_a_hostile_profile_name_that_bypassed_validation(name: str) -> None:
    """Given a profile name from AWS or a snapshot, when it is merged into ~/.aws/config, then the merge
    refuses it, and never adds a section or a credential_process nobody meant."""
    with pytest.raises(LocalFileError, match="refusing to write profile"):
        merge_profiles(
            "[default]\nregion = eu-west-1\n", [HUB, role_profile(f"demo-{name}-cobus")], "demo", "cobus"
        )


@pytest.mark.parametrize("value", HOSTILE, ids=[repr(n)[:30] for n in HOSTILE])
def test_the_config_merge_refuses_a_hostile_value_or_writes_it_exactly(value: str) -> None:
    written_or_refused([HUB, role_profile("demo-development-cobus", role_session_name=value)])


@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n)[:30] for n in HOSTILE])
def test_a_hostile_organization_or_user_cannot_break_the_ownership_comment(name: str) -> None:
    written_or_refused([HUB, role_profile("demo-development-cobus")], org=name)
    written_or_refused([HUB, role_profile("demo-development-cobus")], user=name)


@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n)[:30] for n in HOSTILE])
def test_printed_profiles_refuse_a_hostile_name(name: str) -> None:
    with pytest.raises(LocalFileError):
        render_profiles([HUB, role_profile(f"demo-{name}-cobus")])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(min_size=1, max_size=30), value=st.text(max_size=30), org=st.text(min_size=1, max_size=8))
@example(name="x]\n[default]\ncredential_process = id", value="us-east-1", org="demo")
@example(name="x", value="us-east-1\ncredential_process = id", org="demo")
def test_any_name_or_value_from_outside_is_refused_or_written_exactly(
    name: str, value: str, org: str
) -> None:
    written_or_refused([HUB, role_profile(name, region=value)], org=org)


@pytest.mark.parametrize("kind", ["account", "role", "user", "org", "region"])
@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n)[:30] for n in HOSTILE])
def test_the_aesr_config_refuses_a_hostile_name_or_reads_back_exactly(kind: str, name: str) -> None:
    """Given names that bypassed validation, the AESR config is refused, or the extension's own parser reads
    back exactly the two sections rolegate meant."""
    config = constructed(**{kind: name})
    user = next(iter(config.users))
    try:
        text = render_aesr(config, user)
    except LocalFileError:
        return
    parsed = parse_aesr(text)
    assert len(parsed) == 2 and [set(p) for p in parsed] == [
        {"profile", "aws_account_id"},
        {"profile", "aws_account_id", "role_name", "color", "region", "source_profile"},
    ]
    assert parsed[1]["role_name"] == next(iter(config.roles))
    assert parsed[1]["region"] == (name if kind == "region" else "us-east-1")


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(("account", "role", "user", "org")), name=st.text(min_size=1, max_size=20))
@example(kind="role", name="administrator\n[evil]\naws_account_id = 999999999999")
def test_any_aesr_name_is_refused_or_read_back_as_two_sections(kind: str, name: str) -> None:
    config = constructed(**{kind: name})
    try:
        text = render_aesr(config, next(iter(config.users)))
    except LocalFileError:
        return
    parsed = parse_aesr(text)
    assert [p["aws_account_id"] for p in parsed] == ["111111111111", "222222222222"]
    assert parsed[1]["role_name"] == next(iter(config.roles))


# -- the merge keeps what it does not own --------------------------------------------------------------------

ROLE_ARN = "arn:aws:iam::222222222222:role/administrator"


def seed_profiles() -> list[Profile]:
    config = parse(config_text()).config
    return user_profiles(config, "cobus")


@pytest.mark.parametrize(
    "header",
    [
        "[profile demo-development-cobus]",
        "[profile  demo-development-cobus]",
        '[profile "demo-development-cobus"]',
        "[profile\tdemo-development-cobus]",
        "[profile 'demo-development-cobus']",
    ],
)
def test_adopting_a_hand_written_profile_keeps_the_users_lines_and_botocore_sees_one_profile(
    header: str,
) -> None:
    """Given cobus's own profile for the seed's role, with his comments and settings rolegate does not write,
    when rolegate adopts it, then botocore sees one profile with rolegate's settings and his extra ones, and
    each of his own lines is still there byte for byte."""
    own = [
        "# my dev admin, ask Ann before using it\n",
        "output = json\n",
        "; the pager gets in the way\n",
        "cli_pager =\n",
        "s3 =\n    addressing_style = path\n",
    ]
    original = (
        f"{header}\n{own[0]}Role_Arn = {ROLE_ARN}\nsource_profile = demo-master-cobus\n"
        f"{''.join(own[1:])}\n[profile other]\nregion = eu-west-1\n"
    )
    profiles = seed_profiles()

    result = merge_profiles(original, profiles, "demo", "cobus")

    assert result.adopted == ["demo-development-cobus"] and not result.added[1:]
    for line in own:
        assert line in result.text
    seen = botocore_profiles(result.text)
    mine = seen["demo-development-cobus"]
    assert {k: mine[k] for k in profiles[1].settings} == profiles[1].settings
    assert mine["output"] == "json" and mine["cli_pager"] == "" and mine["s3"] == {"addressing_style": "path"}
    assert sorted(seen) == ["demo-development-cobus", "demo-master-cobus", "other"]
    assert merge_profiles(result.text, profiles, "demo", "cobus").text == result.text


def test_a_profile_rolegate_owns_keeps_lines_the_user_added_to_it() -> None:
    profiles = seed_profiles()
    first = merge_profiles("", profiles, "demo", "cobus").text
    added = first.replace(
        "duration_seconds = 3600\n", "duration_seconds = 3600\noutput = table  \n# mine\n", 1
    )

    again = merge_profiles(added, profiles, "demo", "cobus")

    assert "output = table  \n# mine\n" in again.text and not again.updated
    assert botocore_profiles(again.text)["demo-development-cobus"]["output"] == "table"


def test_two_spellings_of_one_profile_are_a_conflict_not_a_third() -> None:
    original = (
        f"[profile demo-development-cobus]\nrole_arn = {ROLE_ARN}\n\n"
        f'[profile "demo-development-cobus"]\nrole_arn = {ROLE_ARN}\n'
    )

    result = merge_profiles(original, seed_profiles(), "demo", "cobus")

    assert any("demo-development-cobus" in c for c in result.conflicts)


def test_a_section_botocore_reads_as_no_profile_is_left_alone_and_rolegates_is_the_only_one() -> None:
    """`[ profile x ]` keeps its spaces in configparser, and botocore then reads it as no profile at all."""
    original = f"[ profile demo-development-cobus ]\nrole_arn = {ROLE_ARN}\noutput = json\n"

    result = merge_profiles(original, seed_profiles(), "demo", "cobus")

    assert result.text.startswith(original)
    assert "output" not in botocore_profiles(result.text)["demo-development-cobus"]


def test_profile_names_are_read_as_botocore_reads_them() -> None:
    from rolegate.local.aws_config import profile_of_section

    table = {
        "default": "default",
        "profile x": "x",
        "profile  x": "x",
        'profile "x"': "x",
        "profile\tx": "x",
        "profile 'x y'": "x y",
        "profile default": "default",
        "profiles x": "x",  # botocore's own quirk: any header starting with "profile"
        " profile x ": None,
        "profile x y": None,
        'profile "x': None,
        "x": None,
        "sso-session x": None,
    }
    assert {section: profile_of_section(section) for section in table} == table


# -- the terminal --------------------------------------------------------------------------------------------


def through_rolegates_console(lines: list[Any], monkeypatch: pytest.MonkeyPatch, colour: bool) -> str:
    """Printed as a command prints: through the Env's rich console, into a string."""
    from rolegate.cli.env import Env

    if colour:
        monkeypatch.setenv("FORCE_COLOR", "1")
    else:
        monkeypatch.delenv("FORCE_COLOR", raising=False)
    env = Env(no_color=not colour)
    buffer = io.StringIO()
    env.out.file = buffer
    for line in lines:
        env.print(line)
    return re.sub(r"\x1b\[[0-9;]*m", "", buffer.getvalue())  # rich's own colours, and only those


@pytest.mark.parametrize("colour", [False, True])
@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n)[:30] for n in HOSTILE])
def test_plan_lines_show_a_hostile_name_inertly(
    name: str, colour: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a plan whose names came from AWS, when it is printed, then no control, bidi or invisible
    character reaches the terminal and a newline in a name starts no line of its own."""
    from rolegate.cli.render import plan_lines
    from rolegate.plan.changes import Change, Conflict, Plan

    plan = Plan(
        changes=[Change(name, "111111111111", "create", "role", name, summary=name, details=(name,))],
        conflicts=[Conflict(name, "user", name, name, name)],
        accounts={name: "111111111111"},
    )

    out = through_rolegates_console(plan_lines(plan, verbose=True), monkeypatch, colour)

    assert not hidden(out)
    assert out.count("\n") == len(plan_lines(plan, verbose=True))


@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n)[:30] for n in HOSTILE])
def test_diagnostics_show_a_hostile_name_inertly(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from rolegate.cli.render import diagnostics

    diagnostic = Diagnostic("rolegate.yaml", 3, 3, f"accounts.{name}", f"{name!s} is bad", name, name, 4)

    out = through_rolegates_console(diagnostics([diagnostic]), monkeypatch, colour=True)

    assert not hidden(out)


@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n)[:30] for n in HOSTILE])
def test_access_and_audit_tables_show_a_hostile_name_inertly(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rolegate.cli.commands import access
    from rolegate.cli.env import Env

    row = SimpleNamespace(
        principal_name=name, principal_account=name, account=name, account_id="111111111111", role=name,
        reachable="yes", mfa_required=False, via=(f"arn:aws:iam::1:role/{name}",),
        conditions=(name,), why=(name,),
    )  # fmt: skip
    finding = SimpleNamespace(
        severity="HIGH", id="RG001", account=name, account_id=name, message=name, fix=name, commands=(name,)
    )
    monkeypatch.setenv("FORCE_COLOR", "1")
    env = Env()
    access._table(env, [row])
    access._findings_table(env, [finding])  # type: ignore[arg-type]

    out = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
    assert not hidden(out)


@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n)[:30] for n in HOSTILE])
def test_switch_role_links_show_a_hostile_account_inertly(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rolegate.cli.commands.local import print_switch_links, render_links
    from rolegate.cli.env import Env

    config = constructed(account=name)
    monkeypatch.setenv("FORCE_COLOR", "1")
    print_switch_links(Env(), config, "cobus")
    text = render_links(config, "cobus", "text")

    out = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
    assert not hidden(out) and not hidden(text.replace("\t", " "))
    assert text.count("\n") == 2


def test_rich_alone_passes_esc_and_bidi_through_which_is_why_the_console_escapes() -> None:
    """What rich does on its own (rich 13-15): BEL and CR stripped, ESC, C1 and U+202E printed raw."""
    from rich.console import Console

    from rolegate.cli.console import SafeConsole

    raw, safe = io.StringIO(), io.StringIO()
    Console(file=raw).print("a\x1b[2Jb\u202ec\x9bd\x07e")
    SafeConsole(file=safe).print("a\x1b[2Jb\u202ec\x9bd\x07e")

    assert "\x1b[2J" in raw.getvalue() and "\u202e" in raw.getvalue()
    assert safe.getvalue() == "a\\x1b[2Jb\\u202ec\\x9bd\\x07e\n"


# -- HTML and CSV --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["account", "role", "user", "org"])
@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n)[:30] for n in HOSTILE])
def test_the_launch_page_escapes_a_hostile_name(kind: str, name: str) -> None:
    """Given hostile names, the page has exactly the elements and attributes of a normal page, one script, and
    no control or bidi character in its text."""
    from rolegate.local.launchpage import render_html

    normal, page = HtmlElements(), HtmlElements()
    normal.feed(render_html(constructed(), "cobus"))
    hostile = constructed(**{kind: name})
    page.feed(render_html(hostile, next(iter(hostile.users))))

    assert page.tags == normal.tags and page.attributes == normal.attributes
    assert page.tags.count("script") == 1
    assert not hidden(page.text.replace("\t", " "))  # a tab is whitespace to HTML; U+2028 is not let through


@pytest.mark.parametrize("name", [*HOSTILE, "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "=1+1"])
def test_access_csv_cells_are_never_formulas(name: str) -> None:
    """Given a role or principal named like a formula, the CSV cell starts with a quote, never = + - @; a
    control character in it (CR, LF, ESC) is shown as its escape, so the row stays one row."""
    import csv

    from rolegate.cli.commands.access import write_access_csv
    from rolegate.safe_text import visible

    row = SimpleNamespace(
        principal_name=name, principal_account="master", account=name, account_id="111111111111", role=name,
        reachable="yes", mfa_required=False, via=(name,), conditions=(name,), why=(name,),
    )  # fmt: skip
    out = io.StringIO()
    write_access_csv(out, [row])

    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert len(rows) == 2 and len(rows[1]) == 10
    for cell in rows[1]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert rows[1][0].lstrip("'") == visible(name, one_line=True)


# -- the helpers themselves (new at this commit) -------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_visible_text_has_no_hidden_character_and_keeps_printable_text(text: str) -> None:
    from rolegate.safe_text import visible

    shown = visible(text, one_line=True)
    assert not hidden(shown) and "\n" not in shown
    if text.isprintable():
        assert shown == text


@settings(max_examples=500, deadline=None)
@given(section=st.text(max_size=20), key=st.text(max_size=10), value=st.text(max_size=20))
def test_an_ini_entry_is_refused_or_reads_back_exactly(section: str, key: str, value: str) -> None:
    from rolegate.local.ini import check_entry

    try:
        check_entry(section, key, value, profile=section, where="a file")
    except LocalFileError:
        return
    assert botocore_sections(f"[{section}]\n{key} = {value}\n") == {section: {key: value}}
