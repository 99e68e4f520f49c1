"""Access analysis at scale: `rolegate access` (the graph, its matrix) and `rolegate audit` over a large org.

Generates, in memory and seeded, an organization of N accounts: a hub holding all the users (10 per account
by default) and their groups, 20 roles in every account (the hub included) with the trust and permission
policies an organization really has (hub trust with MFA, break-glass without, service roles, role chains
across accounts, a third party with ExternalId, a source-IP condition, an org-wide `*` trust with
aws:PrincipalOrgID), and service control policies. Each size runs in its own subprocess, once for access and
once for audit, so every peak RSS is that phase's alone; tracemalloc's peak comes from a second, traced run
of the same phase in the same process (tracemalloc slows Python ~5x, so it is never the timed run, and is
skipped where the timed run took over --traced-budget seconds).

    .venv/bin/python benchmarks/access_scale.py                      # 50, 100, 250, 500 accounts
    .venv/bin/python benchmarks/access_scale.py --sizes 50,100 --json
    .venv/bin/python benchmarks/access_scale.py --no-gc              # cyclic GC off while timed: its share
    .venv/bin/python benchmarks/access_scale.py --profile 500        # cProfile of access at 500 accounts
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import math
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # run from a checkout

from rolegate.model.grants import MAX_MANAGED_POLICY_CHARS, grant_document, policy_size
from rolegate.state.snapshot import AccountState, Group, ManagedPolicy, Role, Snapshot, User

HUB = "hub"
HUB_ID = "100000000000"
ORG_ID = "o-a1b2c3d4e5"
VENDOR_ID = "999988887777"  # a third party outside the organization
OWNED = "/rolegate/"
OWNER = {"rolegate:owner": "bench"}
AWS = "arn:aws:iam::aws:policy/"
ADMIN = AWS + "AdministratorAccess"
TARGET_ACCOUNTS, TARGET_S, LIMIT_S = 500, 2.0, 10.0

# The 20 roles of every account, in order.
ROLES = (
    "OrganizationAccountAccessRole", "administrator", "read_only", "security_audit", "developer",
    "operator", "billing", "data_analyst", "support", "deployer", "ci", "cfn_execution",
    "lambda_execution", "ecs_task", "ec2_instance", "audit_reader", "incident_responder",
    "vendor_monitoring", "network_admin", "backup_operator",
)  # fmt: skip
TEAM_ROLES = ("developer", "operator", "ci", "data_analyst", "backup_operator")


def _doc(*stmts: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def _allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _read_actions(services: list[str]) -> list[str]:
    return [f"{s}:{verb}*" for s in services for verb in ("Describe", "Get", "List")]


SERVICES = [
    "ec2", "s3", "iam", "rds", "lambda", "dynamodb", "cloudwatch", "logs", "cloudtrail", "config", "kms",
    "sns", "sqs", "ecs", "eks", "elasticloadbalancing", "autoscaling", "route53", "cloudformation", "ssm",
]  # fmt: skip

# AWS managed policies attached anywhere, as the snapshot carries them (abridged, same shape).
AWS_MANAGED: dict[str, dict[str, Any]] = {
    ADMIN: _doc(_allow("*")),
    AWS + "PowerUserAccess": _doc(
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
        _allow(["iam:CreateServiceLinkedRole", "iam:ListRoles", "organizations:DescribeOrganization"]),
    ),
    AWS + "ReadOnlyAccess": _doc(_allow(_read_actions(SERVICES))),
    AWS + "SecurityAudit": _doc(_allow([*_read_actions(SERVICES[:12]), "iam:GenerateCredentialReport"])),
    AWS + "Billing": _doc(_allow(["aws-portal:*", "budgets:*", "ce:*", "cur:*", "pricing:*"])),
    AWS + "AWSSupportAccess": _doc(_allow("support:*")),
    AWS + "service-role/AWSLambdaBasicExecutionRole": _doc(
        _allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"])
    ),
    AWS + "AmazonSSMManagedInstanceCore": _doc(_allow(["ssm:UpdateInstanceInformation", "ssmmessages:*"])),
    AWS + "job-function/NetworkAdministrator": _doc(
        _allow(["ec2:*Vpc*", "ec2:*Subnet*", "ec2:*Route*", "route53:*", "directconnect:*"])
    ),
    AWS + "AWSBackupOperatorAccess": _doc(_allow(["backup:*", "iam:PassRole"])),
}

SCP_GUARDRAILS = _doc(
    {"Sid": "NoLeaving", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"},
    {
        "Sid": "KeepTrails",
        "Effect": "Deny",
        "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"],
        "Resource": "*",
    },
)
SCP_FULL = _doc(_allow("*"))
SCP_PROD = _doc(
    {
        "Sid": "NoRootInProd",
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}},
    }
)


def _root(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:root"


def _role_arn(account_id: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{name}"


def _trust(principal: dict[str, Any] | str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        stmt["Condition"] = condition
    return _doc(stmt)


MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def _account_names(n: int) -> list[str]:
    names = [HUB, "security", "tooling"]
    envs = ("dev", "staging", "prod")
    i = 0
    while len(names) < n:
        names.append(f"app{i // 3:03d}-{envs[i % 3]}")
        i += 1
    return names[:n]


def _grant_policies(group: str, arns: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """rolegate's grant policies for a group: `<group>`, `<group>-2`, … each under IAM's size cap."""
    out: list[tuple[str, dict[str, Any]]] = []
    chunk: list[str] = []
    for arn in sorted(arns):
        if chunk and policy_size(grant_document([*chunk, arn])) > MAX_MANAGED_POLICY_CHARS:
            out.append((group if not out else f"{group}-{len(out) + 1}", grant_document(chunk)))
            chunk = []
        chunk.append(arn)
    if chunk:
        out.append((group if not out else f"{group}-{len(out) + 1}", grant_document(chunk)))
    return out


def build_snapshot(n_accounts: int, users_per_account: int, seed: int, *, scps: bool = True) -> Snapshot:
    rng = random.Random(f"{seed}:{n_accounts}:{users_per_account}")
    names = _account_names(max(n_accounts, 3))
    ids = {name: HUB_ID if i == 0 else str(200000000000 + i * 7919) for i, name in enumerate(names)}
    spokes = names[1:]
    snap = Snapshot(taken_at="2026-11-25T00:00:00Z", organization_id=ORG_ID)
    snap.aws_managed_policies = {arn: doc for arn, doc in AWS_MANAGED.items()}
    accounts = {name: AccountState(name, ids[name], alias=name, alias_read=True) for name in names}
    snap.accounts = accounts

    # Role chains: each account's ci role may deploy to 1-3 accounts (its siblings first); the tooling
    # account's ci deploys everywhere; the security account's security_audit role reads every account.
    deploy_targets: dict[str, list[str]] = {}
    for name in names:
        deploy_targets[name] = rng.sample(spokes, k=rng.randint(1, 3))
    trusted_ci: dict[str, list[str]] = {name: [_role_arn(ids["tooling"], "ci")] for name in names}
    for source, targets in deploy_targets.items():
        for target in targets:
            trusted_ci[target].append(_role_arn(ids[source], "ci"))

    for name in names:
        acct, aid = accounts[name], ids[name]
        operator_arn = f"arn:aws:iam::{aid}:policy/operator"
        acct.policies["operator"] = ManagedPolicy(
            "operator",
            operator_arn,
            "/",
            _doc(_allow(["ec2:*", "ssm:*", "autoscaling:*", "elasticloadbalancing:*", "cloudwatch:*"])),
        )
        ci_targets = (
            "arn:aws:iam::*:role/deployer"
            if name == "tooling"
            else [_role_arn(ids[t], "deployer") for t in deploy_targets[name]]
        )
        hub_mfa = _trust({"AWS": _root(HUB_ID)}, MFA)
        spec: dict[str, tuple[dict[str, Any], list[str], dict[str, dict[str, Any]]]] = {
            "OrganizationAccountAccessRole": (_trust({"AWS": _root(HUB_ID)}), [ADMIN], {}),
            "administrator": (hub_mfa, [ADMIN], {}),
            "read_only": (hub_mfa, [AWS + "ReadOnlyAccess"], {}),
            "security_audit": (
                hub_mfa,
                [AWS + "SecurityAudit"],
                {"read_everywhere": _doc(_allow("sts:AssumeRole", "arn:aws:iam::*:role/audit_reader"))}
                if name == "security"
                else {},
            ),
            "developer": (hub_mfa, [AWS + "PowerUserAccess"], {}),
            "operator": (hub_mfa, [operator_arn], {}),
            "billing": (hub_mfa, [AWS + "Billing"], {}),
            "data_analyst": (
                hub_mfa,
                [],
                {"data": _doc(_allow(["s3:GetObject", "s3:ListBucket", "athena:*", "glue:Get*"]))},
            ),
            "support": (
                _trust(
                    {"AWS": _root(HUB_ID)},
                    {**MFA, "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
                ),
                [AWS + "AWSSupportAccess"],
                {},
            ),
            "deployer": (
                _trust({"AWS": sorted(set(trusted_ci[name]))}),
                [],
                {
                    "deploy": _doc(
                        _allow(["cloudformation:*", "s3:*"]),
                        _allow("iam:PassRole", _role_arn(aid, "cfn_execution")),
                    )
                },
            ),
            "ci": (
                hub_mfa,
                [],
                {
                    "chain": _doc(
                        _allow("sts:AssumeRole", ci_targets),
                        _allow(["ecr:*", "s3:PutObject", "s3:GetObject"]),
                    )
                },
            ),
            "cfn_execution": (_trust({"Service": "cloudformation.amazonaws.com"}), [ADMIN], {}),
            "lambda_execution": (
                _trust({"Service": "lambda.amazonaws.com"}),
                [AWS + "service-role/AWSLambdaBasicExecutionRole"],
                {},
            ),
            "ecs_task": (
                _trust({"Service": "ecs-tasks.amazonaws.com"}),
                [],
                {"app": _doc(_allow(["s3:GetObject", "sqs:*", "dynamodb:*"]))},
            ),
            "ec2_instance": (
                _trust({"Service": "ec2.amazonaws.com"}),
                [AWS + "AmazonSSMManagedInstanceCore"],
                {},
            ),
            "audit_reader": (
                _trust({"AWS": _role_arn(ids["security"], "security_audit")}),
                [AWS + "SecurityAudit"],
                {},
            ),
            "incident_responder": (
                _trust({"AWS": _root(HUB_ID)}, {**MFA, "NumericLessThan": {"aws:MultiFactorAuthAge": "900"}}),
                [AWS + "ReadOnlyAccess"],
                {
                    "break_glass": _doc(
                        _allow("sts:AssumeRole", "arn:aws:iam::*:role/OrganizationAccountAccessRole")
                    )
                },
            ),
            "vendor_monitoring": (
                _trust({"AWS": _root(VENDOR_ID)}, {"StringEquals": {"sts:ExternalId": f"bench-{aid}"}}),
                [AWS + "ReadOnlyAccess"],
                {},
            ),
            "network_admin": (
                _trust({"AWS": _root(HUB_ID)}, {**MFA, "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
                [AWS + "job-function/NetworkAdministrator"],
                {},
            ),
            "backup_operator": (
                _trust("*", {**MFA, "StringEquals": {"aws:PrincipalOrgID": ORG_ID}}),
                [AWS + "AWSBackupOperatorAccess"],
                {},
            ),
        }
        for role_name in ROLES:
            trust, managed, inline = spec[role_name]
            acct.roles[role_name] = Role(
                name=role_name,
                arn=_role_arn(aid, role_name),
                path="/",
                trust_policy=trust,
                managed_policies=list(managed),
                inline_policies=inline,
                tags=dict(OWNER),
                max_session=3600,
            )
        acct.summary = {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0}
        acct.credential_report = [
            {"user": "<root_account>", "arn": _root(aid), "password_enabled": "not_supported"}
            | {"mfa_active": "true", "access_key_1_active": "false", "access_key_2_active": "false"}
        ]
        if scps and name != HUB:  # SCPs never apply to the management account
            levels = [[SCP_FULL], [SCP_GUARDRAILS]]
            if name.endswith("-prod"):
                levels.append([SCP_FULL, SCP_PROD])
            snap.scps[aid] = levels

    # -- the hub's groups, each with rolegate's grant policies ---------------------------------------
    hub = accounts[HUB]
    grants: dict[str, list[str]] = {}
    for name in spokes:
        grants[f"{name}_admin"] = [_role_arn(ids[name], "administrator")]
    n_teams = max(5, n_accounts // 5)
    teams = [f"team{t:03d}" for t in range(n_teams)]
    for team in teams:
        where = rng.sample(spokes, k=min(len(spokes), rng.randint(5, 20)))
        roles = rng.sample(TEAM_ROLES, k=rng.randint(2, 4))
        grants[team] = [_role_arn(ids[a], r) for a in where for r in roles]
    grants["everyone_read_only"] = ["arn:aws:iam::*:role/read_only"]
    grants["security_auditors"] = ["arn:aws:iam::*:role/security_audit"]
    grants["support_oncall"] = ["arn:aws:iam::*:role/support"]
    grants["network_team"] = ["arn:aws:iam::*:role/network_admin"]
    grants["break_glass"] = ["arn:aws:iam::*:role/OrganizationAccountAccessRole"]
    grants["incident_response"] = [_role_arn(HUB_ID, "incident_responder")]
    grants["finance"] = [_role_arn(ids[a], "billing") for a in spokes if a.endswith("-prod")] or [
        _role_arn(ids[spokes[0]], "billing")
    ]
    for group, arns in grants.items():
        policy_arns = []
        for policy_name, document in _grant_policies(group, arns):
            arn = f"arn:aws:iam::{HUB_ID}:policy{OWNED}{policy_name}"
            hub.policies[policy_name] = ManagedPolicy(policy_name, arn, OWNED, document)
            policy_arns.append(arn)
        hub.groups[group] = Group(group, f"arn:aws:iam::{HUB_ID}:group{OWNED}{group}", OWNED, policy_arns)
    boundary_arn = f"arn:aws:iam::{HUB_ID}:policy{OWNED}developer_boundary"
    hub.policies["developer_boundary"] = ManagedPolicy(
        "developer_boundary",
        boundary_arn,
        OWNED,
        _doc(
            _allow("sts:AssumeRole", ["arn:aws:iam::*:role/developer", "arn:aws:iam::*:role/read_only"]),
            _allow(["iam:ChangePassword", "iam:*MFADevice*", "iam:GetUser"]),
        ),
    )

    # -- users: everyone reads everywhere, most are in a team, a few do more ---------------------------
    n_users = n_accounts * users_per_account
    # share of the staff in each org-wide group (incident_response and break_glass: a handful, below)
    extra_groups = {"support_oncall": 0.05, "network_team": 0.02, "finance": 0.02, "security_auditors": 0.01}
    report = hub.credential_report or []
    for j in range(n_users):
        name = f"user{j:05d}"
        groups = ["everyone_read_only"]
        if rng.random() < 0.85:
            groups.append(rng.choice(teams))
        if rng.random() < 0.10:
            groups.append(rng.choice(teams))
        groups += [g for g, share in extra_groups.items() if rng.random() < share]
        groups = list(dict.fromkeys(groups))[:4]
        hub.users[name] = User(name, f"arn:aws:iam::{HUB_ID}:user/{name}", "/", groups, tags=dict(OWNER))
    users = list(hub.users.values())
    handful = ["incident_response"] * max(3, n_users // 500) + ["break_glass"] * 3
    for group in [f"{a}_admin" for a in spokes] + handful:  # 1-3 admins per account
        for user in rng.sample(users, k=rng.randint(1, 3)):
            if group not in user.groups and len(user.groups) < 4:
                user.groups.append(group)
    few = max(5, n_users // 200)
    for k, user in enumerate(rng.sample(users, k=few * 2 + 3)):
        if k < 5:  # administrators of the hub itself
            user.managed_policies.append(ADMIN)
        elif k < 5 + few:  # inline policies of three kinds
            kind = k % 3
            target = ids[rng.choice(spokes)]
            user.inline_policies["personal"] = (
                _doc({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/admin*"})
                if kind == 0
                else _doc(
                    _allow(
                        "sts:AssumeRole",
                        _role_arn(target, "operator"),
                        Condition={"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
                    )
                )
                if kind == 1
                else _doc(_allow("sts:AssumeRole", f"arn:aws:iam::{target}:role/*"))
            )
        elif k < 5 + 2 * few:
            user.permissions_boundary = boundary_arn
        else:
            user.groups = ["break_glass"]
    for j, user in enumerate(users):
        console = j % 10 != 0
        keys = j % 10 == 0 or j % 37 == 0
        report.append(
            {
                "user": user.name,
                "arn": user.arn,
                "password_enabled": "true" if console else "false",
                "mfa_active": "true" if (j % 53 != 0) else "false",
                "access_key_1_active": "true" if keys else "false",
                "access_key_1_last_rotated": "2026-09-01T00:00:00+00:00" if keys else "N/A",
                "access_key_1_last_used_date": "2026-11-20T00:00:00+00:00" if keys else "N/A",
                "access_key_2_active": "false",
            }
        )
    hub.credential_report = report
    hub.password_policy = {"MinimumPasswordLength": 14, "RequireSymbols": True}
    hub.password_policy_read = True
    return snap


# -- one phase in this process ---------------------------------------------------------------------------


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _audit_call() -> Any:
    """`audit(snapshot)` with the hub named when the function takes it; None when there is no audit yet."""
    try:
        from rolegate.access import audit as module
    except ImportError:
        return None
    params = inspect.signature(module.audit).parameters
    extra_type = getattr(module, "AuditInput", None)
    if "extra" in params and extra_type is not None:
        return lambda snap: module.audit(snap, extra_type(hub=HUB))
    return module.audit


def _access(snap: Snapshot) -> dict[str, Any]:
    """The whole organization's matrix, in the grouped form `access` and `audit` read (principals alike share
    their cells), then (timed apart) expanded into one `Reach` row per principal and role, as `access
    --format json` over everyone builds before writing."""
    from rolegate.access.graph import AccessGraph

    graph = AccessGraph(snap)
    groups = graph.groups()
    after, after_cpu = time.perf_counter(), time.process_time()  # what follows is not the analysis's time
    counts: dict[str, int] = {}
    for principals, (with_mfa, without) in groups:
        for name, count in (
            ("reached", len(with_mfa.keys() | without.keys())),
            ("mfa_required", len(with_mfa.keys() - without.keys())),
            ("chained", sum(1 for path in (*with_mfa.values(), *without.values()) if path[2])),
        ):
            counts[name] = counts.get(name, 0) + count * len(principals)
    start, cpu = time.perf_counter(), time.process_time()
    rows = len(graph.matrix())
    expanded = {
        "rows_s": time.perf_counter() - start,
        "rows_cpu_s": time.process_time() - cpu,
        "untimed_s": time.perf_counter() - after,
        "untimed_cpu_s": time.process_time() - after_cpu,
    }
    return {
        "rows": rows,
        "groups_of_alike": len(groups),
        "cells": sum(len(answer.with_mfa.keys() | answer.without_mfa.keys()) for _, answer in groups),
        "counts": counts,
        **expanded,
    }


def _one_user(snap: Snapshot) -> dict[str, Any]:
    """`rolegate access --user U`: the graph, and one user's reach (the last user of the org)."""
    from rolegate.access.graph import AccessGraph

    graph = AccessGraph(snap)
    rows = graph.reach(graph.users()[-1])
    return {"rows": len(rows)}


