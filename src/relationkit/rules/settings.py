"""The settings every care rule reads: :class:`CareSettings`, and the settings of the
promise (:class:`PromiseConfig`) and relationship (:class:`RelationshipConfig`) rules.

A rule reads them as ``attempt.config`` (an :class:`~relationkit.config.CareConfig`, which
is a :class:`CareSettings` with the rules, workflows and health model besides). They live
here, below the rules, so that a rule can name the settings it reads without depending on
the configuration that lists the rules.

Example:
    >>> from relationkit.rules.settings import CareSettings
    >>> sorted(CareSettings().roles_for("reopen")), CareSettings().promises.capacity
    (['agent', 'manager', 'partner'], 5)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs
import pendulum

from relationkit.domain.feedback import FeedbackConfig
from relationkit.domain.parties import AGENT, MANAGER, PARTNER
from relationkit.domain.values import frozen_roles, text
from relationkit.exceptions import InvalidInput, OutOfRange

__all__ = [
    "AUTHORITY_COMMANDS",
    "CareSettings",
    "PromiseConfig",
    "RelationshipConfig",
    "instance_of",
]

AUTHORITY_COMMANDS = frozenset(
    {
        "grant_role",
        "revoke_role",
        "deactivate",
        "reactivate",
        "publish_policy",
        "define_entitlement",
        "set_targets",
        "register_calendar",
        "change_calendar",
        "register_offering",
        "change_offering",
        "define_service_levels",
        "change_service_levels",
    }
)
"""The directory's commands that give or take authority, or set what everyone is held to
(roles, the written policy, contracts' targets and service-level policies, and the business
calendars and offerings that promises and service levels are timed on): unless
``command_roles`` names them, they are run by the authority roles of R9
(:attr:`RelationshipConfig.authority_roles`: managers and partners by default), not by
every member of staff."""


# --- configuration ----------------------------------------------------------------------------


def _capacity(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise OutOfRange(attribute.name, value, 1, "any larger whole number")


def _capacities(value: Mapping[str, int]) -> Mapping[str, int]:
    found = dict(value)
    for owner, capacity in found.items():
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise OutOfRange(f"capacity_by_owner[{owner!r}]", capacity, 1, "any larger number")
    return MappingProxyType(found)  # read-only: a built configuration never changes


def _approver_roles(value: Any) -> frozenset[str]:
    found = frozen_roles(value)
    if not found:
        raise InvalidInput(
            "refused: no approver roles; nobody could approve a stretch; name at least one "
            "role, such as 'manager'.",
            field="approver_roles",
        )
    return found


def _fraction(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise OutOfRange(attribute.name, value, "0 (exclusive)", "1 (exclusive)")


@attrs.frozen(kw_only=True)
class PromiseConfig:
    """Settings of promises (R4) and of the promise sweep.

    Attributes:
        capacity: how many open promises one owner may hold (R4).
        capacity_by_owner: a different capacity for some owners, by staff id (a part-time
            colleague, a team lead with a team behind them).
        warn_fraction: the share of the time to a promise's due time after which the sweep
            warns that it is falling due (0.8: at 80 %).
        default_calendar: the calendar id used to time warnings of promises that have no
            offering (replies promised by a deferral); wall-clock time if ``None``.
        approver_roles: roles that may approve a stretch promise, which is never its
            owner's to approve.
    """

    capacity: int = attrs.field(default=5, validator=_capacity)
    capacity_by_owner: Mapping[str, int] = attrs.field(factory=dict, converter=_capacities)
    warn_fraction: float = attrs.field(default=0.8, validator=_fraction)
    default_calendar: str | None = None
    approver_roles: frozenset[str] = attrs.field(
        default=frozenset({MANAGER, PARTNER}), converter=_approver_roles
    )

    def capacity_for(self, owner_id: str) -> int:
        """The capacity of ``owner_id``."""
        return self.capacity_by_owner.get(owner_id, self.capacity)


# --- configuration ------------------------------------------------------------------------------


def _at_least(low: int) -> Any:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise OutOfRange(attribute.name, value, low, "any larger whole number")

    return check


def _span(optional: bool = False) -> Any:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, pendulum.Duration) or value.total_seconds() <= 0:
            allowed = "a positive pendulum.Duration" + (" or None" if optional else "")
            raise InvalidInput(
                f"refused: {attribute.name} = {value!r}; it must be {allowed}; "
                "pass e.g. pendulum.duration(days=7).",
                field=attribute.name,
            )

    return check


def _authority_roles(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        value = (value,)
    return frozenset(text(v, "authority_roles") for v in value)


def _some_roles(_: Any, attribute: attrs.Attribute[Any], value: frozenset[str]) -> None:
    if not value:
        raise InvalidInput(
            f"refused: {attribute.name} is empty; without an authority role no approval could "
            "carry authority and no relationship could ever end; name at least one role, "
            "e.g. {'manager'}.",
            field=attribute.name,
        )


@attrs.frozen(kw_only=True)
class RelationshipConfig:
    """Settings of care rules R9 (severance) and R8 (vendor liaison, recurrence).

    Attributes:
        quorum: approvals needed to end a relationship, each from a different person other
            than the proposer. At least 1, so the proposer never ends one alone or with
            nobody's agreement; the default is 2.
        authority_roles: roles of which at least one approver must hold one (R9); also the
            roles that may re-engage an ended relationship.
        rejections_to_reject: how many "no"s reject a proposal (default 1: one rejects).
        approval_valid_for: how long an approval counts.
        proposal_valid_for: how long a proposal stays open before it lapses.
        client_update_every: default cadence of client updates on a vendor ticket (R8).
        vendor_acknowledge_within: target for a vendor to acknowledge a problem.
        vendor_fix_within: target for a vendor to provide a fix (``None`` for none).
        recurrence_window: how long after a resolution the same problem counts as a
            recurrence of it.
    """

    quorum: int = attrs.field(default=2, validator=_at_least(1))
    authority_roles: frozenset[str] = attrs.field(
        default=frozenset({MANAGER, PARTNER}), converter=_authority_roles, validator=_some_roles
    )
    rejections_to_reject: int = attrs.field(default=1, validator=_at_least(1))
    approval_valid_for: pendulum.Duration = attrs.field(
        default=pendulum.duration(days=7), validator=_span()
    )
    proposal_valid_for: pendulum.Duration = attrs.field(
        default=pendulum.duration(days=30), validator=_span()
    )
    client_update_every: pendulum.Duration = attrs.field(
        default=pendulum.duration(days=2), validator=_span()
    )
    vendor_acknowledge_within: pendulum.Duration = attrs.field(
        default=pendulum.duration(days=1), validator=_span()
    )
    vendor_fix_within: pendulum.Duration | None = attrs.field(
        default=pendulum.duration(days=5), validator=_span(optional=True)
    )
    recurrence_window: pendulum.Duration = attrs.field(
        default=pendulum.duration(days=180), validator=_span()
    )

    def evolve(self, **changes: Any) -> RelationshipConfig:
        """A copy with ``changes`` applied (validated like the original)."""
        return attrs.evolve(self, **changes)


def _count(field: str) -> Any:
    def check(_: Any, attribute: Any, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise OutOfRange(field, value, 0, "any larger whole number")

    return check


def _positive_duration(_: Any, attribute: Any, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, pendulum.Duration) or value.total_seconds() <= 0:
        raise InvalidInput(
            f"refused: {attribute.name} = {value!r}; it must be a positive pendulum.Duration "
            "or None; pass e.g. pendulum.duration(days=5).",
            field=attribute.name,
        )


def instance_of(cls: type) -> Any:
    def check(_: Any, attribute: Any, value: Any) -> None:
        if not isinstance(value, cls):
            raise InvalidInput(
                f"refused: {attribute.name} = {value!r}; it must be a {cls.__name__}; "
                f"build one ({cls.__name__}(...)) or leave it out for the defaults.",
                field=attribute.name,
            )

    return check


def _roles_map(value: Mapping[str, Iterable[str]]) -> Mapping[str, frozenset[str]]:
    return MappingProxyType({str(k): frozenset(v) for k, v in value.items()})  # read-only


@attrs.frozen(kw_only=True)
class CareSettings:
    """What the care rules read: who may run what, and each rule's settings.

    Attributes:
        staff_roles: roles that may run any staff command not listed in ``command_roles``
            (the directory's :data:`AUTHORITY_COMMANDS` excepted).
        command_roles: per command name, the roles that may run it (replaces
            ``staff_roles`` for that command). The directory's commands are named here like
            any other: ``register``, ``change_details``, ``grant_role``, ``revoke_role``,
            ``deactivate``, ``reactivate``, ``publish_policy``, ``define_entitlement``,
            ``set_targets``, ``register_calendar``, ``change_calendar``,
            ``register_offering``, ``change_offering``, ``define_service_levels`` and
            ``change_service_levels``; those of
            :data:`AUTHORITY_COMMANDS` not named here are run by
            ``relationships.authority_roles``.
        party_commands: commands a party (the client of the case) may run; staff may not run
            these on a party's behalf, because only the client can say they were heard.
        consultations_for_decline: consultations with colleagues every decline needs (R3).
        consultations_for_escalated_decline: consultations a decline on an escalated case
            needs (R3).
        max_deferral: the longest time a reply may be deferred by (R3); ``None`` for no limit.
        relationships: settings of severance (R9), vendor liaison and recurrence (R8).
        feedback: settings of feedback (R7), equal treatment (R10), the written policy's
            acknowledgements (R11) and relationship health (R12).
        promises: settings of promises (R4: capacity, who approves a stretch) and of the
            promise sweep (when it warns).
    """

    staff_roles: frozenset[str] = attrs.field(
        default=frozenset({AGENT, MANAGER, PARTNER}), converter=frozenset
    )
    command_roles: Mapping[str, frozenset[str]] = attrs.field(factory=dict, converter=_roles_map)
    party_commands: frozenset[str] = attrs.field(
        default=frozenset({"confirm_heard", "correct_paraphrase", "give_feedback"}),
        converter=frozenset,
    )
    consultations_for_decline: int = attrs.field(default=0, validator=_count("consultations"))
    consultations_for_escalated_decline: int = attrs.field(
        default=1, validator=_count("consultations_for_escalated_decline")
    )
    max_deferral: pendulum.Duration | None = attrs.field(
        default=pendulum.duration(days=14), validator=_positive_duration
    )
    relationships: RelationshipConfig = attrs.field(
        factory=RelationshipConfig, validator=instance_of(RelationshipConfig)
    )
    feedback: FeedbackConfig = attrs.field(
        factory=FeedbackConfig, validator=instance_of(FeedbackConfig)
    )
    promises: PromiseConfig = attrs.field(
        factory=PromiseConfig, validator=instance_of(PromiseConfig)
    )

    def roles_for(self, command: str) -> frozenset[str]:
        """The staff roles that may run ``command``: those ``command_roles`` names for it,
        else R9's authority roles for the directory's :data:`AUTHORITY_COMMANDS`, else
        ``staff_roles``."""
        found = self.command_roles.get(command)
        if found is not None:
            return found
        if command in AUTHORITY_COMMANDS:
            return self.relationships.authority_roles
        return self.staff_roles
