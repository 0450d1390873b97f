"""The directory's entries: people, entitlements and versions of the written policy, each on a
timeline of its own.

Who someone is and what they may do is read by every command (the actor's roles, R9's
authority, a party's contract and its targets, the policy in force), so it is kept like
everything else relationkit records: as aggregates changed only by commands, each change an
event with its actor, time and reason, hash-chained on the entry's timeline.

* :class:`PersonEntry` (kind ``"person"``): a party (client, vendor, consultant) or a member
  of staff. Registered once under an id that names nobody else; renamed and otherwise
  changed (:class:`ChangeDetails`), given and relieved of roles (:class:`GrantRole`,
  :class:`RevokeRole`), deactivated and reactivated.
* :class:`EntitlementEntry` (kind ``"entitlement"``): a contract's targets (R10), defined
  once and changed by :class:`SetTargets`.
* :class:`PolicyEntry` (kind ``"policy"``): one published version of the written policy
  (R11), under its version number.
* :class:`CalendarEntry` (kind ``"calendar"``): a business calendar (when the business
  works), registered once and changed by :class:`ChangeCalendar`.
* :class:`OfferingEntry` (kind ``"offering"``): an offering of the catalogue (what the
  business delivers, with its lead time on a calendar), registered once and changed by
  :class:`ChangeOffering`.
* :class:`ServiceLevelEntry` (kind ``"service_level_policy"``): a service-level policy
  (targets per priority, attached to contracts), defined once and changed by
  :class:`ChangeServiceLevels`.

Each entry gives the plain record the rest of relationkit reads (:meth:`DirectoryEntry.record`:
a :class:`~relationkit.domain.parties.Party` or :class:`~relationkit.domain.parties.Staff`,
an :class:`~relationkit.domain.equality.Entitlement`, a
:class:`~relationkit.domain.policy.Policy`, a
:class:`~relationkit.domain.calendar.BusinessCalendar`, an
:class:`~relationkit.domain.offering.Offering`, a
:class:`~relationkit.domain.service_levels.ServiceLevelPolicy`); the command pipeline
stores that record with each of the entry's events, in the same transaction, so lookups
cost what they did and verification can compare every record with its timeline.

Example:
    >>> from relationkit.domain.entries import GrantRole, RegisterPerson
    >>> from relationkit.domain.parties import Staff
    >>> RegisterPerson.of(Staff(id="s-sam", name="Sam", roles={"agent"})).kind
    'staff'
    >>> GrantRole(role="manager", reason="Leads the team now.").role
    'manager'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

import attrs
import pendulum

from relationkit.domain.aggregate import Aggregate, Command, History
from relationkit.domain.calendar import BusinessCalendar
from relationkit.domain.equality import Entitlement
from relationkit.domain.events import GENESIS, Event, next_event
from relationkit.domain.offering import Offering
from relationkit.domain.parties import Party, Staff, party_kinds
from relationkit.domain.policy import Clause, Policy, _clauses, _version
from relationkit.domain.service_levels import ServiceLevelPolicy
from relationkit.domain.values import (
    aware,
    ident,
    known_zone,
    optional,
    optional_id,
    optional_text,
    required,
    text,
    to_pendulum,
    zone,
)
from relationkit.exceptions import InvalidInput
from relationkit.serialization import converter

__all__ = [
    "ACTIVE",
    "CATALOGUE_IMPORT_REASON",
    "DETAILS",
    "IMPORT_REASON",
    "INACTIVE",
    "IN_FORCE",
    "MIGRATION_ACTOR",
    "PARTY_DETAILS",
    "PERSON_KINDS",
    "PUBLISHED",
    "REGISTERED",
    "RESERVED_IDS",
    "SERVICE_LEVEL_IMPORT_REASON",
    "SETUP_ACTOR",
    "STAFF",
    "STAFF_DETAILS",
    "CalendarEntry",
    "Change",
    "ChangeCalendar",
    "ChangeDetails",
    "ChangeOffering",
    "ChangeServiceLevels",
    "Deactivate",
    "DefineEntitlement",
    "DefineServiceLevels",
    "DirectoryEntry",
    "EntitlementEntry",
    "EntryHistory",
    "GrantRole",
    "OfferingEntry",
    "PersonEntry",
    "PolicyEntry",
    "PublishPolicy",
    "Reactivate",
    "RegisterCalendar",
    "RegisterOffering",
    "RegisterPerson",
    "RevokeRole",
    "ServiceLevelEntry",
    "SetTargets",
    "entry_class",
    "imported",
]

ACTIVE = "active"
"""A person's state while they may act (staff) or be dealt with anew (parties)."""
INACTIVE = "inactive"
"""A deactivated person's state: staff cannot act, a party takes nothing new."""
IN_FORCE = "in_force"
"""The state of an entitlement and of a service-level policy."""
PUBLISHED = "published"
"""The state of a published version of the written policy (final)."""
REGISTERED = "registered"
"""The state of a business calendar and of an offering, from their registration on."""

