"""Delete a member account's root user credentials from the management account, with no root sign-in:
sts:AssumeRoot scoped by the AWS managed task policy IAMDeleteRootUserCredentials, then, in that session,
the IAM calls AWS documents for the task, each without UserName (IAM then acts on the session's principal,
the member account's root user).

Deciding what to delete (`Holdings.calls`) is pure; the rest is a thin layer over two clients, so it can be
tested against real botocore clients with a Stubber (moto 5.2.5 has no AssumeRoot).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rolegate.aws.errors import error_code, error_message
from rolegate.errors import AwsError

# The root task policies live under /root-task/ (STS API reference, AssumeRoot's TaskPolicyArn): this one
# allows only Get/List/Delete of the root user's password, keys, signing certificates and MFA devices.
TASK_POLICY = "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
SESSION_SECONDS = 900  # AssumeRoot's maximum (RootDurationSecondsType), and its default
# What a rerun may meet: a credential deleted between the listing and the delete (or by a run cut short).
_GONE = "NoSuchEntity"


@dataclass(frozen=True)
class Holdings:
    """What the root user holds (as listed in the root session) or what was deleted. Access key ids and
    serial numbers are identifiers, not secrets, but are shown only by their last four characters."""

    login_profile: bool = False
    access_keys: tuple[str, ...] = ()
    certificates: tuple[str, ...] = ()
    mfa_devices: tuple[str, ...] = ()  # serial numbers (an ARN for a virtual device)

    @property
    def empty(self) -> bool:
        return not (self.login_profile or self.access_keys or self.certificates or self.mfa_devices)

    def calls(self) -> list[tuple[str, dict[str, str]]]:
        """The IAM calls that delete it all, in the order AWS documents for IAMDeleteRootUserCredentials:
        the console password, the access keys, the signing certificates, then each MFA device deactivated
        (and a virtual one deleted too). No UserName anywhere: the root session's own user."""
        out: list[tuple[str, dict[str, str]]] = []
        if self.login_profile:
            out.append(("DeleteLoginProfile", {}))
        out += [("DeleteAccessKey", {"AccessKeyId": key}) for key in self.access_keys]
        out += [("DeleteSigningCertificate", {"CertificateId": cert}) for cert in self.certificates]
        for serial in self.mfa_devices:
            out.append(("DeactivateMFADevice", {"SerialNumber": serial}))
            if is_virtual(serial):
                out.append(("DeleteVirtualMFADevice", {"SerialNumber": serial}))
        return out

    def said(self) -> list[str]:
        """By count, as people read it: "the password", "2 access keys (…CDEF, …WXYZ)", …"""
        out = ["the console password"] if self.login_profile else []
        if self.access_keys:
            ends = ", ".join(ending(k) for k in self.access_keys)
            out.append(f"{_count(len(self.access_keys), 'access key')} ({ends})")
        if self.certificates:
            out.append(_count(len(self.certificates), "signing certificate"))
        if self.mfa_devices:
            out.append(_count(len(self.mfa_devices), "MFA device"))
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "login_profile": self.login_profile,
            "access_keys": len(self.access_keys),
            "access_key_endings": [ending(k) for k in self.access_keys],
            "signing_certificates": len(self.certificates),
            "mfa_devices": len(self.mfa_devices),
        }


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def ending(identifier: str) -> str:
    """An access key id (or any credential id) as it may be shown: its last four characters."""
    return "…" + identifier[-4:]


def is_virtual(serial: str) -> bool:
    """A virtual MFA device's serial is its ARN, arn:aws:iam::ACCOUNT:mfa/NAME; a hardware token's is not
    an ARN, and a passkey's ARN is :u2f/ (deactivating it is all IAM offers)."""
    return serial.startswith("arn:") and ":mfa/" in serial


# -- the thin layer ---------------------------------------------------------------------------------------


