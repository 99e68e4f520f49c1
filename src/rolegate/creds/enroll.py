"""The seed's "set up MFA on your user", without the console: a virtual MFA device for a hub user.

Create the device, let the person scan it, enable it with two consecutive codes. A device that was created
but never enabled (the person gave up, the codes were wrong) is deleted again, so a rerun starts clean; a
user who already has a device keeps it unless the caller asks to replace it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from rolegate.aws.errors import error_code, refusal
from rolegate.errors import AwsError, RolegateError

ISSUER = "Amazon Web Services"


@dataclass(frozen=True)
class VirtualDevice:
    serial: str
    seed: str = field(repr=False)  # the base32 TOTP secret: whoever has it can make codes

    def otpauth_uri(self, user: str, account: str) -> str:
        """What authenticator apps scan, labelled like the console labels its own QR codes."""
        label = quote(f"{ISSUER}:{user}@{account}")
        return f"otpauth://totp/{label}?secret={self.seed}&issuer={quote(ISSUER)}"


def _refused(what: str, user: str, exc: Any) -> AwsError:
    return AwsError(
        f"user {user!r}: AWS refused {what}: {refusal(exc)}",
        "the caller needs iam:*MFADevice* on the user (AWS's self-manage-MFA policy grants it for oneself)",
    )


def existing_devices(iam: Any, user: str) -> list[str]:
    from botocore.exceptions import ClientError

    try:
        return [d["SerialNumber"] for d in iam.list_mfa_devices(UserName=user)["MFADevices"]]
    except ClientError as exc:
        if error_code(exc) == "NoSuchEntity":
            raise RolegateError(f"no user {user!r} in this account", "pass --user with a hub user") from None
        raise _refused("ListMFADevices", user, exc) from None


def remove_devices(iam: Any, user: str, serials: list[str]) -> None:
    for serial in serials:
        iam.deactivate_mfa_device(UserName=user, SerialNumber=serial)
        if ":mfa/" in serial:  # virtual devices are deleted too; hardware ones only detached
            iam.delete_virtual_mfa_device(SerialNumber=serial)


def create_device(iam: Any, user: str) -> VirtualDevice:
    """A new virtual device named after the user; an unassigned leftover of that name is cleared first."""
    from botocore.exceptions import ClientError

    for attempt in range(2):
        try:
            device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]
        except ClientError as exc:
            if error_code(exc) != "EntityAlreadyExists" or attempt:
                raise _refused("CreateVirtualMFADevice", user, exc) from None
            for left in iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]:
                if left["SerialNumber"].endswith(f"/{user}"):
                    iam.delete_virtual_mfa_device(SerialNumber=left["SerialNumber"])
            continue
        seed = device["Base32StringSeed"]
        if isinstance(seed, bytes):
            seed = seed.decode()
        base64.b32decode(seed + "=" * (-len(seed) % 8))  # a seed that is not base32 fails here, not in an app
        return VirtualDevice(device["SerialNumber"], seed)
    raise AssertionError("unreachable")


def enable_device(iam: Any, user: str, device: VirtualDevice, first: str, second: str) -> None:
    """Enable with two consecutive codes; on refusal the device is deleted, so nothing is left half-made."""
    from botocore.exceptions import ClientError

    try:
        iam.enable_mfa_device(
            UserName=user, SerialNumber=device.serial, AuthenticationCode1=first, AuthenticationCode2=second
        )
    except ClientError as exc:
        iam.delete_virtual_mfa_device(SerialNumber=device.serial)
        code = error_code(exc)
        if code == "InvalidAuthenticationCode":
            raise RolegateError(
                "AWS did not accept the two codes; the device was removed again",
                "run it again and enter two codes in a row, waiting for the app to show the second",
            ) from None
        raise _refused("EnableMFADevice", user, exc) from None
