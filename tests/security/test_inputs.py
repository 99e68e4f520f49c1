"""Issue 16, class 5: inputs that exhaust or crash.

Given a file someone else wrote (a rolegate.yaml in a pull request, a snapshot from a colleague, a key piped
in), when cobus runs `rolegate validate`, `audit --snapshot` or `keys add --stdin` on it, then rolegate
answers within seconds and a bounded memory, exit 1, with one message that names the file (and the line,
where there is one) and a hint: never a traceback, never "internal error", never minutes of work, and
never the refused character itself on his terminal.

Every case runs the installed command line in a child process limited to 1 GiB of address space and 60 s,
so a YAML bomb or a million-deep list shows as a kill, not as a hung test run.

Checked against the pre-fix commit fb45e3e (PYTHONPATH=/tmp/base/src): the attacks fail there (the
billion laughs and the 10,000-deep list run out of time or memory; NUL, a lone surrogate, a deep JSON list
and wrong-typed snapshot fields end in "internal error", exit 70; aliases, merge keys, bidi and escape
characters, foreign tags and long numbers are read without a word, so the exit is not 1 or the message
names no line). What passes there too, by design: the benign files (a BOM at the start, CRLF line ends)
that must keep validating, and the few snapshot fields whose wrong type the old code also refused.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from tests.builders import small_snapshot

from rolegate.cli.commands.config import example_text
from rolegate.state.snapshot import AccountState, Group, ManagedPolicy, Role, User

EXAMPLE = example_text()
MEMORY = 1024**3  # 1 GiB of address space for the child: a bomb is killed, it does not take the machine
WALL = 60  # s; each case takes well under 2 s when fixed


def _limits() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def rolegate(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command line as cobus types it, in a child with bounded memory and time."""
    code = "import sys; from rolegate.entry import main; sys.argv = ['rolegate', *sys.argv[1:]]; main()"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "AWS_CONFIG_FILE": os.devnull}
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            input=stdin,
            capture_output=True,
            timeout=WALL,
            preexec_fn=_limits,
            env=env,
            cwd=cwd,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"rolegate {' '.join(args)} still busy after {WALL} s")
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def refused_cleanly(done: subprocess.CompletedProcess[str], file: Path | str, *, line: bool) -> str:
    said = done.stdout + done.stderr
    assert done.returncode == 1, f"exit {done.returncode}: {said[-600:]}"
    assert "Traceback" not in said and "internal error" not in said and "MemoryError" not in said, said[-600:]
    assert str(file) in said, said[-600:]
    if line:
        assert f"{file}:" in said and any(ch.isdigit() for ch in said.split(f"{file}:", 1)[1][:3]), said
    for invisible in ("\x00", "\x1b", "\u202e", "\u2066", "\x85", "\ufeff", "\u2028", "\x7f"):
        assert invisible not in said, f"{invisible!r} reached the terminal"
    return said


# -- rolegate.yaml -------------------------------------------------------------------------------------------


def laughs(levels: int) -> str:
    """The billion laughs: each level a list of nine aliases of the one before; 9**levels strings."""
    out = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        out.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(out) + "\n"


def nested_flow(depth: int) -> str:
    return "version: 1\norganization: " + "[" * depth + "]" * depth + "\n"


def nested_block(depth: int) -> str:
    return "version: 1\n" + "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)) + f"{'  ' * depth}v\n"


def in_example(old: str, new: str) -> str:
    assert old in EXAMPLE, old
    return EXAMPLE.replace(old, new, 1)


NAME = "name: demo"  # organization.name in the example

