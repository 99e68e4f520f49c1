"""Throttling that outlasts botocore's retries is waited out again, with full jitter; nothing else is."""

from __future__ import annotations

import pytest

from rolegate.aws.retry import backoff, is_throttling, patiently
from rolegate.plan.apply import hint_for
from rolegate.plan.changes import Call, Change


class Refused(Exception):
    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code, "Message": message}}


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("Throttling", "Rate exceeded"),
        ("ThrottlingException", ""),
        ("TooManyRequestsException", ""),  # Organizations
        ("RequestLimitExceeded", ""),
        ("SomethingElse", "Rate exceeded"),
    ],
)
def test_the_codes_iam_sts_and_organizations_throttle_with_are_recognised(code: str, message: str) -> None:
    assert is_throttling(Refused(code, message))


def test_full_jitter_stays_under_the_cap_and_grows_with_the_attempt() -> None:
    assert backoff(0, rand=lambda: 1.0) == 1.0
    assert backoff(3, rand=lambda: 1.0) == 8.0
    assert backoff(10, rand=lambda: 1.0) == 20.0  # capped
    assert backoff(10, rand=lambda: 0.25) == 5.0  # anywhere between 0 and the cap


def test_a_throttled_call_is_called_again_and_anything_else_is_raised_at_once() -> None:
    answers: list[Exception | str] = [Refused("Throttling"), Refused("ThrottlingException"), "ok"]
    waited: list[float] = []

    def call() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert patiently(call, sleep=waited.append) == "ok"
    assert len(waited) == 2

    def denied() -> str:
        raise Refused("AccessDenied")

    with pytest.raises(Refused):
        patiently(denied, sleep=waited.append)
    assert len(waited) == 2


def test_a_failed_change_gets_a_hint_that_names_the_account_and_the_action() -> None:
    change = Change("staging", "222222222222", "create", "role", "administrator")
    call = Call("CreateRole", {"RoleName": "administrator"})

    denied = hint_for(change, call, Refused("AccessDenied"))
    throttled = hint_for(change, call, Refused("Throttling"))

    assert "staging (222222222222)" in denied and "iam:CreateRole" in denied
    assert "bootstrap_role" in denied
    assert "--parallel" in throttled
