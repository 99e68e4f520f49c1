"""Direct apply at scale: wall time and API calls of collect, a no-op plan and a full apply, N accounts.

Each size gets a fresh moto server on 127.0.0.1 and an organization whose N member accounts are created
through AWS Organizations (tests/big_org.py: `administrator` and `read_only` in every account, two grant
groups and six users in the hub). Then, with the default worker pool:

- full apply: read every account, plan, apply (the `rolegate apply --yes` flow, through the API);
- no-op plan: a fresh session reads every account again and plans nothing;
- collect: what `rolegate snapshot` reads (every account in full, the AWS managed policies in use, the
  organization and its SCPs).

The same again on a second organization through tests/faults.py's proxy answering a seeded fraction of
IAM, STS and Organizations calls with throttling errors. API calls are botocore calls (CallLog), STS
session setup included; "retried" is requests sent again.

    .venv/bin/python benchmarks/scale.py                    # 100 and 300 accounts, 10 % throttling
    .venv/bin/python benchmarks/scale.py --sizes 50,100 --throttle 0.2 --parallel 16 --json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ from a checkout


def measure(what: str, run: Any, log: Any) -> dict[str, Any]:
    log.reset()
    started = time.perf_counter()
    detail = run()
    return {
        "what": what,
        "seconds": round(time.perf_counter() - started, 2),
        "calls": log.count(setup=True),
        "retried": log.retries(),
        **(detail or {}),
    }


def one_size(n: int, endpoint: str, workers: int, throttle: float) -> list[dict[str, Any]]:
    from tests.big_org import big_config, make_accounts
    from tests.faults import Faults, FaultyProxy

    from rolegate.aws.session import AwsSessions, CallLog
    from rolegate.model.load import parse
    from rolegate.plan.apply import apply_plan
    from rolegate.runner import read_and_plan, read_everything

    started = time.perf_counter()
    config = parse(big_config(make_accounts(n))).config
    made = time.perf_counter() - started
    faults = Faults(seed=n, throttle=throttle, services=("iam", "sts", "organizations"))
    rows: list[dict[str, Any]] = []
    with FaultyProxy(endpoint, faults if throttle else Faults()) as proxy:
        os.environ["AWS_ENDPOINT_URL"] = proxy.url
        log = CallLog()

        def fresh() -> AwsSessions:
            return AwsSessions(None, "us-east-1", log=log)

        def full_apply() -> dict[str, Any]:
            s = fresh()
            _, plan = read_and_plan(config, s, workers=workers, partial=True)
            result = apply_plan(plan, s.iam, workers=workers)
            assert result.ok, result.error
            return {"changes": len(plan.changes), "writes": log.count(writes_only=True)}

        def noop_plan() -> dict[str, Any]:
            _, plan = read_and_plan(config, fresh(), workers=workers, partial=True)
            assert plan.empty, [c.address for c in plan.changes][:5]
            assert not plan.unreadable, plan.unreadable
            return {"changes": 0}

        def collect() -> dict[str, Any]:
            snapshot = read_everything(config, fresh(), audit=False)
            return {"roles": sum(len(a.roles) for a in snapshot.accounts.values())}

        for what, run in (("full apply", full_apply), ("no-op plan", noop_plan), ("collect", collect)):
            row = measure(what, run, log)
            row.update(accounts=n, throttle=throttle, throttled=proxy.stats.counts["throttle"])
            proxy.stats.counts.clear()
            rows.append(row)
        os.environ["AWS_ENDPOINT_URL"] = endpoint
    rows[0]["org_seconds"] = round(made, 1)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,300")
    parser.add_argument("--throttle", type=float, default=0.1)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(key, None)
    from rolegate.aws.moto_local import start_local_aws

    server = start_local_aws()
    os.environ["AWS_ENDPOINT_URL"] = server.url
    rows: list[dict[str, Any]] = []
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            for throttle in (0.0, args.throttle):
                server.reset()
                rows += one_size(n, server.url, args.parallel, throttle)
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
                if not args.json:
                    for r in rows[-3:]:
                        print(
                            f"{r['accounts']:>4} accounts  throttle {r['throttle']:>4.0%}  {r['what']:<11}"
                            f" {r['seconds']:>7.1f} s  {r['calls']:>6} calls  {r['retried']:>5} retried"
                            f"  ({r['throttled']} throttled)",
                            flush=True,
                        )
                    print(f"      peak RSS {peak} MB", flush=True)
    finally:
        server.stop()
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    sizes = sorted({r["accounts"] for r in rows})
    if len(sizes) > 1:
        small, big = sizes[0], sizes[-1]
        print(f"\ngrowth {small} -> {big} accounts ({big / small:.1f}x):")
        for throttle in sorted({r["throttle"] for r in rows}):
            for what in ("full apply", "no-op plan", "collect"):
                a, b = (
                    next(
                        r
                        for r in rows
                        if r["accounts"] == s and r["what"] == what and r["throttle"] == throttle
                    )
                    for s in (small, big)
                )
                print(
                    f"  {what:<11} throttle {throttle:>4.0%}: time {b['seconds'] / a['seconds']:.2f}x, "
                    f"calls {b['calls'] / a['calls']:.2f}x"
                )


if __name__ == "__main__":
    main()
