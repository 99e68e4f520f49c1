"""rolegate.yaml as Terraform JSON configuration (`*.tf.json`). Pure: `Desired` and a `Snapshot` in.

- `main.tf.json`: the `aws` provider requirement, a `region` variable, and one provider alias per account:
  the hub's uses the operator's own credentials (as rolegate does), every other account's assumes
  `organization.bootstrap_role` there.
- `<account>.tf.json`: that account's resources, with the properties and tags direct apply sets, and an
  `import` block (Terraform 1.5+) for each one that exists already and is rolegate's, so that the first
  `terraform plan` adopts them and shows no change.

Resource names are `<account>_<kind>_<name>` (attachments add the policy), letters, digits, `_` and `-`
only; a name that had other characters keeps a short hash of the original, so names never collide and never
depend on anything but the resource itself. Strings are Terraform templates in JSON syntax: a literal `${`
or `%{` in a policy is escaped (`$${`, `%%{`).

Login profiles, keys and MFA devices are not exported: Terraform would have to hold their secrets.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from rolegate.model import naming
from rolegate.plan.compile import Desired, DesiredAccount
from rolegate.plan.kinds import (
    alias,
    control_policy,
    group,
    inline,
    password_policy,
    policy,
    role,
    unit,
    user,
)
from rolegate.state.snapshot import AccountState, OrganizationState, Snapshot, owns_path, owns_tagged

REQUIRED_VERSION = ">= 1.5.0"  # import blocks
PROVIDER_SOURCE = "hashicorp/aws"
PROVIDER_VERSION = ">= 5.0"
MAIN_FILE = "main.tf.json"
_IDENT = re.compile(r"[^A-Za-z0-9_-]")


def identifier(*parts: str) -> str:
    """A Terraform name from its parts: stable, valid, and distinct for distinct parts."""
    raw = "_".join(parts)
    clean = _IDENT.sub("_", raw)
    if clean != raw:
        clean += "_" + hashlib.sha256(raw.encode()).hexdigest()[:6]
    if not re.match(r"[A-Za-z_]", clean):
        clean = "_" + clean
    return clean


def literal(text: str) -> str:
    """A string Terraform must not read as a template."""
    return text.replace("${", "$${").replace("%{", "%%{")


def _document(document: dict[str, Any]) -> str:
    return literal(json.dumps(document, separators=(",", ":")))


@dataclass
class Export:
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # file name -> JSON object
    imports: int = 0
    # Resources the file declares that exist and are not rolegate's: not imported (Terraform would fail to
    # create them), shown to the user, never taken over silently.
    not_owned: list[str] = field(default_factory=list)

    def texts(self) -> dict[str, str]:
        return {name: json.dumps(body, indent=2) + "\n" for name, body in self.files.items()}


class _Account:
    """One account's resources and imports, as Terraform JSON."""

    def __init__(
        self, desired: Desired, acct: DesiredAccount, state: AccountState | None, out: Export
    ) -> None:
        self.desired, self.acct, self.state, self.out = desired, acct, state, out
        self.provider = f"aws.{identifier(acct.name)}"
        self.resources: dict[str, dict[str, Any]] = {}
        self.imports: list[dict[str, str]] = []

    def add(self, kind: str, name: str, body: dict[str, Any], import_id: str | None) -> str:
        self.resources.setdefault(kind, {})[name] = {"provider": self.provider, **body}
        address = f"{kind}.{name}"
        if import_id is not None:
            self.imports.append({"to": address, "id": import_id, "provider": self.provider})
        return address

    def exists_as_ours(self, kind: str, name: str, have: object | None, ours: bool) -> bool:
        """True: exists and is rolegate's, to import. One that is not rolegate's is reported, not imported."""
        if have is not None and not ours:
            self.out.not_owned.append(f"{self.acct.name}: {kind} {name}")
        return have is not None and ours

    def inline(
        self, kind: str, name: str, ref: str, declared: dict[str, dict[str, Any]], have: Any, owned: bool
    ) -> None:
        """Declared inline policies: aws_iam_{role,group,user}_policy, imported as `name:policy` if there."""
        for policy_name in sorted(declared):
            there = owned and have is not None and policy_name in have.inline_policies
            self.add(
                f"aws_iam_{kind}_policy",
                identifier(self.acct.name, kind, name, "inline", policy_name),
                inline.terraform(kind, ref, policy_name, _document(declared[policy_name])),
                f"{name}:{policy_name}" if there else None,
            )

    def tags(self, **extra: str) -> dict[str, str]:
        return {naming.OWNER_TAG: self.desired.org, **extra}

    def roles(self) -> None:
        for want in self.acct.roles.values():
            have = self.state.roles.get(want.name) if self.state else None
            owned = self.exists_as_ours(
                "role", want.name, have, have is not None and owns_tagged(have.tags, self.desired.org)
            )
            rid = identifier(self.acct.name, "role", want.name)
            body = role.terraform(want, self.tags(), _document, literal)
            self.add("aws_iam_role", rid, body, want.name if owned else None)
            ref = f"${{aws_iam_role.{rid}.name}}"
            self.inline("role", want.name, ref, want.inline_policies, have, owned)
            for arn in want.managed_policies:
                attached = owned and have is not None and arn in have.managed_policies
                self.add(
                    "aws_iam_role_policy_attachment",
                    identifier(self.acct.name, "role", want.name, naming.policy_display_name(arn)),
                    {"role": ref, "policy_arn": literal(arn)},
                    f"{want.name}/{arn}" if attached else None,
                )

    def policies(self) -> dict[str, str]:
        """Grant policy ARN (as the file computes it) -> the reference to its resource's ARN."""
        refs: dict[str, str] = {}
        for grant in self.acct.policies.values():
            have = self.state.policies.get(grant.name) if self.state else None
            ours = have is not None and owns_path(have.path)
            owned = self.exists_as_ours("policy", grant.name, have, ours)
            pid = identifier(self.acct.name, "policy", grant.name)
            body = policy.terraform(grant, _document)
            self.add("aws_iam_policy", pid, body, have.arn if owned and have is not None else None)
            refs[grant.arn] = f"${{aws_iam_policy.{pid}.arn}}"
        return refs

    def groups(self, policy_refs: dict[str, str]) -> dict[str, str]:
        refs: dict[str, str] = {}
        for want in self.acct.groups.values():
            have = self.state.groups.get(want.name) if self.state else None
            owned = self.exists_as_ours("group", want.name, have, have is not None and owns_path(have.path))
            gid = identifier(self.acct.name, "group", want.name)
            self.add("aws_iam_group", gid, group.terraform(want), want.name if owned else None)
            refs[want.name] = f"${{aws_iam_group.{gid}.name}}"
            self.inline("group", want.name, refs[want.name], want.inline_policies, have, owned)
            for arn in want.managed_policies:
                attached = owned and have is not None and arn in have.managed_policies
                self.add(
                    "aws_iam_group_policy_attachment",
                    identifier(self.acct.name, "group", want.name, naming.policy_display_name(arn)),
                    {"group": refs[want.name], "policy_arn": policy_refs.get(arn, literal(arn))},
                    f"{want.name}/{arn}" if attached else None,
                )
        return refs

    def users(self, group_refs: dict[str, str]) -> None:
        for want in self.acct.users.values():
            have = self.state.users.get(want.name) if self.state else None
            owned = self.exists_as_ours(
                "user", want.name, have, have is not None and owns_tagged(have.tags, self.desired.org)
            )
            uid = identifier(self.acct.name, "user", want.name)
            self.add("aws_iam_user", uid, user.terraform(want, self.tags()), want.name if owned else None)
            ref = f"${{aws_iam_user.{uid}.name}}"
            self.inline("user", want.name, ref, want.inline_policies, have, owned)
            if not want.groups:
                continue
            member_of = [g for g in want.groups if have is not None and g in have.groups]
            self.add(
                "aws_iam_user_group_membership",
                identifier(self.acct.name, "user", want.name, "groups"),
                {"user": ref, "groups": [group_refs.get(g, g) for g in want.groups]},
                "/".join([want.name, *member_of]) if owned and member_of else None,
            )

    def settings(self) -> None:
        state = self.state
        if self.acct.alias:
            self.add(
                "aws_iam_account_alias",
                identifier(self.acct.name, "account", "alias"),
                alias.terraform(self.acct.alias),
                self.acct.alias if state is not None and state.alias == self.acct.alias else None,
            )
        if self.acct.password_policy:
            exists = state is not None and bool(state.password_policy)
            self.add(
                "aws_iam_account_password_policy",
                identifier(self.acct.name, "account", "password_policy"),
                password_policy.terraform(self.acct.password_policy),
                password_policy.TERRAFORM_IMPORT_ID if exists else None,
            )

    def build(self) -> dict[str, Any]:
        self.settings()
        self.roles()
        self.users(self.groups(self.policies()))
        body: dict[str, Any] = {}
        if self.resources:
            body["resource"] = self.resources
        if self.imports:
            body["import"] = self.imports
            self.out.imports += len(self.imports)
        return body


