"""Privilege escalation: who can *make* themselves reach a role, not only assume it.

Reaching a role is not only sts:AssumeRole. A principal that may change IAM can give itself, or take, what
another principal has (PMapper's idea, written here over rolegate's snapshot and evaluator). Each way is an
edge from one *state* to another, decided by a pure rule in the principal's own account (IAM is
account-local), with its identity policies, its permissions boundary and the SCPs of its account:

- iam:AddUserToGroup on a group            -> the same user, with that group's policies too
- iam:PutUserPolicy / AttachUserPolicy on itself, iam:PutGroupPolicy / AttachGroupPolicy on a group it is
  in, iam:PutRolePolicy / AttachRolePolicy on itself (a role), iam:CreatePolicyVersion /
  iam:SetDefaultPolicyVersion on a customer managed policy attached to it or its groups
                                            -> the same principal with every permission ("*"), still inside
                                               its boundary and its account's SCPs
- iam:CreateAccessKey, iam:CreateLoginProfile, iam:UpdateLoginProfile on another user
                                            -> that user
- iam:UpdateAssumeRolePolicy on a role      -> that role (a same-account trust naming the principal suffices;
                                               the boundary and SCPs must still allow sts:AssumeRole)
- iam:PassRole on a role whose trust lets a compute service in, plus that service's actions to run code
  (COMPUTE)                                -> that role

From every state the roles it may assume follow (AccessGraph's answer for the principals as they are; the
same rules, re-evaluated, for a principal holding more policies than the snapshot shows), role chaining and
cross-account trust included. All of it is followed to a fixed point.

Choices (SECURITY.md): an escalation is judged as its holder would attempt it, with an MFA session (the
strongest context a principal can have), so "conditional" means conditions other than MFA; condition keys
rolegate does not know (iam:PolicyARN, iam:PassedToService are set for the request they describe) leave an
edge conditional, never dropped. Groups are joined one at a time from the user as it is (a group joined
after another is one only the first lets it join), and a principal that may already do everything takes
no step to more policies. iam:PassRole to EC2 does not check that the role has an instance profile (an
over-report, where PMapper asks for iam:CreateInstanceProfile too). What the analysis does not model:
creating new principals (iam:CreateUser, iam:CreateRole), resource policies of services (S3, KMS, Lambda),
and permissions boundaries that the principal could delete (iam:Delete*PermissionsBoundary keeps the
boundary in force here).

For `access`: `escalation_rows(graph, principal)`. For the audit: `Escalations(graph).worst(users,
severity)`, one fixed point for every user (see `_Solver`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import filterfalse
from typing import Any

from rolegate.access.graph import (
    ASSUME,
    AccessGraph,
    Group,
    Principal,
    collector_paused,
)
from rolegate.access.policy import (
    Context,
    Decision,
    Statement,
    action_matches,
    both,
    evaluate,
    names_principal_itself,
    rank,
    resource_matches,
    statements,
)
from rolegate.model.iam_shapes import statement_list
from rolegate.state.snapshot import AccountState, Role, Snapshot

EVERYTHING = "*"  # the extra grant of a principal that can write its own policies
ADMIN_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
_ALL = statements(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    "a policy it wrote itself",
)

# Compute services that run code as a passed role: the trust's service principal, and what it takes to run.
COMPUTE: dict[str, tuple[str, tuple[str, ...]]] = {
    "lambda": ("lambda.amazonaws.com", ("lambda:CreateFunction", "lambda:InvokeFunction")),
    "ec2": ("ec2.amazonaws.com", ("ec2:RunInstances",)),
    "cloudformation": ("cloudformation.amazonaws.com", ("cloudformation:CreateStack",)),
    "glue": ("glue.amazonaws.com", ("glue:CreateDevEndpoint",)),
    "ecs": ("ecs-tasks.amazonaws.com", ("ecs:RegisterTaskDefinition", "ecs:RunTask")),
    "codebuild": ("codebuild.amazonaws.com", ("codebuild:CreateProject", "codebuild:StartBuild")),
    "sagemaker": ("sagemaker.amazonaws.com", ("sagemaker:CreateNotebookInstance",)),
}
SELF_USER = ("iam:PutUserPolicy", "iam:AttachUserPolicy")
SELF_GROUP = ("iam:PutGroupPolicy", "iam:AttachGroupPolicy")
SELF_ROLE = ("iam:PutRolePolicy", "iam:AttachRolePolicy")
POLICY_VERSION = ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion")
TAKE_USER = ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile")
ACTIONS = frozenset(
    {"iam:AddUserToGroup", "iam:UpdateAssumeRolePolicy", "iam:PassRole", "iam:DeleteAccessKey", ASSUME}
    | set(SELF_USER + SELF_GROUP + SELF_ROLE + POLICY_VERSION + TAKE_USER)
    | {a for _, actions in COMPUTE.values() for a in actions}
)


# role ARN -> (decision, why, roles passed through): graph.Path, as AccessGraph answers them
Reached = dict[str, tuple[Decision, tuple[str, ...], tuple[str, ...]]]


@dataclass(frozen=True)
class State:
    """A principal as it could make itself: its own policies plus `extra` (group ARNs it added itself to, or
    EVERYTHING)."""

    arn: str
    kind: str  # "user" | "role"
    account: str  # logical name
    account_id: str
    name: str
    extra: frozenset[str] = frozenset()

    def __hash__(self) -> int:
        # The ARN tells principals apart (its account, kind and name are in it): hashing two fields, not
        # six, for the fixed point's millions of look-ups. Equal states still hash alike.
        return hash((self.arn, self.extra))

    @property
    def principal(self) -> Principal:
        return Principal(self.arn, self.name, self.kind, self.account, self.account_id)


@dataclass(frozen=True)
class Edge:
    """One step a state may take: `via` says how, in the words `access` shows."""

    via: str
    target: State
    decision: Decision


@dataclass(frozen=True)
class Escalation:
    """A role a principal reaches only through at least one escalation step, and the best such path."""

    principal: str  # ARN
    role_arn: str
    role: str
    account: str
    account_id: str
    decision: Decision
    via: tuple[str, ...]  # every step, first first; the last one enters the role

    @property
    def reachable(self) -> str:
        return "yes" if self.decision is True else "conditional"

    def to_json(self) -> dict[str, Any]:
        return {
            "principal": self.principal,
            "account": self.account,
            "account_id": self.account_id,
            "role": self.role,
            "role_arn": self.role_arn,
            "reachable": self.reachable,
            "conditions": [str(c) for c in self.decision] if isinstance(self.decision, tuple) else [],
            "escalation": True,
            "via": list(self.via),
        }


def escalation_rows(graph: AccessGraph, principal: Principal) -> list[Escalation]:
    """For `rolegate access`: the rows to add after the principal's reach rows, one per role it reaches only
    through escalation (`to_json()` has the reach row's keys that apply, "escalation": true, and `via` as
    steps: "iam:AddUserToGroup on group admins", "sts:AssumeRole on role administrator in production")."""
    return Escalations(graph).reach(principal)


_SERVICES = frozenset(a.split(":", 1)[0] for a in ACTIONS)


_Actions = tuple[tuple[str, ...] | None, tuple[str, ...] | None]  # a statement's Action, NotAction


def _relevant(stmts: Iterable[Statement], known: dict[_Actions, bool]) -> list[Statement]:
    """Only statements that can bear on an escalation action (the others never match one). `known` keeps
    the answer by the statement's actions alone (all it depends on): the same Action list in 10,000 roles'
    policies is matched once."""
    out = []
    for s in stmts:
        key = (s.actions, s.not_actions)
        found = known.get(key)
        if found is None:
            found = known[key] = _bears_on_escalation(s)
        if found:
            out.append(s)
    return out


def _bears_on_escalation(s: Statement) -> bool:
    """Most statements name other services (a grant policy's hundreds of role ARNs are all sts:AssumeRole):
    told by the prefix before any action is matched."""
    if s.actions is not None and not any(
        "*" in p.split(":", 1)[0] or "?" in p or p.split(":", 1)[0].lower() in _SERVICES for p in s.actions
    ):
        return False
    return any(action_matches(s, a) for a in ACTIONS)


def service_principals(trust_policy: dict[str, Any]) -> frozenset[str]:
    """The services a trust policy lets in without a condition on who calls (policy.statements keeps only
    AWS principals)."""
    found: set[str] = set()
    for st in statement_list(trust_policy):
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        principal = st.get("Principal")
        if isinstance(principal, dict):
            services = principal.get("Service", [])
            found.update([services] if isinstance(services, str) else list(services))
    return frozenset(found)


def step(action: str, kind: str, name: str, account: str = "") -> str:
    where = f" in {account}" if account else ""
    return f"{action} on {kind} {name}{where}"


class Escalations:
    """Escalation over one AccessGraph: `edges(state)` the rules, `reach(principal)` one principal's roles
    reached through escalation, `worst(groups)` the most severe admin-equivalent target of every user (for
    the audit, shared by users alike)."""

    def __init__(self, graph: AccessGraph, admin: Any = None) -> None:
        self.graph = graph
        self.snapshot: Snapshot = graph.snapshot
        self.org_id = self.snapshot.organization_id or None
        self._admin = admin  # role ARN -> bool, from the audit; None: every role counts
        self._parsed: dict[tuple[int, str], list[Statement]] = {}
        self._limits: dict[tuple[str, str | None], list[list[Statement]]] = {}
        self._evaluations: dict[tuple[Any, ...], Decision] = {}
        self._edges: dict[State, list[Edge]] = {}
        self._plain: dict[State, Reached] = {}
        self._escalating: frozenset[str] | None = None
        self._takeovers: dict[Any, list[Edge]] = {}
        self._matching: dict[tuple[Any, str], list[Statement]] = {}
        self._escalates: dict[Any, bool] = {}
        self._stmt_escalates: dict[_Actions, bool] = {}
        self._stmt_relevant: dict[_Actions, bool] = {}
        self._states: dict[str, State] = {}  # principal ARN -> its state without extras
        self._positions: dict[str, int] | None = None
        self._services: dict[str, frozenset[str]] = {}
        self._identities: dict[State, tuple[Any, list[Statement]]] = {}

    # -- states ---------------------------------------------------------------------------------------
    # One object per principal (by ARN), so that the fixed point's look-ups find a state by identity.
    def user_state(self, account: AccountState, name: str) -> State:
        user = account.users[name]
        found = self._states.get(user.arn)
        if found is None:
            found = self._states[user.arn] = State(user.arn, "user", account.name, account.account_id, name)
        return found

    def role_state(self, role_arn: str) -> State:
        found = self._states.get(role_arn)
        if found is None:
            account, role = self.graph.roles[role_arn]
            found = self._states[role_arn] = State(
                role.arn, "role", account.name, account.account_id, role.name
            )
        return found

    def state_of(self, principal: Principal) -> State:
        found = self._states.get(principal.arn)
        if found is None:
            found = self._states[principal.arn] = State(
                principal.arn, principal.kind, principal.account, principal.account_id, principal.name
            )
        return found

    # -- policies -------------------------------------------------------------------------------------
    def _statements(self, document: dict[str, Any] | None, label: str) -> list[Statement]:
        """A document's statements, parsed once whoever holds it: no escalation shows a statement's label
        (its steps are named by action and resource), so the AdministratorAccess of 1,500 roles is one."""
        key = (id(document), "")
        found = self._parsed.get(key)
        if found is None:
            found = self._parsed[key] = _relevant(statements(document, label), self._stmt_relevant)
        return found

    def _attached(
        self,
        account: AccountState,
        what: str,
        managed: list[str],
        inline: dict[str, dict[str, Any]],
        documents: list[int],
    ) -> list[Statement]:
        """The statements of these policies; each document's id goes into `documents` (what they say, so
        the AdministratorAccess of several roles is one identity to `may`, whatever its label)."""
        out: list[Statement] = []
        for arn in managed:
            document = self.graph.document(account, arn)
            documents.append(id(document))
            out += self._statements(document, "managed policy")
        for document in inline.values():
            documents.append(id(document))
            out += self._statements(document, "inline policy")
        return out

    def _groups_of(self, state: State) -> list[str]:
        """Group names the user is in, its own and the ones it added itself to."""
        account = self.snapshot.accounts[state.account]
        own = list(account.users[state.name].groups) if state.kind == "user" else []
        added = [arn.rsplit("/", 1)[-1] for arn in sorted(state.extra) if arn != EVERYTHING]
        return list(dict.fromkeys(own + added))

    def identity(self, state: State) -> tuple[Any, list[Statement]]:
        """The state's identity statements (escalation-relevant only), and a key for what they are: states
        with the same key evaluate alike."""
        found = self._identities.get(state)
        if found is not None:
            return found
        account = self.snapshot.accounts[state.account]
        stmts: list[Statement] = []
        documents: list[int] = []
        if state.kind == "user":
            user = account.users[state.name]
            stmts += self._attached(
                account, f"user {user.name}", user.managed_policies, user.inline_policies, documents
            )
            for group_name in self._groups_of(state):
                group = account.groups.get(group_name)
                if group is not None:
                    stmts += self._attached(
                        account,
                        f"group {group.name}",
                        group.managed_policies,
                        group.inline_policies,
                        documents,
                    )
        else:
            role = account.roles[state.name]
            stmts += self._attached(
                account, f"role {role.name}", role.managed_policies, role.inline_policies, documents
            )
        if EVERYTHING in state.extra:
            stmts += _ALL
            documents.append(-1)
        found = self._identities[state] = (tuple(documents), stmts)
        return found

    def _boundary(self, state: State) -> str | None:
        account = self.snapshot.accounts[state.account]
        holder = account.users[state.name] if state.kind == "user" else account.roles[state.name]
        return holder.permissions_boundary

    def limits(self, state: State) -> list[list[Statement]]:
        """The boundary (when set), then each SCP level of the account: each must allow. A document is
        parsed once, so the same SCP over 500 accounts is the same statements (and evaluations)."""
        boundary = self._boundary(state)
        key = (state.account_id, boundary)
        found = self._limits.get(key)
        if found is None:
            account = self.snapshot.accounts[state.account]
            found = []
            if boundary:
                found.append(
                    self._parsed_whole(self.graph.document(account, boundary), "permissions boundary")
                )
            for level in self.snapshot.scps.get(state.account_id, []):
                if level:  # an empty level was not read (AWS keeps one SCP on every node)
                    found.append(
                        [st for doc in level for st in self._parsed_whole(doc, "service control policy")]
                    )
            self._limits[key] = found
        return found

    def _parsed_whole(self, document: dict[str, Any] | None, label: str) -> list[Statement]:
        key = (id(document), "whole:" + label)
        found = self._parsed.get(key)
        if found is None:
            found = self._parsed[key] = statements(document, label)
        return found

    def _context(self, state: State, extra: dict[str, str] | None = None) -> Context:
        account = self._account(state)
        holder = account.users[state.name] if state.kind == "user" else account.roles[state.name]
        base = Context.for_principal(
            state.arn, state.account_id, self.org_id, mfa=True,
            username=state.name if state.kind == "user" else None, tags=holder.tags,
        )  # fmt: skip
        if not extra:
            return base
        return replace(base, keys={**base.keys, **{k.lower(): (v,) for k, v in extra.items()}})

    def _for_action(self, key: Any, stmts: list[Statement], action: str) -> list[Statement]:
        """The statements that match the action: the only ones an evaluation of it reads."""
        found = self._matching.get((key, action))
        if found is None:
            found = self._matching[(key, action)] = [s for s in stmts if action_matches(s, action)]
        return found

    def may(self, state: State, action: str, resource: str, keys: dict[str, str] | None = None) -> Decision:
        """May the state call `action` on `resource` in its own account: identity, boundary and SCPs."""
        ident_key, all_stmts = self.identity(state)
        stmts = self._for_action(ident_key, all_stmts, action)
        if not any(s.effect == "Allow" for s in stmts):
            return False
        limits = [self._for_action(id(level), level, action) for level in self.limits(state)]
        if not all(any(s.effect == "Allow" for s in level) for level in limits):
            return False  # a boundary or SCP level that allows nothing of it: denied whatever the resource
        # What the evaluation reads: which statements match the resource, and the request's context (the
        # principal itself only where a statement has a condition or a policy variable). A Resource with a
        # variable is matched only once resolved, so there the resource itself is what it reads.
        hits = (
            tuple(i for i, s in enumerate(stmts) if _covers(s, resource)),
            tuple(tuple(i for i, s in enumerate(level) if _covers(s, resource)) for level in limits),
            resource
            if any(s.variables for s in stmts) or any(s.variables for lv in limits for s in lv)
            else "",
        )
        personal = any(s.conditions or s.variables for s in stmts) or any(
            s.conditions or s.variables for level in limits for s in level
        )
        key = (
            ident_key,
            tuple(tuple(id(s) for s in level) for level in limits),
            state.arn if personal else "",
            action,
            hits,
            tuple(sorted((keys or {}).items())),
        )
        found = self._evaluations.get(key)
        if found is None:
            context = self._context(state, keys)
            args = (action, resource, state.arn, state.account_id, context)
            found = evaluate(stmts, *args).outcome
            for level in limits:
                found = both(found, evaluate(level, *args).outcome)
            self._evaluations[key] = found
        return found

    # -- the rules ------------------------------------------------------------------------------------
    def edges(self, state: State) -> list[Edge]:
        """Every escalation step the state may take, in a stable order."""
        found = self._edges.get(state)
        if found is None:
            ident_key, stmts = self.identity(state)
            escalates = self._escalates.get(ident_key)
            if escalates is None:
                escalates = self._escalates[ident_key] = _may_escalate(stmts, self._stmt_escalates)
            boxed = any(not any(s.effect == "Allow" for s in level) for level in self.limits(state))
            found = list(self._rules(state)) if escalates and not boxed else []
            self._edges[state] = found
        return found

    def _rules(self, state: State) -> Iterator[Edge]:
        # A principal that may do everything already gains nothing from more policies or groups; one that
        # may write its own policies gains all any group could give: no group is worth a step then.
        if not _everything(self.identity(state)[1]):
            own = list(self._write_own_policy(state))
            yield from own
            if not own:
                yield from self._add_to_group(state)
        yield from self._take_user(state)
        yield from self._take_trust(state)
        yield from self._pass_role(state)

    def _account(self, state: State) -> AccountState:
        return self.snapshot.accounts[state.account]

    def _add_to_group(self, state: State) -> Iterator[Edge]:
        if state.kind != "user" or EVERYTHING in state.extra:
            return
        mine = set(self._groups_of(state))
        base = replace(state, extra=frozenset())
        for group in self._account(state).groups.values():
            if group.name in mine:
                continue
            # Groups are joined one at a time from the user as it is; a group joined later is one only a
            # joined group lets it join (else every subset of the groups would be a state of its own).
            if state.extra and self.may(base, "iam:AddUserToGroup", group.arn) is not False:
                continue
            decision = self.may(state, "iam:AddUserToGroup", group.arn)
            if decision is not False:
                target = replace(state, extra=state.extra | {group.arn})
                yield Edge(step("iam:AddUserToGroup", "group", group.name), target, decision)

    def _write_own_policy(self, state: State) -> Iterator[Edge]:
        """Any one way to write its own permissions makes it all-powerful (inside its boundary and SCPs)."""
        if EVERYTHING in state.extra:
            return
        account = self._account(state)
        attach = {"iam:PolicyARN": ADMIN_ACCESS}
        ways: list[tuple[str, str, str, str, dict[str, str] | None]] = []  # action, kind, name, ARN, keys
        attached: list[str] = []
        if state.kind == "user":
            user = account.users[state.name]
            ways += [(a, "user", user.name, user.arn, attach if "Attach" in a else None) for a in SELF_USER]
            attached += user.managed_policies
            for group_name in self._groups_of(state):
                group = account.groups.get(group_name)
                if group is not None:
                    ways += [
                        (a, "group", group.name, group.arn, attach if "Attach" in a else None)
                        for a in SELF_GROUP
                    ]
                    attached += group.managed_policies
        else:
            role = account.roles[state.name]
            ways += [(a, "role", role.name, role.arn, attach if "Attach" in a else None) for a in SELF_ROLE]
            attached += role.managed_policies
        by_arn = {p.arn: p for p in account.policies.values()}
        for arn in dict.fromkeys(attached):
            policy = by_arn.get(arn)
            if policy is None:  # AWS managed: not the account's to change
                continue
            ways.append(("iam:CreatePolicyVersion", "policy", policy.name, arn, None))
            if len(policy.versions) > 1:  # another version to make default must exist already
                ways.append(("iam:SetDefaultPolicyVersion", "policy", policy.name, arn, None))
        for action, kind, name, arn, keys in ways:
            decision = self.may(state, action, arn, keys)
            if decision is not False:
                target = replace(state, extra=frozenset({EVERYTHING}))
                yield Edge(step(action, kind, name), target, decision)
                return  # one way suffices; the first in this order is the one shown

    def _take_user(self, state: State) -> Iterator[Edge]:
        """Another user's keys or password. The users it may take are the same for every state of one
        identity (an administrator takes everyone): decided once per identity, then itself left out."""
        _, stmts = self.identity(state)
        key0, _ = self.identity(state)
        actions = [a for a in TAKE_USER if any(s.effect == "Allow" for s in self._for_action(key0, stmts, a))]
        if not actions:
            return
        key = (self._may_key(state), tuple(actions))
        found = self._takeovers.get(key)
        if found is None:
            # Decided alike for every user (no statement names one): the same edges as any other identity
            # deciding alike, such as every administrator of the account.
            users = list(self._account(state).users.values())
            uniform: dict[str, Decision] = {}
            for action in [*actions, "iam:DeleteAccessKey"]:
                if users:
                    self._may_any_user(state, action, users[0].arn, uniform)
            alike = None
            if all(a in uniform for a in [*actions, "iam:DeleteAccessKey"]):
                alike = (state.account_id, tuple(sorted(uniform.items(), key=lambda kv: kv[0])))
                found = self._takeovers.get(alike)
            if found is None:
                found = list(self._take_users(state, actions))
                if alike is not None:
                    self._takeovers[alike] = found
            self._takeovers[key] = found
        yield from (edge for edge in found if edge.target.arn != state.arn)

    def _may_any_user(self, state: State, action: str, arn: str, uniform: dict[str, Decision]) -> Decision:
        """`may`, decided once for every user when no statement tells one resource from another."""
        if action in uniform:
            return uniform[action]
        ident_key, stmts = self.identity(state)
        relevant = self._for_action(ident_key, stmts, action) + [
            s for level in self.limits(state) for s in self._for_action(id(level), level, action)
        ]
        decision = self.may(state, action, arn)
        if all(s.resources == ("*",) and not s.variables for s in relevant):
            uniform[action] = decision
        return decision

    def _take_users(self, state: State, actions: list[str]) -> Iterator[Edge]:
        account = self._account(state)
        uniform: dict[str, Decision] = {}
        for user in account.users.values():
            best: tuple[str, Decision] | None = None
            for action in actions:
                if action == "iam:CreateLoginProfile" and user.login_profile is True:
                    continue  # it has a password: only UpdateLoginProfile changes it
                if action == "iam:UpdateLoginProfile" and user.login_profile is False:
                    continue
                decision = self._may_any_user(state, action, user.arn, uniform)
                if action == "iam:CreateAccessKey" and (user.access_keys or 0) >= 2:
                    delete = self._may_any_user(state, "iam:DeleteAccessKey", user.arn, uniform)
                    decision = both(decision, delete)  # IAM keeps two keys at most
                if decision is not False and (best is None or rank(decision) > rank(best[1])):
                    best = (action, decision)
            if best is not None:
                yield Edge(step(best[0], "user", user.name), self.user_state(account, user.name), best[1])

    def _may_key(self, state: State) -> Any:
        """What `may` reads of a state but the resource: states of one key decide every request alike."""
        ident_key, stmts = self.identity(state)
        limits = self.limits(state)
        personal = any(s.conditions or s.variables for s in stmts) or any(
            s.conditions or s.variables for level in limits for s in level
        )
        return (
            ident_key,
            tuple(tuple(id(s) for s in level) for level in limits),
            state.account_id,
            state.arn if personal else "",
        )

    def _assume_limits(self, state: State, role: Role) -> Decision:
        found: Decision = True
        context = self._context(state)
        for level in self.limits(state):
            found = both(
                found, evaluate(level, ASSUME, role.arn, state.arn, state.account_id, context).outcome
            )
        return found

    def _take_trust(self, state: State) -> Iterator[Edge]:
        for role in self._account(state).roles.values():
            if role.arn == state.arn:
                continue
            decision = self.may(state, "iam:UpdateAssumeRolePolicy", role.arn)
            if decision is not False:
                decision = both(decision, self._assume_limits(state, role))
            if decision is not False:
                yield Edge(
                    step("iam:UpdateAssumeRolePolicy", "role", role.name), self.role_state(role.arn), decision
                )

    def _services_of(self, role: Role) -> frozenset[str]:
        found = self._services.get(role.arn)
        if found is None:
            found = self._services[role.arn] = service_principals(role.trust_policy)
        return found

    def _pass_role(self, state: State) -> Iterator[Edge]:
        _, stmts = self.identity(state)
        if not any(s.effect == "Allow" and action_matches(s, "iam:PassRole") for s in stmts):
            return
        runnable: list[tuple[str, str, Decision]] = []
        for service, (principal, actions) in COMPUTE.items():
            decision: Decision = True
            for action in actions:
                decision = both(decision, self.may(state, action, "*"))
            if decision is not False:
                runnable.append((service, principal, decision))
        if not runnable:
            return
        for role in self._account(state).roles.values():
            if role.arn == state.arn:
                continue
            services = self._services_of(role)
            for service, principal, run in runnable:
                if principal not in services:
                    continue
                passed = self.may(state, "iam:PassRole", role.arn, {"iam:PassedToService": principal})
                decision = both(passed, run)
                if decision is not False:
                    runs = ", ".join(COMPUTE[service][1])
                    via = f"iam:PassRole on role {role.name} to {service} ({runs})"
                    yield Edge(via, self.role_state(role.arn), decision)
                    break

    # -- what a state may assume ----------------------------------------------------------------------
    def prime(self, groups: list[Group]) -> None:
        """Take the users' answers from the matrix already computed (the audit's), with MFA."""
        for group in groups:
            for principal in group.principals:
                self._plain[self.state_of(principal)] = group.answer.with_mfa

    def plain(self, state: State) -> Reached:
        """Roles the state may assume, role chaining included, as AccessGraph answers (with MFA)."""
        found: Reached | None = self._plain.get(state)
        if found is None:
            found = self._plain_with_more(state) if state.extra else self._graph_answer(state)
            self._plain[state] = found
        return found

    def _graph_answer(self, state: State) -> Reached:
        """AccessGraph's answer with MFA (shared by principals alike). For a role, its onward reach (a
        session's), which the matrix has computed already for every role a user enters."""
        if state.kind == "role":
            return self.graph.session_reach(state.arn, mfa=True)
        return self.graph.reachable(state.principal, mfa=True)

    def _plain_with_more(self, state: State) -> Reached:
        """A principal holding more policies than the snapshot shows: each role decided again (identity with
        the extra policies, boundary, SCPs, trust), then the roles reached go on as AccessGraph says. The
        same rule as graph.py's edge, restated small here because the graph decides only principals that
        exist."""
        plain = self.plain(replace(state, extra=frozenset()))
        account = self._account(state)
        if _total(self._assume_statements(replace(state, extra=frozenset()), account)):
            return plain  # it may assume any role already: more policies change nothing
        stmts = self._assume_statements(state, account)
        base = dict(plain)
        context = self._context(state)
        direct: dict[str, Decision] = {}
        for role_arn, (_, role) in self.graph.roles.items():
            if role_arn == state.arn:
                continue
            args = (ASSUME, role_arn, state.arn, state.account_id, context)
            trust = evaluate(statements(role.trust_policy, "trust"), *args)
            if trust.denied or trust.allowed is False:
                continue
            own = evaluate(stmts, *args)
            if own.denied:
                continue
            limits = self._assume_limits(state, role)
            decision = both(both(own.allowed, limits), trust.allowed)
            same = self.graph.roles[role_arn][0].account_id == state.account_id
            if same and any(names_principal_itself(s, state.arn) for s in trust.allows):
                decision = _best(decision, both(own.unless_denied(), both(limits, trust.allowed)))
            if decision is not False:
                direct[role_arn] = decision
        for role_arn, decision in direct.items():
            old = base.get(role_arn)
            if old is None or rank(decision) > rank(old[0]):
                base[role_arn] = (decision, (), ())
            for onward, (d, why, via) in self.plain(self.role_state(role_arn)).items():
                new = both(decision, d)
                old = base.get(onward)
                if onward != state.arn and new is not False and (old is None or rank(new) > rank(old[0])):
                    base[onward] = (new, why, (role_arn, *via))
        return base

    def _assume_statements(self, state: State, account: AccountState) -> list[Statement]:
        """The state's identity statements that can bear on sts:AssumeRole (all of them, not the
        escalation-relevant cut)."""
        _, stmts = self.identity(state)
        return [s for s in stmts if action_matches(s, ASSUME)]

    # -- the audit's question, for every user at once ----------------------------------------------
    def worst(self, users: Iterable[Principal], severity: Callable[[str], int]) -> dict[str, Escalation]:
        """For each user that can reach a role of severity > 0 through at least one escalation step, the
        worst such role (highest severity, then certain over conditional, then fewest steps) and its path.

        A path problem over states, solved once for everyone: E(S), the best target S reaches through an
        escalation step, and A(S), the best it reaches at all (a role itself, what it may assume, or E), are
        relaxed to a fixed point over the states reachable from the users. Users alike (the same answer,
        no edges of their own) share one value."""
        solver = _Solver(self, severity)
        found: dict[str, Escalation] = {}
        for user in users:
            value = solver.escalated(self.state_of(user))
            if value is not None and value[0] > 0:
                account, role = self.graph.roles[value[5]]
                found[user.arn] = Escalation(
                    user.arn, role.arn, role.name, account.name, account.account_id, value[3], value[4]
                )
        return found

    def escalating_roles(self) -> frozenset[str]:
        """Roles that have at least one escalation step of their own."""
        if self._escalating is None:
            self._escalating = frozenset(arn for arn in self.graph.roles if self.edges(self.role_state(arn)))
        return self._escalating

    # -- following to a fixed point -------------------------------------------------------------------
    def _assume_steps(self, role_arn: str, via: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(self._assume_step(arn) for arn in (*via, role_arn))

    def _assume_step(self, role_arn: str) -> str:
        account, role = self.graph.roles[role_arn]
        return step(ASSUME, "role", role.name, account.name)

    def reach(self, principal: Principal) -> list[Escalation]:
        """The roles the principal reaches only through escalation (or reaches certainly only so), each with
        its best path: certain over conditional, then fewest steps. Breadth first over states."""
        with collector_paused():  # the search may read thousands of answers: the collector paused once
            return self._reach(principal)

    def _reach(self, principal: Principal) -> list[Escalation]:
        start = self.state_of(principal)
        plain = self.plain(start)
        best: dict[str, tuple[Decision, tuple[str, ...]]] = {}
        seen: dict[tuple[State, bool], int] = {(start, False): 2}
        # (state, decision so far, steps, through an escalation step yet, its plain reach already offered)
        queue: deque[tuple[State, Decision, tuple[str, ...], bool, bool]] = deque(
            [(start, True, (), False, False)]
        )
        offered: dict[int, int] = {}  # a plain answer (shared by states alike) offered at this rank
        # Roles the principal reaches certainly without escalating are never a row, and offering them only
        # matters for the steps of their own that could lead on: the others are passed over unread (an
        # administrator that takes over 5,000 users would read their 3.6 million entries for nothing).
        settled: frozenset[str] | None = None
        while queue:
            state, so_far, steps, escalated, covered = queue.popleft()
            if not covered:
                here = plain if state == start else self.plain(state)
                # Breadth first: the first time an answer is offered its paths are the shortest; again only
                # when the decision so far ranks higher.
                if escalated and offered.get(id(here), -1) < rank(so_far):
                    offered[id(here)] = rank(so_far)
                    escalating = self.escalating_roles()
                    if settled is None:
                        settled = frozenset(a for a, p in plain.items() if p[0] is True) - escalating
                    # In snapshot order, so that of two equal paths the same one is kept on every run.
                    for role_arn in sorted(filterfalse(settled.__contains__, here), key=self._order):
                        decision, _, via = here[role_arn]
                        reached = both(so_far, decision)
                        kept = best.get(role_arn)
                        length = len(steps) + len(via) + 1
                        if kept is not None and (rank(reached), -length) <= (rank(kept[0]), -len(kept[1])):
                            continue  # the words of a path are made only for one that is kept
                        path = steps + self._assume_steps(role_arn, via)
                        self._offer(best, role_arn, reached, path)
                        if role_arn in escalating:
                            self._visit(seen, queue, self.role_state(role_arn), reached, path, True, True)
                elif not escalated:
                    # The roles with steps of their own, in snapshot order (not the answer's, which follows
                    # hashing): their onward reach is in the answer, so only their own steps are followed.
                    stepping = [a for a in here if self.edges(self.role_state(a))]
                    for role_arn in sorted(stepping, key=self._order):
                        decision, _, via = here[role_arn]
                        path = self._assume_steps(role_arn, via)
                        self._visit(seen, queue, self.role_state(role_arn), decision, path, False, True)
            for edge in self.edges(state):
                decision = both(so_far, edge.decision)
                if edge.target.kind == "role" and not edge.target.extra:
                    self._offer(best, edge.target.arn, decision, (*steps, edge.via))
                self._visit(seen, queue, edge.target, decision, (*steps, edge.via), True, False)
        out = []
        for role_arn, (decision, via) in best.items():
            old = plain.get(role_arn)
            if (
                role_arn == principal.arn
                or decision is False
                or (old is not None and rank(old[0]) >= rank(decision))
            ):
                continue
            account, role = self.graph.roles[role_arn]
            out.append(
                Escalation(
                    principal.arn, role_arn, role.name, account.name, account.account_id, decision, via
                )
            )
        return sorted(out, key=lambda e: self._order(e.role_arn))

    def _order(self, role_arn: str) -> int:
        """A role's place in the snapshot (accounts in file order, then roles as read)."""
        if self._positions is None:
            self._positions = {arn: i for i, arn in enumerate(self.graph.roles)}
        return self._positions[role_arn]

    @staticmethod
    def _offer(best: dict[str, tuple[Decision, tuple[str, ...]]], role_arn: str, decision: Decision,
               via: tuple[str, ...]) -> None:  # fmt: skip
        old = best.get(role_arn)
        if decision is not False and (
            old is None or (rank(decision), -len(via)) > (rank(old[0]), -len(old[1]))
        ):
            best[role_arn] = (decision, via)

    @staticmethod
    def _visit(seen: dict[tuple[State, bool], int], queue: deque[Any], state: State, decision: Decision,
               steps: tuple[str, ...], escalated: bool, covered: bool) -> None:  # fmt: skip
        score = rank(decision) + (4 if escalated else 0)
        if decision is False or seen.get((state, covered), -1) >= score:
            return
        seen[(state, covered)] = score
        queue.append((state, decision, steps, escalated, covered))


def _may_escalate(stmts: list[Statement], known: dict[_Actions, bool]) -> bool:
    """Whether any Allow could grant an escalation action (sts:AssumeRole alone is the graph's); `known`
    keeps the answer by the statement's actions (the same ones over many principals are matched once)."""
    for s in stmts:
        if s.effect != "Allow":
            continue
        key = (s.actions, s.not_actions)
        found = known.get(key)
        if found is None:
            found = known[key] = any(action_matches(s, a) for a in ACTIONS if a != ASSUME)
        if found:
            return True
    return False


def _best(first: Decision, second: Decision) -> Decision:
    return first if rank(first) >= rank(second) else second


def _covers(stmt: Statement, resource: str) -> bool:
    if stmt.resources == ("*",) and not stmt.variables:
        return True  # most of what grants IAM writes grants them on every resource
    return resource_matches(stmt, resource)


def _everything(stmts: list[Statement]) -> bool:
    """An Allow of every action on every resource, without condition, and no Deny."""
    return any(
        s.effect == "Allow" and s.actions == ("*",) and s.resources == ("*",) and not s.conditions
        for s in stmts
    ) and not any(s.effect == "Deny" for s in stmts)


def _total(stmts: list[Statement]) -> bool:
    """An Allow of sts:AssumeRole on every resource, without condition, and no Deny that could take it
    back."""
    return any(
        s.effect == "Allow" and s.resources == ("*",) and not s.conditions and not s.variables for s in stmts
    ) and not any(s.effect == "Deny" for s in stmts)


# severity, rank of the decision, minus the steps, the decision, the steps, the role ARN (compared on the
# first three)
Value = tuple[int, int, int, Decision, tuple[str, ...], str]


def _better(new: Value | None, old: Value | None) -> bool:
    return new is not None and (old is None or new[:3] > old[:3])


def _better_after(
    steps: tuple[str, ...], decision: Decision, value: Value | None, best: Value | None
) -> Value | None:
    """The value reached by taking `steps` (with their decision) first and then `value`, when it is `_better`
    than `best`; else `best`. The combined path is made only for a winner."""
    if value is None:
        return best
    combined = both(decision, value[3])
    if combined is False:
        return best
    key = (value[0], rank(combined), -len(steps) - len(value[4]))
    if best is not None and key <= best[:3]:
        return best
    return (*key, combined, steps + value[4], value[5])


class _Solver:
    """E and A (see Escalations.worst) over the states reachable from the users, by relaxation."""

    def __init__(self, esc: Escalations, severity: Callable[[str], int]) -> None:
        self.esc, self.severity = esc, severity
        self.escalating = esc.escalating_roles()
        self.e: dict[State, Value | None] = {}
        self.a: dict[State, Value | None] = {}
        self._plain_best: dict[int, Value | None] = {}
        # Every role's severity, once; only the roles that have one are looked for in what a state reaches.
        self.severities = {arn: sev for arn in esc.graph.roles if (sev := severity(arn))}
        self._by_severity = [  # the roles of each severity, highest first
            frozenset(arn for arn, sev in self.severities.items() if sev == level)
            for level in sorted(set(self.severities.values()), reverse=True)
        ]
        self._plain_next: dict[int, list[tuple[str, Decision, tuple[str, ...]]]] = {}
        self._solved: set[State] = set()

    def plain_best(self, state: State) -> Value | None:
        """The worst role the state may assume (no escalation), shared by states of one answer."""
        plain = self.esc.plain(state)
        key = id(plain)
        if key not in self._plain_best:
            best: Value | None = None
            # The highest severity present wins whatever the rest: only its roles are compared (then
            # certain over conditional, fewest hops, and of equals the first ARN in order).
            for severe in self._by_severity:
                found = plain.keys() & severe
                if found:
                    arn = min(found, key=lambda a: (-rank(plain[a][0]), len(plain[a][2]), a))
                    decision, _, via = plain[arn]
                    best = (self.severities[arn], rank(decision), -len(via) - 1, decision, via, arn)
                    break
            if best is not None:  # the steps as words, for the one kept
                best = (*best[:4], self.esc._assume_steps(best[5], best[4]), best[5])
            self._plain_best[key] = best
        return self._plain_best[key]

    def plain_next(self, state: State) -> list[tuple[str, Decision, tuple[str, ...]]]:
        """The roles the state may assume that have escalation steps of their own."""
        plain = self.esc.plain(state)
        key = id(plain)
        found = self._plain_next.get(key)
        if found is None:
            found = self._plain_next[key] = [
                (arn, plain[arn][0], self.esc._assume_steps(arn, plain[arn][2]))
                for arn in sorted(plain.keys() & self.escalating)
            ]
        return found

    def own(self, state: State) -> Value | None:
        if state.kind == "role" and not state.extra:
            sev = self.severities.get(state.arn, 0)
            if sev:
                return (sev, 2, 0, True, (), state.arn)
        return None

    def escalated(self, start: State) -> Value | None:
        if start not in self._solved:
            self._solve(start)
        return self.e.get(start)

    def _successors(self, state: State) -> Iterator[State]:
        for edge in self.esc.edges(state):
            yield edge.target
        for arn, _, _ in self.plain_next(state):
            yield self.esc.role_state(arn)

    def _solve(self, start: State) -> None:
        """Every state reachable from `start` not solved yet, in post-order, then relaxed until stable.

        A state's values are a function of its successors' values alone, so a pass recomputes only the
        states some successor of which changed since they were last computed (`stale`): the same changes,
        in the same order, as recomputing every state every pass, without the passes that change nothing
        (an administrator's 5,000 takeovers were read three times over)."""
        order: list[State] = []
        seen = {start}
        waiting: dict[State, list[State]] = {}  # state -> the states whose values read its values
        stack: list[tuple[State, Iterator[State]]] = [(start, self._successors(start))]
        while stack:
            state, successors = stack[-1]
            for nxt in successors:
                waiting.setdefault(nxt, []).append(state)
                if nxt not in seen and nxt not in self._solved:
                    seen.add(nxt)
                    stack.append((nxt, self._successors(nxt)))
                    break
            else:
                stack.pop()
                order.append(state)
        stale = set(order)
        while stale:
            for state in order:
                if state not in stale:
                    continue
                stale.discard(state)
                changed = False
                e = self._escalated_value(state)
                a = e
                for candidate in (self.own(state), self.plain_best(state)):
                    if _better(candidate, a):
                        a = candidate
                if _better(e, self.e.get(state)):  # values only rise: a fixed point is reached
                    self.e[state], changed = e, True
                if _better(a, self.a.get(state)):
                    self.a[state], changed = a, True
                if changed:
                    stale.update(waiting.get(state, ()))
        self._solved.update(order)

    def _escalated_value(self, state: State) -> Value | None:
        """E(state) from its successors' current values: the best of its escalation steps followed by what
        their targets reach, and of the roles it may assume followed by their escalations. A candidate's
        words are put together only when it ranks above the best so far."""
        e: Value | None = None
        for edge in self.esc.edges(state):
            e = _better_after((edge.via,), edge.decision, self.a.get(edge.target), e)
        for arn, decision, steps in self.plain_next(state):
            e = _better_after(steps, decision, self.e.get(self.esc.role_state(arn)), e)
        return e
