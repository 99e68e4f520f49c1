"""`rolegate root delete-credentials`, its AWS calls against real botocore clients with a Stubber: moto 5.2.5
implements neither sts:AssumeRoot nor a root session, so the calls are checked as botocore would send them
(every parameter validated against the service model) and answered as AWS documents. Given production's
root user with a password, two access keys and a virtual MFA device, when cobus deletes its credentials,
then AssumeRoot is asked for the IAMDeleteRootUserCredentials task and each credential is deleted, none by
UserName; and nothing of a key beyond its last four characters is shown."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest
from botocore.stub import Stubber

from rolegate.errors import AwsError
from rolegate.respond.root import TASK_POLICY, Holdings, assume_root, delete_all, holdings

KEYS = ("AKIAEXAMPLEROOT0001", "AKIAEXAMPLEROOT0002")
SERIAL = "arn:aws:iam::444444444444:mfa/root-account-mfa-device"
NOW = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)


def client(service: str) -> object:
    return boto3.client(
        service,
        region_name="us-west-2",
        aws_access_key_id="AKIATESTING",
        aws_secret_access_key="test-not-a-key",
    )


def test_a_root_session_is_asked_for_the_delete_credentials_task_only() -> None:
    sts = client("sts")
    with Stubber(sts) as stub:
        stub.add_response(
            "assume_root",
            {
                "Credentials": {
                    "AccessKeyId": "ASIAROOTSESSION01",
                    "SecretAccessKey": "s" * 40,
                    "SessionToken": "t" * 20,
                    "Expiration": NOW,
                }
            },
            {
                "TargetPrincipal": "444444444444",
                "TaskPolicyArn": {"arn": TASK_POLICY},
                "DurationSeconds": 900,
            },
        )
        credentials = assume_root(sts, "444444444444", "production")
    assert credentials["aws_access_key_id"] == "ASIAROOTSESSION01"


def test_a_refused_root_session_says_what_centralized_root_access_needs() -> None:
    sts = client("sts")
    with Stubber(sts) as stub:
        stub.add_client_error("assume_root", "AccessDenied", "not allowed")
        with pytest.raises(AwsError) as refused:
            assume_root(sts, "444444444444", "production")
    assert "production (444444444444)" in refused.value.message
    assert refused.value.hint is not None and "root_access: centralized" in refused.value.hint


def test_every_credential_the_root_user_holds_is_deleted_none_by_user_name() -> None:
    iam = client("iam")
    with Stubber(iam) as stub:
        stub.add_response("get_login_profile", {"LoginProfile": {"UserName": "root", "CreateDate": NOW}}, {})
        stub.add_response(
            "list_access_keys",
            {"AccessKeyMetadata": [{"AccessKeyId": k, "Status": "Active"} for k in KEYS]},
            {},
        )
        stub.add_response("list_signing_certificates", {"Certificates": []}, {})
        stub.add_response(
            "list_mfa_devices",
            {"MFADevices": [{"UserName": "root", "SerialNumber": SERIAL, "EnableDate": NOW}]},
            {},
        )
        found = holdings(iam)
        stub.add_response("delete_login_profile", {}, {})
        for key in KEYS:
            stub.add_response("delete_access_key", {}, {"AccessKeyId": key})
        stub.add_response("deactivate_mfa_device", {}, {"SerialNumber": SERIAL})
        stub.add_response("delete_virtual_mfa_device", {}, {"SerialNumber": SERIAL})
        deleted = delete_all(iam, found, "production")
        stub.assert_no_pending_responses()
    assert deleted == found
    said = ", ".join(deleted.said())
    assert said == "the console password, 2 access keys (…0001, …0002), 1 MFA device"
    assert not any(key in said or key in str(deleted.to_json()) for key in KEYS)


def test_a_delete_refused_half_way_says_what_was_done_and_a_rerun_finishes() -> None:
    iam = client("iam")
    found = Holdings(login_profile=True, access_keys=KEYS[:1])
    with Stubber(iam) as stub:
        stub.add_response("delete_login_profile", {}, {})
        stub.add_client_error(
            "delete_access_key", "AccessDenied", "no", expected_params={"AccessKeyId": KEYS[0]}
        )
        with pytest.raises(AwsError) as stopped:
            delete_all(iam, found, "production")
    assert "deleted before it: the console password" in stopped.value.message
    assert KEYS[0] not in stopped.value.message


def test_a_credential_gone_meanwhile_is_not_an_error() -> None:
    iam = client("iam")
    with Stubber(iam) as stub:
        stub.add_client_error(
            "delete_access_key", "NoSuchEntity", "gone", expected_params={"AccessKeyId": KEYS[0]}
        )
        deleted = delete_all(iam, Holdings(access_keys=KEYS[:1]), "production")
    assert deleted.empty
