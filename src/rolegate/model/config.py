"""The typed model of rolegate.yaml. Field-level rules live here; cross-references live in validate.py."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from rolegate.model import names, naming
from rolegate.model.durations import MAX_SESSION, MIN_SESSION, format_duration, parse_duration

ALL_ACCOUNTS = "*"


def _fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("rolegate", message)


def _account_id(value: Any) -> Any:
    # An unquoted 12-digit id arrives as an int; fewer digits means YAML dropped leading zeros.
    if isinstance(value, bool):
        raise _fail('an account id is 12 digits in quotes, like "111111111111"')
    if isinstance(value, int):
        text = str(value)
        if len(text) == 12:
            return text
        raise _fail(
            f"{value} is not a 12-digit account id (unquoted, YAML drops leading zeros); "
            'write it in quotes, like id: "012345678901"'
        )
    if isinstance(value, str) and names.ACCOUNT_ID.ok(value):
        return value
    raise _fail(f"{value!r} is not a 12-digit account id")


def _colour(value: Any) -> Any:
    if isinstance(value, str):
        try:
            naming.colour_hex(value)
        except ValueError:
            pass
        else:
            return value
    raise _fail(f"{value!r} is not a colour; use green, yellow, orange, red, blue or a hex like b7ca9d")


def _duration(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _fail(f"{value!r} is not a duration; write it like 15m, 1h or 12h")
    if isinstance(value, int):
        raise _fail(f"{value} has no unit; write it like {format_duration(value) if value else '1h'}")
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if not MIN_SESSION <= seconds <= MAX_SESSION:
        raise _fail(f"{value} is outside what IAM allows for a role session: 15m to 12h")
    return value


AccountId = Annotated[str, BeforeValidator(_account_id)]
Colour = Annotated[str, BeforeValidator(_colour)]
Duration = Annotated[str, BeforeValidator(_duration)]


def _name_of(alphabet: names.Alphabet) -> Any:
    """A validator holding a value to one of names.py's alphabets, matched whole."""

    def check(value: Any) -> Any:
        problem = alphabet.problem(value)
        if problem is not None:
            raise _fail(problem)
        return value

    return check


def _iam_name(kind: str, max_len: int) -> Any:
    return _name_of({"role": names.ROLE, "group": names.GROUP, "user": names.USER}[kind])


def _policy_ref(value: Any) -> Any:
    problem = names.policy_ref_problem(value)
    if problem is not None:
        raise _fail(problem)
    return value


PolicyRef = Annotated[str, BeforeValidator(_policy_ref)]


def _inline_policies(value: Any) -> Any:
    """`inline_policies: {Name: <policy document as a mapping>}`: names IAM accepts, documents it takes."""
    from rolegate.model.policydoc import identity_policy_problems

    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail("inline_policies is a mapping of policy names to policy documents")
    for name, document in value.items():
        if not isinstance(name, str) or len(name) > 128 or not naming.IAM_NAME_RE.match(name):
            raise _fail(
                f"{name!r} is not a valid inline policy name (up to 128 of letters, digits and +=,.@_-)"
            )
        problems = identity_policy_problems(document)
        if problems:
            raise _fail(f"inline policy {name}: " + "; ".join(problems))
    return value


InlinePolicies = Annotated[dict[str, dict[str, Any]], BeforeValidator(_inline_policies)]


def _unit_name_problem(name: object) -> str | None:
    if not isinstance(name, str) or not names.UNIT.ok(name):
        return f"{name!r} is not a unit name: {names.UNIT.rule}"
    return None


def _unit_tree(value: Any, depth: int = 0) -> Any:
    """`{Environments: {Production: {}, Development: null}}`: names Organizations accepts, at most five deep
    below the root (Organizations' own limit)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail("units is a mapping of unit names to the units under them ({} for none)")
    if depth >= MAX_UNIT_DEPTH:
        raise _fail(f"units nest at most {MAX_UNIT_DEPTH} deep below the root (an Organizations limit)")
    for name, children in value.items():
        problem = _unit_name_problem(name)
        if problem is not None:
            raise _fail(problem)
        value[name] = _unit_tree(children, depth + 1)
    return value


def _unit_path(value: Any) -> Any:
    if not isinstance(value, str) or not value:
        raise _fail("a unit is a path of organization.units, like Environments/Production, or root")
    if value == ROOT:
        return value
    for part in value.split("/"):
        problem = _unit_name_problem(part)
        if problem is not None:
            raise _fail(problem)
    return value


ROOT = "root"
MAX_UNIT_DEPTH = 5
UnitTree = Annotated[dict[str, Any], BeforeValidator(_unit_tree)]


def _guardrail_document(value: Any) -> Any:
    from rolegate.model.policydoc import control_policy_problems

    if not isinstance(value, dict):
        raise _fail("a guardrail's document is a policy document (a mapping), or use document_file: PATH")
    problems = control_policy_problems(value)
    if problems:
        raise _fail("; ".join(problems))
    return value


class Guardrail(BaseModel):
    """A service or resource control policy the file keeps: one rolegate ships (its name is enough), or a
    document of the file's own, attached to the root, units or accounts."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["service_control", "resource_control"] | None = None
    document: Annotated[dict[str, Any], BeforeValidator(_guardrail_document)] | None = None
    document_file: str | None = None  # a JSON file, relative to rolegate.yaml
    description: str | None = Field(None, max_length=512)
    attach: list[str] = Field(min_length=1)  # root, a unit path, or an account of the file
    regions: list[Annotated[str, BeforeValidator(_name_of(names.REGION))]] | None = None  # region-allow-list


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class PasswordPolicy(Strict):
    """IAM's account password policy for the hub, where people sign in."""

    minimum_length: int = Field(14, ge=6, le=128)
    require_symbols: bool = True
    require_numbers: bool = True
    require_uppercase: bool = True
    require_lowercase: bool = True
    max_age_days: int | None = Field(None, ge=1, le=1095)
    reuse_prevention: int | None = Field(None, ge=1, le=24)
    allow_users_to_change_password: bool = True
    hard_expiry: bool = False


