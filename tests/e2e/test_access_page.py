"""The access page, as a security reviewer uses it: `rolegate access --format html` opened from file:// in a
real headless Chromium (Debian's), for a seed-like organization of 3 accounts and for the generated
organization of benchmarks/access_scale.py at 500 accounts × 5,000 users (3 million rows). The reviewer
searches by principal, account and role, filters by how a role is reached and by MFA, groups by principal or
by account, clicks a row to see its chain (why, via, the steps of an escalation), reads a graph that
aggregates grants → role names → accounts, and moves with the keyboard alone; the page never overflows
1280 px, keeps its DOM small however many rows there are, fetches nothing and shows every name as text.

The browser and CLI tests fail on e6533b3 (before issue 19; checked in a worktree of it: 16 of 16 fail):
that page was a matrix with one <td> per cell and an SVG line per row, with no filters, grouping, detail
panel or embedded data, and the CLI dropped refused rows. The tests of the data block, its escaping and
its policy (hostile names, BREAKERS, the pinned hashes) test an API that did not exist there
(htmlpage.json_for_html, page.page_data): on e6533b3 they cannot run, and the old page escaped names in its
markup as well, so they guard the new page rather than show an old hole."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import re
import time
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from tests.builders import HOSTILE, IDS, doc, iam_user, seed_like_snapshot
from tests.e2e.chromium import ARGS, CHROMIUM, MARKS, offline_only, screenshot
from tests.helpers import HtmlElements

from rolegate.access.graph import AccessGraph, collector_paused
from rolegate.access.page import _runs, page_data, render_access_html
from rolegate.htmlpage import json_for_html
from rolegate.safe_text import visible
from rolegate.state.snapshot import Snapshot

try:
    from playwright import sync_api
except ImportError:  # pragma: no cover - scripts/test installs it
    sync_api = None  # type: ignore[assignment]


def in_browser(test: Any) -> Any:
    """A test that opens the page in Chromium: skipped where the browser or playwright is missing. The tests
    of what the page holds (its data, its policy, its markup) run everywhere."""
    for mark in [*MARKS, pytest.mark.skipif(sync_api is None, reason="playwright is not installed")]:
        test = mark(test)
    return test


ROOT = Path(__file__).resolve().parents[2]
DATA_BLOCK = re.compile(r'<script type="application/json" id="access-data">(.*?)</script>', re.S)


# -- how the reviewer's browser is driven -----------------------------------------------------------------


def open_page(p: Any, path: Path, requested: list[str], width: int = 1280, height: int = 1000) -> Any:
    browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    offline_only(page, requested)
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.errors = errors  # the script's own errors, and any CSP refusal (Chromium logs them as errors)
    return browser, page


def line(page: Any, principal: str, account: str, role: str) -> Any:
    return page.locator(
        f'#list .line.row[data-principal="{principal}"][data-account="{account}"][data-role="{role}"]'
    )


def groups_shown(page: Any, key: str = "principal") -> list[str]:
    return list(page.locator("#list .line.group").evaluate_all(f"ls => ls.map(l => l.dataset.{key})"))


def search(page: Any, text: str) -> None:
    page.fill("#search", text)
    page.wait_for_function(
        "q => document.querySelector('#search').value === q", arg=text
    )  # the input event re-renders at once below 20,000 answers
    page.wait_for_timeout(250 if page.evaluate("document.body.dataset.big === 'true'") else 30)


def no_horizontal_overflow(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def write(tmp_path: Path, html: str, name: str = "access.html") -> Path:
    page_file = tmp_path / name
    page_file.write_text(html, encoding="utf-8")
    return page_file


def embedded(html: str) -> dict[str, Any]:
    found = DATA_BLOCK.search(html)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


# -- 3 accounts ----------------------------------------------------------------------------------------------


@in_browser
def test_the_access_page_shows_mfa_no_mfa_and_conditions_the_chain_on_click_and_fetches_nothing(
    tmp_path: Path,
) -> None:
    """Given the seed-like org, when the reviewer opens the page, then each principal's rows say where MFA is
    required, where long-term keys are enough and where a condition decides; a click shows why and via; the
    accounts come in the snapshot's order; the graph draws each grant once; nothing is fetched."""
    taken = seed_like_snapshot()
    rows = AccessGraph(taken).matrix()
    assert {(r.role, r.reachable, r.mfa_required) for r in rows if r.principal_name == "alice"} == {
        ("administrator", "yes", True),
        ("auditor", "conditional", False),
        ("deployer", "yes", True),
    }
    html = render_access_html(taken, rows)
    assert "<b>mallory</b>" not in html
    assert "\\u003cb\\u003emallory\\u003c/b\\u003e" in html  # in the JSON, which no markup can end early
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp is not None and "'unsafe-inline'" not in csp.group(1) and "script-src 'sha256-" in csp.group(1)
    assert "default-src 'none'" in csp.group(1)
    page_file = write(tmp_path, html)
    requested: list[str] = []

    with sync_api.sync_playwright() as p:
        browser, page = open_page(p, page_file, requested, height=1100)
        assert page.errors == []  # the pinned script ran, and nothing was refused
        assert "2024-05-01 12:00:00 UTC" in page.locator("#taken").inner_text()
        assert groups_shown(page) == ["cobus", "alice", "<b>mallory</b>"]  # few rows: every group open

        admin = line(page, "cobus", "production", "administrator")
        assert admin.get_attribute("data-reachable") == "yes"
        assert admin.get_attribute("data-mfa") == "true"
        assert admin.locator(".badge").inner_text() == "✓ MFA"
        admin.click()
        chain = page.locator("#detail").inner_text()
        assert "MFA required" in chain
        assert "production_administrator (Sid AssumeAdministrator)" in chain
        assert "rolegate access --explain cobus administrator@production" in chain

        oaar = line(page, "cobus", "staging", "OrganizationAccountAccessRole")
        assert oaar.get_attribute("data-mfa") == "false"
        assert oaar.locator(".badge").inner_text() == "✓ no MFA"
        assert oaar.locator(".badge").evaluate("b => getComputedStyle(b).color") == "rgb(177, 33, 12)"
        oaar.click()
        assert "NO MFA needed: long-term keys are enough" in page.locator("#detail").inner_text()

        auditor = line(page, "alice", "production", "auditor")
        assert auditor.get_attribute("data-reachable") == "conditional"
        auditor.click()
        assert "aws:SourceIp 203.0.113.0/24" in page.locator("#detail").inner_text()
        line(page, "alice", "production", "deployer").click()
        assert f"→ arn:aws:iam::{IDS['staging']}:role/administrator" in page.locator("#detail").inner_text()
        assert line(page, "alice", "production", "administrator").count() == 0  # not reachable: no row

        # the graph: a grant once, a line per role name it opens, its account count on the line
        edges = page.locator("#graph path.edge")
        assert edges.count() > 0
        oaar_edge = page.locator('#graph path.edge[data-role="OrganizationAccountAccessRole"]').first
        assert oaar_edge.get_attribute("data-accounts") == "3"
        assert oaar_edge.evaluate("e => getComputedStyle(e).stroke") == "rgb(209, 50, 18)"
        assert oaar_edge.evaluate("e => getComputedStyle(e).strokeDasharray") != "none"
        page.locator("#graph .node.who").first.click()
        assert "OrganizationAccountAccessRole in 3 accounts" in page.locator("#detail").inner_text()
        assert "development, staging, production" in page.locator("#detail").inner_text()
        page.locator('#graph .node.role[data-role="administrator"]').click()  # the other way in
        opened = page.locator("#detail").inner_text()
        assert "opened by" in opened and "group development_administrator: 1 account, 1 principal" in opened
        lit = page.locator("#graph path.edge.lit").evaluate_all("es => es.map(e => e.dataset.role)")
        assert lit and set(lit) == {"administrator"}

        assert no_horizontal_overflow(page)
        screenshot(page, "access-page-3.png", tmp_path, full_page=True)

        search(page, "cob")
        assert groups_shown(page) == ["cobus"]
        search(page, "nobody-like-this")
        assert page.locator("#none").is_visible()
        search(page, "")
        assert page.locator('#list .line.group[data-principal="alice"]').is_visible()
        browser.close()

    assert requested == [page_file.as_uri()]  # the page fetched nothing of its own


