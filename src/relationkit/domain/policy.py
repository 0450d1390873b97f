"""The business's written policy: numbered versions made of clauses with stable ids.

A decline cites a clause of the policy in force (care rule R2). Staff acknowledge versions
(care rule R11): an :class:`Acknowledgement` is kept as a record; it lapses after a configured
span, or at once when a newer version is published. :func:`acknowledgement_status` says where
one person stands, and :func:`due_for_reminder` who must be reminded.

Example:
    >>> import pendulum
    >>> from relationkit.domain.policy import Clause, Policy, acknowledgement_status
    >>> policy = Policy(
    ...     version=1,
    ...     published_at=pendulum.datetime(2026, 1, 1, tz="UTC"),
    ...     clauses=[Clause(id="refunds-30d", text="Refunds within 30 days of purchase.")],
    ... )
    >>> policy.clause("refunds-30d").text
    'Refunds within 30 days of purchase.'
    >>> ack = policy.acknowledged_by("s-sam", at=pendulum.datetime(2026, 1, 2, tz="UTC"))
    >>> status = acknowledgement_status(
    ...     "s-sam", [ack], policy, now=pendulum.datetime(2027, 2, 1, tz="UTC"),
    ...     lapse=pendulum.duration(days=365))
    >>> status.state, status.due
    ('lapsed', True)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import pendulum

from relationkit.domain.values import an_id, aware, later, optional, required, to_pendulum
from relationkit.exceptions import InvalidInput, OutOfRange

__all__ = [
    "CURRENT",
    "LAPSED",
    "NEVER",
    "OUTDATED",
    "Acknowledgement",
    "AcknowledgementStatus",
    "Clause",
    "Policy",
    "PolicyLapseFlag",
    "acknowledgement_status",
    "due_for_reminder",
]

CURRENT = "current"
"""The person acknowledged the current version, recently enough."""
LAPSED = "lapsed"
"""The person acknowledged the current version, but longer ago than the lapse span."""
OUTDATED = "outdated"
"""The person acknowledged only an older version."""
NEVER = "never"
"""The person never acknowledged any version."""


@attrs.frozen(kw_only=True)
class Clause:
    """One rule of the written policy: a stable id and its words."""

    id: str = attrs.field(validator=an_id)
    text: str = attrs.field(validator=required)


def _clauses(value: Any) -> tuple[Clause, ...]:
    clauses = tuple(value)
    if not clauses:
        raise InvalidInput(
            "refused: a policy with no clauses; a written policy must say something; "
            "give at least one Clause.",
            field="clauses",
        )
    ids = [c.id for c in clauses]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InvalidInput(
            f"refused: clause ids {duplicates} appear more than once; a decline must be able "
            "to cite exactly one clause; give every clause its own id.",
            field="clauses",
        )
    return clauses


def _version(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise OutOfRange("version", value, 1, "any larger whole number")
    return value


@attrs.frozen(kw_only=True)
class Policy:
    """A published version of the written policy.

    Attributes:
        version: 1, 2, 3 …; a larger number supersedes a smaller one.
        published_at: when it took effect.
        clauses: its clauses, each with a unique id.
        title: a name for it.
    """

    version: int = attrs.field(converter=_version)
    published_at: pendulum.DateTime = attrs.field(converter=to_pendulum, validator=aware)
    clauses: tuple[Clause, ...] = attrs.field(converter=_clauses)
    title: str = attrs.field(default="How we treat people", validator=required)

    @property
    def id(self) -> str:
        """The id it is stored under: its version number as text."""
        return str(self.version)

    def clause(self, clause_id: str) -> Clause | None:
        """The clause with that id, or ``None``."""
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        return None

    @property
    def clause_ids(self) -> tuple[str, ...]:
        """The ids of its clauses, in order."""
        return tuple(c.id for c in self.clauses)

    def acknowledged_by(
        self, staff_id: str, *, at: pendulum.DateTime, note: str | None = None
    ) -> Acknowledgement:
        """The record of ``staff_id`` acknowledging this version at ``at``."""
        return Acknowledgement(staff_id=staff_id, version=self.version, at=at, note=note)


@attrs.frozen(kw_only=True)
class Acknowledgement:
    """A staff member's statement that they read a version of the written policy (R11).

    Attributes:
        staff_id: who acknowledged.
        version: the policy version acknowledged.
        at: when.
        note: any words they added.
    """

    staff_id: str = attrs.field(validator=an_id)
    version: int = attrs.field(converter=_version)
    at: pendulum.DateTime = attrs.field(converter=to_pendulum, validator=aware)
    note: str | None = attrs.field(default=None, validator=optional)

    @property
    def id(self) -> str:
        """The id it is stored under: ``"<staff id>@<version>"``."""
        return f"{self.staff_id}@{self.version}"


@attrs.frozen(kw_only=True)
class AcknowledgementStatus:
    """Where one staff member stands with the written policy.

    Attributes:
        staff_id: who.
        state: ``"current"``, ``"lapsed"``, ``"outdated"`` or ``"never"``.
        current_version: the version in force.
        acknowledged_version: the latest version they acknowledged, if any.
        acknowledged_at: when they last acknowledged it, if ever.
        lapses_at: when their acknowledgement of the current version lapses (or lapsed).
    """

    staff_id: str
    state: str
    current_version: int
    acknowledged_version: int | None = None
    acknowledged_at: pendulum.DateTime | None = None
    lapses_at: pendulum.DateTime | None = None

    @property
    def due(self) -> bool:
        """True when the person must acknowledge the current version (again)."""
        return self.state != CURRENT

    def describe(self) -> str:
        """One sentence for a reminder."""
        v = self.current_version
        if self.state == CURRENT:
            return f"{self.staff_id} acknowledged version {v}; it lapses {self.lapses_at}"
        if self.state == LAPSED:
            return (
                f"{self.staff_id} acknowledged version {v} on {self.acknowledged_at}; that "
                f"lapsed on {self.lapses_at}: acknowledge it again"
            )
        if self.state == OUTDATED:
            return (
                f"{self.staff_id} acknowledged version {self.acknowledged_version}, since "
                f"replaced by version {v}: read and acknowledge version {v}"
            )
        return f"{self.staff_id} never acknowledged the policy: read and acknowledge version {v}"


@attrs.frozen(kw_only=True)
class PolicyLapseFlag:
    """A command accepted from staff whose policy acknowledgement had lapsed (R11).

    Kept as a record next to the event it flags (same aggregate, same sequence, same hash),
    so the timeline shows who acted without a current acknowledgement.

    Attributes:
        aggregate_kind: the kind of aggregate the command ran on.
        aggregate_id: its id.
        sequence: the flagged event's position on its timeline.
        event_hash: the flagged event's hash.
        event_name: the flagged event's name.
        staff_id: who ran the command.
        at: when.
        status: ``"lapsed"``, ``"outdated"`` or ``"never"``.
        policy_version: the version in force then.
        reason: the explanation.
    """

    aggregate_kind: str
    aggregate_id: str
    sequence: int
    event_hash: str
    event_name: str
    staff_id: str
    at: pendulum.DateTime
    status: str
    policy_version: int
    reason: str

    @property
    def id(self) -> str:
        """The id it is stored under: ``"<kind>:<aggregate id>#<sequence>"``."""
        return f"{self.aggregate_kind}:{self.aggregate_id}#{self.sequence}"


def acknowledgement_status(
    staff_id: str,
    acknowledgements: Iterable[Acknowledgement],
    policy: Policy,
    *,
    now: pendulum.DateTime,
    lapse: pendulum.Duration,
) -> AcknowledgementStatus:
    """Where ``staff_id`` stands with ``policy`` at ``now``.

    An acknowledgement counts only for the version it names; it lapses ``lapse`` after it
    was given, and an acknowledgement of an older version is outdated once a newer one is
    published.
    """
    own = [a for a in acknowledgements if a.staff_id == staff_id]
    if not own:
        return AcknowledgementStatus(staff_id=staff_id, state=NEVER, current_version=policy.version)
    latest = max(own, key=lambda a: (a.version, a.at))
    if latest.version < policy.version:
        return AcknowledgementStatus(
            staff_id=staff_id,
            state=OUTDATED,
            current_version=policy.version,
            acknowledged_version=latest.version,
            acknowledged_at=latest.at,
        )
    lapses_at = later(latest.at, lapse)
    return AcknowledgementStatus(
        staff_id=staff_id,
        state=CURRENT if now < lapses_at else LAPSED,
        current_version=policy.version,
        acknowledged_version=latest.version,
        acknowledged_at=latest.at,
        lapses_at=lapses_at,
    )


def due_for_reminder(
    staff_ids: Iterable[str],
    acknowledgements: Iterable[Acknowledgement],
    policy: Policy,
    *,
    now: pendulum.DateTime,
    lapse: pendulum.Duration,
) -> list[AcknowledgementStatus]:
    """The statuses of the people in ``staff_ids`` who must acknowledge ``policy``, by id."""
    acks = list(acknowledgements)
    statuses = (
        acknowledgement_status(s, acks, policy, now=now, lapse=lapse) for s in sorted(staff_ids)
    )
    return [s for s in statuses if s.due]
