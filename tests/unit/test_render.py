"""What people read when apply stops half-way: what was done, where it failed, what is left, what to do."""

from __future__ import annotations

from rolegate.cli.render import apply_result_lines, plan_lines
from rolegate.plan.apply import ApplyResult
from rolegate.plan.changes import Change, Plan


def change(kind: str, name: str, action: str = "create") -> Change:
    return Change("master", "111111111111", action, kind, name)  # type: ignore[arg-type]


def test_a_stopped_apply_lists_done_failed_and_not_done_and_says_to_rerun() -> None:
    result = ApplyResult(
        done=[change("policy", "development_administrator")],
        failed=change("group", "development_administrator"),
        error="master (111111111111): create group development_administrator: AccessDenied: not today",
        not_done=[change("user", "cobus")],
    )

    text = "\n".join(apply_result_lines(result, 1.0))

    assert "Apply stopped" in text and "AccessDenied: not today" in text
    assert "done:     1" in text and "not done: 2" in text
    assert "group development_administrator[/]" in text and "← failed here" in text
    assert "user cobus" in text and "run `rolegate apply` again" in text


def test_user_data_in_a_plan_cannot_inject_markup() -> None:
    plan = Plan(changes=[change("role", "[red]x[/]")], accounts={"master": "111111111111"})

    text = "\n".join(plan_lines(plan))

    assert "\\[red]x" in text  # escaped: shown as typed, never interpreted


def test_ctrl_c_during_apply_reports_what_was_done_and_keeps_the_passwords_already_set() -> None:
    from rolegate.plan.apply import apply_plan
    from rolegate.plan.changes import Call

    class Iam:
        def create_login_profile(self, **_: object) -> None:
            pass

        def delete_group(self, **_: object) -> None:
            raise KeyboardInterrupt

    login = Change(
        "master",
        "1",
        "create",
        "user",
        "cobus",
        calls=(
            Call("CreateLoginProfile", {"UserName": "cobus", "Password": "<generated at apply, shown once>"}),
        ),
    )
    group = Change(
        "master", "1", "delete", "group", "old", calls=(Call("DeleteGroup", {"GroupName": "old"}),)
    )
    plan = Plan(changes=[group, login], accounts={"master": "1"})

    result = apply_plan(plan, lambda _: Iam())

    assert result.failed == group and "interrupted" in (result.error or "")
    assert result.done == [login] and result.not_done == []
    assert list(result.passwords) == [("master", "cobus")]  # set in IAM: it must still reach the person
