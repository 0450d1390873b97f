"""Feedback asked during the work and at its end (care rule R7), and its settings.

A :class:`FeedbackRequest` is one question put to the party of a case: a *check-in* while a
long case is still open, or the *end-of-case* survey before it closes. The party may answer
with any of three standard scores and free text, all optional:

* CSAT, 1-5: how satisfied were you? (4 and 5 count as satisfied)
* NPS, 0-10: how likely are you to recommend us? (9-10 promoters, 0-6 detractors)
* CES, 1-7: "they made it easy for me", from 1 (strongly disagree) to 7 (strongly agree);
  higher is better.

An answer at or below a configured threshold (:class:`FeedbackConfig`) is a *low answer*:
it opens a service-recovery follow-up owned by a manager, kept on the request's timeline.

Example:
    >>> from relationkit.domain.feedback import FeedbackConfig, GiveFeedback, low_answer
    >>> answer = GiveFeedback(csat=2, nps=9, comment="Slow, but they fixed it.")
    >>> low_answer(answer, FeedbackConfig())
    ('CSAT 2 of 5 (low at 2 or less)',)
    >>> GiveFeedback(nps=11)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    relationkit.exceptions.OutOfRange: refused: 'nps' = 11; it must lie between 0 and 10; ...
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
import pendulum

from relationkit.domain.aggregate import Aggregate, Command
from relationkit.domain.events import Event
from relationkit.domain.values import (
    an_id,
    aware,
    optional,
    optional_aware,
    optional_id,
    required,
    to_pendulum,
)
from relationkit.exceptions import InvalidInput, OutOfRange

__all__ = [
    "CHECK_IN",
    "END_OF_CASE",
    "FEEDBACK_KINDS",
    "LAPSED_ACTIONS",
    "CloseRecovery",
    "ExpireFeedback",
    "FeedbackConfig",
    "FeedbackRequest",
    "GiveFeedback",
    "OpenRecovery",
    "Recovery",
    "RequestFeedback",
    "Response",
    "low_answer",
]

CHECK_IN = "check_in"
"""A request made while the case is still being worked on."""
END_OF_CASE = "end_of_case"
"""The request made before a case closes."""
FEEDBACK_KINDS = (CHECK_IN, END_OF_CASE)
"""The kinds of feedback request."""

CSAT_RANGE = (1, 5)
NPS_RANGE = (0, 10)
CES_RANGE = (1, 7)

LAPSED_ACTIONS = ("flag", "refuse", "ignore")
"""What happens to a command by staff whose policy acknowledgement lapsed (R11)."""


def _score(field: str, low: int, high: int) -> Any:
    def check(_: Any, attribute: Any, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise OutOfRange(field, value, low, high)

    return check


def _kind(_: Any, attribute: Any, value: Any) -> None:
    if value not in FEEDBACK_KINDS:
        raise InvalidInput(
            f"refused: feedback kind {value!r}; relationkit asks for feedback during the work "
            f"or at its end; use one of {', '.join(FEEDBACK_KINDS)}.",
            field=attribute.name,
        )


def _positive_duration(_: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, pendulum.Duration) or value.total_seconds() <= 0:
        raise InvalidInput(
            f"refused: {attribute.name} = {value!r}; it must be a positive pendulum.Duration; "
            "pass e.g. pendulum.duration(days=7).",
            field=attribute.name,
        )


def _fraction(_: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise OutOfRange(attribute.name, value, 0, 1)


def _percent(_: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise OutOfRange(attribute.name, value, 0, 100)


def _lapsed_action(_: Any, attribute: Any, value: Any) -> None:
    if value not in LAPSED_ACTIONS:
        raise InvalidInput(
            f"refused: lapsed_action = {value!r}; a command by staff whose policy "
            f"acknowledgement lapsed is either flagged, refused or ignored; use one of "
            f"{', '.join(LAPSED_ACTIONS)}.",
            field=attribute.name,
        )


@attrs.frozen(kw_only=True)
class FeedbackConfig:
    """Settings of the care rules that look after a relationship over time (R7, R10-R12).

    Attributes:
        check_in_after: a case open longer than this gets a check-in (R7), and another one
            each further span while it stays open.
        suppression: a person asked for feedback is not asked again within this span.
        request_expires_after: an unanswered request expires after this span.
        low_csat: a CSAT at or below this is a low answer.
        low_nps: an NPS at or below this is a low answer.
        low_ces: a CES at or below this is a low answer (7 means "very easy").
        recovery_owner: the manager who owns service-recovery follow-ups; if ``None``, the
            first registered manager (by id) other than the case's owner.
        recovery_within: how soon a recovery follow-up is due.
        policy_ack_lapse: an acknowledgement of the written policy lapses after this span
            (and at once when a new version is published) (R11).
        lapsed_action: ``"flag"`` records a flag with each command by staff whose
            acknowledgement lapsed, ``"refuse"`` refuses the command, ``"ignore"`` does
            neither (R11).
        at_risk_below: a relationship whose health score (0-100) falls below this is at
            risk; at or above it, active (R12).
        contact_within: the longest gap without contact that the health score counts as
            fully healthy.
        disparity_tolerance: the largest difference between a group and everyone that the
            equal-treatment report accepts, as a fraction (0.2 = 20 %) (R10).
    """

    check_in_after: pendulum.Duration = attrs.field(
        default=pendulum.duration(days=7), validator=_positive_duration
    )
    suppression: pendulum.Duration = attrs.field(
        default=pendulum.duration(days=3), validator=_positive_duration
    )
    request_expires_after: pendulum.Duration = attrs.field(
        default=pendulum.duration(days=30), validator=_positive_duration
    )
    low_csat: int = attrs.field(default=2, validator=_score("low_csat", *CSAT_RANGE))
    low_nps: int = attrs.field(default=6, validator=_score("low_nps", *NPS_RANGE))
    low_ces: int = attrs.field(default=3, validator=_score("low_ces", *CES_RANGE))
    recovery_owner: str | None = attrs.field(default=None, validator=optional_id)
    recovery_within: pendulum.Duration = attrs.field(
        default=pendulum.duration(days=2), validator=_positive_duration
    )
    policy_ack_lapse: pendulum.Duration = attrs.field(
        default=pendulum.duration(days=365), validator=_positive_duration
    )
    lapsed_action: str = attrs.field(default="flag", validator=_lapsed_action)
    at_risk_below: float = attrs.field(default=50.0, validator=_percent)
    contact_within: pendulum.Duration = attrs.field(
        default=pendulum.duration(days=30), validator=_positive_duration
    )
    disparity_tolerance: float = attrs.field(default=0.2, validator=_fraction)

    def evolve(self, **changes: Any) -> FeedbackConfig:
        """A copy with ``changes`` applied."""
        return attrs.evolve(self, **changes)


# --- values -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Response:
    """The party's answer to a feedback request; every score is optional."""

    csat: int | None
    nps: int | None
    ces: int | None
    comment: str | None
    by: str
    at: pendulum.DateTime