STAFF = "staff"
"""The kind of a :class:`PersonEntry` for a member of staff."""
PERSON_KINDS = ("client", "vendor", "consultant", STAFF)
"""Every kind of person the directory holds."""
PARTY_DETAILS = ("name", "contract", "segment", "title", "timezone")
"""The details of a party :class:`ChangeDetails` may change."""
STAFF_DETAILS = ("name", "timezone")
"""The details of a member of staff :class:`ChangeDetails` may change (roles change by
:class:`GrantRole` and :class:`RevokeRole`)."""
DETAILS = PARTY_DETAILS

SETUP_ACTOR = "rk-setup"
"""The actor id of the directory's setup: the commands of the directory run without an
actor while no active member of staff may run them (a new store's first registrations), and
their events name this actor. It is no registered person: nobody can act under it."""
MIGRATION_ACTOR = "rk-migration"
"""The actor id of the import events the schema migrations wrote: people, entitlements and
policies stored before the directory kept timelines (version 4), business calendars and
offerings stored before they kept them (version 6), and service-level policies stored
before they kept them (version 7), got one, starting with an event by this actor."""
RESERVED_IDS = frozenset({SETUP_ACTOR, MIGRATION_ACTOR})
"""Ids no person can be registered under: they name relationkit's own actors."""
IMPORT_REASON = "imported: recorded before the directory kept timelines (schema version 4)"
"""The reason of every import event of a person, an entitlement or a policy version."""
CATALOGUE_IMPORT_REASON = (
    "imported: recorded before calendars and offerings kept timelines (schema version 6)"
)
"""The reason of every import event of a business calendar or an offering."""
SERVICE_LEVEL_IMPORT_REASON = (
    "imported: recorded before service-level policies kept timelines (schema version 7)"
)
"""The reason of every import event of a service-level policy."""


def _reason() -> Any:
    return attrs.field(validator=required)


def _role(value: object) -> str:
    return text(value, "role")


def _optional() -> Any:
    return attrs.field(default=None, validator=optional)