@pytest.mark.parametrize(
    ("words", "rows"),
    [
        ("prod admin", {("cobus", "production", "administrator")}),
        ("admin prod", {("cobus", "production", "administrator")}),  # words in any order
        ("alice staging", {("alice", "staging", "administrator")}),
        ("ALICE AUDITOR", {("alice", "production", "auditor")}),
        (IDS["development"], {("cobus", "development", "administrator"),
                              ("cobus", "development", "OrganizationAccountAccessRole"),
                              ("<b>mallory</b>", "development", "administrator")}),
        ("mallory", {("<b>mallory</b>", "development", "administrator")}),
        ("<b>", {("<b>mallory</b>", "development", "administrator")}),
        ("deployer", {("cobus", "production", "deployer"), ("alice", "production", "deployer")}),
    ],
)  # fmt: skip
@in_browser
def test_search_words_all_match_across_principal_account_and_role(
    tmp_path: Path, words: str, rows: set[tuple[str, str, str]]
) -> None:
    """Given the seed-like org, when the reviewer types words, then the rows shown are those where every word
    is in the principal's name, the account (name or id) or the role."""
    taken = seed_like_snapshot()
    page_file = write(tmp_path, render_access_html(taken, AccessGraph(taken).matrix()))
    with sync_api.sync_playwright() as p:
        browser, page = open_page(p, page_file, [])
        search(page, words)
        shown = page.locator("#list .line.row").evaluate_all(
            "ls => ls.map(l => [l.dataset.principal, l.dataset.account, l.dataset.role])"
        )
        assert {tuple(r) for r in shown} == rows
        browser.close()


