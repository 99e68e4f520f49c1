"""The aws-extend-switch-roles configuration: given cobus's file, the text pastes into the extension as is.

`parse_aesr` encodes the extension's own parser (src/js/lib/load_aws_config.js): comments cut at `;` or `#`,
`key = value` split at the first `=`, duplicate keys and sections without an account id rejected.
"""

from __future__ import annotations

import configparser

import pytest

from rolegate.cli.commands.config import example_text
from rolegate.local.aesr import parse_aesr, render_aesr
from rolegate.model.load import parse

TEXT = example_text().replace(
    "    email: you+staging@example.com", '    id: "444444444444"\n    email: you+staging@example.com'
)


def test_cobus_gets_a_base_hub_section_and_one_target_per_environment() -> None:
    aesr = render_aesr(parse(TEXT).config, "cobus")

    profiles = parse_aesr(aesr)

    assert [p["profile"] for p in profiles] == [
        "demo-master-cobus",
        "demo-development-cobus",
        "demo-staging-cobus",
        "demo-production-cobus",
    ]
    assert profiles[0] == {"profile": "demo-master-cobus", "aws_account_id": "111111111111"}
    production = profiles[-1]
    assert production == {
        "profile": "demo-production-cobus",
        "aws_account_id": "333333333333",
        "role_name": "administrator",
        "color": "f2b0a9",
        "region": "us-west-2",
        "source_profile": "demo-master-cobus",
    }


def test_it_round_trips_through_configparser_with_every_key_in_order() -> None:
    aesr = render_aesr(parse(TEXT).config, "cobus")
    reader = configparser.ConfigParser(interpolation=None)

    reader.read_string(aesr)

    assert reader.sections() == [p["profile"] for p in parse_aesr(aesr)]
    assert list(reader["demo-staging-cobus"]) == [
        "aws_account_id",
        "role_name",
        "color",
        "region",
        "source_profile",
    ]


def test_colours_are_the_files_own_hex_without_a_hash_which_aesr_would_cut_as_a_comment() -> None:
    text = TEXT.replace("color: green", "color: '#12ab34'")

    aesr = render_aesr(parse(text).config, "cobus")

    assert "#" not in aesr and ";" not in aesr
    assert parse_aesr(aesr)[1]["color"] == "12ab34"  # any hex, not the console's palette


def test_two_roles_in_one_account_get_two_sections_named_by_role() -> None:
    text = TEXT.replace(
        "      administrator: [development]",
        "      administrator: [development]\n      read_only: [development]",
    )

    profiles = parse_aesr(render_aesr(parse(text).config, "cobus"))

    names = [p["profile"] for p in profiles]
    assert "demo-development-cobus-administrator" in names and "demo-development-cobus-read_only" in names
    assert "demo-development-cobus" not in names


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[a]\naws_account_id = 1\naws_account_id = 2\n", "duplicate definition"),
        ("aws_account_id = 1\n", "not declared"),
        ("[a]\nrole_name = x\n", "account id"),
        ("[a]\njust words\n", "invalid key"),
    ],
)
def test_the_extensions_rules_reject_what_it_would_reject(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_aesr(text)