class Organization(Strict):
    name: Annotated[str, BeforeValidator(_name_of(names.ORG_NAME))]
    hub: str
    region: Annotated[str, BeforeValidator(_name_of(names.REGION))] = "us-east-1"
    bootstrap_role: Annotated[str, BeforeValidator(_iam_name("role", 64))] = "OrganizationAccountAccessRole"
    password_policy: PasswordPolicy | None = None
    # Take over hand-made resources that carry the names this file declares (`rolegate import` sets it):
    # each is shown as an "adopt" change and gets rolegate's ownership mark; without it they are conflicts.
    adopt: bool = False
    # Centralized root access (IAM, 2024): member accounts have no root password or keys, and the management
    # account's operators act as a member's root only for a task (sts:AssumeRoot). Unset: left as it is.
    root_access: Literal["centralized"] | None = None
    # How `rolegate lockdown ACCOUNT` isolates an account unless --method says: trust edits on its roles, or
    # an SCP and an RCP attached to it (which also stops the sessions already issued).
    lockdown: Literal["trust", "scp"] = "trust"
    # The organizational units rolegate keeps, as a tree of names: `Environments: {Production: {}}`. Units
    # not here are left alone; a unit rolegate made and the file dropped is deleted once it is empty.
    units: UnitTree = Field(default_factory=dict)


class Account(Strict):
    id: AccountId | None = None
    email: Annotated[str, BeforeValidator(_name_of(names.EMAIL))] | None = None
    alias: str | None = None
    color: Colour | None = None
    # What the console shows after a switch (the link's displayName), exactly as written: `ML-Dev`; without
    # it the key is capitalised (`ml-dev` -> `Ml-Dev`), which cannot know an acronym.
    display_name: Annotated[str, BeforeValidator(_name_of(names.DISPLAY_NAME))] | None = None
    # The unit the account belongs in, as a path of organization.units: `Environments/Production`, or `root`.
    # Unset: the account stays where it is.
    unit: Annotated[str, BeforeValidator(_unit_path)] | None = None

    @field_validator("alias")
    @classmethod
    def _alias(cls, value: str | None) -> str | None:
        problem = names.ALIAS.problem(value) if value is not None else None
        if problem is not None:
            raise _fail(problem)
        return value


RoleName = Annotated[str, BeforeValidator(_iam_name("role", 64))]
GroupName = Annotated[str, BeforeValidator(_iam_name("group", 128))]
UserName = Annotated[str, BeforeValidator(_iam_name("user", 64))]
# The logical names under `accounts:`: they become profile names, display names and parts of URLs.
AccountKey = Annotated[str, BeforeValidator(_name_of(names.ACCOUNT_KEY))]
GuardrailName = Annotated[str, BeforeValidator(_name_of(names.CONTROL_POLICY))]


class Role(Strict):
    accounts: list[str] = Field(min_length=1)
    policies: list[PolicyRef] = Field(default_factory=list)
    require_mfa: bool = True
    max_session: Duration = "1h"
    inline_policies: InlinePolicies = Field(default_factory=dict)
    # The most the role's policies may grant (a managed policy, by name or ARN); unset: rolegate leaves any
    # boundary the role has alone.
    permissions_boundary: PolicyRef | None = None

    @property
    def max_session_seconds(self) -> int:
        return parse_duration(self.max_session)


class Group(Strict):
    assume: dict[str, list[str]] = Field(default_factory=dict)
    policies: list[PolicyRef] = Field(default_factory=list)
    inline_policies: InlinePolicies = Field(default_factory=dict)


class User(Strict):
    groups: list[str] = Field(default_factory=list)
    console: bool = False
    mfa: Literal["required", "optional"] = "optional"
    inline_policies: InlinePolicies = Field(default_factory=dict)


class Config(Strict):
    version: Literal[1]
    organization: Organization
    accounts: dict[AccountKey, Account] = Field(min_length=1)
    roles: dict[RoleName, Role] = Field(default_factory=dict)
    groups: dict[GroupName, Group] = Field(default_factory=dict)
    users: dict[UserName, User] = Field(default_factory=dict)
    # Service and resource control policies, by name (a built-in's name switches it on).
    guardrails: dict[GuardrailName, Guardrail] = Field(default_factory=dict)

    # Helpers the compiler and writers share, so "*" means one thing everywhere.
    def spokes(self) -> list[str]:
        return [a for a in self.accounts if a != self.organization.hub]

    def expand(self, accounts: list[str]) -> list[str]:
        """Account names in file order; `*` means every account but the hub."""
        wanted: set[str] = set()
        for a in accounts:
            wanted.update(self.spokes() if a == ALL_ACCOUNTS else [a])
        return [a for a in self.accounts if a in wanted]

    def role_accounts(self, role: str) -> list[str]:
        return self.expand(self.roles[role].accounts)

    def hub_id(self) -> str:
        hub = self.accounts[self.organization.hub].id
        assert hub is not None, "validate() ensures the hub has an id"
        return hub