@in_browser
def test_filters_by_how_a_role_is_reached_and_by_mfa_and_groups_by_account(tmp_path: Path) -> None:
    """Given the seed-like org, when the reviewer keeps only conditional rows, then only the auditor rows are
    left; when only "no MFA needed", then only the OrganizationAccountAccessRole and auditor rows; grouped by
    account, the accounts come in the snapshot's order with their rows inside."""
    taken = seed_like_snapshot()
    page_file = write(tmp_path, render_access_html(taken, AccessGraph(taken).matrix()))
    with sync_api.sync_playwright() as p:
        browser, page = open_page(p, page_file, [])
        page.uncheck('#status input[value="yes"]')
        assert set(page.locator("#list .line.row").evaluate_all("ls => ls.map(l => l.dataset.role)")) == {
            "auditor"
        }
        page.check('#status input[value="yes"]')
        page.select_option("#mfa", "none")
        assert set(page.locator("#list .line.row").evaluate_all("ls => ls.map(l => l.dataset.role)")) == {
            "OrganizationAccountAccessRole",
            "auditor",  # conditional on the network, but no MFA asked
        }
        page.select_option("#mfa", "required")
        assert "false" not in page.locator("#list .line.row").evaluate_all("ls => ls.map(l => l.dataset.mfa)")
        page.select_option("#mfa", "any")
        page.select_option("#group", "account")
        assert groups_shown(page, "account") == ["development", "staging", "production"]
        production = page.locator("#list .line.row").evaluate_all(
            "ls => ls.filter(l => l.dataset.account === 'production').map(l => l.dataset.principal)"
        )
        assert set(production) == {"cobus", "alice"}
        page.locator('#list .line.group[data-account="production"]').click()  # closes it
        assert line(page, "cobus", "production", "administrator").count() == 0
        assert "principals reach" in page.locator("#detail").inner_text()
        assert no_horizontal_overflow(page)
        browser.close()


