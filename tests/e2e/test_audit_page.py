"""The audit report page, as a security reviewer uses it: `rolegate audit --format html -o audit.html`, opened
from file:// in a real headless Chromium (Debian's), for a seed-like organization of 3 environment accounts
and for the 500-account organization of benchmarks/access_scale.py (11,739 findings).

Given the page, the reviewer sees the findings grouped by check, most severe first, with counts by severity;
unticks severities to see only the worst; picks one account or one check; types words to narrow further;
groups by account instead; copies a finding's fix command. At 1280 px nothing scrolls sideways, the page
fetches nothing at all, and every name stays text. Screenshots: docs/screenshots/audit-page-3.png, -500.png.
There was no such page on e6533b3 (`audit --format html` was refused as an unknown choice).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.builders import IDS, example_config, iam_user, report_row, seed_like_snapshot
from tests.e2e.chromium import ARGS, CHROMIUM, MARKS, offline_only, screenshot
from tests.helpers import rolegate

from rolegate.access.audit import AuditInput, Finding, audit
from rolegate.access.report import OPEN_UP_TO, render_audit_html
from rolegate.state.snapshot import Snapshot

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = MARKS

REPO = Path(__file__).resolve().parents[2]
WIDTH = 1280


def three_accounts() -> Snapshot:
    """The seed-like organization (hub master; development, staging, production) with what a first audit
    finds: cobus signs in without MFA, alice has a key of 2025 never used, production's root user has no MFA,
    and someone made a user `legacy` in production."""
    taken = seed_like_snapshot()
    hub = taken.accounts["master"]
    hub.credential_report = [
        report_row("<root_account>", f"arn:aws:iam::{IDS['master']}:root", mfa_active="true"),
        report_row("cobus", hub.users["cobus"].arn, password_enabled="true"),
        report_row("alice", hub.users["alice"].arn, access_key_1_active="true",
                   access_key_1_last_rotated="2025-01-02T00:00:00+00:00"),
    ]  # fmt: skip
    for name in ("development", "staging", "production"):
        account = taken.accounts[name]
        account.summary = {"AccountMFAEnabled": int(name != "production"), "AccountAccessKeysPresent": 0}
        account.credential_report = []
    legacy = iam_user(IDS["production"], "legacy")
    taken.accounts["production"].users["legacy"] = legacy
    return taken


def five_hundred_accounts() -> Snapshot:
    sys.path.insert(0, str(REPO))  # benchmarks/ is not a package on the path
    from benchmarks.access_scale import build_snapshot

    return build_snapshot(500, 10, 2026)


def _open(p: Any, page_file: Path, requested: list[str]) -> tuple[Any, Any, float]:
    browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    offline_only(page, requested)
    # a script error or a refused style/script (the policy pins both by hash) would show here
    page.on("console", lambda m: m.type == "error" and requested.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: requested.append(f"page error: {e}"))
    start = time.perf_counter()
    page.goto(page_file.as_uri(), wait_until="load")
    page.wait_for_selector("#shown:not(:empty)")
    return browser, page, time.perf_counter() - start


def _visible(page: Any) -> list[dict[str, str]]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('li.finding'))
            .filter(li => !li.hidden && !li.closest('details[hidden]'))
            .map(li => ({...li.dataset, id: li.id, text: li.textContent}))"""
    )


def _overflow(page: Any) -> int:
    """How far the page scrolls sideways, with every group open (the widest it gets)."""
    page.evaluate("() => document.querySelectorAll('details.group').forEach(d => { d.open = true; })")
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _only(page: Any, *severities: str) -> None:
    for box in page.locator("input[name=severity]").all():
        if box.is_checked() != (box.get_attribute("value") in severities):
            box.click()