def providers(desired: Desired, region: str) -> dict[str, Any]:
    configs = []
    for acct in desired.accounts.values():
        config: dict[str, Any] = {"alias": identifier(acct.name), "region": "${var.region}"}
        if not acct.is_hub:
            config["assume_role"] = {
                "role_arn": naming.role_arn(acct.account_id, desired.bootstrap_role),
                "session_name": "rolegate-terraform",
            }
        config["allowed_account_ids"] = [acct.account_id]
        configs.append(config)
    return {
        "//": f"rolegate {desired.org}: generated from rolegate.yaml by `rolegate export terraform`.",
        "terraform": {
            "required_version": REQUIRED_VERSION,
            "required_providers": {"aws": {"source": PROVIDER_SOURCE, "version": PROVIDER_VERSION}},
        },
        "variable": {"region": {"type": "string", "default": region, "description": "The providers' region"}},
        "provider": {"aws": configs},
    }


def terraform_files(desired: Desired, snapshot: Snapshot | None, region: str) -> Export:
    """`snapshot`: what exists (rolegate snapshot, or a fresh read); None: import nothing."""
    out = Export()
    out.files[MAIN_FILE] = providers(desired, region)
    for name, acct in desired.accounts.items():
        state = snapshot.accounts.get(name) if snapshot else None
        body = _Account(desired, acct, state, out).build()
        if body:
            out.files[f"{identifier(name)}.tf.json"] = body
    if desired.organization.policies or desired.organization.units:
        out.files[ORGANIZATION_FILE] = organization_body(
            desired, snapshot.organization if snapshot else None, out
        )
    return out