@in_browser
def test_the_page_is_usable_with_the_keyboard_alone(tmp_path: Path) -> None:
    """Given the seed-like org, when the reviewer types a name and presses Enter, then the first row has the
    focus; the arrow keys move row by row and show each chain; Left closes the group; / goes back to the
    search box."""
    taken = seed_like_snapshot()
    page_file = write(tmp_path, render_access_html(taken, AccessGraph(taken).matrix()))
    with sync_api.sync_playwright() as p:
        browser, page = open_page(p, page_file, [])
        assert page.evaluate("document.activeElement.id") == "search"  # autofocus
        page.keyboard.type("alice")
        page.keyboard.press("Enter")
        focused = "document.activeElement.dataset"
        assert page.evaluate(f"{focused}.principal") == "alice"
        assert "groups: staging_administrator" in page.locator("#detail").inner_text()
        page.keyboard.press("ArrowDown")
        assert page.evaluate(f"{focused}.role") == "administrator"
        assert "alice → administrator in staging" in page.locator("#detail").inner_text()
        page.keyboard.press("ArrowDown")
        assert page.evaluate(f"{focused}.role") == "auditor"
        assert "aws:SourceIp" in page.locator("#detail").inner_text()
        page.keyboard.press("ArrowLeft")  # to the group line, then closed
        page.keyboard.press("ArrowLeft")
        assert page.locator("#list .line.row").count() == 0
        page.keyboard.press("ArrowRight")
        assert page.locator("#list .line.row").count() == 3
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.id") == "search"
        browser.close()


def test_an_empty_answer_is_still_a_page() -> None:
    html = render_access_html(Snapshot(), [])
    assert "Nobody reaches any role here." in html
    assert '<p id="nobody" class="empty">' in html  # shown, not hidden
    assert "<svg" not in html


