"""The launch page, as cobus sees it: opened from file:// in a real headless Chromium (Debian's), coloured
tiles in file order, one click per role to the switch-role URL, a search box, and not one network fetch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.e2e.chromium import ARGS, CHROMIUM, MARKS, offline_only

from rolegate.cli.commands.config import example_text
from rolegate.local.launchpage import render_html
from rolegate.local.links import user_links
from rolegate.model.load import parse

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = MARKS
TEXT = example_text().replace(
    "    email: you+staging@example.com", '    id: "444444444444"\n    email: you+staging@example.com'
)


def test_cobus_clicks_production_and_goes_to_its_switch_role_url_with_nothing_fetched(tmp_path: Path) -> None:
    config = parse(TEXT).config
    page_file = tmp_path / "cobus.html"
    page_file.write_text(render_html(config, "cobus"))
    production = next(link for link in user_links(config, "cobus") if link.account == "production")
    requested: list[str] = []

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 520})

        offline_only(page, requested)
        page.goto(page_file.as_uri())
        tiles = page.locator(".tile")
        assert tiles.evaluate_all("ts => ts.map(t => t.dataset.account)") == [
            "development",
            "staging",
            "production",
        ]
        colour = page.locator('.tile[data-account="production"]').evaluate(
            "t => getComputedStyle(t).backgroundColor"
        )
        assert colour == "rgb(242, 176, 169)"  # f2b0a9, the console's red
        assert requested == [page_file.as_uri()]  # the page fetched nothing of its own
        page.screenshot(path=str(tmp_path / "launch-page.png"))
        shutil.copy(tmp_path / "launch-page.png", "/tmp/rolegate-launchpage.png")  # for people to look at

        page.fill("#search", "prod")
        assert page.locator(".tile:visible").evaluate_all("ts => ts.map(t => t.dataset.account)") == [
            "production"
        ]
        page.fill("#search", "nothing-like-this")
        assert page.locator("#none").is_visible()
        page.fill("#search", "")

        link = page.locator('.tile[data-account="production"] a[data-role="administrator"]')
        assert link.get_attribute("href") == production.url
        link.click()
        page.wait_for_timeout(300)
        browser.close()

    assert production.url in requested  # the click went to the switch-role URL (and was refused at the door)
    assert all(u.startswith("file://") or u == production.url for u in requested)
