"""What a plan's Organizations calls name by reference, made ids at apply time.

A unit or policy the same apply creates has no id when the plan is made, so its calls name it as
`<unit Environments/Production>`, `<policy protect-rolegate>` or `<root>` (plan/kinds/unit.py). Apply asks
this resolver just before each call: what an earlier call of the run created is known from its answer; else
it is looked up (a rerun after an interruption finds what the first run made). A reference that names
nothing stops the change with a clear error, never a call with a placeholder in it.
"""

from __future__ import annotations

import re
import threading
from functools import partial
from typing import Any

from rolegate.aws.retry import patiently
from rolegate.errors import RolegateError
from rolegate.plan.changes import Call

REFERENCE = re.compile(r"\A<(root|unit (?P<unit>[^<>]+)|policy (?P<policy>[^<>]+))>\Z")
POLICY_TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")


def _all(paginator: Any, **params: Any) -> list[dict[str, Any]]:
    return list(paginator.paginate(**params))


class References:
    """One apply's ids for the references of its calls; shared by the organization's worker alone."""

    def __init__(self, organizations: Any) -> None:
        self.organizations = organizations
        self.units: dict[tuple[str, str], str] = {}  # (parent id, name) -> ou-…
        self.policies: dict[str, str] = {}  # name -> p-…
        self.root: str | None = None
        self.lock = threading.Lock()
        # rolegate's owner tag, as this run's creates carry it: what a reference found by name, not made by
        # this run, must carry too. A unit or policy someone made meanwhile under that name (the create was
        # refused as a duplicate) is not rolegate's, and nothing is moved into it or attached from it.
        self.owner: dict[str, str] = {}
        self.made: set[str] = set()  # ids this run's creates answered with

    def resolve(self, call: Call) -> dict[str, Any]:
        with self.lock:
            if call.operation in ("CreateOrganizationalUnit", "CreatePolicy") and not self.owner:
                self.owner = {t["Key"]: t["Value"] for t in call.params.get("Tags", [])}
            return {key: self._value(value) for key, value in call.params.items()}

    def learn(self, call: Call, params: dict[str, Any], answer: Any) -> None:
        """What a create made, from its answer: later calls name it."""
        with self.lock:
            if call.operation == "CreateOrganizationalUnit" and isinstance(answer, dict):
                made = answer["OrganizationalUnit"]["Id"]
                self.units[(params["ParentId"], params["Name"])] = made
                self.made.add(made)
            elif call.operation == "CreatePolicy" and isinstance(answer, dict):
                made = answer["Policy"]["PolicySummary"]["Id"]
                self.policies[params["Name"]] = made
                self.made.add(made)

    def _value(self, value: Any) -> Any:
        match = REFERENCE.match(value) if isinstance(value, str) else None
        if match is None:
            return value
        if match["unit"] is not None:
            return self._unit(match["unit"])
        if match["policy"] is not None:
            return self._policy(match["policy"])
        return self._root()

    def _root(self) -> str:
        if self.root is None:
            self.root = patiently(self.organizations.list_roots)["Roots"][0]["Id"]
        return self.root

    def _unit(self, path: str) -> str:
        parent = self._root()
        for name in path.split("/"):
            if (parent, name) not in self.units:
                pages = self.organizations.get_paginator("list_organizational_units_for_parent")
                for page in patiently(partial(_all, pages, ParentId=parent)):
                    for unit in page.get("OrganizationalUnits", []):
                        self.units[(parent, unit["Name"])] = unit["Id"]
            if (parent, name) not in self.units:
                raise RolegateError(
                    f"unit {path} is not in the organization",
                    "run `rolegate plan` again: it plans its creation",
                )
            parent = self._ours(self.units[(parent, name)], f"unit {path}")
        return parent

    def _policy(self, name: str) -> str:
        if name not in self.policies:
            pages = self.organizations.get_paginator("list_policies")
            for policy_type in POLICY_TYPES:
                try:
                    found = patiently(partial(_all, pages, Filter=policy_type))
                except Exception:  # noqa: S112 - a type not enabled: nothing of it to find
                    continue
                for page in found:
                    for policy in page.get("Policies", []):
                        self.policies.setdefault(policy["Name"], policy["Id"])
        if name not in self.policies:
            raise RolegateError(
                f"guardrail {name} is not in the organization",
                "run `rolegate plan` again: it plans its creation",
            )
        return self._ours(self.policies[name], f"guardrail {name}")

    def _ours(self, resource_id: str, what: str) -> str:
        if resource_id in self.made or not self.owner:
            return resource_id
        pages = self.organizations.get_paginator("list_tags_for_resource")
        tags = {t["Key"]: t["Value"] for page in patiently(partial(_all, pages, ResourceId=resource_id))
                for t in page.get("Tags", [])}  # fmt: skip
        if any(tags.get(k) != v for k, v in self.owner.items()):
            raise RolegateError(
                f"{what} exists in the organization ({resource_id}) and is not rolegate's: someone made it "
                "since the plan; nothing was moved into it or attached from it",
                "run `rolegate plan` again: it shows it as a conflict",
            )
        self.made.add(resource_id)
        return resource_id
