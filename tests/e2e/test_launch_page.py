"""The launch page, as cobus sees it: opened from file:// in a real headless Chromium (Debian's), a
coloured card per role in file order, an fzf-like search ("prod admin" finds administrator in production),
Enter opens the first match, the arrow keys move, the console's own display name kept exactly, MFA and
session length on every card, recently used roles first, no horizontal scrolling at 1280 px, and not one
network fetch: at the example org's 3 accounts and at a generated 500-account org."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.e2e.chromium import ARGS, CHROMIUM, MARKS, offline_only, screenshot

from rolegate.cli.commands.config import example_text
from rolegate.local.launchpage import render_html
from rolegate.local.links import SIDE_BY_SIDE, user_links
from rolegate.model.config import Config
from rolegate.model.load import parse

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = MARKS
TEXT = example_text().replace(
    "    email: you+staging@example.com", '    id: "444444444444"\n    email: you+staging@example.com'
)

# -- a large org, built here (tests/builders.py builds snapshots; the launch page reads rolegate.yaml) ---

TEAMS = (
    "ml", "payments", "search", "identity", "data-lake", "mobile", "web", "billing", "ledger", "fraud",
    "growth", "ads", "media", "maps", "chat", "mail", "notify", "catalog", "orders", "shipping",
    "pricing", "reviews", "loyalty", "support", "crm", "hr", "finance", "legal", "security", "network",
    "edge", "cdn", "dns", "auth", "sso", "vault", "kms", "audit", "logs", "metrics",
    "tracing", "alerts", "ci", "build", "release", "artifacts", "registry", "k8s", "batch", "stream",
    "etl", "warehouse", "bi", "reports", "exports", "imports", "sync", "backup", "archive", "dr",
    "sandbox-a", "sandbox-b", "labs", "research", "vision", "speech", "nlp", "recsys", "ranking", "feeds",
    "social", "groups", "events", "calendar", "docs", "drive", "photos", "video", "music", "games",
    "store", "checkout", "cart", "wallet", "tax", "invoices", "partners", "vendors", "iot", "devices",
    "firmware", "telemetry", "robotics", "fleet", "routing", "dispatch", "booking", "travel", "health", "edu",
)  # fmt: skip
ENVS = ("dev", "staging", "prod", "qa", "perf")
COLOURS = {"dev": "green", "staging": "yellow", "prod": "red", "qa": "blue", "perf": "orange"}


def large_org(accounts: int = 500) -> Config:
    """A hub and `accounts` spokes named team-env (ml-dev, payments-prod, …); administrator (MFA, 1h) and
    read_only (MFA, 8h) everywhere, developer (no MFA, 4h) in dev and qa; cobus may assume all of them.
    ml-dev carries the console display name `ML-Dev`, as its owners write it."""
    names = [f"{team}-{env}" for team in TEAMS for env in ENVS][:accounts]
    spokes: dict[str, dict[str, Any]] = {
        name: {"id": f"{200000000000 + i:012d}", "color": COLOURS[name.rsplit("-", 1)[1]]}
        for i, name in enumerate(names)
    }
    spokes["ml-dev"]["display_name"] = "ML-Dev"
    dev_like = [n for n in names if n.endswith(("-dev", "-qa"))]
    text = {
        "version": 1,
        "organization": {"name": "acme", "hub": "hub", "region": "eu-west-1"},
        "accounts": {"hub": {"id": "100000000000", "alias": "acme-hub"}, **spokes},
        "roles": {
            "administrator": {"accounts": ["*"], "policies": ["AdministratorAccess"], "max_session": "1h"},
            "read_only": {"accounts": ["*"], "policies": ["ReadOnlyAccess"], "max_session": "8h"},
            "developer": {
                "accounts": dev_like, "policies": ["PowerUserAccess"], "require_mfa": False,
                "max_session": "4h",
            },
        },
        "groups": {
            "engineers": {"assume": {"administrator": ["*"], "read_only": ["*"], "developer": dev_like}}
        },
        "users": {"cobus": {"groups": ["engineers"], "console": True}},
    }  # fmt: skip
    return parse(json.dumps(text)).config


# -- the browser ---------------------------------------------------------------------------------------------


def open_page(p: Any, tmp_path: Path, config: Config, requested: list[str]) -> tuple[Any, Any]:
    page_file = tmp_path / "cobus.html"
    page_file.write_text(render_html(config, "cobus"))
    browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    offline_only(page, requested)
    page.goto(page_file.as_uri())
    return browser, page


def shown(page: Any) -> list[str]:
    """The visible cards' account/role, in the order they stand."""
    return list(page.locator(".card:visible").evaluate_all("cs => cs.map(c => c.dataset.key)"))


