"""Wall time of a warm `rolegate credential-process PROFILE`, next to `import boto3` and awsume.

The AWS SDKs run a profile's credential_process before their first request, so its warm call (cached role
credentials, nothing to fetch) is paid by every `aws` command and every script. The promise: at most half
the time of `python -c "import boto3"` (aim: a quarter), and faster than awsume for the same profile.

Everything runs on an embedded moto server on 127.0.0.1 with a throwaway HOME: an IAM user `cobus` with an
access key in the hub profile, and a role profile `admin` that assumes `administrator` with MFA (the code
comes from a small script; moto accepts any). Each command is a subprocess, timed from start to exit, and
the commands are interleaved (A, B, C, A, B, C, …) so that a slow moment of the machine hits all of them.

    .venv/bin/python benchmarks/credential_latency.py              # 21 runs each
    .venv/bin/python benchmarks/credential_latency.py --runs 51
    .venv/bin/python benchmarks/credential_latency.py --no-awsume  # skip installing awsume

awsume is installed with pip into a throwaway virtualenv under the temporary directory (or taken from
--awsumepy PATH) and run as `awsumepy PROFILE`, the Python program its shell wrapper calls, with its MFA
session cache warmed once before timing. No key is ever printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ACCOUNT = "123456789012"  # moto's default account
PROFILE = "admin"
MIN_RUNS = 15
BIN = Path(sys.executable).parent  # the virtualenv running this script: its python and its rolegate
ROLEGATE = BIN / "rolegate"


class BenchmarkError(Exception):
    """A command the benchmark needs failed: no figures."""


@dataclass
class Command:
    label: str
    argv: list[str]
    check: Callable[[str], bool]  # is this stdout a success (it is never printed)
    times: list[float] = field(default_factory=list)

    def run(self, env: dict[str, str]) -> float:
        start = time.perf_counter()
        try:
            done = subprocess.run(
                self.argv,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise BenchmarkError(f"{self.label}: {e}") from None
        elapsed = time.perf_counter() - start
        if done.returncode != 0 or not self.check(done.stdout):
            # stderr only: stdout may hold keys
            raise BenchmarkError(
                f"{self.label} failed (exit {done.returncode}): {done.stderr.strip()[-500:] or 'no stderr'}"
            )
        return elapsed


def is_process_json(out: str) -> bool:
    try:
        doc = json.loads(out)
    except ValueError:
        return False
    return isinstance(doc, dict) and doc.get("Version") == 1 and "Expiration" in doc


def is_awsume_output(out: str) -> bool:
    # What awsume's shell wrapper reads: `Awsume KEY SECRET TOKEN REGION PROFILE …`
    return out.split()[:1] == ["Awsume"] and len(out.split()) >= 5


def child_environment(home: Path, url: str, mfa_script: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ROLEGATE_", "AWSUME_"))}
    env.pop("PYTHONPATH", None)
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        AWS_ENDPOINT_URL=url,
        AWS_DEFAULT_REGION="us-east-1",
        ROLEGATE_STORE="file",
        ROLEGATE_MFA_COMMAND=shlex.quote(str(mfa_script)),
    )
    return env


def seed(url: str, home: Path) -> None:
    """The user, its key and the role in moto; the hub and admin profiles in the throwaway HOME."""
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    iam.create_user(UserName="cobus")
    key = iam.create_access_key(UserName="cobus")["AccessKey"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName="administrator", AssumeRolePolicyDocument=json.dumps(trust))
    aws = home / ".aws"
    aws.mkdir(parents=True)
    credentials = aws / "credentials"
    credentials.write_text(
        f"[hub]\naws_access_key_id = {key['AccessKeyId']}\naws_secret_access_key = {key['SecretAccessKey']}\n"
    )
    credentials.chmod(0o600)
    (aws / "config").write_text(
        "[profile hub]\n"
        "region = us-east-1\n"
        f"[profile {PROFILE}]\n"
        f"role_arn = arn:aws:iam::{ACCOUNT}:role/administrator\n"
        "source_profile = hub\n"
        f"mfa_serial = arn:aws:iam::{ACCOUNT}:mfa/cobus\n"
        "role_session_name = cobus\n"
        "region = us-east-1\n"
    )


def install_awsume(tmp: Path) -> tuple[Path | None, str]:
    """awsumepy from a fresh virtualenv, or None and why not."""
    venv = tmp / "awsume-venv"
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120
        )
        done = subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "awsume",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except (subprocess.SubprocessError, OSError) as e:
        return None, f"could not make a virtualenv for it: {e}"
    if done.returncode != 0:
        return None, "pip install awsume failed: " + (done.stderr.strip().splitlines() or ["?"])[-1]
    return venv / "bin" / "awsumepy", ""


def package_version(python: Path, name: str) -> str:
    try:
        done = subprocess.run(
            [str(python), "-c", f"from importlib.metadata import version; print(version({name!r}))"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return "?"
    return done.stdout.strip() or "?"


def ms(seconds: float) -> float:
    return seconds * 1000


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def imports(env: dict[str, str], code: str) -> dict[str, float]:
    """Every module `python -c code` imports, with its own import time in ms (`python -X importtime`)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    found: dict[str, float] = {}
    for line in done.stderr.splitlines():
        # "import time: self [us] | cumulative | imported package", nested imports indented
        if line.startswith("import time:") and line.count("|") == 2:
            own, _, name = line.removeprefix("import time:").split("|")
            if own.strip().isdigit():
                found[name.strip()] = int(own) / 1000
    return found


