"""`rolegate export` as people type it: given the seed's rolegate.yaml, when a platform team exports it for
CloudFormation or Terraform, then the files land in the directory (an older export is kept as a backup),
the output says what was written, and a bad snapshot or file is one clear message, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.builders import IDS, as_aws_has_it, desired, seed_config
from tests.helpers import rolegate, written_files


def config(tmp_path: Path) -> str:
    path = tmp_path / "rolegate.yaml"
    path.write_text(seed_config(IDS))
    return str(path)


def test_export_cloudformation_writes_both_templates_and_keeps_an_older_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cfn"

    first = rolegate(capsys, "-c", config(tmp_path), "export", "cloudformation", "-o", str(out))
    second = rolegate(capsys, "-c", config(tmp_path), "export", "cloudformation", "-o", str(out), "--json")

    assert first.code == 0, first.all
    assert "spoke.template.json" in first.out and "rolegate apply --engine stacksets" in first.out
    spoke = json.loads((out / "spoke.template.json").read_text())
    assert spoke["Parameters"]["HubAccountId"]["Default"] == IDS["master"]
    assert json.loads((out / "hub.template.json").read_text())["Resources"]
    assert second.code == 0 and len(json.loads(second.out)["written"]) == 2
    assert "existed; the old one is kept" in second.err


def test_export_terraform_offline_from_a_snapshot_imports_what_exists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = tmp_path / "org.json"
    snapshot.write_text(as_aws_has_it(desired()).dumps())
    out = tmp_path / "tf"

    result = rolegate(
        capsys, "-c", config(tmp_path), "export", "terraform", "-o", str(out), "--snapshot", str(snapshot)
    )

    assert result.code == 0, result.all
    assert written_files(out) == [  # writers leave their hidden lock files
        "development.tf.json",
        "main.tf.json",
        "master.tf.json",
        "production.tf.json",
        "staging.tf.json",
    ]
    assert "import block(s)" in result.out
    assert json.loads((out / "master.tf.json").read_text())["import"]


def test_export_terraform_without_imports_reads_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens: a read would fail
    out = tmp_path / "tf"

    result = rolegate(capsys, "-c", config(tmp_path), "export", "terraform", "-o", str(out), "--no-imports")

    assert result.code == 0, result.all
    assert "0 import block(s)" in result.out


def test_a_missing_snapshot_or_a_plan_snapshot_with_stacksets_is_one_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = rolegate(
        capsys,
        "-c",
        config(tmp_path),
        "export",
        "terraform",
        "-o",
        str(tmp_path / "tf"),
        "--snapshot",
        "nope",
    )
    engine = rolegate(
        capsys, "-c", config(tmp_path), "plan", "--engine", "stacksets", "--snapshot", str(tmp_path / "x")
    )

    assert missing.code == 1 and "no such snapshot" in missing.err and "Traceback" not in missing.all
    assert engine.code == 1 and "direct engine only" in engine.err and "Traceback" not in engine.all