# (case id, the file's bytes, whether the message must name a line)
CONFIG_CASES: list[tuple[str, bytes, bool]] = [
    ("billion laughs, 9 levels (430 bytes)", laughs(9).encode(), True),
    ("billion laughs, 10 levels", laughs(10).encode(), True),
    (
        "one alias of the account list",
        in_example("accounts:", "accounts: &all").encode() + b"x: *all\n",
        True,
    ),
    ("merge key from an anchor", (EXAMPLE + "base: &b {id: '1'}\nother:\n  <<: *b\n").encode(), True),
    ("merge key with its own mapping", (EXAMPLE + "other:\n  <<: {id: '1'}\n").encode(), True),
    ("flow nesting 100 deep", nested_flow(100).encode(), True),
    ("flow nesting 10,000 deep", nested_flow(10_000).encode(), True),
    ("block nesting 100 deep", nested_block(100).encode(), True),
    (
        "50 MB of comments",
        b"version: 1\n" + b"# padding padding padding padding padding padding\n" * 1_000_000,
        False,
    ),
    (
        "6 MB of accounts",
        b"accounts:\n" + b"".join(b"  a%d: {id: '%012d'}\n" % (i, i) for i in range(230_000)),
        False,
    ),
    ("a NUL byte", in_example(NAME, "name: de\x00mo").encode(), True),
    ("ESC in a name (terminal escape)", in_example(NAME, "name: \x1b[2Jdemo").encode(), True),
    ("right-to-left override in a comment", (EXAMPLE + "# admin \u202e  nimda\n").encode(), True),
    ("bidi isolate in a value", in_example(NAME, "name: demo\u2066x\u2069").encode(), True),
    ("escaped ESC in a quoted value", in_example(NAME, 'name: "demo\\e[31m"').encode(), True),
    ("escaped RLO in a quoted value", in_example(NAME, 'name: "demo\\u202e"').encode(), True),
    ("escaped lone surrogate", in_example(NAME, 'name: "demo\\ud800"').encode(), True),
    (
        "a lone surrogate's bytes (not UTF-8)",
        in_example(NAME, "name: demo").encode() + b"x: \xed\xa0\x80\n",
        True,
    ),
    ("Latin-1 bytes (not UTF-8)", in_example(NAME, "name: d\xe9mo").encode("latin-1"), True),
    ("a BOM in the middle of a name", in_example(NAME, "name: de\ufeffmo").encode(), True),
    ("NEL (C1) as a line break", in_example(NAME, "name: demo\x85").encode(), True),
    ("U+2028 line separator", in_example(NAME, "name: demo\u2028").encode(), True),
    ("DEL", in_example(NAME, "name: demo\x7f").encode(), True),
    (
        "!!python/object/apply",
        in_example(NAME, "name: !!python/object/apply:os.system ['id']").encode(),
        True,
    ),
    ("!!python/name", in_example(NAME, "name: !!python/name:os.system").encode(), True),
    ("a custom tag", in_example(NAME, "name: !include secrets.yaml").encode(), True),
    ("!!binary", in_example(NAME, "name: !!binary aGVsbG8=").encode(), True),
    ("a key written twice", in_example(NAME, "name: demo\n  name: other").encode(), True),
    ("a number of 5,000 digits", in_example("version: 1", "version: " + "9" * 5000).encode(), True),
    ("a date that does not exist", in_example("version: 1", "version: 2024-02-30").encode(), False),
    ("two YAML documents", (EXAMPLE + "---\nversion: 1\n").encode(), True),
    ("random bytes", bytes(range(256)) * 64, True),
]


