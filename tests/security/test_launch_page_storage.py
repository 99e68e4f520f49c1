"""Attack class: a hostile value in the launch page's localStorage. The page keeps the roles used recently in
localStorage, and every page opened from file:// shares that origin in Chromium, so any other local HTML
file (a download, a mailed report) can write there. Given any value under the page's key (not JSON, not a
list, HTML, prototype names, huge), when cobus opens his launch page, then it shows every card once, runs no
injected script or element, throws nothing, and lets only the names of its own cards come first.

The recent-first memory is new at this commit: on the pre-fix commit e6533b3 the page read no storage at all,
so these tests fail there only because its cards (.card) and their data-key did not exist yet; they guard
the new reader, not a fix of an old one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.chromium import ARGS, CHROMIUM, MARKS, offline_only

from rolegate.cli.commands.config import example_text
from rolegate.local.launchpage import render_html
from rolegate.model.load import parse

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = MARKS
KEY = "rolegate.recent:demo/cobus"
TEXT = example_text().replace(
    "    email: you+staging@example.com", '    id: "444444444444"\n    email: you+staging@example.com'
)
FILE_ORDER = ["development/administrator", "staging/administrator", "production/administrator"]
XSS = "<img src=x onerror=\"document.title='pwned'\">"

# (what another page wrote, the order cobus then sees)
STORED: list[tuple[str, list[str]]] = [
    ("not json", FILE_ORDER),
    ("", FILE_ORDER),
    ("{", FILE_ORDER),
    ("null", FILE_ORDER),
    ("42", FILE_ORDER),
    ('"production/administrator"', FILE_ORDER),  # a string, not a list
    ('{"0": "production/administrator", "length": 1}', FILE_ORDER),  # list-like object
    ("[1, 2, 3]", FILE_ORDER),
    ("[null, true, {}, []]", FILE_ORDER),
    ("[[\"production/administrator\"]]", FILE_ORDER),  # nested
    (json.dumps([XSS]), FILE_ORDER),
    (json.dumps([XSS, "production/administrator"]), ["production/administrator", *FILE_ORDER[:2]]),
    (json.dumps(["</script><script>document.title='pwned'</script>"]), FILE_ORDER),
    (json.dumps(["__proto__", "constructor", "toString", "hasOwnProperty"]), FILE_ORDER),
    (json.dumps(["production/administrator\u2028", "staging/administrator "]), FILE_ORDER),
    (json.dumps(["Production/Administrator"]), FILE_ORDER),  # not the card's key
    (json.dumps(["production/administrator", "production/administrator"]), ["production/administrator",
                                                                            *FILE_ORDER[:2]]),
    (json.dumps(["staging/administrator", "production/administrator"]), ["staging/administrator",
                                                                         "production/administrator",
                                                                         "development/administrator"]),
    (json.dumps([f"junk-{i}" for i in range(49)] + ["production/administrator"]),
     ["production/administrator", *FILE_ORDER[:2]]),  # the 50th is still read
    # the 51st is not:
    (json.dumps([f"junk-{i}" for i in range(50)] + ["production/administrator"]), FILE_ORDER),
    (json.dumps(["x" * 1_000_000]), FILE_ORDER),
    (json.dumps(["production/administrator"] * 10_000), ["production/administrator", *FILE_ORDER[:2]]),
    ("[" + ",".join(['"a"'] * 100_000) + "]", FILE_ORDER),
    ("\ufeff[\"production/administrator\"]", FILE_ORDER),  # a BOM: not JSON to JSON.parse
]  # fmt: skip


def test_whatever_another_page_stored_the_launch_page_shows_every_card_and_runs_nothing(
    tmp_path: Path,
) -> None:
    page_file = tmp_path / "cobus.html"
    page_file.write_text(render_html(parse(TEXT).config, "cobus"))
    requested: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        offline_only(page, requested)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(page_file.as_uri())
        normal = element_count(page)
        for stored, order in STORED:
            stored_and_reloaded(page, stored)
            keys = page.locator(".card:visible").evaluate_all("cs => cs.map(c => c.dataset.key)")
            assert keys == order, stored[:60]
            assert element_count(page) == normal, stored[:60]
            assert page.title() == "demo — switch role (cobus)"
            page.fill("#search", "prod admin")  # the page still works
            assert page.locator(".card.selected").get_attribute("data-key") == "production/administrator"
        browser.close()
    assert errors == [] and dialogs == []
    assert [u for u in requested if not u.startswith("file://")] == []  # the XSS image was never fetched


def stored_and_reloaded(page: Any, stored: str) -> None:
    """What another page would leave: the value set, then the page loaded again once it sees it. Chromium
    commits localStorage writes to its store in batches, so a reload right after can read the old value."""
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [KEY, stored])
    for _ in range(60):  # at most 15 s: a loaded machine commits late
        page.reload()
        if page.evaluate("k => localStorage.getItem(k)", KEY) == stored:
            return
        page.wait_for_timeout(250)


def element_count(page: Any) -> int:
    return int(page.evaluate("document.getElementsByTagName('*').length"))