# -- the organization: units, guardrails and their attachments (issue 20) ----------------------------------

ORGANIZATION_FILE = "organization.tf.json"
_ORG_DATA = "data.aws_organizations_organization.this"
_UNIT = "aws_organizations_organizational_unit"
_POLICY = "aws_organizations_policy"
_ATTACHMENT = "aws_organizations_policy_attachment"
_NOT_EXPORTED = (
    "Placements (accounts.NAME.unit) and policy types stay rolegate's: Terraform moves an account only as an "
    "aws_organizations_account it owns, and enables policy types only as the aws_organizations_organization "
    "it owns. Run `rolegate apply` (or enable them in the console) first."
)


def organization_body(desired: Desired, state: OrganizationState | None, out: Export) -> dict[str, Any]:
    """The management account's organization resources, through the hub's provider; an import block for
    each that exists and is rolegate's (by its owner tag), so a first plan adopts them unchanged."""
    wanted = desired.organization
    provider = f"aws.{identifier(desired.hub)}"
    resources: dict[str, dict[str, Any]] = {}
    imports: list[dict[str, str]] = []

    def adopt(address: str, import_id: str | None) -> None:
        if import_id is not None:
            imports.append({"to": address, "id": import_id, "provider": provider})

    units = resources.setdefault(_UNIT, {}) if wanted.units else {}
    for path, want in wanted.units.items():
        name = identifier("unit", path)
        parent = (
            f"${{{_ORG_DATA}.roots[0].id}}"
            if want.parent == "root"
            else (f"${{{_UNIT}.{identifier('unit', want.parent)}.id}}")
        )
        units[name] = {**unit.terraform(want, parent, desired.org), "provider": provider}
        have = state.units.get(path) if state else None
        adopt(f"{_UNIT}.{name}", have.id if have and unit.owned(have, desired.org) else None)
    for policy_name, guardrail in wanted.policies.items():
        name = identifier("guardrail", policy_name)
        document = _document(guardrail.document).replace(f"$${{{'organization:id'}}}", f"${{{_ORG_DATA}.id}}")
        resources.setdefault(_POLICY, {})[name] = {
            **control_policy.terraform(guardrail, document, desired.org),
            "provider": provider,
        }
        policy_had = state.policies.get(policy_name) if state else None
        ours = (
            policy_had is not None
            and not policy_had.aws_managed
            and policy_had.tags.get(naming.OWNER_TAG) == desired.org
        )
        adopt(f"{_POLICY}.{name}", policy_had.id if ours and policy_had else None)
        for target in guardrail.targets:
            if target.kind == "root":
                target_id = f"${{{_ORG_DATA}.roots[0].id}}"
            elif target.kind == "unit":
                target_id = f"${{{_UNIT}.{identifier('unit', target.name)}.id}}"
            else:
                target_id = target.account_id
            attachment = identifier("guardrail", policy_name, target.kind, target.name)
            resources.setdefault(_ATTACHMENT, {})[attachment] = {
                "policy_id": f"${{{_POLICY}.{name}.id}}",
                "target_id": target_id,
                "provider": provider,
            }
            known = _known_target(state, target.kind, target.name, target.account_id) if state else None
            attached = ours and policy_had is not None and known is not None and known in policy_had.targets
            adopt(
                f"{_ATTACHMENT}.{attachment}", f"{known}:{policy_had.id}" if attached and policy_had else None
            )
    body: dict[str, Any] = {
        "//": _NOT_EXPORTED,
        "data": {"aws_organizations_organization": {"this": {"provider": provider}}},
        "resource": resources,
    }
    if imports:
        body["import"] = imports
        out.imports += len(imports)
    return body


def _known_target(state: OrganizationState, kind: str, name: str, account_id: str) -> str | None:
    if kind == "root":
        return state.root_id
    if kind == "unit":
        have = state.units.get(name)
        return have.id if have else None
    return account_id
