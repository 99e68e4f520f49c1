"""The access page, as a reviewer sees it: `rolegate access --format html` for a seed-like organization,
opened from file:// in a real headless Chromium (Debian's): the matrix says where MFA is required and where
it is not, the SVG graph draws one line per reachable role, the search box filters principals, and the page
fetches nothing at all."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.builders import IDS, doc, iam_user, seed_like_snapshot
from tests.e2e.chromium import ARGS, CHROMIUM, MARKS, offline_only

from rolegate.access.graph import AccessGraph
from rolegate.access.page import render_access_html
from rolegate.state.snapshot import Snapshot

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = MARKS


def test_the_access_page_shows_mfa_no_mfa_and_conditions_draws_the_graph_and_fetches_nothing(
    tmp_path: Path,
) -> None:
    taken = seed_like_snapshot()
    rows = AccessGraph(taken).matrix()
    reachable = [r for r in rows if r.reachable != "no"]
    assert {(r.role, r.reachable, r.mfa_required) for r in rows if r.principal_name == "alice"} == {
        ("administrator", "yes", True),
        ("auditor", "conditional", False),
        ("deployer", "yes", True),
    }
    html = render_access_html(taken, rows)
    assert "<b>mallory</b>" not in html
    assert "&lt;b&gt;mallory&lt;/b&gt;" in html
    page_file = tmp_path / "access.html"
    page_file.write_text(html, encoding="utf-8")
    requested: list[str] = []

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1100})

        offline_only(page, requested)
        page.goto(page_file.as_uri())
        assert "2024-05-01 12:00:00 UTC" in page.locator("#taken").inner_text()

        def cell(principal: str, account: str, role: str) -> Any:
            return page.locator(
                f'#matrix td[data-principal="{principal}"][data-account="{account}"][data-role="{role}"]'
            )

        admin = cell("cobus", "production", "administrator")
        assert admin.get_attribute("data-reachable") == "yes"
        assert admin.get_attribute("data-mfa") == "true"
        assert admin.inner_text().strip() == "✓ MFA"
        assert "MFA required" in (admin.get_attribute("title") or "")
        assert "production_administrator (Sid AssumeAdministrator)" in (admin.get_attribute("title") or "")

        oaar = cell("cobus", "staging", "OrganizationAccountAccessRole")
        assert oaar.get_attribute("data-mfa") == "false"
        assert oaar.inner_text().strip() == "✓ no MFA"
        assert oaar.locator(".badge").evaluate("b => getComputedStyle(b).color") == "rgb(177, 33, 12)"

        auditor = cell("alice", "production", "auditor")
        assert auditor.get_attribute("data-reachable") == "conditional"
        assert "aws:SourceIp 203.0.113.0/24" in (auditor.get_attribute("title") or "")
        deploy = cell("alice", "production", "deployer")
        assert f"arn:aws:iam::{IDS['staging']}:role/administrator" in (deploy.get_attribute("title") or "")
        assert cell("alice", "production", "administrator").inner_text().strip() == ""
        assert cell("alice", "production", "administrator").get_attribute("data-reachable") == "no"

        # columns: accounts in the snapshot's order, each account's roles together
        accounts = page.locator("#matrix thead tr.accounts th.account").evaluate_all(
            "ths => ths.map(t => t.firstChild.textContent)"
        )
        assert accounts == ["development", "staging", "production"]

        edges = page.locator("#graph svg path.edge")
        assert edges.count() == len(reachable)
        drawn = edges.evaluate_all("es => es.map(e => [e.dataset.principal, e.dataset.roleArn])")
        assert sorted(map(tuple, drawn)) == sorted((r.principal_name, r.role_arn) for r in reachable)
        nomfa = page.locator(
            f'#graph path.edge[data-principal="cobus"][data-role-arn="arn:aws:iam::{IDS["production"]}'
            ':role/OrganizationAccountAccessRole"]'
        )
        assert nomfa.evaluate("e => getComputedStyle(e).stroke") == "rgb(209, 50, 18)"
        assert nomfa.evaluate("e => getComputedStyle(e).strokeDasharray") != "none"
        assert requested == [page_file.as_uri()]  # the page fetched nothing of its own
        page.screenshot(path=str(tmp_path / "access-page.png"), full_page=True)
        shutil.copy(tmp_path / "access-page.png", "/tmp/rolegate-access-page.png")  # for people to look at

        rows_shown = page.locator("#matrix tbody tr:visible")
        assert rows_shown.evaluate_all("rs => rs.map(r => r.dataset.principal)") == [
            "cobus",
            "alice",
            "<b>mallory</b>",
        ]
        page.fill("#search", "cob")
        assert rows_shown.evaluate_all("rs => rs.map(r => r.dataset.principal)") == ["cobus"]
        assert page.locator('#matrix tr[data-principal="alice"]').is_hidden()
        page.fill("#search", "nobody-like-this")
        assert page.locator("#none").is_visible()
        page.fill("#search", "")
        assert page.locator('#matrix tr[data-principal="alice"]').is_visible()
        browser.close()

    assert requested == [page_file.as_uri()]


def test_an_empty_answer_is_still_a_page() -> None:
    html = render_access_html(Snapshot(), [])
    assert "Nobody reaches any role here." in html
    assert "<svg" not in html


def test_a_role_reached_by_escalation_is_badged_with_its_steps_in_the_page(tmp_path: Path) -> None:
    """Given dana in the hub, who may only add users to production_administrator, when cobus renders the
    access page, then production's administrator shows '⚠ escalation' on dana's row, the steps in its
    tooltip, and the summary counts it apart from the roles reached without MFA."""
    from rolegate.cli.commands.access import escalations, rows_of

    taken = seed_like_snapshot()
    master = taken.accounts["master"]
    group = master.groups["production_administrator"]
    add = {"Effect": "Allow", "Action": "iam:AddUserToGroup", "Resource": group.arn}
    master.users["dana"] = iam_user(IDS["master"], "dana", inline={"helpdesk": doc(add)})
    graph = AccessGraph(taken)
    rows = [r for user in graph.users() for r in rows_of(graph, user, escalations(graph))]
    html = render_access_html(taken, [r for r in rows if r.reachable != "denied"])
    page_file = tmp_path / "access.html"
    page_file.write_text(html, encoding="utf-8")

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        offline_only(page, [])
        page.goto(page_file.as_uri())
        cell = page.locator(
            '#matrix td[data-principal="dana"][data-account="production"][data-role="administrator"]'
        )
        assert cell.inner_text().strip() == "⚠ escalation"
        title = cell.get_attribute("title") or ""
        assert "BY ESCALATION" in title
        assert "1. iam:AddUserToGroup on group production_administrator" in title
        assert "by escalation" in page.locator("body").inner_text()
        browser.close()
