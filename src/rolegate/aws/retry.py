"""Our own patience on top of botocore's: throttling that outlasts the SDK's retries is waited out again.

botocore's standard mode (aws/session.py) retries throttled calls with jittered exponential backoff, but
it gives up after its attempts or when its retry quota is spent, which a
throttling storm over hundreds of accounts can do. A throttled call was not carried out, so calling it
again is always safe; this is a second, slower layer of full-jitter backoff for that case only.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from rolegate.aws.errors import error_code, error_message

T = TypeVar("T")

# The codes IAM, STS and Organizations answer when they throttle (Organizations: TooManyRequestsException).
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "PriorRequestNotComplete",
    }
)
ATTEMPTS = 6  # each after botocore's own 10: a storm must last minutes before an account gives up
BASE = 1.0
CAP = 20.0


def is_throttling(exc: BaseException) -> bool:
    message = error_message(exc)
    return error_code(exc) in THROTTLING_CODES or "rate exceeded" in message.lower()


def backoff(
    attempt: int, *, base: float = BASE, cap: float = CAP, rand: Callable[[], float] = random.random
) -> float:
    """Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in [0, min(cap,
    base·2^attempt)], so many accounts throttled at once do not come back at the same moment."""
    return float(rand() * min(cap, base * 2**attempt))


def patiently(
    call: Callable[[], T],
    *,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[BaseException], None] | None = None,
) -> T:
    """`call()`, again after a jittered wait while it is throttled; any other error is raised at once."""
    for attempt in range(attempts):
        try:
            return call()
        except Exception as exc:
            if attempt == attempts - 1 or not is_throttling(exc):
                raise
            if on_retry:
                on_retry(exc)
            sleep(backoff(attempt))
    raise AssertionError("unreachable")  # pragma: no cover