@attrs.frozen(kw_only=True)
class Recovery:
    """A service-recovery follow-up opened by a low answer, owned by a manager.

    Attributes:
        owner_id: the manager who owns it.
        reason: the low scores that opened it.
        opened_at: when.
        due_at: when the party should have heard back.
        closed_at: when it was closed, if it is.
        outcome: what was done, once closed.
    """

    owner_id: str
    reason: str
    opened_at: pendulum.DateTime
    due_at: pendulum.DateTime
    closed_at: pendulum.DateTime | None = None
    outcome: str | None = None


# --- commands ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class RequestFeedback(Command):
    """Ask the party of a case for feedback (creates a :class:`FeedbackRequest`).

    ``suppressed_by`` names a recent request to the same person when this one must not be
    sent (the person was asked within the suppression span); it is still recorded, so the
    case may close.
    """

    NAME: ClassVar[str] = "request_feedback"
    EVENT: ClassVar[str] = "FeedbackRequested"

    case_id: str = attrs.field(validator=an_id)
    party_id: str = attrs.field(validator=an_id)
    kind: str = attrs.field(validator=_kind)
    staff_id: str | None = attrs.field(default=None, validator=optional_id)
    relationship_id: str | None = attrs.field(default=None, validator=optional_id)
    suppressed_by: str | None = attrs.field(default=None, validator=optional_id)


@attrs.frozen(kw_only=True)
class GiveFeedback(Command):
    """The party answers: CSAT 1-5, NPS 0-10, CES 1-7 and words, each optional, not all."""

    NAME: ClassVar[str] = "give_feedback"
    EVENT: ClassVar[str] = "FeedbackGiven"

    csat: int | None = attrs.field(default=None, validator=_score("csat", *CSAT_RANGE))
    nps: int | None = attrs.field(default=None, validator=_score("nps", *NPS_RANGE))
    ces: int | None = attrs.field(default=None, validator=_score("ces", *CES_RANGE))
    comment: str | None = attrs.field(default=None, validator=optional)

    def __attrs_post_init__(self) -> None:
        if self.csat is None and self.nps is None and self.ces is None and self.comment is None:
            raise InvalidInput(
                "refused: an answer with no score and no words; it records nothing; give at "
                "least one of csat, nps, ces or comment.",
                field="answer",
            )


@attrs.frozen(kw_only=True)
class ExpireFeedback(Command):
    """Give up waiting for an answer."""

    NAME: ClassVar[str] = "expire"
    EVENT: ClassVar[str] = "FeedbackExpired"

    reason: str = attrs.field(validator=required)


