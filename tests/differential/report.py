"""Every disagreement of the differential test, each with the smallest request that still shows it.

    .venv/bin/python -m tests.differential.report

For each statement part that differs and no documented entry explains, one identity statement holding just
that condition (or that Resource) is asked of both sides, all in one node call; those that still differ are
printed as JSON reproducers, by class. Decisions that differ with every part agreeing are printed whole.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from typing import Any

from tests.differential import simulator
from tests.differential.cases import Case, probe
from tests.differential.compare import Part, agrees, context_of, raw_statements, rolegate_decision
from tests.differential.test_against_iam_simulate import CASES, documented_part, draw_cases, run_all

REPRODUCERS = int(os.environ.get("REPRODUCERS", "6"))


def _reproducer(part: Part, case: Case) -> Case | None:
    principal = next(
        i for i, p in enumerate(("user/cobus", "user/anna", "assumed-role")) if p in case.principal
    )
    if part.part == "condition":
        context: dict[str, Any] = {}
        if part.request is not None:
            context[part.key] = list(part.request) if len(part.request) > 1 else part.request[0]
        for name in re.findall(r"\$\{([^},]*)", " ".join(part.values)):  # what the variables read
            key = next((k for k in case.context if k.lower() == name.strip().lower()), None)
            if key is not None:
                context[key] = case.context[key]
        values = list(part.values) if len(part.values) > 1 else part.values[0]
        statement = {
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {part.operator: {part.key: values}},
        }
        return probe({"Effect": "Allow", **statement}, context, principal)
    if part.part == "resource":
        raw = raw_statements(case)[part.sid]
        field = "Resource" if "Resource" in raw else "NotResource"
        tags = {k: v for k, v in case.context.items() if k.startswith("aws:PrincipalTag/")}
        return probe({"Effect": "Allow", "Action": "s3:GetObject", field: raw[field]}, tags, principal)
    return None


def main() -> None:
    run = run_all(draw_cases(CASES))
    print(run.summary())
    candidates: dict[tuple[str, str], tuple[str, Case]] = {}
    for outcome in run.outcomes:
        for part in outcome.parts:
            if documented_part(part) is None:
                found = _reproducer(part, outcome.case)
                if found is not None:
                    candidates.setdefault((part.klass, part.detail), (part.klass, found))
    keys = list(candidates)
    answers = simulator.simulate([candidates[k][1].to_simulation() for k in keys])
    by_class: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for key, answer in zip(keys, answers, strict=True):
        klass, case = candidates[key]
        ours = rolegate_decision(case, context_of(case, answer.get("ignored", [])))
        if answer["result"] != "error" and ours != "Conditional" and not agrees(ours, answer["result"]):
            statement = case.identity[0]["Statement"][0]
            by_class[klass].append(
                {
                    "principal": case.principal,
                    "statement": statement,
                    "context": case.context,
                    "rolegate": ours,
                    "simulator": answer["result"],
                }
            )
    for klass, shown in sorted(by_class.items()):
        print(f"\n== {klass}: {len(shown)} reproducers")
        for item in shown[:REPRODUCERS]:
            print(json.dumps(item))
    whole = [o for o in run.disagreements() if not o.parts and o.documented is None]
    for outcome in whole[:3]:
        print(f"\n== decision only ({outcome.classes()}):")
        print(json.dumps(outcome.case.to_simulation()))


if __name__ == "__main__":
    main()
