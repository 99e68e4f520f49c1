"""The example loads as the seed means it: `*` is every environment, grants are the seed's policy, exactly,
and a group reaching hundreds of roles is split under IAM's 6,144-character limit instead of failing apply."""

from __future__ import annotations

from rolegate.cli.commands.config import example_text
from rolegate.model.grants import MAX_MANAGED_POLICY_CHARS, grant_documents, policy_size, reachable_roles
from rolegate.model.load import parse


def test_the_example_loads_with_only_the_warning_that_staging_has_no_id_yet() -> None:
    loaded = parse(example_text())

    assert [(d.path, d.severity) for d in loaded.warnings] == [("accounts.staging", "warning")]
    assert loaded.config.hub_id() == "111111111111"


def test_star_means_every_account_but_the_hub() -> None:
    config = parse(example_text()).config

    assert config.role_accounts("read_only") == ["development", "staging", "production"]


def test_a_grant_is_the_seeds_hand_written_policy_exactly() -> None:
    config = parse(example_text()).config

    (document,) = grant_documents(config, "development_administrator")

    statement = document["Statement"][0]
    assert statement["Effect"] == "Allow" and statement["Action"] == "sts:AssumeRole"
    assert statement["Resource"] == "arn:aws:iam::222222222222:role/administrator"


def test_cobus_reaches_administrator_in_every_environment_through_his_groups() -> None:
    config = parse(example_text()).config

    assert reachable_roles(config, "cobus") == [
        ("development", "administrator"),
        ("staging", "administrator"),
        ("production", "administrator"),
    ]


def test_a_group_reaching_four_hundred_accounts_is_split_into_policies_under_the_size_limit() -> None:
    accounts = "\n".join(f'  env{i}:\n    id: "{100000000000 + i}"' for i in range(400))
    text = f"""\
version: 1
organization: {{name: big, hub: hub}}
accounts:
  hub:
    id: "999999999999"
{accounts}
roles:
  administrator: {{accounts: ["*"], policies: [AdministratorAccess]}}
groups:
  admins:
    assume: {{administrator: ["*"]}}
"""
    config = parse(text).config

    documents = grant_documents(config, "admins")

    assert len(documents) > 1
    assert all(policy_size(d) <= MAX_MANAGED_POLICY_CHARS for d in documents)
    granted = [arn for d in documents for arn in d["Statement"][0]["Resource"]]
    assert len(granted) == len(set(granted)) == 400