def no_horizontal_overflow(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def wait_for_navigation_attempt(page: Any, requested: list[str]) -> None:
    """Until the page has tried to leave (the guard refuses it at the door), at most 10 s: a loaded machine
    may take longer than a fixed pause."""
    for _ in range(200):
        if went_to(requested):
            break
        page.wait_for_timeout(50)
    # The refused navigation ends on Chromium's error page, a navigation of its own: wait for it, or the
    # test's next page.goto is interrupted by it.
    for _ in range(40):
        if page.url.startswith("chrome-error://"):
            page.wait_for_load_state()
            return
        page.wait_for_timeout(50)


def revisit(page: Any, page_file: Path, *, first: str) -> None:
    """Open the page again until the role just used comes first. Chromium commits localStorage writes to its
    store in batches, so a page opened in a new renderer right after may not see the last one yet; "next
    time" is a later visit, so the test visits until it does (at most 15 s: a loaded machine commits late),
    and the caller asserts it."""
    for _ in range(60):
        page.goto(page_file.as_uri())
        if shown(page)[:1] == [first]:
            return
        page.wait_for_timeout(250)


def went_to(requested: list[str]) -> list[str]:
    """Where the page tried to go (every non-file request was refused at the door by the offline guard)."""
    return [u for u in requested if not u.startswith("file://")]


# -- 3 accounts ----------------------------------------------------------------------------------------------


def test_cobus_sees_a_card_per_role_coloured_like_its_account_with_mfa_and_session_length(
    tmp_path: Path,
) -> None:
    config = parse(TEXT).config
    links = user_links(config, "cobus")
    requested: list[str] = []
    with sync_api.sync_playwright() as p:
        browser, page = open_page(p, tmp_path, config, requested)
        assert shown(page) == [f"{link.account}/{link.role}" for link in links]  # file order
        assert [k.split("/")[0] for k in shown(page)][:1] == ["development"]
        card = page.locator('.card[data-key="production/administrator"]')
        assert (
            card.evaluate("c => getComputedStyle(c).backgroundColor") == "rgb(242, 176, 169)"
        )  # console red
        assert card.locator(".mfa").inner_text() == "MFA required"
        assert card.locator(".session").inner_text() == "sessions 1h"
        production = next(link for link in links if link.account == "production")
        assert card.locator(".display").inner_text() == production.display_name  # what the console will show
        assert card.get_attribute("href") == production.url
        assert page.locator("#side").inner_text() == SIDE_BY_SIDE.replace("`", "")
        assert page.locator("#side code").inner_text() == "rolegate console --multi-session P1 P2"
        assert page.locator("#count").inner_text() == f"{len(links)} of {len(links)} roles"
        assert no_horizontal_overflow(page)
        injected = page.evaluate(
            """() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';
                       document.body.appendChild(s);
                       const st = document.createElement('style'); st.textContent = 'body { margin: 77px }';
                       document.head.appendChild(st);
                       return [window.ran === 1, getComputedStyle(document.body).marginTop]; }"""
        )
        assert injected == [False, "0px"]  # the CSP pins the page's own script and style by hash
        screenshot(page, "launch-page-3.png", tmp_path, full_page=True)
        browser.close()
    assert went_to(requested) == []  # the page fetched nothing of its own


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("prod admin", "production/administrator"),
        ("admin prod", "production/administrator"),
        ("PROD ADMIN", "production/administrator"),
        ("  prod   admin ", "production/administrator"),
        ("production", "production/administrator"),
        ("prd adm", "production/administrator"),  # fuzzy: a subsequence of each
        ("333333333333", "production/administrator"),  # the account id
        ("dev", "development/administrator"),
        ("staging admin", "staging/administrator"),
        ("stg", "staging/administrator"),
    ],
)
def test_words_in_any_order_match_account_role_and_display_name_like_fzf(
    tmp_path: Path, query: str, first: str
) -> None:
    requested: list[str] = []
    with sync_api.sync_playwright() as p:
        browser, page = open_page(p, tmp_path, parse(TEXT).config, requested)
        page.fill("#search", query)
        assert shown(page)[0] == first
        assert page.locator(".card.selected").get_attribute("data-key") == first
        browser.close()


def test_nothing_matches_says_so_and_escape_clears(tmp_path: Path) -> None:
    requested: list[str] = []
    with sync_api.sync_playwright() as p:
        browser, page = open_page(p, tmp_path, parse(TEXT).config, requested)
        everything = shown(page)
        page.fill("#search", "nothing-like-this")
        assert shown(page) == [] and page.locator("#none").is_visible()
        page.press("#search", "Escape")
        assert shown(page) == everything and not page.locator("#none").is_visible()
        browser.close()


def test_enter_opens_the_first_match_and_it_comes_first_next_time(tmp_path: Path) -> None:
    """Given cobus types `prod admin` and presses Enter, then the browser goes to production's switch-role URL
    (intercepted at the door), and on his next visit that role stands first, marked as used recently."""
    config = parse(TEXT).config
    production = next(link for link in user_links(config, "cobus") if link.account == "production")
    requested: list[str] = []
    with sync_api.sync_playwright() as p:
        browser, page = open_page(p, tmp_path, config, requested)
        page.fill("#search", "prod admin")
        page.press("#search", "Enter")
        wait_for_navigation_attempt(page, requested)
        assert went_to(requested) == [production.url]

        revisit(page, tmp_path / "cobus.html", first="production/administrator")
        assert shown(page)[0] == "production/administrator"
        assert page.locator('.card[data-key="production/administrator"] .recent').is_visible()
        assert not page.locator('.card[data-key="development/administrator"] .recent').is_visible()
        stored = page.evaluate("JSON.stringify(Object.entries(localStorage))")
        assert json.loads(stored) == [["rolegate.recent:demo/cobus", '["production/administrator"]']]
        browser.close()


