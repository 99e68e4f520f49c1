"""How the audit is shown: the fix commands, RG015's users, SARIF's locations into rolegate.yaml and the HTML
report page, all pure (no AWS, no browser; tests/e2e/test_audit_page.py opens the page in Chromium).

Given a hub and prod where things are wrong, when cobus runs `rolegate audit`, then
- each fix that names a command names a real one: rolegate's own click parser takes it as written, with the
  finding's own user, account or role in it, quoted for the shell, never a USER/ACCOUNT placeholder;
- RG015 is one finding per role naming every user who lacks the MFA device it needs, with a command each;
- SARIF results point at the line and column in rolegate.yaml of what they are about (else its account's
  entry, else logical locations only) and hold the fields SARIF 2.1.0 requires;
- the report page groups and labels every finding, keeps the CSP, and escapes every name in it.

On e6533b3, before this work, the module does not import (`audit.command`, `access.report` and
`sarif.locate` are new). Run there by hand on the same org, the audit said RG015 for cobus only ("cobus may
assume administrator in prod only with MFA; has no device"), every MFA fix was "`rolegate mfa enroll --user
USER`", and every SARIF result was at line 1 of rolegate.yaml.
"""

from __future__ import annotations

import datetime as dt
import html
import html.parser
import json
import re
import shlex
from typing import Any

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.builders import (
    ADMIN,
    HUB,
    MFA,
    PROD,
    doc,
    iam_role,
    iam_user,
    may_assume,
    report_row,
    rolegate_grant,
    trust,
)
from tests.builders import audited_org as org

from rolegate.access.audit import RULES, AuditInput, Finding, audit, command
from rolegate.access.report import render_audit_html
from rolegate.access.sarif import declared_path, locate, to_sarif
from rolegate.cli.main import cli
from rolegate.model.load import Loaded, parse
from rolegate.safe_text import visible

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
ADMIN_ROLE = f"arn:aws:iam::{PROD}:role/administrator"

# rolegate.yaml for the org below; the line numbers matter to the SARIF tests.
CONFIG = f"""\
version: 1
organization:
  name: demo
  hub: hub
  password_policy:
    minimum_length: 14
accounts:
  hub:
    id: "{HUB}"
  prod:
    id: "{PROD}"
roles:
  administrator:
    accounts: [prod]
    policies: [AdministratorAccess]
    require_mfa: true
  read_only:
    accounts: [prod]
    policies: [ReadOnlyAccess]
groups:
  admins:
    assume:
      administrator: [prod]
users:
  cobus:
    groups: [admins]
    console: true
  alice:
    groups: [admins]
  bob:
    groups: [admins]
"""
LINE = {text.strip().rstrip(":"): n for n, text in enumerate(CONFIG.splitlines(), start=1)}


def loaded() -> Loaded:
    return parse(CONFIG, "rolegate.yaml")


def an_org_with_three_users_lacking_mfa() -> Any:
    """Given hub and prod: admins may assume prod's administrator, which needs MFA; cobus, alice and bob are
    in admins and none has a device; cobus signs in to the console; alice has a key never used."""
    group, policy = rolegate_grant(HUB, "admins", may_assume(ADMIN_ROLE))
    names = ("cobus", "alice", "bob")
    rows = [
        report_row("cobus", f"arn:aws:iam::{HUB}:user/cobus", password_enabled="true"),
        report_row("alice", f"arn:aws:iam::{HUB}:user/alice", access_key_1_active="true",
                   access_key_1_last_rotated="2026-11-01T00:00:00+00:00"),
        report_row("bob", f"arn:aws:iam::{HUB}:user/bob"),
    ]  # fmt: skip
    return org(
        roles=[
            iam_role(PROD, "administrator", trust({"AWS": f"arn:aws:iam::{HUB}:root"}, MFA), managed=[ADMIN])
        ],
        users=[iam_user(HUB, n, groups=["admins"]) for n in names],
        groups=[group],
        policies=[policy],
        hub_report=rows,
        prod_users=[iam_user(PROD, "legacy", managed=[ADMIN], inline={"x": doc()})],
        password_policy={"MinimumPasswordLength": 8},
    )


