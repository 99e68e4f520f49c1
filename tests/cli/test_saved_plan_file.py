"""Saved plans as data anyone could write, -target, the mass-delete guard and the first-password question,
offline (no AWS at all; tests/aws/test_saved_plan.py runs them against moto).

Given the seed's rolegate.yaml planned against empty accounts and saved (`rolegate plan -out`), when someone
edits, damages or crafts the file, then reading it back refuses it with a message naming the file and the
field, before any AWS call: a wrong hash, a wrong shape, an account the plan does not name, a change rolegate
never plans, or a call whose operation is not one its kind can emit (so a crafted file cannot make apply
call an arbitrary IAM API), whatever the hash says. The operations allowed are exactly those plan/kinds/ can
emit. These test APIs new in this change: against the pre-change commit e6533b3 they fail at import
(rolegate.plan.saved did not exist) and `rolegate apply FILE` was a usage error.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.builders import rehashed, seed_config
from tests.helpers import rolegate

from rolegate.errors import LocalFileError, RolegateError
from rolegate.model.load import parse
from rolegate.plan import saved
from rolegate.plan.changes import GENERATED_PASSWORD, Call, Change, Plan
from rolegate.plan.compile import compile_config
from rolegate.plan.diff import diff
from rolegate.state.snapshot import AccountState, Role, Snapshot, User

IDS = {
    "master": "123456789012",
    "development": "210987654321",
    "staging": "310987654321",
    "production": "410987654321",
}
KINDS = Path(__file__).parents[2] / "src" / "rolegate" / "plan" / "kinds"


def empty_accounts() -> Snapshot:
    accounts = {name: AccountState(name, account_id, alias_read=True) for name, account_id in IDS.items()}
    accounts["master"].password_policy_read = True
    return Snapshot(accounts=accounts)


def seed_plan() -> tuple[Plan, saved.Basis, Snapshot]:
    loaded = parse(seed_config(IDS))
    desired = compile_config(loaded.config)
    snapshot = empty_accounts()
    basis = saved.Basis(
        config_sha256=saved.sha256_text(loaded.source.text),
        accounts=saved.account_digests(desired, snapshot),
        rolegate_version="0.1.0",
        planned_at="2026-12-04T21:00:00Z",
    )
    return diff(desired, snapshot), basis, snapshot


def saved_text() -> str:
    plan, basis, _ = seed_plan()
    return saved.dumps(saved.SavedPlan(plan, basis))


def first(data: dict[str, Any], kind: str) -> dict[str, Any]:
    change: dict[str, Any] = next(c for c in data["plan"]["changes"] if c["kind"] == kind)
    return change


def _set(
    path: Callable[[dict[str, Any]], dict[str, Any]], key: str, value: Any
) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        path(data)[key] = value

    return edit


def _add_call(kind: str, operation: str, params: Any = None) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        first(data, kind)["calls"].append(
            {"operation": operation, "params": {} if params is None else params}
        )

    return edit


PLAN: Callable[[dict[str, Any]], dict[str, Any]] = lambda d: d["plan"]  # noqa: E731
PLANNED: Callable[[dict[str, Any]], dict[str, Any]] = lambda d: d["planned"]  # noqa: E731
ROLE: Callable[[dict[str, Any]], dict[str, Any]] = lambda d: first(d, "role")  # noqa: E731
USER: Callable[[dict[str, Any]], dict[str, Any]] = lambda d: first(d, "user")  # noqa: E731
ROLE_CALL: Callable[[dict[str, Any]], dict[str, Any]] = lambda d: first(d, "role")["calls"][0]  # noqa: E731

# Crafted files, hash recomputed each time: (what the attacker tried, the edit, what the refusal says).
CRAFTED: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "an access key for cobus in a user change",
        _add_call("user", "CreateAccessKey", {"UserName": "cobus"}),
        "'CreateAccessKey' is not an operation a user change makes",
    ),
    (
        "a user made by a role change",
        _add_call("role", "CreateUser", {"UserName": "mallory"}),
        "'CreateUser' is not an operation a role change makes",
    ),
    (
        "a credentials cleanup in a role change",
        _add_call("role", "DeleteUserCredentials", {"UserName": "cobus"}),
        "not an operation a role change makes",
    ),
    (
        "a role policy attached by a user change",
        _add_call("user", "AttachRolePolicy"),
        "'AttachRolePolicy' is not an operation a user change makes",
    ),
    (
        "botocore's python name instead of the operation",
        _add_call("role", "create_role"),
        "'create_role' is not an operation",
    ),
    (
        "lower camel case, which xform_name would map",
        _add_call("role", "createRole"),
        "'createRole' is not an operation",
    ),
    ("a dunder attribute of the client", _add_call("role", "__class__"), "'__class__' is not an operation"),
    (
        "the client's private request method",
        _add_call("role", "_make_api_call"),
        "'_make_api_call' is not an operation",
    ),
    ("an STS call", _add_call("role", "AssumeRole"), "'AssumeRole' is not an operation"),
    (
        "an Organizations call",
        _add_call("account", "LeaveOrganization"),
        "'LeaveOrganization' is not an operation an account change makes",
    ),
    (
        "the password policy deleted",
        _add_call("account", "DeleteAccountPasswordPolicy"),
        "not an operation an account change makes",
    ),
    (
        "a login profile reset",
        _add_call("user", "UpdateLoginProfile", {"UserName": "cobus", "Password": "x"}),
        "'UpdateLoginProfile' is not an operation",
    ),
    (
        "a boundary removed",
        _add_call("role", "DeleteRolePermissionsBoundary"),
        "not an operation a role change makes",
    ),
    (
        "an operation that is not a string",
        _set(ROLE_CALL, "operation", ["CreateRole"]),
        "operation is missing or not a string",
    ),
    ("params as a list", _set(ROLE_CALL, "params", ["RoleName", "x"]), "params is missing or not an object"),
    (
        "tolerate as one string",
        _set(ROLE_CALL, "tolerate", "EntityAlreadyExists"),
        "tolerate is not a list of strings",
    ),
    (
        "calls as an object",
        _set(ROLE, "calls", {"operation": "CreateRole"}),
        "calls is missing or not a list",
    ),
    ("a change in an account the plan does not name", _set(ROLE, "account", "vendor"), "account 'vendor'"),
    (
        "a change sent to another account id",
        _set(ROLE, "account_id", "666666666666"),
        "is not one of the plan's accounts",
    ),
    (
        "an action rolegate never plans",
        _set(ROLE, "action", "destroy"),
        "'destroy' of 'role' is no change rolegate plans",
    ),
    (
        "a delete of the account itself",
        _set(lambda d: first(d, "account"), "action", "delete"),
        "'delete' of 'account' is no change",
    ),
    ("a StackSet change in a direct plan", _set(ROLE, "kind", "stackset"), "of 'stackset' is no change"),
    ("a kind rolegate has not", _set(ROLE, "kind", "bucket"), "of 'bucket' is no change"),
    ("a name that is a number", _set(ROLE, "name", 7), "name is missing or not a string"),
    ("details that are not strings", _set(ROLE, "details", [1, 2]), "details is not a list of strings"),
    (
        "a boolean for the plan's format version",
        _set(PLAN, "format_version", True),
        "format_version is missing or not a number",
    ),
    ("a plan of another format version", _set(PLAN, "format_version", 2), "plan.format_version is not 1"),
    ("changes as an object", _set(PLAN, "changes", {}), "plan.changes is missing or not a list"),
    (
        "accounts mapped to numbers",
        _set(PLAN, "accounts", {"master": 123456789012}),
        "plan.accounts is not an object of strings",
    ),
    ("no basis", lambda d: d.pop("planned"), "planned is not an object"),
    (
        "a basis without the config hash",
        lambda d: d["planned"].pop("config_sha256"),
        "planned.config_sha256 is missing",
    ),
    (
        "digests that are not strings",
        _set(PLANNED, "accounts", {"master": {"role/x": 1}}),
        "planned.accounts.master is not an object of strings",
    ),
    (
        "a target that is not a string",
        _set(PLANNED, "targets", [1]),
        "planned.targets is not a list of strings",
    ),
]


@pytest.mark.parametrize(("attempt", "edit", "said"), CRAFTED, ids=[c[0] for c in CRAFTED])
def test_a_crafted_plan_file_with_a_matching_hash_is_refused_naming_the_field(
    attempt: str, edit: Callable[[dict[str, Any]], None], said: str
) -> None:
    data = json.loads(saved_text())
    edit(data)

    with pytest.raises(LocalFileError) as refused:
        saved.loads(rehashed(data), "tonight.plan")

    assert refused.value.message.startswith("tonight.plan: "), attempt
    assert said in refused.value.message, refused.value.message
    assert refused.value.message.endswith("nothing was changed")


# Damaged or hand-edited files, hash not recomputed, and files that are not saved plans at all.
DAMAGED: list[tuple[str, bytes | Callable[[str], bytes], str]] = [
    ("not JSON", b"plan: yes\n", "not valid JSON"),
    ("empty", b"", "not valid JSON"),
    ("a JSON list", b"[]", "not a saved plan"),
    ("a snapshot", b'{"version": 1, "accounts": {}}', "not a saved plan"),
    ("a plan's --json output", b'{"format_version": 1, "changes": []}', "not a saved plan"),
    (
        "a saved plan of a later version",
        lambda t: t.replace('"version": 1', '"version": 2', 1).encode(),
        "of version 2",
    ),
    (
        "a role renamed by hand",
        lambda t: t.replace('"name": "administrator"', '"name": "mallory"', 1).encode(),
        "edited since",
    ),
    ("the hash removed", lambda t: t.replace('"sha256": "', '"sha257": "', 1).encode(), "edited since"),
    (
        "a call removed by hand",
        lambda t: t.replace('"CreateUser"', '"DeleteUser"', 1).encode(),
        "edited since",
    ),
    (
        "a digest changed by hand",
        lambda t: t.replace('"config_sha256": "', '"config_sha256": "0', 1).encode(),
        "edited since",
    ),
    ("nested far too deep", b"[" * 10_000 + b"]" * 10_000, "nested more than 64 deep"),
    ("not UTF-8", b'{"format": "\xff"}', "not UTF-8"),
]


@pytest.mark.parametrize(("what", "raw", "said"), DAMAGED, ids=[d[0] for d in DAMAGED])
def test_a_damaged_or_hand_edited_plan_file_is_refused(
    what: str, raw: bytes | Callable[[str], bytes], said: str
) -> None:
    data = raw(saved_text()) if callable(raw) else raw

    with pytest.raises(LocalFileError) as refused:
        saved.loads(data, "p.plan")

    assert said in refused.value.message, (what, refused.value.message)


def test_a_plan_file_over_its_size_limit_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(saved, "PLAN_BYTES", 1000)

    with pytest.raises(LocalFileError) as refused:
        saved.loads(saved_text().encode(), "big.plan")

    assert "larger than 1000 bytes" in refused.value.message


def test_a_saved_plan_reads_back_as_the_plan_it_saved_and_reformatting_is_not_an_edit() -> None:
    plan, basis, _ = seed_plan()
    text = saved.dumps(saved.SavedPlan(plan, basis))
    reformatted = json.dumps(json.loads(text), indent=4)  # another editor's indentation, same data

    back = saved.loads(reformatted.encode(), "p.plan")

    assert back.basis == basis
    assert back.plan.to_json()["changes"] == plan.to_json()["changes"]
    assert saved.differing_changes(back.plan, plan) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_one_byte_changed_is_refused_or_reads_as_the_same_plan(data: st.DataObject) -> None:
    text = saved_text().encode()
    at = data.draw(st.integers(0, len(text) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != text[at]))
    damaged = text[:at] + bytes([byte]) + text[at + 1 :]
    original = saved.loads(text, "p.plan")

    try:
        back = saved.loads(damaged, "p.plan")
    except LocalFileError:
        return
    assert back.basis == original.basis  # only whitespace between tokens can change and still read
    assert saved.differing_changes(back.plan, original.plan) == []


def _emitted_operations() -> tuple[set[str], set[str]]:
    """Every operation named in a Call(...) of plan/kinds/: the literal ones, and the templates
    f"{verb}{principal}Policy" / f"Put{principal}Policy" spelled with their holes as '*'."""
    import importlib

    literal, templates = set(), set()
    for source in KINDS.glob("*.py"):
        module = importlib.import_module(f"rolegate.plan.kinds.{source.stem}")
        for node in ast.walk(ast.parse(source.read_text())):
            # Call(...), and call(...): the organization's kinds' Organizations calls
            named = isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Call", "call")
            if not (named and node.args):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                literal.add(arg.value)
            elif isinstance(arg, ast.JoinedStr):
                templates.add("".join(v.value if isinstance(v, ast.Constant) else "*" for v in arg.values))
            elif isinstance(arg, ast.Name) and arg.id != "operation":  # a module constant naming the call
                literal.add(getattr(module, arg.id))
            elif isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name):  # a table of them
                literal.update(getattr(module, arg.value.id).values())
    return literal, templates


def test_the_operations_a_plan_file_may_hold_are_exactly_those_the_kinds_emit() -> None:
    literal, templates = _emitted_operations()
    allowed = set().union(*saved.OPERATIONS.values())
    principals = ("Role", "Group", "User")
    expanded = {
        t.replace("*", verb, 1).replace("*", p, 1) if t.count("*") == 2 else t.replace("*", p)
        for t in templates
        for p in principals
        for verb in ("Attach", "Detach")
    }

    assert templates == {"**Policy", "Put*Policy", "Delete*Policy"}
    assert literal | expanded == allowed


def test_every_change_of_a_real_plan_reads_back_through_its_kinds_table() -> None:
    plan, basis, _ = seed_plan()
    ops = {(c.kind, call.operation) for c in plan.changes for call in c.calls}

    saved.loads(saved.dumps(saved.SavedPlan(plan, basis)).encode(), "p.plan")

    assert all(op in saved.OPERATIONS[kind] for kind, op in ops)
    assert {"CreateRole", "CreateUser", "CreateLoginProfile", "CreatePolicy"} <= {op for _, op in ops}


# -- -target -----------------------------------------------------------------------------------------------

ACCOUNTS = list(IDS)
TARGETS_OK = [
    ("production", saved.Target("production")),
    ("master", saved.Target("master")),
    ("production/role/administrator", saved.Target("production", "role", "administrator")),
    ("master/user/cobus", saved.Target("master", "user", "cobus")),
    ("master/group/development_administrator", saved.Target("master", "group", "development_administrator")),
    ("master/policy/production_administrator", saved.Target("master", "policy", "production_administrator")),
    ("master/account/password policy", saved.Target("master", "account", "password policy")),
    ("master/account/alias", saved.Target("master", "account", "alias")),
    ("staging/role/a/b", saved.Target("staging", "role", "a/b")),  # the name is the rest, as typed
    ("development/role/read_only", saved.Target("development", "role", "read_only")),
]
TARGETS_BAD = [
    ("prodution", "did you mean 'production'?"),
    ("Production", "no account 'Production'"),
    ("", "no account ''"),
    ("/role/administrator", "no account ''"),
    ("production/", "not ACCOUNT or ACCOUNT/KIND/NAME"),
    ("production/role", "not ACCOUNT or ACCOUNT/KIND/NAME"),
    ("production/role/", "not ACCOUNT or ACCOUNT/KIND/NAME"),
    ("production/roles/administrator", "KIND is one of role, policy, group, user, account"),
    ("production/bucket/logs", "KIND is one of"),
    ("production/Role/administrator", "KIND is one of"),
    ("vendor/role/x", "no account 'vendor'"),
    ("*", "no account '*'"),
]


@pytest.mark.parametrize(("typed", "target"), TARGETS_OK, ids=[t[0] for t in TARGETS_OK])
def test_a_target_as_typed(typed: str, target: saved.Target) -> None:
    assert saved.parse_target(typed, ACCOUNTS) == target
    assert str(target) == typed


@pytest.mark.parametrize(("typed", "said"), TARGETS_BAD, ids=[t[0] or "empty" for t in TARGETS_BAD])
def test_a_mistyped_target_is_refused_with_what_a_target_is(typed: str, said: str) -> None:
    with pytest.raises(RolegateError) as refused:
        saved.parse_target(typed, ACCOUNTS)

    assert said in refused.value.message + " " + (refused.value.hint or "")


def test_targets_keep_exactly_the_matching_changes() -> None:
    plan, _, _ = seed_plan()

    prod = saved.select(plan, (saved.Target("production"),))
    cobus = saved.select(plan, (saved.Target("master", "user", "cobus"), saved.Target("staging")))

    assert [c.address for c in prod.changes] == ["production/role/administrator"]
    assert sorted(c.address for c in cobus.changes) == ["master/user/cobus", "staging/role/administrator"]
    assert saved.select(plan, ()) is plan


# -- the mass-delete guard ---------------------------------------------------------------------------------


def _delete(account: str, kind: str, name: str) -> Change:
    return Change(account, IDS[account], "delete", kind, name, calls=(Call(f"Delete{kind.title()}", {}),))


def _owned_roles(account: str, *names: str) -> AccountState:
    state = AccountState(account, IDS[account])
    for n in names:
        state.roles[n] = Role(
            n, f"arn:aws:iam::{IDS[account]}:role/{n}", "/", {}, tags={"rolegate:owner": "demo"}
        )
    state.roles["someone-elses"] = Role("someone-elses", "arn:x", "/", {})
    return state


@pytest.mark.parametrize(
    ("deletes", "roles_left", "reasons"),
    [
        (0, False, []),
        (1, True, []),
        (10, True, []),
        (11, True, ["it deletes 11 resources (more than 10)"]),
        (1, False, ["it deletes every role rolegate made in production"]),
        (
            12,
            False,
            ["it deletes 12 resources (more than 10)", "it deletes every role rolegate made in production"],
        ),
    ],
)
def test_the_mass_delete_guard(deletes: int, roles_left: bool, reasons: list[str]) -> None:
    owned = ("administrator", "read_only") if roles_left else ("administrator",)
    snapshot = Snapshot(accounts={"production": _owned_roles("production", *owned)})
    changes = [_delete("production", "role", "administrator")][:deletes] + [
        _delete("master", "user", f"user{i}") for i in range(max(0, deletes - 1))
    ]

    found = saved.mass_delete(Plan(changes=changes, accounts=dict(IDS)), snapshot, "demo")

    assert (found.reasons() if found else []) == reasons


def test_a_role_made_in_place_of_the_deleted_ones_is_no_mass_delete() -> None:
    snapshot = Snapshot(accounts={"production": _owned_roles("production", "administrator")})
    create = Change("production", IDS["production"], "create", "role", "admin", calls=(Call("CreateRole"),))

    plan = Plan(changes=[_delete("production", "role", "administrator"), create], accounts=dict(IDS))

    assert saved.mass_delete(plan, snapshot, "demo") is None


# -- first passwords ---------------------------------------------------------------------------------------


def _login(user: str, password: str = GENERATED_PASSWORD, action: str = "update") -> Change:
    call = Call("CreateLoginProfile", {"UserName": user, "Password": password}, ("EntityAlreadyExists",))
    return Change("master", IDS["master"], action, "user", user, calls=(call,))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("have", "change", "issued"),
    [
        (None, _login("cobus", action="create"), True),  # a new user
        (False, _login("cobus"), True),  # its password was deleted
        (None, _login("cobus"), True),  # not read: ask rather than lose a password
        (True, _login("cobus", action="adopt"), False),  # imported with a hand-made password
        (True, _login("cobus"), False),  # a hand-made password, console tag being set
        (False, _login("cobus", password="fixed"), False),  # no generated password, nothing shown
    ],
    ids=["new", "deleted", "unread", "adopted-keeps", "hand-made-keeps", "not-generated"],
)
def test_apply_asks_for_password_out_only_when_a_password_is_issued(
    have: bool | None, change: Change, issued: bool
) -> None:
    state = AccountState("master", IDS["master"])
    if have is not None or change.action != "create":
        state.users["cobus"] = User("cobus", "arn:aws:iam::123456789012:user/cobus", "/", login_profile=have)
    snapshot = Snapshot(accounts={"master": state})

    found = saved.issued_passwords(Plan(changes=[change], accounts=dict(IDS)), snapshot)

    assert found == ([("master", "cobus")] if issued else [])


# -- the command line, with no AWS to reach ----------------------------------------------------------------


def test_apply_refuses_an_edited_plan_file_before_any_aws_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens: any call would fail
    monkeypatch.setenv("HOME", str(tmp_path))
    config = tmp_path / "rolegate.yaml"
    config.write_text(seed_config(IDS))
    plan_file = tmp_path / "p.plan"
    plan_file.write_text(saved_text().replace('"cobus"', '"mallory"', 1))

    refused = rolegate(capsys, "-c", str(config), "apply", str(plan_file), "--yes")
    missing = rolegate(capsys, "-c", str(config), "apply", str(tmp_path / "none.plan"), "--yes")
    with_adopt = rolegate(capsys, "-c", str(config), "apply", str(plan_file), "--adopt", "user/cobus")

    assert refused.code == 1
    assert f"{plan_file}: edited since `rolegate plan -out` wrote it" in refused.err
    assert "Traceback" not in refused.all
    assert missing.code == 1 and "none.plan: no such file" in missing.err
    assert with_adopt.code == 1 and "--adopt cannot change a saved plan" in with_adopt.err


# -- what a plan depends on --------------------------------------------------------------------------------


def _seed_state() -> tuple[Any, Snapshot]:
    desired = compile_config(parse(seed_config(IDS)).config)
    snapshot = empty_accounts()
    prod = snapshot.accounts["production"]
    arn = f"arn:aws:iam::{IDS['production']}:role/administrator"
    prod.roles["administrator"] = Role("administrator", arn, "/", {}, tags={"rolegate:owner": "demo"})
    prod.roles["someone-elses"] = Role(
        "someone-elses", "arn:aws:iam::410987654321:role/someone-elses", "/", {}
    )
    return desired, snapshot


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda s: setattr(s.accounts["production"].roles["administrator"], "last_used", "2026-12-04"), None),
        (lambda s: s.accounts["production"].roles["someone-elses"].tags.update(x="y"), None),
        (lambda s: s.accounts["production"].roles.pop("someone-elses"), None),
        (
            lambda s: s.accounts["master"].users.update(
                bob=User("bob", "arn:aws:iam::123456789012:user/bob", "/")
            ),
            None,
        ),
        (
            lambda s: s.accounts["production"].roles["administrator"].tags.update(note="by hand"),
            "production (410987654321): role administrator changed",
        ),
        (
            lambda s: s.accounts["production"].roles.pop("administrator"),
            "production (410987654321): role administrator is gone",
        ),
        (
            lambda s: s.accounts["master"].users.update(
                cobus=User("cobus", "arn:aws:iam::123456789012:user/cobus", "/")
            ),
            "master (123456789012): user cobus appeared",
        ),
        (
            lambda s: setattr(s.accounts["master"], "alias", "someone-elses"),
            "master (123456789012): alias changed",
        ),
    ],
    ids=[
        "role-used",
        "foreign-role-tagged",
        "foreign-role-gone",
        "foreign-user",
        "owned-role-tagged",
        "owned-role-gone",
        "declared-user-made-by-hand",
        "alias",
    ],
)
def test_a_plan_depends_on_what_the_file_declares_and_rolegate_owns_not_on_volatile_or_foreign_things(
    edit: Callable[[Snapshot], object], said: str | None
) -> None:
    desired, snapshot = _seed_state()
    planned = saved.account_digests(desired, snapshot)

    edit(snapshot)
    changed = saved.changed_since(planned, saved.account_digests(desired, snapshot), IDS)

    assert changed == ([said] if said else [])


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("plan", "-out", "p.plan", "--snapshot", "s.json"),
            "-out saves direct plans made against the accounts",
        ),
        (
            ("plan", "--out", "p.plan", "--engine", "stacksets"),
            "-out saves direct plans made against the accounts",
        ),
        (("plan", "-target", "prodution"), "did you mean 'production'?"),
        (("plan", "--target", "production/bucket/x"), "not ACCOUNT or ACCOUNT/KIND/NAME"),
        (("apply", "p.plan", "--engine", "stacksets"), "--engine cannot change a saved plan"),
        (("apply", "p.plan", "-target", "production"), "-target cannot change a saved plan"),
        (("plan", "-target", "production", "--engine", "stacksets"), "-target plans the direct engine only"),
    ],
)
def test_flags_a_saved_or_targeted_plan_cannot_take_are_refused_before_any_read(
    args: tuple[str, ...],
    said: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens: any call would fail
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rolegate.yaml").write_text(seed_config(IDS))

    refused = rolegate(capsys, *args)

    assert refused.code == 1, refused.all
    assert said in refused.err
    assert not (tmp_path / "p.plan").exists()