@attrs.frozen(kw_only=True)
class OpenRecovery(Command):
    """Open a service-recovery follow-up for a low answer, owned by a manager."""

    NAME: ClassVar[str] = "open_recovery"
    EVENT: ClassVar[str] = "RecoveryOpened"

    owner_id: str = attrs.field(validator=an_id)
    reason: str = attrs.field(validator=required)
    due_at: pendulum.DateTime = attrs.field(converter=to_pendulum, validator=aware)


@attrs.frozen(kw_only=True)
class CloseRecovery(Command):
    """Record what was done to put things right, closing the follow-up."""

    NAME: ClassVar[str] = "close_recovery"
    EVENT: ClassVar[str] = "RecoveryClosed"

    outcome: str = attrs.field(validator=required)


def low_answer(answer: GiveFeedback | Response, config: FeedbackConfig) -> tuple[str, ...]:
    """The scores of ``answer`` at or below the configured thresholds, described."""
    found: list[str] = []
    if answer.csat is not None and answer.csat <= config.low_csat:
        found.append(f"CSAT {answer.csat} of 5 (low at {config.low_csat} or less)")
    if answer.nps is not None and answer.nps <= config.low_nps:
        found.append(f"NPS {answer.nps} of 10 (low at {config.low_nps} or less)")
    if answer.ces is not None and answer.ces <= config.low_ces:
        found.append(f"CES {answer.ces} of 7 (low at {config.low_ces} or less)")
    return tuple(found)


# --- the aggregate ----------------------------------------------------------------------------


@attrs.define(kw_only=True)
class FeedbackRequest(Aggregate):
    """One request for feedback to the party of a case, its answer and any recovery.

    Attributes:
        case_id: the case it is about.
        party_id: who is asked; the only one who may answer.
        kind: ``"check_in"`` or ``"end_of_case"``.
        requested_at: when it was asked.
        requested_by: the staff member who asked (or on whose behalf a sweep asked).
        staff_id: the staff member the feedback is about (the case's owner).
        relationship_id: the relationship of the case, if any.
        suppressed_by: the recent request that means this one is not to be sent.
        response: the answer, once given.
        answered_at: when it was answered.
        expired_at: when it expired unanswered.
        recovery: the service-recovery follow-up a low answer opened.
    """

    KIND: ClassVar[str] = "feedback"
    INDEXED: ClassVar[tuple[str, ...]] = (
        "state",
        "case_id",
        "party_id",
        "kind",
        "requested_at",
        "answered_at",
        "staff_id",
        "relationship_id",
        "recovery_owner_id",
        "recovery_open",
    )

    case_id: str
    party_id: str
    kind: str
    requested_at: pendulum.DateTime
    requested_by: str
    staff_id: str | None = None
    relationship_id: str | None = None
    suppressed_by: str | None = None
    response: Response | None = None
    answered_at: pendulum.DateTime | None = attrs.field(default=None, validator=optional_aware)
    expired_at: pendulum.DateTime | None = None
    recovery: Recovery | None = None

    @classmethod
    def requested(cls, event: Event, command: RequestFeedback, state: str) -> FeedbackRequest:
        """The request that ``event`` (a ``FeedbackRequested``) creates."""
        request = cls(
            id=event.aggregate_id,
            state=state,
            case_id=command.case_id,
            party_id=command.party_id,
            kind=command.kind,
            requested_at=event.at,
            requested_by=event.actor_id,
            staff_id=command.staff_id,
            relationship_id=command.relationship_id,
            suppressed_by=command.suppressed_by,
        )
        request.version = event.sequence
        request.head = event.hash
        return request

    def involves(self, party_id: str) -> bool:
        """True for the party who was asked."""
        return party_id == self.party_id

    @property
    def recovery_owner_id(self) -> str | None:
        """The manager owning the recovery follow-up, if one was opened."""
        return None if self.recovery is None else self.recovery.owner_id

    @property
    def recovery_open(self) -> bool:
        """True while a recovery follow-up is open."""
        return self.state == "recovering"

    def _on_give_feedback(self, command: GiveFeedback, event: Event) -> None:
        self.response = Response(
            csat=command.csat,
            nps=command.nps,
            ces=command.ces,
            comment=command.comment,
            by=event.actor_id,
            at=event.at,
        )
        self.answered_at = event.at

    def _on_expire(self, command: ExpireFeedback, event: Event) -> None:
        self.expired_at = event.at

    def _on_open_recovery(self, command: OpenRecovery, event: Event) -> None:
        self.recovery = Recovery(
            owner_id=command.owner_id,
            reason=command.reason,
            opened_at=event.at,
            due_at=command.due_at,
        )

    def _on_close_recovery(self, command: CloseRecovery, event: Event) -> None:
        if self.recovery is not None:
            self.recovery = attrs.evolve(self.recovery, closed_at=event.at, outcome=command.outcome)
