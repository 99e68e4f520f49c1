"""The command line as people type it: init, validate, plan and apply's guard rails, accounts create.

Given a person at a terminal or a CI job, when they run rolegate with good or bad input, then they get one
clear message with where and what to do, the right exit code, and never a traceback or a secret.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.builders import seed_config
from tests.helpers import Org, rolegate

from rolegate.cli.commands.config import example_text


def test_init_writes_the_commented_example_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "rolegate.yaml"

    first = rolegate(capsys, "-c", str(target), "init")
    second = rolegate(capsys, "-c", str(target), "init")

    assert first.code == 0 and target.read_text() == example_text()
    assert "# rolegate.yaml" in target.read_text()
    assert second.code == 1 and "never overwrites" in second.err
    assert "Traceback" not in second.all


def test_validate_accepts_the_example_and_mentions_the_account_without_an_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "rolegate.yaml"
    target.write_text(example_text())

    result = rolegate(capsys, "-c", str(target), "validate")

    assert result.code == 0, result.all
    assert "is valid" in result.out
    assert "staging" in result.err and "warning" in result.err


def test_validate_names_file_line_field_and_suggests_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "rolegate.yaml"
    target.write_text(
        example_text()
        .replace("accounts: [development, staging, production]", "accounts: [development, qa]")
        .replace("color: yellow", "color: purple")
    )

    result = rolegate(capsys, "-c", str(target), "validate")

    assert result.code == 1
    assert f"{target}:" in result.err
    assert "roles.administrator.accounts[1]: unknown account 'qa'" in result.err
    assert "accounts.staging.color" in result.err and "purple" in result.err
    assert "nothing was changed" in result.err
    assert "Traceback" not in result.all


def test_validate_json_lists_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    target = tmp_path / "rolegate.yaml"
    target.write_text(example_text().replace("color: yellow", "color: purple").replace("rolse", "x"))

    result = rolegate(capsys, "-c", str(target), "validate", "--json")

    data = json.loads(result.out)
    assert result.code == 1 and data["valid"] is False
    assert data["diagnostics"][0]["path"] == "accounts.staging.color" and data["diagnostics"][0]["line"] > 1


def test_a_missing_file_says_how_to_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = rolegate(capsys, "-c", str(tmp_path / "nope.yaml"), "plan")

    assert result.code == 1
    assert "no such file" in result.err and "rolegate init" in result.err
    assert "Traceback" not in result.all


def test_plan_without_credentials_is_one_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens: never the internet
    target = tmp_path / "rolegate.yaml"
    target.write_text(
        seed_config(
            {
                "master": "123456789012",
                "development": "222222222222",
                "staging": "333333333333",
                "production": "444444444444",
            }
        )
    )

    result = rolegate(capsys, "-c", str(target), "plan")

    assert result.code == 1
    assert "credentials" in result.err.lower() and "--profile" in result.err
    assert "Traceback" not in result.all


def test_apply_without_a_terminal_asks_for_yes_and_changes_nothing(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(org.write_config(seed_config(org.ids)))

    no_yes = rolegate(capsys, "-c", config, "apply", "--password-out", str(org.workdir / "pw"))
    no_password_out = rolegate(capsys, "-c", config, "apply", "--yes")

    assert no_yes.code == 1 and "--yes" in no_yes.err
    assert no_password_out.code == 1 and "--password-out" in no_password_out.err
    assert org.client("iam").list_users()["Users"] == []


def test_apply_json_never_carries_a_password(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    config = str(org.write_config(seed_config(org.ids)))
    pw_file = org.workdir / "pw"

    result = rolegate(capsys, "-c", config, "apply", "--yes", "--json", "--password-out", str(pw_file))

    data = json.loads(result.out)
    assert result.code == 0 and "master/user/cobus" in data["applied"]
    password = pw_file.read_text().strip().split("\t")[-1]
    assert password not in result.all


def test_accounts_create_makes_the_missing_account_and_writes_its_id_keeping_comments(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        seed_config(org.ids)
        .replace(f'    id: "{org.ids["staging"]}"\n', "")
        .replace(
            "email: you+staging@example.com", "email: you+new-staging@example.com  # made by accounts create"
        )
    )
    config = org.write_config("# our environments\n" + text)

    result = rolegate(capsys, "-c", str(config), "accounts", "create", "--yes")
    again = rolegate(capsys, "-c", str(config), "accounts", "create", "--yes")

    assert result.code == 0, result.all
    new_id = result.out.split("✓ staging ")[1].split()[0]
    written = config.read_text()
    assert f'id: "{new_id}"' in written and "# made by accounts create" in written
    assert written.startswith("# our environments\n")
    assert again.code == 0 and "nothing to create" in again.out
    emails = {a["Email"] for a in org.client("organizations").list_accounts()["Accounts"]}
    assert "you+new-staging@example.com" in emails


def test_version_and_help_work(capsys: pytest.CaptureFixture[str]) -> None:
    assert "rolegate, version" in rolegate(capsys, "--version").out
    helped = rolegate(capsys, "plan", "--help")
    assert helped.code == 0 and "--detailed-exitcode" in helped.out and "Examples" in helped.out


def test_plan_json_lists_every_change_with_its_calls_and_a_summary(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    config = str(org.write_config(seed_config(org.ids)))

    result = rolegate(capsys, "plan", "--json", "-c", config)

    data = json.loads(result.out)
    assert result.code == 0 and data["format_version"] == 1
    assert data["summary"] == {"create": 11, "update": 0, "delete": 0}
    first = data["changes"][0]
    assert set(first) == {"account", "account_id", "action", "kind", "name", "summary", "details", "calls"}
    role = next(c for c in data["changes"] if c["kind"] == "role")
    assert [call["operation"] for call in role["calls"]] == ["CreateRole", "AttachRolePolicy"]
    assert data["accounts"] == org.ids


def test_verbose_shows_the_traceback_that_is_otherwise_hidden(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nope.yaml")

    quiet = rolegate(capsys, "-c", missing, "validate")
    loud = rolegate(capsys, "-v", "-c", missing, "validate")

    assert "Traceback" not in quiet.all
    assert "Traceback" in loud.err and "no such file" in loud.err
