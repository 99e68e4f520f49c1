"""The orchestrator: given rolegate.yaml, when plan or apply is asked for with an engine and a source (the
accounts or a snapshot file), then runner.commands chooses the engine and refuses what cannot be done, before
any file is read; the command line only renders what it returns. runner.commands is new (issue 18): on
79a2bbf this module does not import, as the engine was assembled in cli/commands/plan.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.builders import seed_config

from rolegate.errors import RolegateError
from rolegate.model.load import load
from rolegate.plan.compile import compile_config
from rolegate.plan.diff import diff
from rolegate.runner import commands as run
from rolegate.state.snapshot import AccountState, Snapshot

IDS = {
    "master": "111111111111",
    "development": "222222222222",
    "staging": "333333333333",
    "production": "444444444444",
}


@pytest.mark.parametrize(
    ("engine", "offline", "refused"),
    [
        ("direct", False, None),
        ("direct", True, None),
        ("stacksets", False, None),
        ("stacksets", True, "direct engine only"),
        ("terraform", False, "no engine"),
        ("", True, "no engine"),
    ],
)
def test_an_engine_is_checked_before_anything_is_read(
    engine: str, offline: bool, refused: str | None
) -> None:
    if refused is None:
        run.check_engine(engine, offline=offline)
        return
    with pytest.raises(RolegateError, match=refused):
        run.check_engine(engine, offline=offline)


def _org(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "rolegate.yaml"
    config.write_text(seed_config(IDS))
    snapshot = Snapshot()
    for name, account_id in IDS.items():
        snapshot.accounts[name] = AccountState(name, account_id)
    snapshot_file = tmp_path / "org.json"
    snapshot_file.write_text(json.dumps(snapshot.to_json()))
    return config, snapshot_file


def test_cobus_plans_offline_against_a_snapshot_and_gets_the_direct_plan(tmp_path: Path) -> None:
    config, snapshot_file = _org(tmp_path)
    loaded = load(config)

    outcome = run.plan(loaded, snapshot_file=snapshot_file)

    expected = diff(compile_config(loaded.config), Snapshot.from_json(json.loads(snapshot_file.read_text())))
    assert outcome.engine == "direct" and outcome.sessions is None
    assert [c.address for c in outcome.plan.changes] == [c.address for c in expected.changes]
    assert outcome.plan.changes, "an empty organization: the seed's every resource is to create"


def test_a_snapshot_plan_is_never_applied(tmp_path: Path) -> None:
    config, snapshot_file = _org(tmp_path)
    outcome = run.plan(load(config), snapshot_file=snapshot_file)

    with pytest.raises(RolegateError, match="snapshot cannot be applied"):
        run.apply(outcome)


def test_the_stackset_engine_with_a_snapshot_is_refused_before_the_file_is_read(tmp_path: Path) -> None:
    config, _ = _org(tmp_path)

    with pytest.raises(RolegateError, match="direct engine only"):
        run.plan(load(config), snapshot_file=tmp_path / "not-there.json", engine="stacksets")