def test_the_policy_pins_exactly_the_page_s_own_style_and_script() -> None:
    """Given the page, when the browser reads its policy, then the one inline script and the one style are
    allowed by their SHA-256 and nothing else is: no 'unsafe-inline', no source to fetch from."""
    taken = seed_like_snapshot()
    page = render_access_html(taken, AccessGraph(taken).matrix())
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert len(scripts) == 1 and len(styles) == 1

    def pinned(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert csp.group(1) == (
        f"default-src 'none'; style-src {pinned(styles[0])}; script-src {pinned(scripts[0])}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


# Texts that would end a <script> block early, open a comment, or end a JS string in an old reader.
BREAKERS = [
    "</script>", "</SCRIPT >", "</script\n>", "<!--", "-->", "<script>", "<![CDATA[", "]]>", "&lt;", "&amp;",
    "\u2028", "\u2029", "a\u2028b\u2029c", "\x00", "\x1b[31m", "\\u003c", "\\", '"', "'", "`${x}`",
    "\ud7ff\ue000", "😀", "\U000e0001", "\u202e", "<\u0000/script>",
]  # fmt: skip


@pytest.mark.parametrize("text", BREAKERS, ids=[repr(t)[:20] for t in BREAKERS])
def test_the_json_block_cannot_be_ended_early_and_reads_back_exactly(text: str) -> None:
    """Given any text in the data, when it is embedded, then the block holds no <, >, & or non-ASCII
    character (so no `</script`, `<!--` or line separator), and JSON.parse reads back exactly the text."""
    embedded_text = json_for_html({"s": [text, f"x{text}y"]})
    assert embedded_text.isascii() and not set(embedded_text) & set("<>&")
    assert json.loads(embedded_text) == {"s": [text, f"x{text}y"]}


@pytest.mark.parametrize(
    ("numbers", "runs"),
    [((), []), ((4,), [4, 1]), ((1, 2, 3), [1, 3]), ((0, 2, 3, 9), [0, 1, 2, 2, 9, 1])],
)
def test_a_set_of_answers_is_written_as_runs(numbers: tuple[int, ...], runs: list[int]) -> None:
    assert _runs(numbers) == runs


def test_each_answer_is_written_once_and_principals_alike_share_one_set() -> None:
    """Given the seed-like org and five more users in production_administrator alone, when the page's data is
    made, then they share one set of answers, and every row of the matrix is in the data once."""
    taken = seed_like_snapshot()
    for n in range(5):
        taken.accounts["master"].users[f"p{n}"] = iam_user(
            IDS["master"], f"p{n}", groups=["production_administrator"]
        )
    rows = AccessGraph(taken).matrix()
    data = page_data(taken, rows)
    strings, people = data["strings"], data["principals"]
    sets = {strings[p[0]]: p[3] for p in people}  # type: ignore[index]
    assert len({sets[f"p{n}"] for n in range(5)}) == 1
    expanded = {
        strings[p[0]]: [
            a + i
            for a, k in zip(data["sets"][p[3]][::2], data["sets"][p[3]][1::2], strict=True)
            for i in range(k)
        ]
        for p in people
    }  # type: ignore[index]
    assert sum(len(v) for v in expanded.values()) == len(rows)
    assert data["counts"]["reached"] == len(rows)  # type: ignore[index]


@in_browser
def test_a_role_reached_by_escalation_is_badged_with_its_steps_in_the_chain(tmp_path: Path) -> None:
    """Given dana in the hub, who may only add users to production_administrator, when cobus renders the
    access page, then production's administrator shows '⚠ escalation' on dana's row, the steps in its
    chain, and the summary counts it apart from the roles reached without MFA."""
    from rolegate.cli.commands.access import escalations, rows_of

    taken = seed_like_snapshot()
    master = taken.accounts["master"]
    group = master.groups["production_administrator"]
    add = {"Effect": "Allow", "Action": "iam:AddUserToGroup", "Resource": group.arn}
    master.users["dana"] = iam_user(IDS["master"], "dana", inline={"helpdesk": doc(add)})
    graph = AccessGraph(taken)
    rows = [r for user in graph.users() for r in rows_of(graph, user, escalations(graph))]
    page_file = write(tmp_path, render_access_html(taken, [r for r in rows if r.reachable != "denied"]))

    with sync_api.sync_playwright() as p:
        browser, page = open_page(p, page_file, [], height=900)
        search(page, "dana")
        row = line(page, "dana", "production", "administrator")
        assert row.get_attribute("data-reachable") == "escalation"
        assert row.locator(".badge").inner_text() == "⚠ escalation"
        row.click()
        chain = page.locator("#detail").inner_text()
        assert "BY ESCALATION" in chain
        assert "1. iam:AddUserToGroup on group production_administrator" in chain
        assert "by escalation" in page.locator("#summary").inner_text()
        page.uncheck('#status input[value="escalation"]')
        assert line(page, "dana", "production", "administrator").count() == 0
        browser.close()


@in_browser
def test_a_role_refused_by_an_explicit_deny_is_a_row_of_its_own_when_given(tmp_path: Path) -> None:
    """Given the rows with what an explicit Deny refuses (access --all), when the reviewer keeps only
    'denied', then those rows are left, badged '✕ denied', their chain naming the Deny."""
    taken = seed_like_snapshot()
    cobus = taken.accounts["master"].users["cobus"]
    deny = {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{IDS['staging']}:role/*"}
    cobus.inline_policies["no-staging"] = doc(deny)
    graph = AccessGraph(taken)
    rows = [r for user in graph.users() for r in graph.reach(user, denied=True)]
    assert any(r.reachable == "denied" for r in rows)
    page_file = write(tmp_path, render_access_html(taken, rows))
    with sync_api.sync_playwright() as p:
        browser, page = open_page(p, page_file, [])
        for kind in ("yes", "conditional", "escalation"):
            page.uncheck(f'#status input[value="{kind}"]')
        shown = page.locator("#list .line.row").evaluate_all(
            "ls => ls.map(l => [l.dataset.principal, l.dataset.account, l.dataset.reachable])"
        )
        assert shown and {tuple(r) for r in shown} <= {("cobus", "staging", "denied")}
        row = page.locator("#list .line.row").first
        assert row.locator(".badge").inner_text() == "✕ denied"
        row.click()
        assert "no-staging" in page.locator("#detail").inner_text()
        browser.close()


def test_rolegate_access_format_html_writes_the_page_with_refused_roles_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a snapshot where a Deny refuses cobus staging's roles, when cobus runs `rolegate access
    --snapshot F --format html`, then the page's data holds those refused rows (status denied) beside the
    reached ones, and the summary counts them apart."""
    from tests.helpers import rolegate

    taken = seed_like_snapshot()
    deny = {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{IDS['staging']}:role/*"}
    taken.accounts["master"].users["cobus"].inline_policies["no-staging"] = doc(deny)
    snapshot = tmp_path / "org.json"
    snapshot.write_text(taken.dumps(), encoding="utf-8")
    done = rolegate(capsys, "access", "--snapshot", str(snapshot), "--format", "html")
    assert done.code == 0, done.all
    data = embedded(done.out)
    strings, roles = data["strings"], data["roles"]
    denied = {strings[roles[a[0]][1]] for a in data["answers"] if a[1] == 2}
    assert denied == {"administrator", "OrganizationAccountAccessRole"}
    assert "refused by an explicit Deny" in done.out


# -- every name is text --------------------------------------------------------------------------------------


def hostile_snapshot(name: str, where: str) -> Snapshot:
    """The seed-like org with `name` as a user's name, a role's name, or an account's name."""
    taken = seed_like_snapshot()
    master = taken.accounts["master"]
    if where == "user":
        master.users[name] = iam_user(IDS["master"], name, groups=["production_administrator"])
    elif where == "role":
        production = taken.accounts["production"]
        production.roles["administrator"].name = name
        production.roles = {(name if k == "administrator" else k): r for k, r in production.roles.items()}
    else:
        taken.accounts["production"].name = name
        taken.accounts = {(name if k == "production" else k): a for k, a in taken.accounts.items()}
    return taken


def _skeleton(html: str) -> HtmlElements:
    parsed = HtmlElements()
    parsed.feed(DATA_BLOCK.sub('<script type="application/json" id="access-data"></script>', html))
    return parsed


@cache
def _normal() -> HtmlElements:
    taken = seed_like_snapshot()
    return _skeleton(render_access_html(taken, AccessGraph(taken).matrix()))


@pytest.mark.parametrize("where", ["user", "role", "account"])
@pytest.mark.parametrize("name", HOSTILE, ids=[repr(n)[:30] for n in HOSTILE])
def test_a_hostile_name_stays_data_in_the_page(name: str, where: str) -> None:
    """Given a hostile name as a user, role or account (IAM refuses most; a snapshot or an import need not),
    when the page is rendered, then it has exactly the elements and attributes of a normal page, its JSON
    block cannot be ended early (no <, > or & and nothing but ASCII in it), and the name is in the data with
    its invisible characters shown as escapes."""
    taken = hostile_snapshot(name, where)
    html = render_access_html(taken, AccessGraph(taken).matrix())
    page = _skeleton(html)
    assert page.tags == _normal().tags and page.attributes == _normal().attributes
    assert page.tags.count("script") == 2  # the data, and the one script pinned by hash
    block = DATA_BLOCK.search(html)
    assert block is not None and block.group(1).isascii()
    assert not set(block.group(1)) & set("<>&\u2028\u2029")
    assert visible(name, one_line=True) in embedded(html)["strings"]


@in_browser
def test_hostile_names_are_shown_as_text_in_the_browser(tmp_path: Path) -> None:
    """Given every hostile name as a user at once, when the page is opened, then no element was injected (no
    <img>, one script that ran, the data block), and each name is shown as its visible text."""
    taken = seed_like_snapshot()
    master = taken.accounts["master"]
    for name in HOSTILE:
        master.users[name] = iam_user(IDS["master"], name, groups=["production_administrator"])
    page_file = write(tmp_path, render_access_html(taken, AccessGraph(taken).matrix()))
    with sync_api.sync_playwright() as p:
        browser, page = open_page(p, page_file, [])
        assert page.errors == []
        assert page.locator("img").count() == 0
        assert page.locator("script").count() == 2
        assert not page.evaluate("'alert' in window && window.__pwned === true")
        page.select_option("#group", "principal")
        names: set[str] = set()
        for top in range(0, 40 * 30 * 5, 300):  # the list draws only what is on screen: scroll through it
            page.locator("#list").evaluate(f"l => {{ l.scrollTop = {top}; }}")
            page.wait_for_timeout(40)
            names |= set(groups_shown(page))
        assert {visible(n, one_line=True) for n in HOSTILE} <= names
        script = "</script><script>alert(1)</script>"
        page.locator("#list .line.row").filter(has_text=script).first.click()
        assert f"{script} → administrator in production" in page.locator("#detail").inner_text()
        assert page.locator("script").count() == 2 and page.errors == []
        assert no_horizontal_overflow(page)  # long names are cut with an ellipsis, never widen the page
        browser.close()


# -- 500 accounts × 5,000 users ------------------------------------------------------------------------------


@cache
def generated_page() -> tuple[str, int]:
    """The page of benchmarks/access_scale.py's organization at 500 accounts (10 users each): every user's
    reach, 3 million rows; and that row count."""
    spec = importlib.util.spec_from_file_location("access_scale", ROOT / "benchmarks" / "access_scale.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    taken = module.build_snapshot(500, 10, 1)
    with collector_paused():
        rows = AccessGraph(taken).matrix()
        return render_access_html(taken, rows), len(rows)


@in_browser
def test_at_500_accounts_the_reviewer_searches_filters_groups_and_sees_a_chain(tmp_path: Path) -> None:
    """Given the generated org at 500 accounts × 5,000 users, when the reviewer opens the page, then it loads
    in seconds with a few hundred elements (not 3 million), the search finds administrator in one account,
    grouping by account lists that account, a click on a row shows its chain, and nothing overflows."""
    html, count = generated_page()
    assert count > 3_000_000
    size = len(html.encode("utf-8"))
    assert size < 8_000_000, f"the page is {size:,} bytes"  # measured: about 3.2 MB
    page_file = write(tmp_path, html)
    requested: list[str] = []
    with sync_api.sync_playwright() as p:
        started = time.monotonic()
        browser, page = open_page(p, page_file, requested)
        loaded = time.monotonic() - started
        assert page.errors == []
        page.evaluate("document.body.dataset.big = 'true'")
        summary = page.locator("#summary").inner_text()
        assert "5,000 principals" in summary and "500 accounts" in summary
        assert page.evaluate("document.querySelectorAll('*').length") < 3000  # only the rows on screen
        assert no_horizontal_overflow(page)
        assert page.locator("#list .line.group").count() < 40  # 5,000 principals, a screenful drawn

        search(page, "app012-prod administrator")
        page.select_option("#group", "account")
        page.wait_for_timeout(250)
        assert groups_shown(page, "account") == ["app012-prod"]
        account = page.locator('#list .line.group[data-account="app012-prod"]')
        if account.get_attribute("aria-expanded") == "false":
            account.click()
        rows = page.locator("#list .line.row")
        assert rows.count() > 0
        assert set(rows.evaluate_all("ls => ls.map(l => l.dataset.role)")) == {"administrator"}
        rows.first.click()
        chain = page.locator("#detail").inner_text()
        assert "→ administrator in app012-prod" in chain and "Allowed by" in chain
        assert "trust policy of role administrator in app012-prod" in chain

        search(page, "")
        page.select_option("#group", "principal")
        page.uncheck('#status input[value="yes"]')
        page.wait_for_timeout(250)
        kinds = set(page.locator("#list .line.row").evaluate_all("ls => ls.map(l => l.dataset.reachable)"))
        assert kinds <= {"conditional", "escalation", "denied"}
        page.check('#status input[value="yes"]')
        page.wait_for_timeout(250)

        drawn = page.locator("#graph .node.who").count()
        assert 0 < drawn <= 12
        assert page.locator("#graph path.edge").count() < 500  # aggregated: not a line per row
        page.click("#more-groups")
        assert page.locator("#graph .node.who").count() == min(24, drawn + 12)
        page.locator("#graph .node.who").first.click()
        assert "principals reach" in page.locator("#detail").inner_text()
        assert no_horizontal_overflow(page)
        screenshot(page, "access-page-500.png", tmp_path, full_page=True)
        browser.close()
    assert requested == [page_file.as_uri()]
    print(f"\n500 accounts, {count:,} rows: {size / 1e6:.1f} MB page, start and load {loaded:.2f} s")