def import_breakdown(env: dict[str, str]) -> dict[str, float]:
    """The warm call's import time beyond a bare interpreter's, by where the modules come from."""
    code = (
        f"import sys; sys.argv = ['rolegate', 'credential-process', {PROFILE!r}]; "
        "from rolegate.entry import main; main()"
    )
    bare = imports(env, "pass")
    groups: dict[str, float] = {}
    for name, own in imports(env, code).items():
        if name in bare:
            continue
        top = name.split(".")[0]
        if top == "rolegate":
            group = "rolegate"
        elif top in ("cryptography", "_cffi_backend"):
            group = "cryptography"
        elif top in sys.stdlib_module_names or top == "org":  # copy probes for Jython's org.python.core
            group = "standard library"
        else:
            group = top  # anything else is named: boto3 or click here would be a regression
        groups[group] = groups.get(group, 0.0) + own
    return dict(sorted(groups.items(), key=lambda g: -g[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help=f"runs of each command (at least {MIN_RUNS})")
    parser.add_argument("--no-awsume", action="store_true", help="skip the awsume baseline")
    parser.add_argument(
        "--awsumepy", type=Path, help="an installed awsumepy to use instead of installing one"
    )
    args = parser.parse_args()
    if args.runs < MIN_RUNS:
        parser.error(f"--runs must be at least {MIN_RUNS}")
    if not ROLEGATE.exists():
        print(f"setup failed: no {ROLEGATE}; run this with the project's virtualenv python", file=sys.stderr)
        return 2
    try:
        return benchmark(args)
    except BenchmarkError as e:
        print(f"failed: {e}", file=sys.stderr)
        return 2


def awsume_command(
    args: argparse.Namespace, tmp: Path, env: dict[str, str], notes: list[str]
) -> Command | None:
    """`awsumepy PROFILE` with its MFA session cached, or None (and a note saying why)."""
    if args.no_awsume:
        notes.append("awsume: skipped (--no-awsume).")
        return None
    awsumepy, why = (args.awsumepy, "") if args.awsumepy else install_awsume(tmp)
    if awsumepy is None or not awsumepy.exists():
        notes.append(f"awsume: skipped, {why or f'no {awsumepy}'}.")
        return None
    python = awsumepy.parent / "python"
    version = (
        f"{package_version(python, 'awsume')} (own virtualenv, boto3 {package_version(python, 'boto3')})"
    )
    awsume = Command(f"awsumepy {PROFILE}", [str(awsumepy), PROFILE], is_awsume_output)
    warm_up = Command("awsume's first call", [*awsume.argv, "--mfa-token", "123456"], is_awsume_output)
    try:
        warm_up.run(env)  # GetSessionToken with the code from the command line, cached in XDG_CACHE_HOME
        awsume.run(env)  # and without it: a prompt would fail at once on the closed standard input
    except BenchmarkError as e:
        notes.append(f"awsume {version}: skipped, it does not work against the local endpoint: {e}")
        return None
    notes.append(
        f"awsume {version}: `awsumepy {PROFILE}`, the program its shell "
        "wrapper runs, on the same profile with mfa_serial. Its MFA session was cached by one call with "
        "--mfa-token before timing, so each timed call reads that cache and makes one AssumeRole to moto "
        "on 127.0.0.1: awsume caches MFA sessions, not role credentials."
    )
    return awsume


def benchmark(args: argparse.Namespace) -> int:
    from rolegate.aws.moto_local import start_local_aws

    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="rolegate-latency-") as tmpdir:
        tmp = Path(tmpdir)
        home = tmp / "home"
        home.mkdir()
        mfa_script = tmp / "mfa-code"
        mfa_script.write_text("#!/bin/sh\necho 123456\n")
        mfa_script.chmod(0o755)

        aws = start_local_aws()
        try:
            env = child_environment(home, aws.url, mfa_script)
            # This process's own boto3 (the seeding) reads no AWS_PROFILE or config of the person running it.
            for name in [k for k in os.environ if k.startswith("AWS_")]:
                del os.environ[name]
            os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
            try:
                seed(aws.url, home)
            except Exception as e:
                raise BenchmarkError(f"seeding moto: {e}") from e

            argv = [str(ROLEGATE), "credential-process", PROFILE]
            rolegate = Command("rolegate credential-process (warm)", argv, is_process_json)
            boto = Command("python -c 'import boto3'", [sys.executable, "-c", "import boto3"], always)
            floor = Command("python -c pass (start-up only)", [sys.executable, "-c", "pass"], always)
            rolegate.run(env)  # the first call makes the MFA session and assumes the role; then it is warm
            rolegate.run(env)
            awsume = awsume_command(args, tmp, env, notes)
            commands = [c for c in (rolegate, boto, awsume, floor) if c is not None]

            for _ in range(args.runs):
                for command in commands:
                    command.times.append(command.run(env))

            breakdown = import_breakdown(env)

            # Cold, once: `rolegate logout PROFILE` forgets the role credentials and the MFA session.
            logout = subprocess.run(
                [str(ROLEGATE), "logout", PROFILE],
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
            )
            if logout.returncode != 0:
                raise BenchmarkError(f"rolegate logout {PROFILE} exited with {logout.returncode}")
            cold = rolegate.run(env)
        finally:
            aws.stop()

    print(
        f"machine: {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()} ({sys.executable}), "
        f"boto3 {package_version(Path(sys.executable), 'boto3')}"
    )
    print(
        f"{args.runs} runs each, interleaved; wall time of each subprocess from start to exit; "
        "AWS is moto on 127.0.0.1\n"
    )
    report(commands, rolegate, boto, awsume, floor, cold, breakdown)
    for note in notes:
        print(f"\nnote: {note}")
    return 0


def always(_: str) -> bool:
    return True


def report(
    commands: list[Command],
    rolegate: Command,
    boto: Command,
    awsume: Command | None,
    floor: Command,
    cold: float,
    breakdown: dict[str, float],
) -> None:
    width = max(len(c.label) for c in commands)
    print(f"{'command':<{width}}  {'median ms':>9}  {'p90 ms':>7}  {'min ms':>7}")
    for c in commands:
        median, high, low = ms(statistics.median(c.times)), ms(p90(c.times)), ms(min(c.times))
        print(f"{c.label:<{width}}  {median:>9.1f}  {high:>7.1f}  {low:>7.1f}")
    print(
        f"\ncold rolegate credential-process, once (after logout; MFA session, AssumeRole): {ms(cold):.0f} ms"
    )

    warm = statistics.median(rolegate.times)
    r = warm / statistics.median(boto.times)
    verdict = ("met" if r <= 0.5 else "NOT met") + (", aim met" if r <= 0.25 else ", aim not reached")
    print(f"\nrolegate / import boto3: {r:.2f}×   target ≤ 0.5×, aim 0.25×: {verdict}")
    if awsume is None:
        print("rolegate / awsume:       not measured (see the note below)")
    else:
        r = warm / statistics.median(awsume.times)
        verdict = "met" if r < 1 else "NOT met"
        print(f"rolegate / awsume:       {r:.2f}×   target < 1× (faster than awsume): {verdict}")
    startup = statistics.median(floor.times)
    print(f"\nof rolegate's warm {ms(warm):.1f} ms, start-up alone (python -c pass) is {ms(startup):.1f} ms")
    if breakdown:
        parts = ", ".join(f"{group} {t:.1f} ms" for group, t in breakdown.items())
        print(f"its imports beyond a bare interpreter's (python -X importtime, own times, inflated): {parts}")


if __name__ == "__main__":
    sys.exit(main())
