"""API calls per account: rolegate's no-op plan and apply, next to Terraform's AWS provider refresh.

Runs on an embedded moto server on 127.0.0.1 (no AWS account, no network) and counts every API call by
account with botocore's before-call event (STS session setup excluded, as in the promise). Terraform's
figures are its per-resource read calls on refresh, counted from the provider's source, applied to the same
resources rolegate manages.

    .venv/bin/python benchmarks/plan_calls.py              # the seed: hub + 3 environments
    .venv/bin/python benchmarks/plan_calls.py --spokes 20  # a bigger organization
    .venv/bin/python benchmarks/plan_calls.py --json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing tests/

# Read calls per resource on `terraform plan` (refresh), from hashicorp/terraform-provider-aws
# internal/service/iam/*.go. aws_iam_role verified in role.go (resourceRoleRead: GetRole, ListRolePolicies,
# ListAttachedRolePolicies, plus GetRolePolicy per inline policy); the others follow the same pattern of one
# Get or List per resource and are counted from their read functions' single calls.
TERRAFORM_READS = {
    "aws_iam_role": 3,
    "aws_iam_role_policy_attachment": 1,  # ListAttachedRolePolicies
    "aws_iam_policy": 2,  # GetPolicy, GetPolicyVersion
    "aws_iam_group": 1,  # GetGroup
    "aws_iam_group_policy_attachment": 1,  # ListAttachedGroupPolicies
    "aws_iam_user": 1,  # GetUser
    "aws_iam_user_group_membership": 1,  # ListGroupsForUser
    "aws_iam_user_login_profile": 1,  # GetLoginProfile
    "aws_iam_account_alias": 1,  # ListAccountAliases
    "aws_iam_account_password_policy": 1,  # GetAccountPasswordPolicy
}


def terraform_reads(account: Any) -> int:
    """What a Terraform refresh would read for the resources rolegate manages in one account."""
    n = 0
    for role in account.roles.values():
        n += (
            TERRAFORM_READS["aws_iam_role"]
            + len(role.managed_policies) * TERRAFORM_READS["aws_iam_role_policy_attachment"]
        )
    n += len(account.policies) * TERRAFORM_READS["aws_iam_policy"]
    for group in account.groups.values():
        n += TERRAFORM_READS["aws_iam_group"]
        n += len(group.managed_policies) * TERRAFORM_READS["aws_iam_group_policy_attachment"]
    for user in account.users.values():
        n += TERRAFORM_READS["aws_iam_user"] + TERRAFORM_READS["aws_iam_user_group_membership"]
        n += TERRAFORM_READS["aws_iam_user_login_profile"] if user.console else 0
    n += TERRAFORM_READS["aws_iam_account_alias"] if account.alias else 0
    n += TERRAFORM_READS["aws_iam_account_password_policy"] if account.password_policy else 0
    return n


def organization(spokes: int) -> tuple[dict[str, str], str]:
    import boto3
    from tests.conftest import seed_config

    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    names = (
        ["development", "staging", "production"] if spokes == 3 else [f"env{i}" for i in range(1, spokes + 1)]
    )
    ids = {"master": "123456789012"}
    for name in names:
        status = org.create_account(Email=f"you+{name}@example.com", AccountName=name)["CreateAccountStatus"]
        ids[name] = org.describe_create_account_status(CreateAccountRequestId=status["Id"])[
            "CreateAccountStatus"
        ]["AccountId"]
    if spokes == 3:
        return ids, seed_config(ids)
    accounts = "\n".join(f'  {n}:\n    id: "{ids[n]}"' for n in names)
    text = f"""\
version: 1
organization: {{name: big, hub: master, password_policy: {{minimum_length: 14}}}}
accounts:
  master:
    id: "{ids["master"]}"
    alias: big-master
{accounts}
roles:
  administrator: {{accounts: ["*"], policies: [AdministratorAccess], max_session: 1h}}