def findings() -> list[Finding]:
    extra = AuditInput(
        hub="hub", now=NOW, wanted_password_policy={"MinimumPasswordLength": 14},
        aws_config_text="[default]\nregion = eu-west-1\n", aws_config_path="/home/cobus/.aws/config",
    )  # fmt: skip
    return audit(an_org_with_three_users_lacking_mfa(), extra)


# -- RG015 names every user ----------------------------------------------------------------------------


def test_rg015_names_every_user_who_lacks_the_device_once_per_role() -> None:
    found = [f for f in findings() if f.rule == "RG015"]

    assert len(found) == 1, "one finding for the role, not one per user (the ids were the same)"
    (rg015,) = found
    assert rg015.resource == ADMIN_ROLE
    for name in ("cobus", "alice", "bob"):
        assert name in rg015.message
    assert "3 users have no device" in rg015.message
    assert rg015.commands == tuple(f"rolegate mfa enroll --user {n}" for n in ("cobus", "alice", "bob"))


def test_rg015_for_one_user_reads_as_one() -> None:
    snapshot = an_org_with_three_users_lacking_mfa()
    for name in ("alice", "bob"):
        row = next(r for r in snapshot.accounts["hub"].credential_report if r["user"] == name)
        row["mfa_active"] = "true"

    (rg015,) = [f for f in audit(snapshot, AuditInput(hub="hub", now=NOW)) if f.rule == "RG015"]

    assert rg015.message == "cobus may assume administrator in prod only with MFA; cobus has no device"
    assert rg015.commands == ("rolegate mfa enroll --user cobus",)


# -- fixes are real commands ---------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\b(USER|ACCOUNT|ROLE|NAME|GROUP|PROFILE)\b|<[a-z]+>")


def _parses(line: str) -> None:
    """The command line as rolegate's own click parser reads it: every subcommand and option must exist."""
    argv = shlex.split(line)
    assert argv[0] == "rolegate"
    group: click.Command = cli
    ctx = cli.make_context("rolegate", [], resilient_parsing=True)
    args = argv[1:]
    while isinstance(group, click.Group) and args and not args[0].startswith("-"):
        name, args = args[0], args[1:]
        found = group.get_command(ctx, name)
        assert found is not None, f"{line}: no command {name!r}"
        group = found
    group.make_context(group.name or "", list(args), parent=ctx)  # raises on an unknown option


def test_every_fix_text_is_free_of_placeholders() -> None:
    for rule in RULES.values():
        assert not PLACEHOLDER.search(rule.fix), f"{rule.id}: {rule.fix}"
    for f in findings():
        assert not PLACEHOLDER.search(f.fix), f"{f.rule}: {f.fix}"
        assert not any(PLACEHOLDER.search(c) for c in f.commands), f"{f.rule}: {f.commands}"


def test_every_command_a_finding_gives_is_one_rolegate_takes() -> None:
    found = findings()
    commands = {c for f in found for c in f.commands}

    assert {
        "rolegate mfa enroll --user cobus",
        "rolegate keys list --user alice",
        "rolegate apply",
    } <= commands
    for line in commands:
        _parses(line)


@pytest.mark.parametrize(
    "line",
    [
        command("rolegate", "restore", "production"),
        command("rolegate", "restore", "--user", "cobus"),
        command("rolegate", "access", "--role", "administrator", "--account", "production"),
        command("rolegate", "access", "--user", "cobus", "--account", "production"),
    ],
)
def test_the_commands_of_the_lockdown_escalation_and_trust_fixes_parse(line: str) -> None:
    _parses(line)


# Names nothing validated (a snapshot is any JSON): each must stay one word of the command, never shell.
CRAFTED = [
    "cobus", "o'brien", 'say"hi"', "a b", "$(id)", "`id`", "x;rm -rf ~", "x&&true", "x|cat", "x>out",
    "x<in", "*", "?", "~root", "-rf", "--help", "a\nb", "a\tb", "\\", "{a,b}", "$HOME", "!!", "#c", "é",
    "a=b", "user@example.com", "",
]  # fmt: skip


