"""Class 5 of issue 16, fuzzed: whatever bytes or YAML reach rolegate's readers, the answer is the thing read
or one clear RolegateError, never a traceback, a hang or unbounded memory.

The tables in test_inputs.py hold the crafted attacks (alias bombs, deep nesting, NUL bytes); this module is
the other half the issue asks for: hypothesis generates random bytes, random YAML documents, the seed's file
with random edits, random snapshot JSON and random ~/.aws/config text, and feeds them to the readers that
validate, `--snapshot`, import and `profiles --write` use. Each example runs under tracemalloc and must peak
below a bound far above what a real file needs; hypothesis's deadline is set high (seconds, not the usual
200 ms) as a guard against a hang, not as a measure of speed.

Checked against fb45e3e: four of these fail there. Random bytes with a NUL end in ruamel's ReaderError,
the seed's file with deep flow nesting spliced in in a RecursionError, and snapshots with a value of the wrong
shape or random bytes in AttributeError and TypeError tracebacks; the module took nearly ten minutes there
(11 s here). The YAML-document, import and ~/.aws/config fuzzers pass on both: they guard what is kept.
Written alongside, it found one more bug here: reading a capped file allocated the whole cap up front
(256 MB to read an empty snapshot), fixed in limits.read_bytes.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import botocore.configloader
import botocore.exceptions
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests.builders import seed_config, small_snapshot

from rolegate.adopt.importer import AccountInfo, Source, import_config
from rolegate.errors import RolegateError
from rolegate.local.aws_config import merge_profiles
from rolegate.local.profiles import user_profiles
from rolegate.model.load import load, parse
from rolegate.state.snapshot import AccountState, Snapshot
from rolegate.state.snapshot_file import load_snapshot

# Far above what the seed's file (2 KB), a 1,000-account file or a small snapshot needs to parse, far below
# what the alias bombs of fb45e3e took (hundreds of MB).
MEMORY_BOUND = 64 * 1024 * 1024
FUZZ = settings(
    max_examples=150,
    deadline=timedelta(seconds=10),  # a hang guard: an example that runs this long is stuck, not slow
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
    derandomize=True,  # the same examples in CI as here
)
SEED = seed_config(
    {
        "master": "111111111111",
        "development": "222222222222",
        "staging": "444444444444",
        "production": "333333333333",
    }
)


@contextmanager
def bounded_memory() -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"peaked at {peak / 2**20:.0f} MB"


def read_or_refused(read: Callable[[], Any]) -> Any:
    """What `read` returns, or None when it refused with a RolegateError that says something to act on.
    Anything else (a traceback) fails the test."""
    with bounded_memory():
        try:
            return read()
        except RolegateError as exc:
            refusal = exc.message
    assert refusal.strip(), "a refusal must say why"
    assert "Traceback" not in refusal
    return None


# -- validate: random bytes, random YAML, the seed's file edited at random ----------------------------------

YAML_NOISE = st.sampled_from(
    ["&a ", "*a", "<<: ", "!!python/object:os.system ", "!tag ", "{", "}", "[", "]", ": ", "- ", "? ", "|",
     ">", "\t", "\x00", "\x1b[2J", "\u202e", "\ufeff", "%YAML 1.1\n", "---\n", "...\n", "'", '"', "#", "\n",
     "  ", "${account:x}", "9" * 40, "1e999", "~", "null", ".inf"]
)  # fmt: skip


def edited(text: str, edits: list[tuple[int, str]]) -> str:
    for where, insert in edits:
        at = where % (len(text) + 1)
        text = text[:at] + insert + text[at:]
    return text


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=30,
)


@FUZZ
@given(st.binary(max_size=4096))
@example(b"\x00")
@example(b"a: " + b"[" * 5000)
@example(b"\xff\xfe\x00")
def test_validate_of_random_bytes_answers_or_refuses_cleanly(tmp_path_factory: Any, data: bytes) -> None:
    """Given rolegate.yaml holding any bytes at all, when cobus runs validate, then he gets a verdict."""
    file = tmp_path_factory.mktemp("cfg") / "rolegate.yaml"
    file.write_bytes(data)
    read_or_refused(lambda: load(file))


@FUZZ
@given(st.lists(st.tuples(st.integers(min_value=0), YAML_NOISE), min_size=1, max_size=8))
@example([(0, "x: &a [*a]\n")])
@example([(10**9, "\n" + "- " * 3000)])
def test_the_seed_file_edited_at_random_validates_or_is_refused_at_a_line(
    edits: list[tuple[int, str]],
) -> None:
    """Given the seed's rolegate.yaml with random YAML tokens spliced in, validate answers or names a line."""
    read_or_refused(lambda: parse(edited(SEED, edits)))


@FUZZ
@given(yaml_values)
def test_any_yaml_document_validates_or_is_refused(value: Any) -> None:
    """Given a YAML document of any shape (JSON is YAML), validate says what is wrong with it."""
    read_or_refused(lambda: parse(json.dumps(value)))


