"""Run @cloud-copilot/iam-simulate over many cases in one node process (tests/differential/harness.mjs)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
HARNESS = HERE / "harness.mjs"
PACKAGE = HERE / "node_modules" / "@cloud-copilot" / "iam-simulate" / "package.json"


def missing() -> str | None:
    """Why the simulator cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return (
            "node is not installed: the differential test needs it (scripts/bootstrap.sh installs the rest)"
        )
    if not PACKAGE.is_file():
        return (
            f"{PACKAGE.parent} is not installed: run `bash scripts/bootstrap.sh test` (npm ci in {HERE.name})"
        )
    return None


def version() -> str:
    return str(json.loads(PACKAGE.read_text())["version"])


def simulate(simulations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The simulator's answer for each simulation, in order: one local node process, no network."""
    node = shutil.which("node")
    assert node is not None
    lines = "".join(json.dumps({"id": i, "simulation": s}) + "\n" for i, s in enumerate(simulations))
    done = subprocess.run(
        [node, str(HARNESS)], input=lines, capture_output=True, text=True, cwd=HERE, timeout=300, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"harness.mjs failed ({done.returncode}): {done.stderr[-2000:]}")
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if [a["id"] for a in answers] != list(range(len(simulations))):
        raise RuntimeError("harness.mjs answered out of order or left cases out")
    return answers
