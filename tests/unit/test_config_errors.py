"""Every kind of mistake in rolegate.yaml, reported as a compiler would: file:line:column, the field, what is
wrong, and how to fix it, with every problem at once and nothing sent to AWS.

Given the commented example with one mistake made in it, when cobus runs validate, then this is what he reads.
"""

from __future__ import annotations

import pytest

from rolegate.cli.commands.config import example_text
from rolegate.errors import ConfigError, Diagnostic
from rolegate.model.load import parse

EXAMPLE = example_text()


def errors_of(text: str) -> list[Diagnostic]:
    with pytest.raises(ConfigError) as caught:
        parse(text, "rolegate.yaml")
    assert all(d.severity == "error" for d in caught.value.diagnostics)
    return caught.value.diagnostics


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def one_error(original: str, replacement: str) -> tuple[Diagnostic, str]:
    assert original in EXAMPLE, original
    text = EXAMPLE.replace(original, replacement, 1)
    found = errors_of(text)
    assert len(found) == 1, [(d.path, d.message) for d in found]
    return found[0], text


# (what was changed, into what, field path, message fragment, hint fragment or None, line fragment)
CASES = [
    pytest.param(
        "administrator: [development]",
        "administrator: [developmnt]",
        "groups.development_administrator.assume.administrator[0]",
        "unknown account 'developmnt'",
        "did you mean 'development'?",
        "[developmnt]",
        id="typo-in-an-assumed-account",
    ),
    pytest.param(
        "groups: [development_administrator, production_administrator, master_administrator]",
        "groups: [development_administrator, prod_administrator]",
        "users.cobus.groups[1]",
        "unknown group 'prod_administrator'",
        "did you mean 'production_administrator'?",
        "prod_administrator",
        id="unknown-group-of-a-user",
    ),
    pytest.param(
        '      read_only: ["*"]',
        '      read_onyl: ["*"]',
        "groups.everyone_read_only.assume.read_onyl",
        "unknown role 'read_onyl'",
        "did you mean 'read_only'?",
        "read_onyl",
        id="unknown-role-in-assume",
    ),
    pytest.param(
        'id: "333333333333"',
        'id: "222222222222"  # copied',
        "accounts.production.id",
        "also the id of account 'development'",
        "each account has its own id",
        "# copied",
        id="duplicate-account-id",
    ),
    pytest.param(
        "hub: master ",
        "hub: mastr  ",
        "organization.hub",
        "unknown account 'mastr'",
        "did you mean 'master'?",
        "hub: mastr",
        id="hub-not-among-the-accounts",
    ),
    pytest.param(
        'id: "333333333333"',
        'id: "33333333333"',
        "accounts.production.id",
        "not a 12-digit account id",
        None,
        "33333333333",
        id="eleven-digit-id",
    ),
    pytest.param(
        'id: "333333333333"',
        "id: 033333333333",
        "accounts.production.id",
        "YAML drops leading zeros",
        None,
        "033333333333",
        id="unquoted-id-losing-its-leading-zero",
    ),
    pytest.param(
        "color: yellow",
        "color: purple",
        "accounts.staging.color",
        "'purple' is not a colour",
        None,
        "purple",
        id="unknown-colour",
    ),
    pytest.param(
        "max_session: 1h",
        "max_session: 10m",
        "roles.administrator.max_session",
        "outside what IAM allows for a role session: 15m to 12h",
        None,
        "10m",
        id="session-too-short",
    ),
    pytest.param(
        "max_session: 1h",
        "max_session: 13h",
        "roles.administrator.max_session",
        "outside what IAM allows",
        None,
        "13h",
        id="session-too-long",
    ),
    pytest.param(
        "max_session: 1h",
        "max_session: 2x",
        "roles.administrator.max_session",
        "'2x' is not a duration",
        None,
        "2x",
        id="not-a-duration",
    ),
    pytest.param(
        "\nroles:",
        "\nrolse:",
        "rolse",
        "unknown field 'rolse'",
        "did you mean 'roles'?",
        "rolse:",
        id="unknown-top-level-key",
    ),
    pytest.param(
        "require_mfa: true                 #",
        "require_mf: true                 #",
        "roles.administrator.require_mf",
        "unknown field 'require_mf'",
        "did you mean 'require_mfa'?",
        "require_mf:",
        id="unknown-key-in-a-role",
    ),
    pytest.param(
        "version: 1",
        "version: 2",
        "version",
        "2 is not allowed; expected 1",
        None,
        "version: 2",
        id="unknown-version",
    ),
    pytest.param(
        "administrator: [staging, production]",
        "administrator: [staging, master]",
        "groups.production_administrator.assume.administrator[1]",
        "role 'administrator' is not created in account 'master'",
        "add master to roles.administrator.accounts",
        "[staging, master]",
        id="grant-to-an-account-without-the-role",
    ),
    pytest.param(
        "policies: [AdministratorAccess]   #",
        "policies: [" + ", ".join(f"Policy{i}" for i in range(11)) + "]   #",
        "roles.administrator.policies",
        "11 managed policies; IAM attaches at most 10 to a role",
        "combine",
        "Policy10",
        id="more-managed-policies-than-iam-attaches",
    ),
]