def test_the_arrow_keys_move_and_the_page_is_usable_by_keyboard_alone(tmp_path: Path) -> None:
    config = parse(TEXT).config
    staging = next(link for link in user_links(config, "cobus") if link.account == "staging")
    development = next(link for link in user_links(config, "cobus") if link.account == "development")
    requested: list[str] = []
    with sync_api.sync_playwright() as p:
        browser, page = open_page(p, tmp_path, config, requested)
        assert page.evaluate("document.activeElement.id") == "search"  # focused on arrival
        page.keyboard.type("admin")
        page.keyboard.press("ArrowDown")
        assert page.locator(".card.selected").get_attribute("data-key") == "staging/administrator"
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")  # stops at the first
        assert page.locator(".card.selected").get_attribute("data-key") == "development/administrator"
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        wait_for_navigation_attempt(page, requested)
        assert went_to(requested) == [staging.url]

        requested.clear()
        revisit(page, tmp_path / "cobus.html", first="staging/administrator")
        page.keyboard.press("Escape")
        page.keyboard.press("Tab")  # from the search box to the first card
        first = page.evaluate("document.activeElement.dataset.key")
        assert first == "staging/administrator"  # used recently, so first
        page.keyboard.press("ArrowRight")
        assert page.evaluate("document.activeElement.dataset.key") == "development/administrator"
        page.keyboard.press("Enter")  # a focused card is a link: Enter follows it
        wait_for_navigation_attempt(page, requested)
        assert went_to(requested) == [development.url]
        page.goto((tmp_path / "cobus.html").as_uri())
        page.locator(".card").first.focus()
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.id") == "search"
        browser.close()


def test_the_console_display_name_is_kept_exactly_as_the_link_carries_it(tmp_path: Path) -> None:
    """Given ml-dev's owners write its display name `ML-Dev`, the card and the switch-role link both say
    `ML-Dev` (not `Ml-Dev`, the key capitalised), and a search for it finds it."""
    text = TEXT.replace("  development:\n", "  development:\n    display_name: ML-Dev\n", 1)
    config = parse(text).config
    link = next(link for link in user_links(config, "cobus") if link.account == "development")
    assert parse_qs(urlsplit(link.url).query)["displayName"] == ["ML-Dev"]
    requested: list[str] = []
    with sync_api.sync_playwright() as p:
        browser, page = open_page(p, tmp_path, config, requested)
        card = page.locator('.card[data-key="development/administrator"]')
        assert card.locator(".display").inner_text() == "ML-Dev"
        page.fill("#search", "ml-dev")
        assert shown(page)[0] == "development/administrator"
        browser.close()


# -- 500 accounts --------------------------------------------------------------------------------------------


def test_at_500_accounts_search_finds_the_role_and_enter_opens_it(tmp_path: Path) -> None:
    config = large_org(500)
    links = user_links(config, "cobus")
    assert len(config.accounts) == 501 and len(links) == 1200
    ml_dev_admin = next(link for link in links if (link.account, link.role) == ("ml-dev", "administrator"))
    requested: list[str] = []
    with sync_api.sync_playwright() as p:
        started = time.perf_counter()
        browser, page = open_page(p, tmp_path, config, requested)
        loaded = time.perf_counter() - started
        assert page.locator("#count").inner_text() == "1200 of 1200 roles"
        assert no_horizontal_overflow(page)
        screenshot(page, "launch-page-500.png", tmp_path)

        started = time.perf_counter()
        page.fill("#search", "ML dev admin")
        searched = time.perf_counter() - started
        assert shown(page)[0] == "ml-dev/administrator"
        assert (
            page.locator('.card[data-key="ml-dev/administrator"] .display').inner_text()
            == "ML-Dev administrator"
        )
        page.fill("#search", "payments prod read")
        assert shown(page)[0] == "payments-prod/read_only"
        page.fill("#search", "fraud qa dev")  # developer in fraud-qa, not fraud-dev's admin
        assert shown(page)[0] == "fraud-qa/developer"
        card = page.locator('.card[data-key="fraud-qa/developer"]')
        assert (card.locator(".mfa").inner_text(), card.locator(".session").inner_text()) == (
            "no MFA",
            "sessions 4h",
        )
        assert no_horizontal_overflow(page)

        page.fill("#search", "ml dev admin")
        page.press("#search", "Enter")
        wait_for_navigation_attempt(page, requested)
        assert went_to(requested) == [ml_dev_admin.url]
        browser.close()
    print(f"\n500 accounts, 1200 cards: start and load {loaded:.2f} s, one search {searched * 1000:.0f} ms")
