"""Policy documents compared as IAM reads them: what IAM hands back after apply must not look like drift,
and a real change must show as a readable +/- in the plan."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from rolegate.model import policydoc
from rolegate.plan.compile import trust_policy

HUB = "111111111111"


def test_iam_url_encoded_trust_policy_equals_the_one_rolegate_wrote() -> None:
    written = trust_policy(HUB, require_mfa=True)
    returned = quote(json.dumps(written, indent=4))  # IAM: URL-encoded, its own whitespace

    assert policydoc.equivalent(written, returned)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            },
            {
                "Statement": [{"Resource": ["*"], "Action": ["s3:GetObject"], "Effect": "Allow"}],
                "Version": "2012-10-17",
            },
            id="key-order-and-single-value-vs-list",
        ),
        pytest.param(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            },
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "STS:assumerole", "Resource": "*"}],
            },
            id="action-names-are-case-insensitive",
        ),
        pytest.param(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["b:B", "a:A"], "Resource": "*"}],
            },
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["a:A", "b:B", "a:A"], "Resource": "*"}],
            },
            id="value-order-and-repeats",
        ),
        pytest.param(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::1:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": ["arn:aws:iam::1:root"]},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            id="principal-string-vs-list",
        ),
        pytest.param(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": True}},
                    }
                ],
            },
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Condition": {"Bool": {"aws:multifactorauthpresent": ["true"]}},
                    }
                ],
            },
            id="condition-bool-vs-string-and-key-case",
        ),
        pytest.param(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "A", "Effect": "Allow", "Action": "a:A", "Resource": "*"},
                    {"Sid": "B", "Effect": "Deny", "Action": "b:B", "Resource": "*"},
                ],
            },
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "B", "Effect": "Deny", "Action": "b:B", "Resource": "*"},
                    {"Sid": "A", "Effect": "Allow", "Action": "a:A", "Resource": "*"},
                ],
            },
            id="statement-order",
        ),
        pytest.param(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:A","Resource":"*"}]}',
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "a:A", "Resource": "*"}]},
            id="json-text-and-dict",
        ),
        pytest.param(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:A","Resource":"*"}]}',
            '\n  {\n\t"Statement" : [ {\n "Resource" : "*" , "Effect":"Allow",\n"Action":"a:A"} ],'
            '\n  "Version" : "2012-10-17"\n}\n',
            id="whitespace",
        ),
        pytest.param(
            {"Statement": [{"Effect": "Allow", "Action": "a:A", "Resource": "*"}]},
            {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "a:A", "Resource": "*"}]},
            id="missing-version-is-iams-default",
        ),
    ],
)
def test_documents_iam_treats_the_same_compare_equal(a: policydoc.Document, b: policydoc.Document) -> None:
    assert policydoc.equivalent(a, b)
    assert policydoc.normalize(a) == policydoc.normalize(b)
    assert policydoc.diff_lines(a, b) == []


def test_a_real_difference_is_seen_and_shown_as_a_readable_plus_line() -> None:
    without = trust_policy(HUB, require_mfa=False)
    with_mfa = trust_policy(HUB, require_mfa=True)

    lines = policydoc.diff_lines(without, with_mfa)

    assert not policydoc.equivalent(without, with_mfa)
    added = [line for line in lines if line.startswith("+ ")]
    assert added == ['+   Condition: { Bool: { aws:MultiFactorAuthPresent: "true" } }']
    assert any(line.startswith("  ") for line in lines)  # context around it
    assert policydoc.diff_lines(with_mfa, with_mfa) == []


def test_a_resource_or_a_principal_is_not_case_folded() -> None:
    a = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::Bucket/*"}],
    }
    b = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}],
    }

    assert not policydoc.equivalent(a, b)


def test_the_readable_form_is_deterministic_and_keeps_case() -> None:
    document = trust_policy(HUB, require_mfa=True)

    first = policydoc.render(document)

    assert first == policydoc.render(json.loads(json.dumps(document)))
    assert "  Action: sts:AssumeRole" in first and first[0] == "Version: 2012-10-17"


def test_a_role_rolegate_is_about_to_create_shows_every_line_as_added() -> None:
    document = trust_policy(HUB, require_mfa=True)

    lines = policydoc.diff_lines(None, document)

    assert lines == ["+ " + line for line in policydoc.render(document)]
    assert '+   Condition: { Bool: { aws:MultiFactorAuthPresent: "true" } }' in lines


def test_a_hand_edit_that_only_recased_an_action_does_not_clutter_a_real_change() -> None:
    rolegate_wrote = trust_policy(HUB, require_mfa=False)
    recased = json.loads(json.dumps(rolegate_wrote).replace("sts:AssumeRole", "STS:assumerole"))
    with_mfa = trust_policy(HUB, require_mfa=True)

    lines = policydoc.diff_lines(recased, with_mfa)

    assert [line for line in lines if line[0] in "+-"] == [
        '+   Condition: { Bool: { aws:MultiFactorAuthPresent: "true" } }'
    ]


def test_condition_values_are_not_case_folded() -> None:
    def tagged(team: str) -> dict[str, object]:
        condition = {"StringEquals": {"aws:PrincipalTag/Team": team}}
        return {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "a:A", "Condition": condition}],
        }

    assert not policydoc.equivalent(tagged("Platform"), tagged("platform"))


def test_the_readable_form_puts_short_lists_on_one_line_and_long_ones_one_per_line() -> None:
    short = ["s3:GetObject", "s3:ListBucket"]
    long = [f"iam:{verb}{noun}" for verb in ("Get", "List") for noun in ("Role", "Policy", "User", "Group")]
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Short", "Effect": "Allow", "Action": short, "Resource": "*"},
            {"Sid": "Long", "Effect": "Allow", "Action": long, "Resource": ["*"]},
        ],
    }

    lines = policydoc.render(document)

    assert lines[:3] == ["Version: 2012-10-17", "Statement:", "- Sid: Long"]
    assert "  Action: [s3:GetObject, s3:ListBucket]" in lines
    assert lines[3] == "  Action:" and lines[4:12] == [f"    - {a}" for a in sorted(long)]
    assert lines.count("  Resource: *") == 2


@pytest.mark.parametrize(
    "garbage",
    ["{not json", "", "[1, 2]", "null", "%7B%22Version%22", pytest.param(42, id="not-text")],
)
def test_garbage_is_a_clear_error(garbage: object) -> None:
    with pytest.raises(ValueError, match="not a policy document"):
        policydoc.parse(garbage)  # type: ignore[arg-type]
