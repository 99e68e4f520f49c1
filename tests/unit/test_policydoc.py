"""Policy documents compared as IAM reads them: what IAM hands back after apply must not look like drift,
and a real change must show as a readable +/- in the plan."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from rolegate.plan import policydoc
from rolegate.plan.compile import trust_policy

HUB = "111111111111"


def test_iams_url_encoded_trust_policy_equals_the_one_rolegate_wrote() -> None:
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
                        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": True}},
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
                        "Condition": {"Bool": {"aws:multifactorauthpresent": ["true"]}},
                    }
                ],
            },
            id="principal-list-condition-bool-and-key-case",
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
    ],
)
def test_documents_iam_treats_the_same_compare_equal(a: object, b: object) -> None:
    assert policydoc.equivalent(a, b)  # type: ignore[arg-type]


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


def test_garbage_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not a policy document"):
        policydoc.parse("{not json")