# -- --snapshot: random JSON, and a real snapshot with random values put in --------------------------------


def put(data: Any, path: list[int], value: Any) -> Any:
    """`data` with the value at a path (each step an index into the keys or items there) replaced."""
    if not path or not isinstance(data, dict | list) or not data:
        return value
    keys = list(data) if isinstance(data, dict) else list(range(len(data)))
    key = keys[path[0] % len(keys)]
    data[key] = put(data[key], path[1:], value)
    return data


@FUZZ
@given(st.lists(st.integers(min_value=0), max_size=10), yaml_values)
def test_a_snapshot_with_any_value_anywhere_is_read_or_refused_by_name(
    tmp_path_factory: Any, path: list[int], value: Any
) -> None:
    """Given a snapshot someone edited at random, when cobus runs access on it, then it is read or refused,
    and what is read answers access without a traceback."""
    file = tmp_path_factory.mktemp("snap") / "org.json"
    file.write_text(json.dumps(put(small_snapshot(), path, value)), encoding="utf-8")
    snapshot = read_or_refused(lambda: load_snapshot(file))
    if snapshot is not None:
        from rolegate.access.graph import AccessGraph

        read_or_refused(lambda: AccessGraph(snapshot).matrix())


@FUZZ
@given(st.binary(max_size=2048))
def test_a_snapshot_of_random_bytes_is_refused(tmp_path_factory: Any, data: bytes) -> None:
    file = tmp_path_factory.mktemp("snap") / "org.json"
    file.write_bytes(data)
    assert read_or_refused(lambda: load_snapshot(file)) is None or data.strip().startswith(b"{")


# -- import: names from AWS, any Unicode --------------------------------------------------------------------

names = st.text(min_size=1, max_size=40)


@FUZZ
@given(names, names, names)
@example("x]\n[profile evil]", "admin\n", "cobus\u202e")
@example("&a", "*a", "!!python/object")
def test_import_of_any_names_writes_a_file_that_validates_or_refuses(
    account: str, role: str, user: str
) -> None:
    """Given an organization whose account, role and user names anyone could have chosen, when cobus runs
    import, then rolegate.yaml comes out as a file validate reads, or import refuses: never a file that
    means something other than what it read."""
    data = small_snapshot()
    hub = data["accounts"]["master"]
    hub["roles"] = {role: {**hub["roles"]["admin"], "name": role}}
    hub["users"] = {user: {**hub["users"]["cobus"], "name": user}}
    hub["name"] = account
    snapshot = Snapshot.from_json({**data, "accounts": {account: hub}, "account_order": [account]})
    accounts = [AccountInfo(account, "111111111111", "you@example.com")]
    source = Source("demo", account, "us-east-1", "OrganizationAccountAccessRole", accounts, snapshot)

    imported = read_or_refused(lambda: import_config(source))
    if imported is not None:
        read_or_refused(lambda: parse(imported.text))


# -- profiles --write: whatever ~/.aws/config already holds -------------------------------------------------

INI_NOISE = st.sampled_from(
    ["[", "]", "[profile ", "[default]\n", "=", " = ", ";", "#", "\n", "\r\n", "\r", "\t", "  ", "\x00",
     "[profile demo-development-cobus]\n", "credential_process = x\n", "# rolegate:", "\u2028", "\ufeff"]
)  # fmt: skip


@FUZZ
@given(st.lists(st.tuples(st.integers(min_value=0), INI_NOISE | st.text(max_size=8)), max_size=12))
def test_merging_into_any_aws_config_keeps_it_or_refuses(
    tmp_path_factory: Any, edits: list[tuple[int, str]]
) -> None:
    """Given whatever ~/.aws/config holds (a hand-edited file, another tool's), when cobus writes his
    profiles, then the merge refuses, or botocore reads every profile rolegate meant from the result."""
    config = parse(SEED).config
    profiles = user_profiles(config, "cobus")
    original = edited("[default]\nregion = eu-west-1\n\n[profile mine]\nregion = eu-west-2\n", edits)

    merged = read_or_refused(lambda: merge_profiles(original, profiles, config.organization.name, "cobus"))
    if merged is None or merged.conflicts:
        return
    file = tmp_path_factory.mktemp("aws") / "config"
    file.write_text(merged.text, encoding="utf-8")
    try:
        sections = botocore.configloader.raw_config_parse(str(file))
    except botocore.exceptions.ConfigParseError:
        return  # the user's own lines were not INI to begin with; rolegate's are checked in test_names_*
    for profile in profiles:
        assert sections[f"profile {profile.name}"] == profile.settings


def test_accountstate_is_what_the_fuzzers_change() -> None:
    """The snapshot fuzzer starts from a snapshot that reads: so the refusals it sees are its edits'."""
    assert isinstance(Snapshot.from_json(small_snapshot()).accounts["master"], AccountState)
