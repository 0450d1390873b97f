"""The directory's workflows: people, entitlements, versions of the written policy, business
calendars, offerings and service-level policies.

A person is active from their registration; their details and roles change without moving
the workflow; a deactivated person is inactive until reactivated. An entitlement is in force
from its definition, its targets set anew as contracts change. A version of the written
policy is published once and stays as it was: a change is the next version. A business
calendar and an offering are registered once and changed on the record; a service-level
policy is in force from its definition and changed on the record.

The diagrams of these machines are generated from these classes (``relationkit diagram
person``).
"""

from __future__ import annotations

from statemachine import State, StateMachine

from relationkit.domain.entries import (
    CalendarEntry,
    ChangeCalendar,
    ChangeDetails,
    ChangeOffering,
    ChangeServiceLevels,
    Deactivate,
    DefineEntitlement,
    DefineServiceLevels,
    EntitlementEntry,
    GrantRole,
    OfferingEntry,
    PersonEntry,
    PolicyEntry,
    PublishPolicy,
    Reactivate,
    RegisterCalendar,
    RegisterOffering,
    RegisterPerson,
    RevokeRole,
    ServiceLevelEntry,
    SetTargets,
)
from relationkit.workflows.engine import Workflow

__all__ = [
    "CALENDAR_WORKFLOW",
    "ENTITLEMENT_WORKFLOW",
    "OFFERING_WORKFLOW",
    "PERSON_WORKFLOW",
    "POLICY_WORKFLOW",
    "SERVICE_LEVEL_WORKFLOW",
    "EntitlementFlow",
    "PersonFlow",
    "CalendarFlow",
    "OfferingFlow",
    "PolicyFlow",
    "ServiceLevelFlow",
]


class PersonFlow(StateMachine):
    """States of a person in the directory."""

    active = State("Active", initial=True)
    inactive = State("Inactive")

    change_details = active.to.itself() | inactive.to.itself()
    grant_role = active.to.itself() | inactive.to.itself()
    revoke_role = active.to.itself() | inactive.to.itself()
    deactivate = active.to(inactive)
    reactivate = inactive.to(active)


class EntitlementFlow(StateMachine):
    """States of a contract's entitlement."""

    in_force = State("In force", initial=True)

    set_targets = in_force.to.itself()


class PolicyFlow(StateMachine):
    """States of a version of the written policy."""

    published = State("Published", initial=True, final=True)


class CalendarFlow(StateMachine):
    """States of a business calendar."""

    registered = State("Registered", initial=True)

    change_calendar = registered.to.itself()


class OfferingFlow(StateMachine):
    """States of an offering of the catalogue."""

    registered = State("Registered", initial=True)

    change_offering = registered.to.itself()


class ServiceLevelFlow(StateMachine):
    """States of a service-level policy."""

    in_force = State("In force", initial=True)

    change_service_levels = in_force.to.itself()


PERSON_WORKFLOW: Workflow[PersonEntry] = Workflow(
    aggregate=PersonEntry,
    machine=PersonFlow,
    create=RegisterPerson,
    commands=(ChangeDetails, GrantRole, RevokeRole, Deactivate, Reactivate),
    make=PersonEntry.registered,
)
"""The workflow of people (parties and staff)."""

ENTITLEMENT_WORKFLOW: Workflow[EntitlementEntry] = Workflow(
    aggregate=EntitlementEntry,
    machine=EntitlementFlow,
    create=DefineEntitlement,
    commands=(SetTargets,),
    make=EntitlementEntry.defined,
)
"""The workflow of contracts' entitlements."""

POLICY_WORKFLOW: Workflow[PolicyEntry] = Workflow(
    aggregate=PolicyEntry,
    machine=PolicyFlow,
    create=PublishPolicy,
    commands=(),
    make=PolicyEntry.published,
)
"""The workflow of versions of the written policy."""

CALENDAR_WORKFLOW: Workflow[CalendarEntry] = Workflow(
    aggregate=CalendarEntry,
    machine=CalendarFlow,
    create=RegisterCalendar,
    commands=(ChangeCalendar,),
    make=CalendarEntry.registered,
)
"""The workflow of business calendars."""

OFFERING_WORKFLOW: Workflow[OfferingEntry] = Workflow(
    aggregate=OfferingEntry,
    machine=OfferingFlow,
    create=RegisterOffering,
    commands=(ChangeOffering,),
    make=OfferingEntry.registered,
)
"""The workflow of offerings."""

SERVICE_LEVEL_WORKFLOW: Workflow[ServiceLevelEntry] = Workflow(
    aggregate=ServiceLevelEntry,
    machine=ServiceLevelFlow,
    create=DefineServiceLevels,
    commands=(ChangeServiceLevels,),
    make=ServiceLevelEntry.defined,
)
"""The workflow of service-level policies."""