def assume_root(sts: Any, account_id: str, name: str) -> dict[str, str]:
    """A root session in the member account, as keyword arguments for a client. sts: a client on a regional
    STS endpoint (AssumeRoot refuses the global one) with the management account's credentials."""
    from botocore.exceptions import ClientError
    from botocore.parsers import ResponseParserError

    hint = (
        "sts:AssumeRoot needs centralized root access on (organization.root_access: centralized in "
        "rolegate.yaml, then rolegate apply), the management account's credentials allowed sts:AssumeRoot, "
        "and a regional STS endpoint"
    )
    try:
        answer = sts.assume_root(
            TargetPrincipal=account_id,
            TaskPolicyArn={"arn": TASK_POLICY},
            DurationSeconds=SESSION_SECONDS,
        )
    except ClientError as exc:
        code = error_code(exc, "error")
        said = error_message(exc, str(exc))
        raise AwsError(f"AWS refused a root session in {name} ({account_id}): {code}: {said}", hint) from None
    except ResponseParserError:  # moto: HTTP 500, NotImplementedError
        raise AwsError(
            f"the AWS endpoint does not implement sts:AssumeRoot (needed for {name})",
            "run it against AWS itself: moto, for one, lacks AssumeRoot",
        ) from None
    creds = answer["Credentials"]
    return {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }


def _listed(iam: Any, operation: str, key: str, field: str) -> tuple[str, ...]:
    found: list[str] = []
    for page in iam.get_paginator(operation).paginate():
        found += [str(item[field]) for item in page.get(key, [])]
    return tuple(found)


def holdings(iam: Any) -> Holdings:
    """What the session's root user holds now (the task policy allows these reads)."""
    try:
        iam.get_login_profile()
        login_profile = True
    except iam.exceptions.NoSuchEntityException:
        login_profile = False
    return Holdings(
        login_profile=login_profile,
        access_keys=_listed(iam, "list_access_keys", "AccessKeyMetadata", "AccessKeyId"),
        certificates=_listed(iam, "list_signing_certificates", "Certificates", "CertificateId"),
        mfa_devices=_listed(iam, "list_mfa_devices", "MFADevices", "SerialNumber"),
    )


def _call(iam: Any, operation: str, params: dict[str, str]) -> bool:
    """One delete; False when it was gone already."""
    from botocore import xform_name
    from botocore.exceptions import ClientError

    try:
        getattr(iam, xform_name(operation))(**params)
    except ClientError as exc:
        if error_code(exc) == _GONE:
            return False
        raise
    return True


def delete_all(iam: Any, found: Holdings, name: str) -> Holdings:
    """Every call of `found.calls()`, in order; what was in fact deleted. A refusal stops there, saying
    what was done: a rerun lists again and takes up the rest."""
    from botocore.exceptions import ClientError

    done: list[tuple[str, dict[str, str]]] = []
    for operation, params in found.calls():
        try:
            if _call(iam, operation, params):
                done.append((operation, params))
        except ClientError as exc:
            so_far = _from_calls(done).said()
            raise AwsError(
                f"{name}: {operation} was refused ({error_code(exc, 'error')}: {error_message(exc, '')})"
                + (f"; deleted before it: {', '.join(so_far)}" if so_far else "; nothing was deleted"),
                "rerun `rolegate root delete-credentials`: it lists what is left and deletes that",
            ) from None
    return _from_calls(done)


def _from_calls(done: list[tuple[str, dict[str, str]]]) -> Holdings:
    def ids(operation: str, key: str) -> tuple[str, ...]:
        return tuple(p[key] for op, p in done if op == operation)

    return Holdings(
        login_profile=any(op == "DeleteLoginProfile" for op, _ in done),
        access_keys=ids("DeleteAccessKey", "AccessKeyId"),
        certificates=ids("DeleteSigningCertificate", "CertificateId"),
        mfa_devices=ids("DeactivateMFADevice", "SerialNumber"),
    )


def delete_root_credentials(
    sts: Any, iam_with: Callable[[dict[str, str]], Any], account_id: str, name: str
) -> Holdings:
    """AssumeRoot into the member account, list its root user's credentials, delete them all. `iam_with`
    makes an IAM client from the root session's credentials."""
    iam = iam_with(assume_root(sts, account_id, name))
    return delete_all(iam, holdings(iam), name)