def _person_kind(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in PERSON_KINDS:
        raise InvalidInput(
            f"refused: {attribute.name!r} = {value!r:.40}; a person is one of "
            f"{', '.join(PERSON_KINDS)}; register a Client, Vendor, Consultant or Staff.",
            field=attribute.name,
        )


def _positive(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, pendulum.Duration) or value.total_seconds() <= 0:
        raise InvalidInput(
            f"refused: {attribute.name} = {value!r}; a target must be a positive "
            "pendulum.Duration; pass e.g. pendulum.duration(hours=8).",
            field=attribute.name,
        )


# --- people ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RegisterPerson(Command):
    """Register a party or a member of staff under an id that names nobody else.

    A member of staff's roles are given by :class:`GrantRole` events that follow, one per
    role, so that every role anyone holds was granted by someone, on the record.

    Attributes:
        kind: ``"client"``, ``"vendor"``, ``"consultant"`` or ``"staff"``.
        name: how the person is called.
        timezone: the IANA zone they live or work in.
        contract: a party's contract (R10); ``None`` for staff.
        segment: a party's grouping for reports, if any.
        title: a party's courtesy title, if any (never read by a rule).
        reason: why they are registered, if worth saying.
    """

    NAME: ClassVar[str] = "register"
    EVENT: ClassVar[str] = "PersonRegistered"

    kind: str = attrs.field(validator=_person_kind)
    name: str = attrs.field(validator=required)
    timezone: str = attrs.field(default="UTC", validator=known_zone)
    contract: str | None = attrs.field(default=None, validator=optional_id)
    segment: str | None = _optional()
    title: str | None = _optional()
    reason: str | None = _optional()

    def __attrs_post_init__(self) -> None:
        if self.kind == STAFF:
            given = [n for n in ("contract", "segment", "title") if getattr(self, n) is not None]
            if given:
                raise InvalidInput(
                    f"refused: registering staff with {', '.join(given)}; those are a party's "
                    "details; leave them out for a member of staff.",
                    field=given[0],
                )
        elif self.contract is None:
            raise InvalidInput(
                f"refused: registering a {self.kind} without a contract; a party's targets "
                "come from its contract (R10); pass contract='standard' or the one agreed.",
                field="contract",
            )

    @classmethod
    def of(cls, person: Party | Staff, reason: str | None = None) -> RegisterPerson:
        """The command that registers ``person`` (its roles, for staff, are granted after)."""
        if isinstance(person, Staff):
            return cls(kind=STAFF, name=person.name, timezone=person.timezone, reason=reason)
        return cls(
            kind=person.kind,
            name=person.name,
            timezone=person.timezone,
            contract=person.contract,
            segment=person.segment,
            title=person.title,
            reason=reason,
        )


def _changes(value: Any) -> dict[str, str | None]:
    if not isinstance(value, Mapping):
        raise InvalidInput(
            f"refused: changes={value!r:.60}; name each detail to change with its new value, "
            "such as {'name': 'Ana Berg'}.",
            field="changes",
        )
    found = dict(value)
    if not found:
        raise InvalidInput(
            "refused: a change of details that changes nothing; name at least one of "
            f"{', '.join(PARTY_DETAILS)} with its new value.",
            field="changes",
        )
    for key, new in found.items():
        if key not in PARTY_DETAILS:
            raise InvalidInput(
                f"refused: changing {key!r}; the details a change may name are "
                f"{', '.join(PARTY_DETAILS)} (roles change by grant_role and revoke_role, "
                "being active by deactivate and reactivate).",
                field=f"changes.{key}",
            )
        field = f"changes.{key}"
        if key in ("segment", "title"):
            found[key] = optional_text(new, field)
        elif key == "contract":
            found[key] = ident(new, field)
        elif key == "timezone":
            found[key] = zone(new, field)
        else:
            found[key] = text(new, field)
    return found


@attrs.frozen(kw_only=True)
class ChangeDetails(Command):
    """Change details of a person: a party's name, contract, segment, title and time zone,
    a member of staff's name and time zone. ``None`` clears a segment or a title.

    Attributes:
        changes: each detail changed, with its new value.
        reason: why.
    """

    NAME: ClassVar[str] = "change_details"
    EVENT: ClassVar[str] = "PersonDetailsChanged"

    changes: Mapping[str, str | None] = attrs.field(converter=_changes, hash=False)
    reason: str = _reason()


@attrs.frozen(kw_only=True)
class GrantRole(Command):
    """Give a member of staff a role (which commands a role may run is configured in
    :class:`~relationkit.config.CareConfig`)."""

    NAME: ClassVar[str] = "grant_role"
    EVENT: ClassVar[str] = "RoleGranted"

    role: str = attrs.field(converter=_role)
    reason: str = _reason()


@attrs.frozen(kw_only=True)
class RevokeRole(Command):
    """Take a role from a member of staff."""

    NAME: ClassVar[str] = "revoke_role"
    EVENT: ClassVar[str] = "RoleRevoked"

    role: str = attrs.field(converter=_role)
    reason: str = _reason()


@attrs.frozen(kw_only=True)
class Deactivate(Command):
    """Deactivate a person: a member of staff can no longer act, a party takes no new case,
    relationship or promise. What they did stays on the record."""

    NAME: ClassVar[str] = "deactivate"
    EVENT: ClassVar[str] = "PersonDeactivated"

    reason: str = _reason()


@attrs.frozen(kw_only=True)
class Reactivate(Command):
    """Make a deactivated person active again."""

    NAME: ClassVar[str] = "reactivate"
    EVENT: ClassVar[str] = "PersonReactivated"

    reason: str = _reason()


# --- entitlements and the written policy ------------------------------------------------------


@attrs.frozen(kw_only=True)
class DefineEntitlement(Command):
    """Define a contract's entitlement: the targets every party on that contract gets (R10).
    The entitlement's id is the contract's name."""

    NAME: ClassVar[str] = "define_entitlement"
    EVENT: ClassVar[str] = "EntitlementDefined"

    response_within: pendulum.Duration = attrs.field(validator=_positive)
    resolution_within: pendulum.Duration = attrs.field(validator=_positive)
    title: str | None = _optional()
    reason: str | None = _optional()

    @classmethod
    def of(cls, entitlement: Entitlement, reason: str | None = None) -> DefineEntitlement:
        """The command that defines ``entitlement``."""
        return cls(
            response_within=entitlement.response_within,
            resolution_within=entitlement.resolution_within,
            title=entitlement.title,
            reason=reason,
        )


@attrs.frozen(kw_only=True)
class SetTargets(Command):
    """Change a contract's targets: every party on that contract gets the new ones."""

    NAME: ClassVar[str] = "set_targets"
    EVENT: ClassVar[str] = "EntitlementTargetsSet"

    response_within: pendulum.Duration = attrs.field(validator=_positive)
    resolution_within: pendulum.Duration = attrs.field(validator=_positive)
    reason: str = _reason()


@attrs.frozen(kw_only=True)
class PublishPolicy(Command):
    """Publish a version of the written policy (R11); it is stored under its version
    number, and versions follow one another without gaps."""

    NAME: ClassVar[str] = "publish_policy"
    EVENT: ClassVar[str] = "PolicyPublished"

    version: int = attrs.field(converter=_version)
    published_at: pendulum.DateTime = attrs.field(converter=to_pendulum, validator=aware)
    clauses: tuple[Clause, ...] = attrs.field(converter=_clauses)
    title: str = attrs.field(default="How we treat people", validator=required)
    reason: str | None = _optional()

    @classmethod
    def of(cls, policy: Policy, reason: str | None = None) -> PublishPolicy:
        """The command that publishes ``policy``."""
        return cls(
            version=policy.version,
            published_at=policy.published_at,
            clauses=policy.clauses,
            title=policy.title,
            reason=reason,
        )


# --- business calendars and offerings -----------------------------------------------------------


def _calendar(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, BusinessCalendar):
        raise InvalidInput(
            f"refused: {attribute.name} = {type(value).__name__}; a calendar's command "
            "carries the whole calendar; build a BusinessCalendar.",
            field=attribute.name,
        )


def _offering(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Offering):
        raise InvalidInput(
            f"refused: {attribute.name} = {type(value).__name__}; an offering's command "
            "carries the whole offering; build an Offering.",
            field=attribute.name,
        )


@attrs.frozen(kw_only=True)
class RegisterCalendar(Command):
    """Register a business calendar under its id, which names no other calendar.

    Attributes:
        calendar: the calendar, whole (its id is the entry's).
        reason: why it is registered, if worth saying.
    """

    NAME: ClassVar[str] = "register_calendar"
    EVENT: ClassVar[str] = "CalendarRegistered"

    calendar: BusinessCalendar = attrs.field(validator=_calendar)
    reason: str | None = _optional()


@attrs.frozen(kw_only=True)
class ChangeCalendar(Command):
    """Change a business calendar: its working hours, holidays, closures, time zone or name.
    The command carries the calendar as it is to be from now on; due times computed before
    stay as they were computed.

    Attributes:
        calendar: the calendar as it is to be (same id).
        reason: why.
    """

    NAME: ClassVar[str] = "change_calendar"
    EVENT: ClassVar[str] = "CalendarChanged"

    calendar: BusinessCalendar = attrs.field(validator=_calendar)
    reason: str = _reason()


@attrs.frozen(kw_only=True)
class RegisterOffering(Command):
    """Register an offering of the catalogue under its id, which names no other offering;
    its calendar must be registered.

    Attributes:
        offering: the offering, whole (its id is the entry's).
        reason: why it is registered, if worth saying.
    """

    NAME: ClassVar[str] = "register_offering"
    EVENT: ClassVar[str] = "OfferingRegistered"

    offering: Offering = attrs.field(validator=_offering)
    reason: str | None = _optional()


@attrs.frozen(kw_only=True)
class ChangeOffering(Command):
    """Change an offering: its name, scope, lead time, calendar or description. Promises
    made before keep the due time they were made with.

    Attributes:
        offering: the offering as it is to be (same id).
        reason: why.
    """

    NAME: ClassVar[str] = "change_offering"
    EVENT: ClassVar[str] = "OfferingChanged"

    offering: Offering = attrs.field(validator=_offering)
    reason: str = _reason()


# --- service-level policies ---------------------------------------------------------------------


def _service_levels(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, ServiceLevelPolicy):
        raise InvalidInput(
            f"refused: {attribute.name} = {type(value).__name__}; a service-level policy's "
            "command carries the whole policy; build a ServiceLevelPolicy.",
            field=attribute.name,
        )


@attrs.frozen(kw_only=True)
class DefineServiceLevels(Command):
    """Define a service-level policy under its id, which names no other policy; each
    contract it names has an entitlement and no other policy, and its calendar (if it
    names one) is registered.

    Attributes:
        policy: the policy, whole (its id is the entry's).
        reason: why it is defined, if worth saying.
    """

    NAME: ClassVar[str] = "define_service_levels"
    EVENT: ClassVar[str] = "ServiceLevelPolicyDefined"

    policy: ServiceLevelPolicy = attrs.field(validator=_service_levels)
    reason: str | None = _optional()


@attrs.frozen(kw_only=True)
class ChangeServiceLevels(Command):
    """Change a service-level policy: its targets, contracts, default priority, calendar,
    pauses, warning share or title. The command carries the policy as it is to be from now
    on; cases opened before keep the terms they were opened with (their clocks, targets,
    calendar, pauses and warning share), cases opened after get the new ones, and a case's
    priority changed after takes the targets the policy has then.

    Attributes:
        policy: the policy as it is to be (same id).
        reason: why.
    """

    NAME: ClassVar[str] = "change_service_levels"
    EVENT: ClassVar[str] = "ServiceLevelPolicyChanged"

    policy: ServiceLevelPolicy = attrs.field(validator=_service_levels)
    reason: str = _reason()


# --- the history all entries share -------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Change:
    """One change of a directory entry, as its timeline records it: who changed what, when
    and why.

    Attributes:
        sequence: the event's position on the entry's timeline.
        what: the event's name (``"PersonRegistered"``, ``"RoleGranted"`` …).
        by: who made the change (``rk-setup`` for the setup, ``rk-migration`` for an import).
        at: when.
        reason: why, as given.
        details: what the event recorded besides the reason (the new name, the role …).
    """

    sequence: int
    what: str
    by: str
    at: pendulum.DateTime
    reason: str | None
    details: Mapping[str, Any] = attrs.field(hash=False)


@attrs.define(kw_only=True)
class EntryHistory(History):
    """Every change of a directory entry, from its timeline (:meth:`Relations.history
    <relationkit.app.relations.Relations.history>`).

    Attributes:
        changes: each change, oldest first.
    """

    changes: list[Change] = attrs.Factory(list)

    def record(self, subject: Aggregate, command: Command, event: Event) -> None:
        """Record the change ``event`` made."""
        details = {k: v for k, v in event.data.items() if k != "reason"}
        self.changes.append(
            Change(
                sequence=event.sequence,
                what=event.name,
                by=event.actor_id,
                at=event.at,
                reason=getattr(command, "reason", None),
                details=details,
            )
        )
        super().record(subject, command, event)


# --- the entries -------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class DirectoryEntry(Aggregate):
    """What every entry of the directory shares: it gives the plain record the rest of
    relationkit reads (see the module's introduction)."""

    HISTORY: ClassVar[type[History]] = EntryHistory

    def record(self) -> Any:
        """The plain record this entry stands for, as the store keeps it beside the entry."""
        raise NotImplementedError

    @classmethod
    def _first(cls, event: Event, state: str, **fields: Any) -> Self:
        """The entry ``event``, the first of its timeline, creates with ``fields``."""
        entry = cls(id=event.aggregate_id, state=state, **fields)
        entry.version = event.sequence
        entry.head = event.hash
        return entry


@attrs.define(kw_only=True)
class PersonEntry(DirectoryEntry):
    """A person in the directory: a party or a member of staff, with their details, roles
    and whether they are active.

    Attributes:
        kind: ``"client"``, ``"vendor"``, ``"consultant"`` or ``"staff"``.
        name: how they are called.
        timezone: their IANA time zone.
        contract: a party's contract (``None`` for staff).
        segment: a party's grouping for reports.
        title: a party's courtesy title.
        roles: a member of staff's roles.
        registered_by: who registered them.
        registered_at: when.
    """

    KIND: ClassVar[str] = "person"
    INDEXED: ClassVar[tuple[str, ...]] = ("state", "kind")

    kind: str
    name: str
    registered_by: str
    registered_at: pendulum.DateTime
    timezone: str = "UTC"
    contract: str | None = None
    segment: str | None = None
    title: str | None = None
    roles: frozenset[str] = frozenset()

    @classmethod
    def registered(cls, event: Event, command: RegisterPerson, state: str) -> PersonEntry:
        """The entry that ``event`` (a ``PersonRegistered``) creates."""
        return cls._first(
            event,
            state,
            kind=command.kind,
            name=command.name,
            timezone=command.timezone,
            contract=command.contract,
            segment=command.segment,
            title=command.title,
            registered_by=event.actor_id,
            registered_at=event.at,
        )

    @property
    def is_staff(self) -> bool:
        """True for a member of staff."""
        return self.kind == STAFF

    @property
    def active(self) -> bool:
        """False once deactivated (until reactivated)."""
        return self.state != INACTIVE

    def record(self) -> Party | Staff:
        """The person as every rule and lookup reads them: a
        :class:`~relationkit.domain.parties.Staff` or a party of their kind."""
        if self.kind == STAFF:
            return Staff(
                id=self.id,
                name=self.name,
                roles=self.roles,
                timezone=self.timezone,
                active=self.active,
            )
        return party_kinds()[self.kind](
            id=self.id,
            name=self.name,
            contract=self.contract or "standard",
            segment=self.segment,
            title=self.title,
            timezone=self.timezone,
            active=self.active,
        )

    def _on_change_details(self, command: ChangeDetails, event: Event) -> None:
        for key, value in command.changes.items():
            setattr(self, key, value)

    def _on_grant_role(self, command: GrantRole, event: Event) -> None:
        self.roles = self.roles | {command.role}

    def _on_revoke_role(self, command: RevokeRole, event: Event) -> None:
        self.roles = self.roles - {command.role}


@attrs.define(kw_only=True)
class EntitlementEntry(DirectoryEntry):
    """A contract's entitlement in the directory; its id is the contract's name.

    Attributes:
        response_within: the time within which a first answer is due.
        resolution_within: the time within which a case should be resolved.
        title: a name for people.
        defined_by: who defined it.
        defined_at: when.
    """

    KIND: ClassVar[str] = "entitlement"

    response_within: pendulum.Duration
    resolution_within: pendulum.Duration
    defined_by: str
    defined_at: pendulum.DateTime
    title: str | None = None

    @classmethod
    def defined(cls, event: Event, command: DefineEntitlement, state: str) -> EntitlementEntry:
        """The entry that ``event`` (an ``EntitlementDefined``) creates."""
        return cls._first(
            event,
            state,
            response_within=command.response_within,
            resolution_within=command.resolution_within,
            title=command.title,
            defined_by=event.actor_id,
            defined_at=event.at,
        )

    def record(self) -> Entitlement:
        """The entitlement every target is read from."""
        return Entitlement(
            id=self.id,
            response_within=self.response_within,
            resolution_within=self.resolution_within,
            title=self.title,
        )

    def _on_set_targets(self, command: SetTargets, event: Event) -> None:
        self.response_within = command.response_within
        self.resolution_within = command.resolution_within


@attrs.define(kw_only=True)
class PolicyEntry(DirectoryEntry):
    """One published version of the written policy; its id is its version number as text.

    Attributes:
        version: 1, 2, 3 …
        published_at: when it took effect.
        clauses: its clauses.
        title: its name.
        published_by: who published it.
    """

    KIND: ClassVar[str] = "policy"

    version_number: int
    published_at: pendulum.DateTime
    clauses: tuple[Clause, ...]
    title: str
    published_by: str

    @classmethod
    def published(cls, event: Event, command: PublishPolicy, state: str) -> PolicyEntry:
        """The entry that ``event`` (a ``PolicyPublished``) creates."""
        return cls._first(
            event,
            state,
            version_number=command.version,
            published_at=command.published_at,
            clauses=command.clauses,
            title=command.title,
            published_by=event.actor_id,
        )

    def record(self) -> Policy:
        """The version as decisions cite it and staff acknowledge it."""
        return Policy(
            version=self.version_number,
            published_at=self.published_at,
            clauses=self.clauses,
            title=self.title,
        )


@attrs.define(kw_only=True)
class CalendarEntry(DirectoryEntry):
    """A business calendar in the directory; its id is the calendar's.

    Attributes:
        calendar: the calendar as its timeline gives it now.
        registered_by: who registered it.
        registered_at: when.
    """

    KIND: ClassVar[str] = "calendar"

    calendar: BusinessCalendar
    registered_by: str
    registered_at: pendulum.DateTime

    @classmethod
    def registered(cls, event: Event, command: RegisterCalendar, state: str) -> CalendarEntry:
        """The entry that ``event`` (a ``CalendarRegistered``) creates."""
        return cls._first(
            event,
            state,
            calendar=command.calendar,
            registered_by=event.actor_id,
            registered_at=event.at,
        )

    def record(self) -> BusinessCalendar:
        """The calendar every due time is counted on."""
        return self.calendar

    def _on_change_calendar(self, command: ChangeCalendar, event: Event) -> None:
        self.calendar = command.calendar


@attrs.define(kw_only=True)
class OfferingEntry(DirectoryEntry):
    """An offering of the catalogue in the directory; its id is the offering's.

    Attributes:
        offering: the offering as its timeline gives it now.
        registered_by: who registered it.
        registered_at: when.
    """

    KIND: ClassVar[str] = "offering"

    offering: Offering
    registered_by: str
    registered_at: pendulum.DateTime

    @classmethod
    def registered(cls, event: Event, command: RegisterOffering, state: str) -> OfferingEntry:
        """The entry that ``event`` (an ``OfferingRegistered``) creates."""
        return cls._first(
            event,
            state,
            offering=command.offering,
            registered_by=event.actor_id,
            registered_at=event.at,
        )

    def record(self) -> Offering:
        """The offering promises are checked against (R4)."""
        return self.offering

    def _on_change_offering(self, command: ChangeOffering, event: Event) -> None:
        self.offering = command.offering


@attrs.define(kw_only=True)
class ServiceLevelEntry(DirectoryEntry):
    """A service-level policy in the directory; its id is the policy's.

    Attributes:
        policy: the policy as its timeline gives it now.
        defined_by: who defined it.
        defined_at: when.
    """

    KIND: ClassVar[str] = "service_level_policy"

    policy: ServiceLevelPolicy
    defined_by: str
    defined_at: pendulum.DateTime

    @classmethod
    def defined(cls, event: Event, command: DefineServiceLevels, state: str) -> ServiceLevelEntry:
        """The entry that ``event`` (a ``ServiceLevelPolicyDefined``) creates."""
        return cls._first(
            event,
            state,
            policy=command.policy,
            defined_by=event.actor_id,
            defined_at=event.at,
        )

    def record(self) -> ServiceLevelPolicy:
        """The policy cases opened on its contracts take their terms from."""
        return self.policy

    def _on_change_service_levels(self, command: ChangeServiceLevels, event: Event) -> None:
        self.policy = command.policy


def entry_class(record: Any) -> type[DirectoryEntry] | None:
    """The directory entry class that keeps records like ``record`` (a class or an
    instance), or ``None`` for records the directory does not keep (contacts,
    acknowledgements …)."""
    cls = record if isinstance(record, type) else type(record)
    if issubclass(cls, Party | Staff):
        return PersonEntry
    if issubclass(cls, Entitlement):
        return EntitlementEntry
    if issubclass(cls, Policy):
        return PolicyEntry
    if issubclass(cls, BusinessCalendar):
        return CalendarEntry
    if issubclass(cls, Offering):
        return OfferingEntry
    if issubclass(cls, ServiceLevelPolicy):
        return ServiceLevelEntry
    return None


# --- imports of records stored before the directory kept timelines ------------------------------


def _chain(
    entry_id: str,
    commands: Sequence[Command],
    make: Any,
    states: Sequence[str],
    actor: str,
    at: pendulum.DateTime,
) -> tuple[DirectoryEntry, list[Event]]:
    """An entry and its events, as its workflow would make them: the first command creates
    it (in ``states[0]``), each next one moves it to the state given."""
    events: list[Event] = []
    entry: DirectoryEntry | None = None
    for command, state in zip(commands, states, strict=True):
        version, head = (0, GENESIS) if entry is None else (entry.version, entry.head)
        event = next_event(
            entry_id,
            version,
            head,
            name=command.EVENT,
            actor_id=actor,
            at=at,
            data=converter.unstructure(command),
        )
        if entry is None:
            entry = make(event, command, state)
        else:
            entry.apply(event, command, state)
        events.append(event)
    assert entry is not None
    return entry, events


def imported(
    record: Party | Staff | Entitlement | Policy | BusinessCalendar | Offering | ServiceLevelPolicy,
    *,
    at: pendulum.DateTime,
    actor: str = MIGRATION_ACTOR,
    reason: str | None = None,
) -> tuple[DirectoryEntry, list[Event]]:
    """The entry a record stored before the directory kept timelines gets, with its events:
    its registration (or definition, or publication) by ``actor``, then, for staff, one
    role granted per role held, and a deactivation if the record says it is inactive. The
    events are those the directory's workflows make, so the timeline verifies and replays
    like any other. Their reason is ``reason``, else :data:`CATALOGUE_IMPORT_REASON` for a
    calendar or an offering, :data:`SERVICE_LEVEL_IMPORT_REASON` for a service-level policy
    and :data:`IMPORT_REASON` for the rest.

    Raises:
        InvalidInput: ``record`` is not one the directory keeps.
    """
    if reason is None:
        if isinstance(record, BusinessCalendar | Offering):
            reason = CATALOGUE_IMPORT_REASON
        elif isinstance(record, ServiceLevelPolicy):
            reason = SERVICE_LEVEL_IMPORT_REASON
        else:
            reason = IMPORT_REASON
    if isinstance(record, Party | Staff):
        commands: list[Command] = [RegisterPerson.of(record, reason)]
        commands += [GrantRole(role=r, reason=reason) for r in sorted(getattr(record, "roles", ()))]
        states = [ACTIVE] * len(commands)
        if not record.active:
            commands.append(Deactivate(reason=reason))
            states.append(INACTIVE)
        return _chain(record.id, commands, PersonEntry.registered, states, actor, at)
    if isinstance(record, Entitlement):
        define = DefineEntitlement.of(record, reason)
        return _chain(record.id, [define], EntitlementEntry.defined, [IN_FORCE], actor, at)
    if isinstance(record, Policy):
        publish = PublishPolicy.of(record, reason)
        return _chain(record.id, [publish], PolicyEntry.published, [PUBLISHED], actor, at)
    if isinstance(record, BusinessCalendar):
        calendar = RegisterCalendar(calendar=record, reason=reason)
        return _chain(record.id, [calendar], CalendarEntry.registered, [REGISTERED], actor, at)
    if isinstance(record, Offering):
        offering = RegisterOffering(offering=record, reason=reason)
        return _chain(record.id, [offering], OfferingEntry.registered, [REGISTERED], actor, at)
    if isinstance(record, ServiceLevelPolicy):
        levels = DefineServiceLevels(policy=record, reason=reason)
        return _chain(record.id, [levels], ServiceLevelEntry.defined, [IN_FORCE], actor, at)
    raise InvalidInput(
        f"refused: importing a {type(record).__name__} into the directory; it keeps people, "
        "entitlements, policies, business calendars, offerings and service-level policies; "
        "pass one of those.",
        field="record",
    )