def test_the_report_of_three_accounts_filters_groups_copies_and_fetches_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "rolegate.yaml"
    config.write_text(example_config(IDS))
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(three_accounts().dumps())
    aws_config = tmp_path / "aws-config"
    aws_config.write_text("[default]\nregion = eu-west-1\n")
    page_file = tmp_path / "audit.html"

    ran = rolegate(
        capsys, "-c", str(config), "audit", "--snapshot", str(snapshot), "--aws-config-file", str(aws_config),
        "--format", "html", "-o", str(page_file),
    )  # fmt: skip

    assert ran.code == 0, ran.all
    assert page_file.stat().st_mode & 0o777 == 0o600
    found = audit(three_accounts(), AuditInput(hub="master", aws_config_text=aws_config.read_text()))
    assert len(found) >= 8
    requested: list[str] = []
    with sync_api.sync_playwright() as p:
        browser, page, _ = _open(p, page_file, requested)
        assert page.locator("#shown").inner_text() == f"{len(found)} of {len(found)} shown"
        groups = page.locator("details.group").evaluate_all("gs => gs.map(g => g.dataset.key)")
        assert groups[0] == "RG002" and "RG019" in groups  # the critical root first; the local [default]
        legacy = page.locator("li.finding[data-rule=RG017]")
        assert "rolegate.yaml:" in legacy.inner_text() and "(accounts.production)" in legacy.inner_text()
        cobus = page.locator("li.finding[data-rule=RG003]")
        assert "rolegate mfa enroll --user cobus" in cobus.locator(".cmd code").inner_text()
        assert (
            "&lt;b&gt;mallory&lt;/b&gt;" in page.content() and not page.locator("b >> text=mallory").count()
        )

        # severity: only the critical and high ones
        _only(page, "CRITICAL", "HIGH")
        shown = _visible(page)
        assert shown and {f["severity"] for f in shown} == {"CRITICAL", "HIGH"}
        assert len(shown) == sum(f.severity in ("CRITICAL", "HIGH") for f in found)
        _only(page, "CRITICAL", "HIGH", "MEDIUM", "LOW")

        # one account, then words
        page.select_option("#account", "master")
        assert {f["account"] for f in _visible(page)} == {"master"}
        page.fill("#search", "alice days")
        assert [f["rule"] for f in _visible(page)] == ["RG012"]
        page.fill("#search", "")
        page.select_option("#account", "")

        # one check; grouped by account
        page.select_option("#check", "RG011")
        assert {f["rule"] for f in _visible(page)} == {"RG011"}
        page.select_option("#check", "")
        page.select_option("#group", "account")
        names = page.locator("details.group summary .name").all_inner_texts()
        assert names[0].startswith("production") and any(n.startswith("master") for n in names)
        assert len(_visible(page)) == len(found)

        # copy the fix: the button says it did
        button = cobus.locator("button.copy")
        button.click()
        sync_api.expect(button).to_have_text("Copied")

        assert _overflow(page) <= 0
        page.select_option("#group", "rule")
        page.evaluate("() => window.scrollTo(0, 0)")
        screenshot(page, "audit-page-3.png", tmp_path, full_page=True)
        browser.close()
    assert requested and all(url.startswith("file://") for url in requested)


def test_the_report_of_five_hundred_accounts_opens_filters_and_fits_1280_px(tmp_path: Path) -> None:
    taken = five_hundred_accounts()
    hub = next(iter(taken.accounts))
    start = time.perf_counter()
    found: list[Finding] = audit(taken, AuditInput(hub=hub))
    page_file = tmp_path / "audit.html"
    page_file.write_text(render_audit_html(found, taken_at=taken.taken_at), encoding="utf-8")
    made = time.perf_counter() - start
    assert len(found) > 10_000
    requested: list[str] = []
    with sync_api.sync_playwright() as p:
        browser, page, opened = _open(p, page_file, requested)
        assert page.locator("#shown").inner_text() == f"{len(found):,} of {len(found):,} shown"
        # the first groups open, up to 300 findings; the rest only their headings until one is opened
        assert page.locator("details.group").first.get_attribute("open") is not None
        assert page.locator("details.group[open] li.finding").count() <= OPEN_UP_TO
        _only(page, "CRITICAL")
        critical = _visible(page)
        assert critical and {f["severity"] for f in critical} == {"CRITICAL"}
        assert len(critical) == sum(f.severity == "CRITICAL" for f in found)
        assert page.locator("details.group[open]").count() >= 1  # few enough to open
        who = next(f.message.split()[0] for f in found if f.severity == "CRITICAL")
        page.fill("#search", who)
        named = _visible(page)
        assert named and all(who in f["text"] for f in named)
        page.fill("#search", "")
        _only(page, "CRITICAL", "HIGH", "MEDIUM", "LOW")
        page.select_option("#group", "account")
        assert page.locator("details.group").count() == len({f.account for f in found})
        page.select_option("#group", "rule")
        page.evaluate(
            "() => document.querySelectorAll('details.group').forEach((d, i) => { d.open = i < 1; })"
        )
        page.evaluate("() => window.scrollTo(0, 0)")
        page.set_viewport_size({"width": WIDTH, "height": 1400})
        screenshot(page, "audit-page-500.png", tmp_path)
        assert _overflow(page) <= 0
        browser.close()
    assert all(url.startswith("file://") for url in requested)
    print(
        f"\n500 accounts: {len(found)} findings, audit + page {made:.1f} s, opened in Chromium {opened:.1f} s"
    )


def test_a_script_or_style_that_slipped_into_the_page_neither_runs_nor_applies(tmp_path: Path) -> None:
    """Defence in depth: were a name ever to slip past escaping, the policy (the page's own style and script
    pinned by SHA-256) still refuses an injected inline script and style attribute."""
    page_file = tmp_path / "audit.html"
    slipped = '<p id="slipped" style="color: rgb(255, 0, 0)">x</p><script>window.injected = 1</script>'
    page_file.write_text(render_audit_html([]).replace("<main>", "<main>" + slipped, 1), encoding="utf-8")
    requested: list[str] = []
    with sync_api.sync_playwright() as p:
        browser, page, _ = _open(p, page_file, requested)
        assert page.evaluate("() => window.injected") is None
        assert page.locator("#slipped").evaluate("p => getComputedStyle(p).color") != "rgb(255, 0, 0)"
        assert page.locator("#none").inner_text() == "No findings."  # the page's own script ran
        browser.close()
    refused = [r for r in requested if r.startswith("console error")]
    assert len(refused) == 2 and all("Content Security Policy" in r for r in refused)
