"""The command line's habits, held: real types instead of `Any`, functions that are compositions of named
steps (none over 60 lines, help text included), and the outside world (streams, terminals, clock,
environment variables) reached only through the Environment."""

from __future__ import annotations

import ast
import re
from pathlib import Path

CLI = Path(__file__).resolve().parents[2] / "src" / "rolegate" / "cli"
MODULES = sorted(CLI.rglob("*.py"))
LONGEST = 60


def test_no_any_in_the_command_line() -> None:
    uses = [
        f"{path.relative_to(CLI)}:{n}"
        for path in MODULES
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bAny\b", line)
    ]
    assert uses == []


def test_no_function_of_the_command_line_is_over_sixty_lines() -> None:
    long = [
        f"{path.relative_to(CLI)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in MODULES
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > LONGEST
    ]
    assert long == []


# The Environment (cli/env.py) is where these are read. passwords._terminal opens /dev/tty, the person's
# terminal whatever the streams are, and falls back to stderr only when that is one: it is not a stream of
# the command's. demo sets os.environ on purpose: the embedded AWS's endpoint for boto3 in this process.
OUTSIDE = re.compile(
    r"sys\.(stdin|stdout|stderr)|\.isatty\(\)|datetime\.now\(|time\.time\(|time\.monotonic\(|os\.environ"
)
ALLOWED = {("env.py", None), ("passwords.py", "_terminal"), ("passwords.py", "_rescue_passwords")}
ALLOWED_DEMO = re.compile(r"os\.environ\.(pop|update|get)\(|os\.environ\[key\] = ")


def _functions_by_line(tree: ast.Module) -> dict[int, str]:
    where: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.end_lineno is not None:
            for n in range(node.lineno, node.end_lineno + 1):
                where.setdefault(n, node.name)
    return where


def test_commands_reach_the_outside_world_only_through_the_environment() -> None:
    found = []
    for path in MODULES:
        text = path.read_text()
        function = _functions_by_line(ast.parse(text))
        for n, line in enumerate(text.splitlines(), 1):
            if not OUTSIDE.search(line) or line.lstrip().startswith("#"):
                continue
            if (path.name, None) in ALLOWED or (path.name, function.get(n)) in ALLOWED:
                continue
            if path.name == "demo.py" and function.get(n) == "_environment" and ALLOWED_DEMO.search(line):
                continue
            if (path.name == "main.py" and "sys.argv" in line) or "sys.exit(run())" in line:
                continue
            found.append(f"{path.relative_to(CLI)}:{n}: {line.strip()}")
    assert found == []
