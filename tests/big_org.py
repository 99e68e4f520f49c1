"""Organizations of many accounts on the moto server, made as people make them: through AWS Organizations.

`make_accounts(n)` creates n member accounts (each gets OrganizationAccountAccessRole, as in AWS);
`big_config(ids)` is a rolegate.yaml for them: two roles in every account, grant groups and users in the
hub. `iam_state(...)` reads what rolegate manages into a form two runs can be compared by: account ids
replaced by the file's names, lists sorted, login profiles and policy versions counted.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

HUB = "123456789012"  # moto's default account, the management account


def make_accounts(n: int, *, region: str = "us-east-1") -> dict[str, str]:
    """The organization (if there is none) and n accounts env001…; returns name -> id, hub first."""
    import boto3

    org = boto3.client("organizations", region_name=region)
    with contextlib.suppress(org.exceptions.AlreadyInOrganizationException):
        org.create_organization(FeatureSet="ALL")
    ids = {"master": HUB}
    for i in range(1, n + 1):
        name = f"env{i:03d}"
        status = org.create_account(Email=f"you+{name}@example.com", AccountName=name)["CreateAccountStatus"]
        ids[name] = org.describe_create_account_status(CreateAccountRequestId=status["Id"])[
            "CreateAccountStatus"
        ]["AccountId"]
    return ids


def big_config(ids: dict[str, str], *, users: int = 6, variant: str = "a") -> str:
    """Every account gets `administrator` and `read_only`; variant "b" changes sessions, grants and
    people (a role dropped from half the accounts, a user gone, another new), so that switching between
    the two makes creates, updates and deletes everywhere."""
    accounts = "\n".join(f'  {name}:\n    id: "{ident}"' for name, ident in ids.items())
    spokes = [n for n in ids if n != "master"]
    admin_in = spokes if variant == "a" else spokes[: max(1, len(spokes) // 2)]
    people = [f"user{i:02d}" for i in range(1, users + 1)]
    if variant == "b":
        people = [*people[1:], "newcomer"]
    user_lines = []
    for i, person in enumerate(people):
        groups = ["readers"] + (["admins"] if i % 2 == 0 else [])
        user_lines.append(
            f"  {person}:\n    groups: [{', '.join(groups)}]\n    console: {str(i % 3 == 0).lower()}"
        )
    return f"""\
version: 1
organization:
  name: big
  hub: master
  region: us-east-1
accounts:
{accounts}
roles:
  administrator:
    accounts: [{", ".join(admin_in)}]
    policies: [AdministratorAccess]
    require_mfa: true
    max_session: {"1h" if variant == "a" else "2h"}
  read_only:
    accounts: ["*"]
    policies: [ReadOnlyAccess]
    require_mfa: {"true" if variant == "a" else "false"}
    max_session: 8h
groups:
  admins:
    assume:
      administrator: [{", ".join(admin_in)}]
  readers:
    assume:
      read_only: ["*"]
users:
{chr(10).join(user_lines)}
"""


def iam_state(config_text: str) -> dict[str, Any]:
    """What rolegate manages in every account of the file, comparable across organizations and runs.
    Read directly from the endpoint in AWS_ENDPOINT_URL (not through any fault proxy)."""
    from rolegate.aws.session import AwsSessions
    from rolegate.model.load import parse
    from rolegate.runner import read_and_plan

    config = parse(config_text).config
    sessions = AwsSessions(None, "us-east-1")
    snapshot, plan = read_and_plan(config, sessions)
    names = {a.account_id: name for name, a in snapshot.accounts.items()}

    def anonymous(value: Any) -> Any:
        text = json.dumps(value, sort_keys=True)
        for ident, name in names.items():
            text = text.replace(ident, f"<{name}>")
        return _sorted_lists(json.loads(text))

    state: dict[str, Any] = {"pending_changes": [c.address for c in plan.changes]}
    for name, account in snapshot.accounts.items():
        iam = sessions.iam(account.account_id)
        entry: dict[str, Any] = {
            "roles": {
                r.name: {
                    "trust": r.trust_policy,
                    "policies": sorted(r.managed_policies),
                    "tags": r.tags,
                    "max_session": r.max_session,
                }
                for r in account.roles.values()
                if r.name != "OrganizationAccountAccessRole"
            },
            "groups": {
                g.name: {"path": g.path, "policies": sorted(g.managed_policies)}
                for g in account.groups.values()
            },
            "users": {
                u.name: {
                    "groups": sorted(u.groups),
                    "tags": u.tags,
                    "login_profile": _has_login_profile(iam, u.name),
                }
                for u in account.users.values()
            },
            "policies": {
                p.name: {"path": p.path, "document": p.document, "versions": len(p.versions)}
                for p in account.policies.values()
            },
        }
        state[name] = anonymous(entry)
    return state


def _sorted_lists(value: Any) -> Any:
    """Lists of names in file order follow account ids, which differ between organizations: sort them."""
    if isinstance(value, dict):
        return {k: _sorted_lists(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_lists(v) for v in value]
        return sorted(items) if all(isinstance(v, str) for v in items) else items
    return value


def _has_login_profile(iam: Any, user: str) -> bool:
    try:
        iam.get_login_profile(UserName=user)
    except iam.exceptions.NoSuchEntityException:
        return False
    return True
