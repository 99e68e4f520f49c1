"""Every exit status rolegate uses is named once (ExitStatus), and the three places a user reads them say the
same: the root `--help` epilog, the README's "Exit status" table and SPEC.md's where it has one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rolegate.cli.main import cli, exit_status_epilog
from rolegate.errors import ExitStatus

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "design" / "SPEC.md"
README = ROOT / "README.md"


def table_rows(markdown: str, heading: str) -> list[tuple[int, str, str]]:
    """The (code, name, meaning) rows of the table under `heading`, up to the next heading."""
    section = markdown.split(heading, 1)[1]
    section = re.split(r"\n#{2,3} ", section, maxsplit=1)[0]
    rows = re.findall(r"^\| (\d+) \| `([A-Z_]+)` \| (.+) \|$", section, re.M)
    return [(int(code), name, meaning) for code, name, meaning in rows]


def expected() -> list[tuple[int, str, str]]:
    return [(int(s), s.name, s.meaning) for s in ExitStatus]


def test_the_numbers_scripts_gate_on_stay_what_they_were() -> None:
    assert {s.name: int(s) for s in ExitStatus} == {
        "SUCCESS": 0,
        "ERROR": 1,
        "FOUND": 2,
        "INTERNAL_ERROR": 70,
        "COMMAND_NOT_FOUND": 127,
        "INTERRUPTED": 130,
    }


def test_when_cobus_reads_the_root_help_then_every_status_is_listed_with_its_meaning() -> None:
    epilog = exit_status_epilog()
    assert cli.epilog == epilog
    flat = " ".join(epilog.split())
    for status in ExitStatus:
        assert re.search(rf"\b{int(status)} {status.name} ", flat), status
        assert " ".join(status.meaning.split()) in flat, status


def test_spec_tables_the_same_statuses_as_the_code_when_it_tables_them() -> None:
    """SPEC.md lives in the shared design folder, outside this repository: CI may check out a copy without
    the folder or without an exit-status table. The README's table (below) is the one this repository owns."""
    if not SPEC.exists():
        pytest.skip("the shared design folder is not beside this checkout")
    if "## Exit status" not in SPEC.read_text():
        pytest.skip("this copy of SPEC.md has no exit-status table; README.md's is checked instead")
    assert table_rows(SPEC.read_text(), "## Exit status") == expected()


def test_readme_tables_the_same_statuses_as_the_code() -> None:
    assert table_rows(README.read_text(), "### Exit status") == expected()


def test_no_command_returns_a_bare_number() -> None:
    """`return 2` says nothing; `return ExitStatus.FOUND` says what the script sees."""
    import ast

    def number(node: ast.expr) -> bool:
        if isinstance(node, ast.IfExp):
            return number(node.body) or number(node.orelse)
        return isinstance(node, ast.Constant) and type(node.value) is int

    bare = [
        f"{path.name}:{node.lineno}"
        for path in sorted((ROOT / "src" / "rolegate" / "cli").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Return) and node.value is not None and number(node.value)
    ]
    assert bare == []
