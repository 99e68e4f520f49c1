"""Class 4 of issue 16, between processes: twenty `rolegate profiles --write` at once lose nothing.

The unit tests of atomic.py show the lock, the symlink refusal and the backups one call at a time; this
is the race the issue reproduced. Each writer is a real `rolegate` process, and all twenty start together
against one ~/.aws/config that already holds cobus's own profile and comments. Each writes its profiles under
a prefix of its own. botocore then reads the file and must find every writer's profiles and cobus's lines.

Checked against fb45e3e, where the read-merge-rename took no lock: there, writers that read the file before
another's rename replaced it dropped that writer's profiles: in two runs there, writer 1's and then writer 0's
profiles were missing from the final file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import botocore.configloader
from tests.builders import seed_config

WRITERS = 20
IDS = {"master": "111111111111", "development": "222222222222", "staging": "444444444444"}
IDS["production"] = "333333333333"
OWN = "# cobus's own settings\n[profile mine]\nregion = eu-west-2  ; his note\n"


def test_twenty_writers_at_once_lose_none_of_each_others_profiles(tmp_path: Path) -> None:
    """Given cobus's ~/.aws/config with his own profile, when twenty rolegate processes write their profiles
    into it at the same moment, then every one of them is there, and so is everything of his."""
    config = tmp_path / "rolegate.yaml"
    config.write_text(seed_config(IDS), encoding="utf-8")
    aws_config = tmp_path / "config"
    aws_config.write_text(OWN, encoding="utf-8")
    env = {**os.environ, "NO_COLOR": "1", "AWS_CONFIG_FILE": str(aws_config)}
    command = [sys.executable, "-m", "rolegate", "-c", str(config), "profiles", "--user", "cobus", "--write"]

    writers = [
        subprocess.Popen(
            [*command, "--config-file", str(aws_config), "--prefix", f"w{n}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    results = [(w.wait(timeout=120), w.stderr.read() if w.stderr else "") for w in writers]

    assert [code for code, _ in results] == [0] * WRITERS, [err for code, err in results if code]
    sections = botocore.configloader.raw_config_parse(str(aws_config))
    for n in range(WRITERS):
        written = [name for name in sections if name.startswith(f"profile w{n}-")]
        assert written, f"writer {n}'s profiles were lost"
        assert f"profile w{n}-master-cobus" in sections
    assert sections["profile mine"] == {"region": "eu-west-2  ; his note"}
    assert aws_config.read_text(encoding="utf-8").startswith(OWN)
    backups = [p for p in tmp_path.iterdir() if ".rolegate-backup-" in p.name]
    assert backups, "the file was replaced without a backup"
