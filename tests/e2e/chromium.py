"""Debian's headless Chromium for the page tests: no browser can be downloaded here, so playwright drives
/usr/bin/chromium (scripts/test installs it), with everything that would phone home switched off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (scripts/test installs it)"
    ),
]


def offline_only(page: Any, requested: list[str]) -> None:
    """Routes every request of `page` through a guard: nothing may leave the machine, so each URL is
    recorded in `requested`, file:// ones are let through and every other is refused."""

    def guard(route: Any) -> None:
        url = route.request.url
        requested.append(url)
        if url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", guard)


# Where the README's screenshots live. A test run writes them there only when asked
# (`bash scripts/screenshots` sets ROLEGATE_SCREENSHOTS=1): a test run never changes files git tracks.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot(page: Any, name: str, tmp_path: Path, **options: Any) -> Path:
    """The page as `name` in the test's own folder, and in docs/screenshots when ROLEGATE_SCREENSHOTS is
    set."""
    import os
    import shutil

    taken = tmp_path / name
    page.screenshot(path=str(taken), **options)
    if os.environ.get("ROLEGATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(taken, SCREENSHOTS / name)
    return taken
