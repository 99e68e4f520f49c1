"""What the organization's kinds (unit.py, control_policy.py) are planned in: the file's organization and
Organizations' answer, carried as a Context of the plan's `organization` entry. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rolegate.plan.kinds.base import Context
from rolegate.state.snapshot import OrganizationState

if TYPE_CHECKING:  # the kinds import this module: only their types are needed here
    from rolegate.plan.kinds.control_policy import DesiredControlPolicy
    from rolegate.plan.kinds.unit import DesiredUnit


@dataclass
class DesiredOrganization:
    units: dict[str, DesiredUnit] = field(default_factory=dict)  # by path, parents first
    placements: dict[str, tuple[str, str]] = field(default_factory=dict)  # account name -> (id, unit path)
    policies: dict[str, DesiredControlPolicy] = field(default_factory=dict)
    root_access: str | None = None  # organization.root_access (plan/kinds/root_access.py)

    @property
    def declared(self) -> bool:
        return bool(self.units or self.placements or self.policies or self.root_access)


@dataclass
class OrgContext(Context):
    """The organization being planned, as one more "account" of the plan (`organization`, the management
    account's id), so the ownership rule and the plan's shape are the IAM kinds' own."""

    organization: OrganizationState = field(default_factory=lambda: OrganizationState("", "", ""))
    organization_wanted: DesiredOrganization = field(default_factory=DesiredOrganization)


def of(ctx: Context) -> OrgContext:
    """The organization's context; the organization's kinds are planned in nothing else."""
    assert isinstance(ctx, OrgContext), "an organization kind planned outside plan/organization.py"
    return ctx
