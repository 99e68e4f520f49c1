"""`rolegate root delete-credentials` on the moto server: what it refuses before any AWS call, and what it
says where the endpoint lacks sts:AssumeRoot (moto 5.2.5 does; the calls themselves are tested against
botocore's Stubber in tests/unit/test_root_credentials_stubbed.py)."""

from __future__ import annotations

import pytest
from tests.builders import seed_config
from tests.helpers import Org, rolegate

pytestmark = pytest.mark.aws


def test_the_management_account_is_refused_before_any_call(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(org.write_config(seed_config(org.ids)))
    done = rolegate(capsys, "-c", config, "root", "delete-credentials", "master", "--yes")
    assert done.code == 1
    assert "master is the management account: sts:AssumeRoot reaches member accounts only" in done.err
    assert "Traceback" not in done.all


def test_an_unknown_account_is_refused_with_the_member_accounts(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(org.write_config(seed_config(org.ids)))
    done = rolegate(capsys, "-c", config, "root", "delete-credentials", "prod", "--yes")
    assert done.code == 1
    assert "no account 'prod' in demo's rolegate.yaml" in done.err and "production" in done.err


def test_an_endpoint_without_assume_root_is_said_plainly(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(org.write_config(seed_config(org.ids)))
    done = rolegate(capsys, "-c", config, "root", "delete-credentials", "production", "--yes")
    assert done.code == 1, done.all
    assert "sts:AssumeRoot" in done.err and "Traceback" not in done.all
