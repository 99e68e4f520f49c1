"""MFA enrolment from the terminal: given the seed applied on moto and cobus's profiles naming an old phone,
when he runs `rolegate mfa enroll --show-secret` in a terminal, scans the code (here: the test computes the
codes from the secret it shows, with pyotp) and types two in a row, then IAM has his device enabled and his
profiles name it. moto does not check the codes; AWS does, and rolegate then removes the device again.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pyotp
import pytest
from tests.helpers import Org, rolegate, seed_applied
from tests.terminal import TAKE_TERMINAL, drain, read_until

pytestmark = pytest.mark.aws

ROLEGATE = str(Path(sys.executable).with_name("rolegate"))


def enroll_in_a_terminal(org: Org, *args: str) -> tuple[int, str]:
    import pty

    master, slave = pty.openpty()
    env = {**os.environ, **org.env, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    child = subprocess.Popen(
        [sys.executable, "-c", TAKE_TERMINAL, ROLEGATE, "mfa", "enroll", *args],
        env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    screen = read_until(master, b"First code: ")
    secret = re.search(rb"secret: ([A-Z2-7=]+)", screen)
    assert secret, screen
    totp = pyotp.TOTP(secret.group(1).decode())
    now = time.time()
    os.write(master, (totp.at(now) + "\n").encode())
    screen += read_until(master, b"Next code")
    os.write(master, (totp.at(now + 30) + "\n").encode())
    child.wait(timeout=60)
    screen += drain(master)
    os.close(master)
    return child.returncode, screen.decode(errors="replace")


def test_cobus_enrolls_a_virtual_mfa_device_and_his_profiles_name_it(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = seed_applied(org, capsys)
    assert rolegate(capsys, "-c", config, "profiles", "--user", "cobus", "--write").code == 0
    aws_config = Path(org.env["AWS_CONFIG_FILE"])
    serial = f"arn:aws:iam::{org.hub_id}:mfa/cobus"
    aws_config.write_text(aws_config.read_text().replace(serial, f"arn:aws:iam::{org.hub_id}:mfa/old-phone"))

    code, screen = enroll_in_a_terminal(org, "--user", "cobus", "--show-secret")

    assert code == 0, screen
    assert "▄" in screen or "█" in screen  # the QR code, drawn in the terminal
    assert f"MFA device {serial} enabled for cobus" in screen
    devices = org.client("iam").list_mfa_devices(UserName="cobus")["MFADevices"]
    assert [d["SerialNumber"] for d in devices] == [serial]
    text = aws_config.read_text()
    assert "old-phone" not in text and text.count(f"mfa_serial = {serial}") == 3
    assert list(aws_config.parent.glob("config.rolegate-backup-*"))

    again = rolegate(capsys, "mfa", "enroll", "--user", "cobus")
    assert again.code == 1 and "already has an MFA device" in again.err and "--replace" in again.err


def test_enrolment_refuses_to_draw_its_secret_into_a_pipe(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    org.client("iam").create_user(UserName="cobus")

    result = rolegate(capsys, "mfa", "enroll", "--user", "cobus")

    assert result.code == 1 and "not a terminal" in result.err
    assert org.client("iam").list_virtual_mfa_devices()["VirtualMFADevices"] == []