@pytest.mark.parametrize(("case", "content", "line"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_validate_refuses_a_file_that_would_exhaust_or_crash_it(
    tmp_path: Path, case: str, content: bytes, line: bool
) -> None:
    """Given a rolegate.yaml crafted to exhaust or crash the reader, when cobus runs validate, then it says
    exit 1 which file (and line) and why, within seconds and 1 GiB."""
    path = tmp_path / "rolegate.yaml"
    path.write_bytes(content)

    done = rolegate("validate", "-c", str(path))

    refused_cleanly(done, path, line=line)


def test_the_refusal_says_where_and_what_to_do(tmp_path: Path) -> None:
    """The messages are the usual diagnostics: file:line:column, the kind of problem, and a hint."""
    path = tmp_path / "rolegate.yaml"
    path.write_text(laughs(9), encoding="utf-8")
    said = refused_cleanly(rolegate("validate", "-c", str(path)), path, line=True)
    assert f"{path}:2:" in said and "alias (*a0)" in said and "write the value out" in said

    path.write_text(in_example(NAME, "name: de\x1bmo"), encoding="utf-8")
    said = refused_cleanly(rolegate("validate", "-c", str(path)), path, line=True)
    assert "U+001B" in said and "delete it" in said

    path.write_bytes(b"# x\n" * (6 * 1024 * 256))
    said = refused_cleanly(rolegate("validate", "-c", str(path)), path, line=False)
    assert "larger than 5 MB" in said


def test_a_device_or_a_directory_as_the_config_is_refused(tmp_path: Path) -> None:
    """`-c /dev/zero` reads one byte past the cap and stops; a directory is named as one."""
    refused_cleanly(rolegate("validate", "-c", "/dev/zero"), "/dev/zero", line=False)
    refused_cleanly(rolegate("validate", "-c", str(tmp_path)), tmp_path, line=False)


BENIGN = [
    ("a BOM at the start (Windows editors)", "\ufeff" + EXAMPLE),
    ("CRLF line ends", EXAMPLE.replace("\n", "\r\n")),
    ("tabs in comments", EXAMPLE.replace("# every account but the hub", "#\tevery account but the hub")),
    ("a core tag (!!int) on the version", in_example("version: 1", "version: !!int 1")),
]


@pytest.mark.parametrize(("case", "text"), BENIGN, ids=[c[0] for c in BENIGN])
def test_what_real_editors_write_still_validates(tmp_path: Path, case: str, text: str) -> None:
    path = tmp_path / "rolegate.yaml"
    path.write_bytes(text.encode("utf-8"))
    done = rolegate("validate", "-c", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


# -- snapshot files ------------------------------------------------------------------------------------------


def wrong_for(value: Any) -> Any:
    """A value of another JSON type than `value` (None, where the field may be None: a list)."""
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int):
        return "3600"
    if isinstance(value, str):
        return 42
    if isinstance(value, list):
        return "not a list"
    if isinstance(value, dict):
        return ["not", "a", "mapping"]
    return [1]


def field_cases() -> list[tuple[str, tuple[Any, ...]]]:
    """Every field of every dataclass a snapshot holds, each given the wrong type."""
    base = small_snapshot()
    acct = base["accounts"]["master"]
    cases = []
    kinds = [(Role, "roles", "admin"), (Group, "groups", "ops"), (User, "users", "cobus"),
             (ManagedPolicy, "policies", "p")]  # fmt: skip
    for cls, kind, name in kinds:
        for f in fields(cls):
            if f.name in acct[kind][name] and acct[kind][name][f.name] is not None:
                cases.append((f"{kind}.{f.name}", ("accounts", "master", kind, name, f.name)))
    for f in fields(AccountState):
        if acct.get(f.name) is not None:
            cases.append((f"account.{f.name}", ("accounts", "master", f.name)))
    for key in ("taken_at", "aws_managed_policies", "scps", "account_order", "accounts"):
        cases.append((key, (key,)))
    return cases


def spoiled(path: tuple[Any, ...], value: Any = None) -> dict[str, Any]:
    data = small_snapshot()
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = wrong_for(parent[path[-1]]) if value is None else value
    return data


FIELD_CASES = field_cases()


@pytest.mark.parametrize(("case", "path"), FIELD_CASES, ids=[c[0] for c in FIELD_CASES])
def test_a_snapshot_with_a_field_of_the_wrong_type_is_refused_by_name(
    tmp_path: Path, case: str, path: tuple[Any, ...]
) -> None:
    """Given a snapshot someone edited so one field has the wrong type, when cobus runs audit on it, then
    the error names the file and the field, before any check runs."""
    file = tmp_path / "org.json"
    file.write_text(json.dumps(spoiled(path)), encoding="utf-8")

    said = refused_cleanly(rolegate("audit", "--snapshot", str(file)), file, line=False)

    assert path[-1] in said, said


def deep(depth: int, open_: str = "[", close: str = "]") -> str:
    return open_ * depth + close * depth


def with_statement(statement: Any) -> dict[str, Any]:
    data = small_snapshot()
    data["accounts"]["master"]["roles"]["admin"]["trust_policy"]["Statement"] = statement
    return data


SNAPSHOT_CASES: list[tuple[str, bytes]] = [
    ("a list 10**6 deep", deep(10**6).encode()),
    ("objects 10**5 deep", ('{"a":' * 10**5 + "1" + "}" * 10**5).encode()),
    ("a trust policy 200 deep", json.dumps(with_statement(json.loads(deep(200)))).encode()),
    ("not JSON", b"version: 1\n"),
    ("empty", b""),
    ("a JSON list", b"[]"),
    ("version as text", json.dumps({**small_snapshot(), "version": "1"}).encode()),
    ("version true", json.dumps({**small_snapshot(), "version": True}).encode()),
    ("no version", json.dumps({"accounts": {}}).encode()),
    ("no accounts", json.dumps({"version": 1}).encode()),
    ("a number of 10,000 digits", b'{"version": ' + b"1" * 10_000 + b"}"),
    ("a Statement that is text", json.dumps(with_statement("Allow everything")).encode()),
    ("an Action that is a number", json.dumps(with_statement([{"Effect": "Allow", "Action": 7}])).encode()),
    (
        "a Condition that is a list",
        json.dumps(with_statement([{"Effect": "Allow", "Condition": []}])).encode(),
    ),
    (
        "a Principal that is a list",
        json.dumps(with_statement([{"Effect": "Allow", "Principal": [1]}])).encode(),
    ),
    ("an Effect that is a mapping", json.dumps(with_statement([{"Effect": {}}])).encode()),
    ("not UTF-8", b'{"version": 1, "taken_at": "\xff"}'),
    ("an ESC in an account key", json.dumps({**small_snapshot(), "accounts": {"\x1b[2J": 5}}).encode()),
]


@pytest.mark.parametrize(("case", "content"), SNAPSHOT_CASES, ids=[c[0] for c in SNAPSHOT_CASES])
def test_audit_refuses_a_snapshot_that_would_exhaust_or_crash_it(
    tmp_path: Path, case: str, content: bytes
) -> None:
    file = tmp_path / "org.json"
    file.write_bytes(content)

    refused_cleanly(rolegate("audit", "--snapshot", str(file)), file, line=False)
    refused_cleanly(rolegate("access", "--snapshot", str(file)), file, line=False)


def test_a_snapshot_larger_than_256_mb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """A sparse file: 300 MB on paper, nothing on disk. Refused from its size, so nothing is read."""
    file = tmp_path / "org.json"
    with open(file, "wb") as handle:
        handle.truncate(300 * 1024 * 1024)
    said = refused_cleanly(rolegate("audit", "--snapshot", str(file)), file, line=False)
    assert "larger than 256 MB" in said


def test_a_good_snapshot_still_reads(tmp_path: Path) -> None:
    file = tmp_path / "org.json"
    file.write_text(json.dumps(small_snapshot()), encoding="utf-8")
    done = rolegate("access", "--snapshot", str(file))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cobus" in done.stdout


# -- keys add --stdin ----------------------------------------------------------------------------------------

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

STDIN_CASES: list[tuple[str, bytes]] = [
    ("1 MB of text", b"A" * 1024 * 1024),
    ("JSON 10**5 deep", deep(10**5, '{"AccessKey":', "}").encode()),
    ("JSON with a list for the key", json.dumps({"AccessKey": [KEY_ID, SECRET]}).encode()),
    ("JSON with numbers for the key", json.dumps({"AccessKeyId": 1, "SecretAccessKey": 2}).encode()),
    ("JSON with AccessKey a number", json.dumps({"AccessKey": 5}).encode()),
    ("an ESC in the key id", f"{KEY_ID}\x1b[2J {SECRET}".encode()),
    ("an RLO in the key id", f"AKIA\u202eIOSFODNN7EXAMPLE {SECRET}".encode()),
    ("a NUL in the CSV", f"Access key ID,Secret access key\n{KEY_ID}\x00,{SECRET}\n".encode()),
    ("CSV with an unclosed quote", f'Access key ID,Secret access key\n"{KEY_ID},{SECRET}\n'.encode()),
    ("a key id of 4 characters", f"AKIA {SECRET}".encode()),
    ("not UTF-8", b"\xff\xfe AKIA"),
    ("three words", f"{KEY_ID} {SECRET} extra".encode()),
]


@pytest.mark.parametrize(("case", "content"), STDIN_CASES, ids=[c[0] for c in STDIN_CASES])
def test_keys_add_refuses_stdin_that_holds_no_key_it_can_trust(
    tmp_path: Path, case: str, content: bytes
) -> None:
    """Refused before any AWS call (the child has no credentials and no endpoint: a call would fail
    differently) and the secret is never echoed."""
    done = rolegate("keys", "add", "cobus", "--stdin", "--yes", stdin=content, cwd=tmp_path)

    said = refused_cleanly(done, "standard input", line=False)
    assert SECRET not in said