@pytest.mark.parametrize("name", CRAFTED)
def test_a_crafted_user_name_stays_one_word_of_the_command(name: str) -> None:
    snapshot = org(
        users=[iam_user(HUB, name)],
        hub_report=[report_row(name, f"arn:aws:iam::{HUB}:user/x", password_enabled="true")],
    )

    (rg003,) = [f for f in audit(snapshot, AuditInput(hub="hub", now=NOW)) if f.rule == "RG003"]

    assert shlex.split(rg003.commands[0]) == ["rolegate", "mfa", "enroll", "--user", name]


def test_a_user_outside_the_hub_gets_no_command_it_cannot_run() -> None:
    snapshot = org(
        prod_users=[iam_user(PROD, "bob")],
        hub_report=[],
    )
    snapshot.accounts["prod"].credential_report.append(  # type: ignore[union-attr]
        report_row("bob", f"arn:aws:iam::{PROD}:user/bob", password_enabled="true")
    )

    (rg003,) = [f for f in audit(snapshot, AuditInput(hub="hub", now=NOW)) if f.rule == "RG003"]

    assert rg003.commands == () and "prod's IAM console" in rg003.fix


# -- SARIF: where in rolegate.yaml -----------------------------------------------------------------------


def _finding(rule: str, resource: str, account: str = "prod", account_id: str = PROD) -> Finding:
    return Finding(rule, RULES[rule].severity, account, account_id, resource, "m", RULES[rule].fix)


LOCATED = [
    # (finding, path in the file, the line's key, exact)
    (_finding("RG004", ADMIN_ROLE), ("roles", "administrator", "require_mfa"), "require_mfa", True),
    (_finding("RG007", ADMIN_ROLE), ("roles", "administrator", "require_mfa"), "require_mfa", True),
    (_finding("RG016", f"arn:aws:iam::{PROD}:role/read_only"), ("roles", "read_only"), "read_only", True),
    (_finding("RG004", f"arn:aws:iam::{PROD}:role/rolegate/read_only"), ("roles", "read_only"),
     "read_only", True),  # require_mfa not written: the role's own line
    (_finding("RG015", ADMIN_ROLE), ("roles", "administrator"), "administrator", True),
    (_finding("RG003", f"arn:aws:iam::{HUB}:user/cobus", "hub", HUB), ("users", "cobus"), "cobus", True),
    (_finding("RG012", f"arn:aws:iam::{HUB}:user/alice#key1", "hub", HUB), ("users", "alice"), "alice", True),
    (_finding("RG010", f"arn:aws:iam::{HUB}:user/bob", "hub", HUB), ("users", "bob"), "bob", True),
    (_finding("RG009", f"arn:aws:iam::{HUB}:group/rolegate/admins", "hub", HUB), ("groups", "admins"),
     "admins", True),
    (_finding("RG014", f"arn:aws:iam::{HUB}:group/rolegate/admins#arn:aws:iam::{PROD}:role/x", "hub", HUB),
     ("groups", "admins", "assume"), "assume", True),
    (_finding("RG011", f"arn:aws:iam::{HUB}:policy/rolegate/admins", "hub", HUB),
     ("groups", "admins", "assume"), "assume", True),
    (_finding("RG018", f"arn:aws:iam::{HUB}:account-password-policy", "hub", HUB),
     ("organization", "password_policy"), "password_policy", True),
    (_finding("RG001", f"arn:aws:iam::{PROD}:root"), ("accounts", "prod"), "prod", True),
    (_finding("RG020", f"arn:aws:iam::{HUB}:root", "hub", HUB), ("accounts", "hub"), "hub", True),
    # not declared: the account's entry
    (_finding("RG017", f"arn:aws:iam::{PROD}:user/legacy"), ("accounts", "prod"), "prod", False),
    (_finding("RG003", f"arn:aws:iam::{HUB}:user/mallory", "hub", HUB), ("accounts", "hub"), "hub", False),
    (_finding("RG016", f"arn:aws:iam::{PROD}:role/OrganizationAccountAccessRole"), ("accounts", "prod"),
     "prod", False),
    # a user of the same name in prod is not the hub's cobus
    (_finding("RG003", f"arn:aws:iam::{PROD}:user/cobus"), ("accounts", "prod"), "prod", False),
]  # fmt: skip