@pytest.mark.parametrize(("original", "replacement", "path", "message", "hint", "where"), CASES)
def test_each_mistake_names_line_field_and_fix(
    original: str, replacement: str, path: str, message: str, hint: str | None, where: str
) -> None:
    found, text = one_error(original, replacement)

    assert found.path == path
    assert message in found.message
    assert found.file == "rolegate.yaml"
    assert found.line == line_of(text, where)
    if hint:
        assert found.hint and hint in found.hint
    assert found.source == text.splitlines()[found.line - 1]  # shown under the message, with a caret


def test_a_list_item_is_pointed_at_exactly() -> None:
    text = EXAMPLE.replace(
        "accounts: [development, staging, production]", "accounts: [development, staging, qa]"
    )
    (found,) = [d for d in errors_of(text) if d.path.startswith("roles.")]

    assert found.path == "roles.administrator.accounts[2]"
    assert found.source is not None and found.column is not None
    assert found.source[found.column - 1 : found.column - 1 + found.width] == "qa"


def test_an_unquoted_twelve_digit_id_is_accepted() -> None:
    loaded = parse(EXAMPLE.replace('id: "333333333333"', "id: 333333333333"))

    assert loaded.config.accounts["production"].id == "333333333333"


def test_the_hub_needs_an_id_because_rolegate_signs_in_there() -> None:
    found, _ = one_error('    id: "111111111111"\n', "")

    assert found.path == "accounts.master" and "needs an id" in found.message
    assert found.hint and "get-caller-identity" in found.hint


def test_a_user_in_more_groups_than_iam_allows() -> None:
    groups = "\n".join(f"  g{i}:\n    policies: [ReadOnlyAccess]" for i in range(11))
    text = EXAMPLE.replace("\nusers:", f"\n{groups}\nusers:").replace(
        "groups: [development_administrator, production_administrator, master_administrator]",
        "groups: [" + ", ".join(f"g{i}" for i in range(11)) + "]",
    )

    (found,) = errors_of(text)

    assert found.path == "users.cobus.groups" and "at most 10" in found.message


def test_a_group_whose_grants_and_policies_exceed_ten_attachments() -> None:
    policies = ", ".join(f"Policy{i}" for i in range(10))
    text = EXAMPLE.replace(
        "  master_administrator:\n    policies: [AdministratorAccess]",
        f"  master_administrator:\n    assume:\n      administrator: [development]\n"
        f"    policies: [{policies}]",
    )

    (found,) = errors_of(text)

    assert found.path == "groups.master_administrator"
    assert "11 managed policies (10 listed, 1 for its grants)" in found.message


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        pytest.param(
            EXAMPLE.replace("  name: demo", "  name: [demo"), 9, "expected ','", id="broken-flow-list"
        ),
        pytest.param(
            EXAMPLE.replace("  region: us-west-2", "  region: us-west-2\n  region: eu-west-1"),
            11,
            "written twice",
            id="duplicate-key",
        ),
        pytest.param("", 1, "must be a mapping", id="empty-file"),
        pytest.param("- a\n- b\n", 1, "must be a mapping", id="a-list-not-a-mapping"),
    ],
)
def test_broken_yaml_is_one_message_with_its_line(text: str, line: int, fragment: str) -> None:
    (found,) = errors_of(text)

    assert found.line == line and fragment in found.message


def test_three_independent_mistakes_are_reported_at_once_in_file_order() -> None:
    text = (
        EXAMPLE.replace("color: yellow", "color: purple")
        .replace("require_mfa: true                 #", "require_mf: true                 #")
        .replace("administrator: [development]", "administrator: [developmnt]")
    )

    found = errors_of(text)

    assert [d.path for d in found] == [
        "accounts.staging.color",
        "roles.administrator.require_mf",
        "groups.development_administrator.assume.administrator[0]",
    ]
    assert [d.line for d in found] == sorted(d.line or 0 for d in found)


def test_warnings_do_not_count_as_errors_and_wait_until_the_errors_are_fixed() -> None:
    found = errors_of(EXAMPLE.replace("color: yellow", "color: purple"))
    warnings = parse(EXAMPLE.replace("max_session: 1h", "max_session: 15m")).warnings

    assert [d.path for d in found] == ["accounts.staging.color"]  # not staging's "no id yet" warning
    assert {d.path for d in warnings} == {"accounts.staging", "roles.administrator.max_session"}
    assert any("at least 1h" in d.message for d in warnings)
