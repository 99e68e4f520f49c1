"""rolegate as a package: the wheel builds offline from this checkout, carries py.typed and the example, and
the installed console script answers --version."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import rolegate

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_builds_offline_and_its_installed_rolegate_answers_version(tmp_path: Path) -> None:
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run(
        [*pip, "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-w", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("rolegate-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "rolegate/py.typed" in names and "rolegate/model/example.yaml" in names
    target = tmp_path / "site"
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )

    version = subprocess.run(
        [sys.executable, "-m", "rolegate", "--version"],
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert version.stdout.strip() == f"rolegate, version {rolegate.__version__}"
    where = subprocess.run(
        [sys.executable, "-c", "import rolegate; print(rolegate.__file__)"],
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert where.stdout.startswith(str(target))  # the wheel's copy ran, not this checkout's