def _one_admin(snap: Snapshot) -> dict[str, Any]:
    """`rolegate access --user U` for a hub administrator (AdministratorAccess, no SCP over the hub): the
    graph, its reach, and its escalation rows, the costliest single user (it may take over every user)."""
    from rolegate.access.escalation import escalation_rows
    from rolegate.access.graph import AccessGraph

    graph = AccessGraph(snap)
    admin = next(u for u in graph.users() if ADMIN in snap.accounts[u.account].users[u.name].managed_policies)
    rows = graph.reach(admin)
    return {"rows": len(rows), "escalation_rows": len(escalation_rows(graph, admin))}


def _escalation(snap: Snapshot) -> dict[str, Any]:
    """The matrix with escalation on: `groups()` as in the access phase, then every user's worst
    administrator-equivalent role reached through escalation (access/escalation.py), as the audit's RG030
    asks it; the escalation's own share is timed apart."""
    from rolegate.access.audit import _AdminRoles
    from rolegate.access.escalation import Escalations
    from rolegate.access.graph import AccessGraph, collector_paused

    with collector_paused():  # as the audit runs it
        graph = AccessGraph(snap)
        groups = graph.groups()
        start, cpu = time.perf_counter(), time.process_time()
        escalations = Escalations(graph)
        escalations.prime(groups)
        admin = _AdminRoles(snap, graph.roles)

        def severity(arn: str) -> int:
            return (
                (2 if graph.roles[arn][0].name in (HUB,) or "prod" in graph.roles[arn][0].name else 1)
                if (admin[arn])
                else 0
            )

        found = escalations.worst(graph.users(), severity)
    return {
        "escalation_s": time.perf_counter() - start,
        "escalation_cpu_s": time.process_time() - cpu,
        "escalating_users": len(found),
        "escalating_roles": len(escalations.escalating_roles()),
    }