groups:
  administrators: {{assume: {{administrator: ["*"]}}}}
users:
  cobus: {{groups: [administrators], console: true}}
"""
    return ids, text


def measure(spokes: int) -> dict[str, Any]:
    from rolegate.aws.moto_local import start_local_aws

    local = start_local_aws()
    home = tempfile.mkdtemp(prefix="rolegate-bench-")
    os.environ.update(
        AWS_ENDPOINT_URL=local.url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=f"{home}/config",
        AWS_SHARED_CREDENTIALS_FILE=f"{home}/creds",
    )
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(key, None)
    try:
        from rolegate.aws.session import AwsSessions, CallLog
        from rolegate.model.load import parse
        from rolegate.plan.apply import apply_plan
        from rolegate.plan.compile import compile_config
        from rolegate.runner import read_and_plan

        ids, text = organization(spokes)
        config = parse(text).config
        desired = compile_config(config)

        def run(apply: bool) -> tuple[CallLog, int]:
            log = CallLog()
            sessions = AwsSessions(None, "us-east-1", log=log)
            _, plan = read_and_plan(config, sessions)
            if apply:
                assert apply_plan(plan, sessions.iam).ok
            return log, len(plan.changes)

        first, changes = run(apply=True)
        # The hub's first plan with users in it finds no credential report and has IAM make one (+2 calls:
        # GenerateCredentialReport, then GetCredentialReport again); IAM keeps it up to 4 hours, so every
        # later plan reads it with one call. Both are measured.
        fresh, _ = run(apply=False)
        noop, _ = run(apply=False)
        second, leftover = run(apply=True)
        rows = []
        for name, account_id in ids.items():
            rows.append(
                {
                    "account": name,
                    "apply_reads": first.count(account_id) - first.count(account_id, writes_only=True),
                    "apply_writes": first.count(account_id, writes_only=True),
                    "noop_plan_calls": noop.count(account_id),
                    "first_noop_plan_calls": fresh.count(account_id),
                    "budget": 4 if name == "master" else 3,
                    "terraform_refresh_calls": terraform_reads(desired.accounts[name]),
                }
            )
        return {
            "spokes": spokes,
            "changes_applied": changes,
            "second_apply_changes": leftover,
            "second_apply_writes": second.count(writes_only=True),
            "accounts": rows,
        }
    finally:
        local.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spokes", type=int, default=3, help="environment accounts (3 = the seed's layout)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.spokes)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    rows = result["accounts"]
    print(
        f"{'account':<14}{'no-op plan':>11}{'(first)':>8}{'budget':>8}{'terraform':>11}{'ratio':>8}"
        "   apply reads/writes"
    )
    for r in rows[:6] + ([] if len(rows) <= 7 else [None]) + rows[-1:] * (len(rows) > 6):
        if r is None:
            print(f"{'…':<14}")
            continue
        ratio = r["noop_plan_calls"] / r["terraform_refresh_calls"] if r["terraform_refresh_calls"] else 0
        print(
            f"{r['account']:<14}{r['noop_plan_calls']:>11}{r['first_noop_plan_calls']:>8}{r['budget']:>8}"
            f"{r['terraform_refresh_calls']:>11}"
            f"{ratio:>7.2f}x   {r['apply_reads']}/{r['apply_writes']}"
        )
    ours = sum(r["noop_plan_calls"] for r in rows)
    theirs = sum(r["terraform_refresh_calls"] for r in rows)
    print(
        f"{'total':<14}{ours:>11}{sum(r['first_noop_plan_calls'] for r in rows):>8}{'':>8}{theirs:>11}"
        f"{ours / theirs:>7.2f}x   "
        f"{sum(r['apply_reads'] for r in rows)}/{sum(r['apply_writes'] for r in rows)}"
    )
    print(
        f"apply: {result['changes_applied']} changes; second apply: {result['second_apply_changes']} changes,"
        f" {result['second_apply_writes']} write calls"
    )


if __name__ == "__main__":
    main()