@pytest.mark.parametrize(("finding", "path", "key", "exact"), LOCATED, ids=lambda v: getattr(v, "rule", None))
def test_a_finding_points_at_the_line_that_declares_what_it_is_about(
    finding: Finding, path: tuple[str, ...], key: str, exact: bool
) -> None:
    config = loaded()

    assert declared_path(finding, config) == (path, exact)
    where = locate(finding, config)
    assert where is not None and where.exact is exact
    assert CONFIG.splitlines()[where.line - 1].strip().startswith(f"{key}:")
    assert where.column == CONFIG.splitlines()[where.line - 1].index(key) + 1


@pytest.mark.parametrize(
    "finding",
    [
        _finding("RG003", "arn:aws:iam::999999999999:user/cobus", "elsewhere", "999999999999"),
        _finding("RG001", "arn:aws:iam::999999999999:root", "prod", "999999999999"),  # prod, another id
        Finding("RG019", "LOW", "local", "", "/home/cobus/.aws/config", "m", "f"),
        _finding("RG003", "not an arn"),
    ],
)
def test_a_finding_the_file_does_not_hold_has_no_line(finding: Finding) -> None:
    assert declared_path(finding, loaded()) is None and locate(finding, loaded()) is None


# The fields SARIF 2.1.0's schema requires (sarif-schema-2.1.0.json, "required" of each object rolegate
# writes), and the enums of the ones it sets: a dashboard refuses a log without them.
_MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
_REGION = {
    "type": "object",
    "properties": {
        "startLine": {"type": "integer", "minimum": 1},
        "startColumn": {"type": "integer", "minimum": 1},
    },
}
_PHYSICAL = {
    "type": "object",
    "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}],
    "properties": {
        "artifactLocation": {
            "type": "object",
            "properties": {"uri": {"type": "string", "format": "uri-reference"}},
        },
        "region": _REGION,
    },
}
_LOCATION = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "minimum": -1},
        "physicalLocation": _PHYSICAL,
        "logicalLocations": {
            "type": "array",
            "items": {"type": "object", "properties": {"name": {"type": "string"},
                                                       "fullyQualifiedName": {"type": "string"},
                                                       "kind": {"type": "string"}}},
        },
        "message": _MESSAGE,
    },
}  # fmt: skip
SARIF_REQUIRED = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"enum": ["2.1.0"]},
        "runs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "properties": {
                                                "shortDescription": _MESSAGE,
                                                "help": _MESSAGE,
                                                "defaultConfiguration": {
                                                    "properties": {
                                                        "level": {
                                                            "enum": ["none", "note", "warning", "error"]
                                                        }
                                                    }
                                                },
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["message"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": _MESSAGE,
                                "locations": {"type": "array", "items": _LOCATION},
                                "relatedLocations": {"type": "array", "items": _LOCATION},
                                "partialFingerprints": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def test_the_sarif_log_holds_what_sarif_2_1_0_requires_and_points_into_the_file() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    found = findings()

    sarif = json.loads(json.dumps(to_sarif(found, "rolegate.yaml", loaded())))

    jsonschema.validate(sarif, SARIF_REQUIRED)
    results = sarif["runs"][0]["results"]
    assert len(results) == len(found)
    lines = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in results
        if "region" in r["locations"][0].get("physicalLocation", {})
    }
    assert lines["RG015"] == LINE["administrator"]
    assert lines["RG003"] == LINE["cobus"]
    assert lines["RG018"] == LINE["password_policy"]
    assert lines["RG017"] == LINE["prod"]  # legacy is not declared: prod's entry
    assert 1 not in lines.values(), "no result is put at line 1 for want of a place"
    rg015 = next(r for r in results if r["ruleId"] == "RG015")
    assert [loc["physicalLocation"]["region"]["startLine"] for loc in rg015["relatedLocations"]] == [
        LINE["cobus"],
        LINE["alice"],
        LINE["bob"],
    ]
    local = next(r for r in results if r["ruleId"] == "RG019")
    assert (
        local["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "file:///home/cobus/.aws/config"
    )


def test_without_the_file_results_carry_the_account_and_resource_as_logical_locations() -> None:
    jsonschema = pytest.importorskip("jsonschema")

    sarif = to_sarif(findings(), None)

    jsonschema.validate(sarif, SARIF_REQUIRED)
    for result in sarif["runs"][0]["results"]:
        (location,) = result["locations"]
        if result["ruleId"] != "RG019":
            assert "physicalLocation" not in location
            kinds = [(loc["kind"], loc["name"]) for loc in location["logicalLocations"]]
            assert kinds[1][0] == "namespace" and kinds[1][1] in ("hub", "prod")


# -- the report page ------------------------------------------------------------------------------------


class _Page(html.parser.HTMLParser):
    """What a browser would build: elements with their attributes, text, scripts and what the page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str, cls: str | None = None) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.elements if t == tag and (cls is None or cls in (a.get("class") or "").split())
        ]


def page_of(found: list[Finding], **kwargs: Any) -> _Page:
    page = _Page()
    page.feed(render_audit_html(found, **kwargs))
    return page


def test_the_page_groups_findings_by_check_most_severe_first_and_says_where_each_is_declared() -> None:
    found = findings()

    text = render_audit_html(found, taken_at="2026-11-25T00:00:00+00:00", loaded=loaded())
    page = page_of(found, loaded=loaded())

    groups = [a["data-key"] for a in page.all("details", "group")]
    assert groups == list(dict.fromkeys(f.rule for f in found))
    assert len(page.all("li", "finding")) == len(found)
    assert {a["data-severity"] for a in page.all("li", "finding")} == {f.severity for f in found}
    assert f"rolegate.yaml:{LINE['administrator']}:3 (roles.administrator)" in text
    assert "2026-11-25 00:00:00 UTC" in text
    assert len(page.all("button", "copy")) == sum(1 for f in found if f.commands)
    blocks = re.findall(r'<div class="cmd"><pre><code>(.*?)</code>', text, re.DOTALL)
    assert [html.unescape(b).split("\n") for b in blocks] == [list(f.commands) for f in found if f.commands]
    assert "rolegate mfa enroll --user alice" in blocks[[f.rule for f in found if f.commands].index("RG015")]


def test_the_page_keeps_the_csp_and_loads_nothing() -> None:
    page = page_of(findings())

    metas = [a for a in page.all("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    (policy,) = [m["content"] for m in metas]
    assert policy is not None and policy.startswith("default-src 'none'; style-src 'sha256-")
    assert "unsafe-inline" not in policy
    for _, attrs in page.elements:
        for name in ("src", "href", "action", "srcset"):
            assert name not in attrs


def test_no_findings_says_so() -> None:
    assert "No findings." in render_audit_html([])


MARKUP = [
    "<b>mallory</b>", "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "' onmouseover='x",
    "</li></ol></details><h1>x", "<!--", "]]>", "&amp;", "&lt;", "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "\u202eevil", "\x1b[31mred", "a\nb", "<style>*{display:none}</style>", "</script><script>x()</script>",
    "<iframe src=//x>", "<a href=x>", "{{7*7}}", "${7*7}", "<base href=//x>", "<meta http-equiv=refresh>",
]  # fmt: skip


@pytest.mark.parametrize("name", MARKUP)
def test_every_name_on_the_page_is_text_never_markup(name: str) -> None:
    crafted = Finding("RG003", "HIGH", name, name, f"arn:aws:iam::{HUB}:user/{name}", f"{name} no MFA", name,
                      (command("rolegate", "mfa", "enroll", "--user", name),))  # fmt: skip

    page = page_of([crafted])

    tags = {t for t, _ in page.elements}
    assert tags <= {"meta", "title", "style", "header", "h1", "p", "time", "div", "fieldset", "legend",
                    "label", "input", "span", "select", "option", "details", "summary", "ol", "li", "dl",
                    "dt", "dd", "code", "pre", "b", "button", "main", "script", "html", "head",
                    "body"}  # fmt: skip
    assert len(page.all("script")) == 2 and len(page.all("li", "finding")) == 1  # its data, its script
    (item,) = page.all("li", "finding")
    assert not any(k.startswith("on") for _, attrs in page.elements for k in attrs)
    assert "\u202e" not in "".join(page.text) and "\x1b" not in "".join(page.text)
    assert item["data-account"] == visible(name)  # the attribute holds the name as text, escapes shown


@pytest.mark.parametrize(
    ("name", "owned", "applies"),
    [
        ("administrator", True, True),  # rolegate's: fixed in rolegate.yaml, then apply
        ("administrator", False, False),  # hand-made: looked at, not applied over
        ("OrganizationAccountAccessRole", True, False),  # the bootstrap role: rolegate never changes it
    ],
)
def test_an_admin_role_without_mfa_is_fixed_in_the_file_only_when_rolegate_may_change_it(
    name: str, owned: bool, applies: bool
) -> None:
    tags = {"rolegate:owner": "demo"} if owned else {}
    role = iam_role(PROD, name, trust({"AWS": f"arn:aws:iam::{HUB}:root"}), managed=[ADMIN], tags=tags)

    (rg007,) = [f for f in audit(org(roles=[role]), AuditInput(hub="hub", now=NOW)) if f.rule == "RG007"]

    assert rg007.commands[0] == f"rolegate access --role {name} --account prod"
    assert ("rolegate apply" in rg007.commands) is applies
    assert (f"require_mfa: true on roles.{name}" in rg007.fix) is applies


# -- the command line ------------------------------------------------------------------------------------


def test_rolegate_audit_prints_the_commands_and_points_sarif_into_the_file(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.builders import IDS, example_config, seed_like_snapshot
    from tests.helpers import rolegate

    taken = seed_like_snapshot()
    hub = taken.accounts["master"]
    hub.credential_report = [report_row("cobus", hub.users["cobus"].arn, password_enabled="true")]
    config, snapshot, none = tmp_path / "rolegate.yaml", tmp_path / "s.json", tmp_path / "no-aws-config"
    config.write_text(example_config(IDS))
    snapshot.write_text(taken.dumps())
    base = ("-c", str(config), "audit", "--snapshot", str(snapshot), "--aws-config-file", str(none))

    table = rolegate(capsys, *base)
    sarif = rolegate(capsys, *base, "--format", "sarif", "-o", str(tmp_path / "out.sarif"))
    refused = rolegate(capsys, *base, "-o", str(tmp_path / "out.txt"))

    assert table.code == 0 and "$ rolegate mfa enroll --user cobus" in table.out
    assert sarif.code == 0, sarif.all
    results = json.loads((tmp_path / "out.sarif").read_text())["runs"][0]["results"]
    rg003 = next(r for r in results if r["ruleId"] == "RG003")
    where = rg003["locations"][0]["physicalLocation"]
    lines = example_config(IDS).splitlines()
    assert (
        where["artifactLocation"]["uri"] == config.as_posix()
        or where["artifactLocation"]["uri"] == "rolegate.yaml"
    )
    assert lines[where["region"]["startLine"] - 1].strip() == "cobus:"
    assert refused.code == 2 and "--format json, sarif or html" in refused.all


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_any_user_and_account_name_stays_one_word_each(user: str, account: str) -> None:
    line = command("rolegate", "access", "--user", user, "--account", account)

    assert shlex.split(line) == ["rolegate", "access", "--user", user, "--account", account]
