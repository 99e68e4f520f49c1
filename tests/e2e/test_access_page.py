"""The access page, as a reviewer sees it: `rolegate access --format html` for a seed-like organization,
opened from file:// in a real headless Chromium (Debian's): the matrix says where MFA is required and where
it is not, the SVG graph draws one line per reachable role, the search box filters principals, and the page
fetches nothing at all."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.builders import MFA, doc, trust
from tests.e2e.chromium import ARGS, CHROMIUM, MARKS, offline_only

from rolegate.access.graph import AccessGraph
from rolegate.access.page import render_access_html
from rolegate.state.snapshot import AccountState, Group, ManagedPolicy, Role, Snapshot, User

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = MARKS
HUB = "111111111111"
SPOKES = {"development": "222222222222", "staging": "333333333333", "production": "444444444444"}


def _assume(resource: str, sid: str | None = None) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": resource}
    return doc({"Sid": sid, **statement} if sid else statement)


def seed_snapshot() -> Snapshot:
    """Like the seed organization: hub `master` with cobus and alice; `administrator` (MFA) and AWS's own
    OrganizationAccountAccessRole (no MFA) in each spoke; plus, in production, an `auditor` only reachable
    from one network (conditional) and a `deployer` reached from staging's administrator (a chain).
    Names carry markup, to show it is escaped."""
    hub_root = f"arn:aws:iam::{HUB}:root"
    master = AccountState("master", HUB)
    taken = Snapshot(taken_at="2024-05-01T12:00:00+00:00", organization_id="o-example")
    taken.accounts["master"] = master
    for name, account_id in SPOKES.items():
        spoke = AccountState(name, account_id)
        spoke.roles["administrator"] = Role(
            "administrator", f"arn:aws:iam::{account_id}:role/administrator", "/", trust(hub_root, MFA)
        )
        spoke.roles["OrganizationAccountAccessRole"] = Role(
            "OrganizationAccountAccessRole",
            f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
            "/",
            trust(hub_root),
        )
        taken.accounts[name] = spoke
        policy = ManagedPolicy(
            f"{name}_administrator",
            f"arn:aws:iam::{HUB}:policy/rolegate/{name}_administrator",
            "/rolegate/",
            _assume(f"arn:aws:iam::{account_id}:role/administrator", sid="AssumeAdministrator"),
        )
        master.policies[policy.name] = policy
        master.groups[policy.name] = Group(
            policy.name, f"arn:aws:iam::{HUB}:group/rolegate/{policy.name}", "/rolegate/", [policy.arn]
        )
    production, staging = taken.accounts["production"], taken.accounts["staging"]
    production.roles["auditor"] = Role(
        "auditor",
        f"arn:aws:iam::{SPOKES['production']}:role/auditor",
        "/",
        trust(hub_root, {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
    )
    deployer = f"arn:aws:iam::{SPOKES['production']}:role/deployer"
    production.roles["deployer"] = Role("deployer", deployer, "/", trust(staging.roles["administrator"].arn))
    staging.roles["administrator"].inline_policies["chain"] = _assume(deployer)
    master.users["cobus"] = User(
        "cobus",
        f"arn:aws:iam::{HUB}:user/cobus",
        "/",
        groups=[f"{name}_administrator" for name in SPOKES],
        inline_policies={"everything": _assume("*")},
    )
    master.users["alice"] = User(
        "alice",
        f"arn:aws:iam::{HUB}:user/alice",
        "/",
        groups=["staging_administrator"],
        inline_policies={"audit": _assume(production.roles["auditor"].arn)},
    )
    master.users["<b>mallory</b>"] = User(  # IAM would refuse the name; the page must still escape it
        "<b>mallory</b>", f"arn:aws:iam::{HUB}:user/<b>mallory</b>", "/", groups=["development_administrator"]
    )
    return taken


def test_the_access_page_shows_mfa_no_mfa_and_conditions_draws_the_graph_and_fetches_nothing(
    tmp_path: Path,
) -> None:
    taken = seed_snapshot()
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
        assert f"arn:aws:iam::{SPOKES['staging']}:role/administrator" in (deploy.get_attribute("title") or "")
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
            f'#graph path.edge[data-principal="cobus"][data-role-arn="arn:aws:iam::{SPOKES["production"]}'
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

    taken = seed_snapshot()
    master = taken.accounts["master"]
    group = master.groups["production_administrator"]
    add = {"Effect": "Allow", "Action": "iam:AddUserToGroup", "Resource": group.arn}
    master.users["dana"] = User(
        "dana", f"arn:aws:iam::{HUB}:user/dana", "/", inline_policies={"helpdesk": doc(add)}
    )
    graph = AccessGraph(taken)
    rows = [r for user in graph.users() for r in rows_of(graph, user, escalations(graph))]
    html = render_access_html(taken, [r for r in rows if r.reachable != "denied"])
    page_file = tmp_path / "access.html"
    page_file.write_text(html, encoding="utf-8")

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file://")
                   else route.continue_())  # fmt: skip
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