def _audit(snap: Snapshot) -> dict[str, Any]:
    call = _audit_call()
    findings = call(snap)
    rules: dict[str, int] = {}
    for f in findings:
        rules[f.rule] = rules.get(f.rule, 0) + 1
    return {"findings": len(findings), "by_rule": dict(sorted(rules.items()))}


def run_phase(
    phase: str,
    accounts: int,
    users_per_account: int,
    seed: int,
    *,
    scps: bool,
    traced: bool,
    traced_budget: float,
    collector: bool = True,
) -> dict[str, Any]:
    start = time.perf_counter()
    snap = build_snapshot(accounts, users_per_account, seed, scps=scps)
    out: dict[str, Any] = {
        "phase": phase,
        "accounts": len(snap.accounts),
        "users": sum(len(a.users) for a in snap.accounts.values()),
        "roles": sum(len(a.roles) for a in snap.accounts.values()),
        "groups": sum(len(a.groups) for a in snap.accounts.values()),
        "generate_s": time.perf_counter() - start,
    }
    work = {
        "access": _access,
        "audit": _audit,
        "one_user": _one_user,
        "one_admin": _one_admin,
        "escalation": _escalation,
    }[phase]
    gc.collect()
    out["rss_before_mb"] = _maxrss_mb()
    out["load_before"] = os.getloadavg()[0]
    out["gc"] = collector
    if not collector:
        gc.disable()
    start, cpu = time.perf_counter(), time.process_time()
    result = work(snap)
    out["seconds"] = time.perf_counter() - start
    out["cpu_s"] = time.process_time() - cpu
    gc.enable()
    out["rss_peak_mb"] = _maxrss_mb()
    out["load_after"] = os.getloadavg()[0]
    out.update(result)
    if "untimed_s" in result:  # counting, and the expansion into rows (reported apart), are not the analysis
        out["seconds"] -= result["untimed_s"]
        out["cpu_s"] -= result["untimed_cpu_s"]
    if traced and out["seconds"] <= traced_budget:
        del result
        gc.collect()
        tracemalloc.start()
        work(snap)
        out["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return out


def profile_access(
    accounts: int, users_per_account: int, seed: int, *, scps: bool, top: int, collector: bool = True
) -> None:
    import cProfile
    import pstats

    from rolegate.access.graph import AccessGraph

    snap = build_snapshot(accounts, users_per_account, seed, scps=scps)
    gc.collect()
    profiler = cProfile.Profile()
    start = time.perf_counter()
    if not collector:
        gc.disable()
    profiler.enable()
    groups = AccessGraph(snap).groups()
    profiler.disable()
    gc.enable()
    cells = sum(len(answer.with_mfa.keys() | answer.without_mfa.keys()) for _, answer in groups)
    print(f"access at {accounts} accounts: {cells:,} cells, {time.perf_counter() - start:.1f} s profiled")
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


# -- the driver ------------------------------------------------------------------------------------------


def _child(phase: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", phase, "--sizes", str(size)]
    command += ["--users-per-account", str(args.users_per_account), "--seed", str(args.seed)]
    command += [] if args.scps else ["--no-scps"]
    command += [] if args.tracemalloc else ["--no-tracemalloc"]
    command += ["--traced-budget", str(args.traced_budget)]
    command += [] if args.gc else ["--no-gc"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"phase": phase, "error": f"over {args.timeout:.0f} s"}
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no message"
        return {"phase": phase, "error": f"exit {done.returncode}: {last}"}
    return json.loads(done.stdout)


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if not a or not b else b / a


def _seconds(phase: dict[str, Any]) -> str:
    if "seconds" not in phase:
        return phase.get("error", "—")
    return f"{phase['seconds']:.2f} ({phase['cpu_s']:.2f})"


def report(results: list[dict[str, Any]], *, has_audit: bool) -> None:
    print(
        "| accounts | users | roles | rows (cells) | access s (CPU s) | + all rows s | audit s (CPU s) "
        "| findings | one user s | access peak MB, RSS / traced | audit peak MB, RSS / traced |"
        f"\n|{'---:|' * 11}"
    )
    for r in results:
        a, b, one = r["access"], r["audit"], r.get("one_user", {})
        print(
            f"| {r['accounts']} | {_fmt(a.get('users'), ',')} | {_fmt(a.get('roles'), ',')} "
            f"| {_fmt(a.get('rows'), ',')} ({_fmt(a.get('cells'), ',')}) | {_seconds(a)} "
            f"| {_fmt(a.get('rows_s'), '.2f')} | {_seconds(b)} | {_fmt(b.get('findings'), ',')} "
            f"| {_fmt(one.get('seconds'), '.2f')} "
            f"| {_fmt(a.get('rss_peak_mb'), '.0f')} / {_fmt(a.get('traced_peak_mb'), '.0f')} "
            f"| {_fmt(b.get('rss_peak_mb'), '.0f')} / {_fmt(b.get('traced_peak_mb'), '.0f')} |"
        )
    print(
        "\nSnapshot alone, RSS before the timed phase: "
        + ", ".join(f"{_fmt(r['access'].get('rss_before_mb'), '.0f')} MB at {r['accounts']}" for r in results)
        + "; 1-min load average at the start of each access phase: "
        + ", ".join(f"{_fmt(r['access'].get('load_before'), '.1f')}" for r in results)
        + "."
    )
    if not has_audit:
        print("audit: not available yet")
    if any(r["access"].get("gc") is False for r in results):
        print("The cyclic garbage collector was off during the timed phases (--no-gc).")
    if any("escalation" in r for r in results):
        print(
            "\nEscalation (access/escalation.py): the matrix alone (before), and with every user's escalation"
            " paths to an administrator-equivalent role (after)\n"
            "| accounts | matrix s (before) | matrix + escalation s (after) | escalation alone s (CPU s) "
            "| roles with escalation steps | users escalating | one administrator s (CPU s) |"
            "\n|---:|---:|---:|---:|---:|---:|---:|"
        )
        for r in results:
            a, e, admin = r["access"], r.get("escalation", {}), r.get("one_admin", {})
            print(
                f"| {r['accounts']} | {_fmt(a.get('seconds'), '.2f')} | {_seconds(e)} "
                f"| {_fmt(e.get('escalation_s'), '.2f')} ({_fmt(e.get('escalation_cpu_s'), '.2f')}) "
                f"| {_fmt(e.get('escalating_roles'), ',')} | {_fmt(e.get('escalating_users'), ',')} "
                f"| {_seconds(admin) if admin else '—'} |"
            )
    if len(results) > 1:
        first, last = results[0], results[-1]
        fa, la = first["access"], last["access"]
        size_ratio = last["accounts"] / first["accounts"]
        print(f"\nGrowth {first['accounts']} -> {last['accounts']} accounts ({size_ratio:.0f}x):")
        print("| measure | ratio | exponent k (grows as n^k) |\n|---|---:|---:|")
        for label, x, y in (
            ("users", fa.get("users"), la.get("users")),
            ("roles", fa.get("roles"), la.get("roles")),
            ("rows produced", fa.get("rows"), la.get("rows")),
            ("access seconds", fa.get("seconds"), la.get("seconds")),
            ("access CPU seconds", fa.get("cpu_s"), la.get("cpu_s")),
            ("audit seconds", first["audit"].get("seconds"), last["audit"].get("seconds")),
            (
                "access CPU seconds per row",
                fa.get("cpu_s") and fa["cpu_s"] / fa["rows"],
                la.get("cpu_s") and la["cpu_s"] / la["rows"],
            ),
            ("access peak RSS", fa.get("rss_peak_mb"), la.get("rss_peak_mb")),
        ):
            ratio = _ratio(x, y)
            k = None if ratio is None else math.log(ratio) / math.log(size_ratio)
            print(f"| {label} | {_fmt(ratio, '.1f')}x | {_fmt(k, '.2f')} |")
        print("(near linear in accounts is ~10x for 50 -> 500, k = 1)")
    at_target = next((r for r in results if r["accounts"] == TARGET_ACCOUNTS), None)
    if at_target is None:
        print(f"\nTargets are set at {TARGET_ACCOUNTS} accounts: not run.")
        return
    print(f"\nTargets at {TARGET_ACCOUNTS} accounts (limit {LIMIT_S:.0f} s, target {TARGET_S:.0f} s):")
    for phase in ("access", "audit", "escalation"):
        if phase not in at_target:
            continue
        seconds = at_target[phase].get("seconds")
        if seconds is None:
            print(f"  {phase}: {at_target[phase].get('error')}")
            continue
        verdict = (
            "met" if seconds < TARGET_S else ("under the limit only" if seconds < LIMIT_S else "NOT met")
        )
        print(f"  {phase}: {seconds:.2f} s: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="50,100,250,500", help="accounts per organization, comma-separated"
    )
    parser.add_argument("--users-per-account", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-scps", dest="scps", action="store_false", help="leave SCPs out")
    parser.add_argument("--no-tracemalloc", dest="tracemalloc", action="store_false")
    parser.add_argument(
        "--no-gc",
        dest="gc",
        action="store_false",
        help="disable the cyclic garbage collector during the timed phase, to see its share",
    )
    parser.add_argument(
        "--traced-budget",
        type=float,
        default=60.0,
        help="skip the traced rerun of a phase whose timed run took longer (seconds)",
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per phase and size")
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    parser.add_argument("--save", type=Path, help="also write the raw results to this file")
    parser.add_argument("--load", type=Path, help="print the tables of results saved with --save; no run")
    parser.add_argument("--profile", type=int, metavar="ACCOUNTS", help="cProfile access at this size")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument(
        "--child",
        choices=("access", "audit", "one_user", "one_admin", "escalation"),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    if args.child:
        result = run_phase(
            args.child,
            sizes[0],
            args.users_per_account,
            args.seed,
            scps=args.scps,
            traced=args.tracemalloc,
            traced_budget=args.traced_budget,
            collector=args.gc,
        )
        print(json.dumps(result))
        return
    if args.profile:
        profile_access(
            args.profile, args.users_per_account, args.seed, scps=args.scps, top=args.top, collector=args.gc
        )
        return
    if args.load:
        saved = json.loads(args.load.read_text(encoding="utf-8"))
        report(saved["results"], has_audit=saved["has_audit"])
        return

    has_audit = _audit_call() is not None
    results = []
    for size in sizes:
        row: dict[str, Any] = {"accounts": size}
        for phase in ("access", "audit", "one_user", "one_admin", "escalation"):
            if phase == "audit" and not has_audit:
                row[phase] = {"error": "not available"}
                continue
            print(f"{size} accounts: {phase}…", file=sys.stderr, flush=True)
            row[phase] = _child(phase, size, args)
            print(f"  {_seconds(row[phase])} s", file=sys.stderr, flush=True)
        results.append(row)
        if args.save:
            args.save.write_text(json.dumps({"has_audit": has_audit, "results": results}, indent=2))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        report(results, has_audit=has_audit)


if __name__ == "__main__":
    main()
