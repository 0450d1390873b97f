"""Care rule R7 — ask for feedback during the work and at its end.

* A case open longer than ``FeedbackConfig.check_in_after`` gets a check-in: the sweep
  (:meth:`rk.feedback.run <relationkit.app.feedback.FeedbackService.run>`) asks, using
  :func:`check_in_due`.
* A case cannot close until an end-of-case request was made in its current round
  (:class:`EndOfCaseFeedback`); whether the party answers stays their choice.
* Nobody is asked again within ``FeedbackConfig.suppression`` (:func:`recent_request`).
* A low answer's service-recovery follow-up is owned by a manager
  (:class:`RecoveryByManager`).

Example:
    >>> from relationkit.rules.feedback import EndOfCaseFeedback
    >>> EndOfCaseFeedback().id, sorted(EndOfCaseFeedback().commands)
    ('R7.close', ['close'])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import ClassVar

import attrs
import pendulum

from relationkit.domain.case import Case
from relationkit.domain.feedback import (
    CHECK_IN,
    END_OF_CASE,
    CloseRecovery,
    FeedbackConfig,
    FeedbackRequest,
    OpenRecovery,
)
from relationkit.domain.parties import MANAGER, Staff
from relationkit.rules.base import Attempt, batches

__all__ = [
    "CLOSED_CASE_STATES",
    "AskingInTurn",
    "EndOfCaseFeedback",
    "RecoveryByManager",
    "check_in_due",
    "feedback_rules",
    "recent_request",
    "recovery_owner",
    "request_problems",
]

CLOSED_CASE_STATES = frozenset({"resolved", "closed"})
"""Case states in which the work is over: no more check-ins."""


def _round_start(case: Case) -> pendulum.DateTime:
    return case.cycle_started_at or case.opened_at


@attrs.frozen
class EndOfCaseFeedback:
    """R7 — ask for feedback at the end.

    A case closes only after the client was asked, at the end of the current round (since
    it was opened or last reopened), how it went. Answering is up to them; asking is not.
    """

    id: ClassVar[str] = "R7.close"
    kind: ClassVar[str] = "case"
    commands: frozenset[str] = frozenset({"close"})

    def check(self, subject: Case, attempt: Attempt) -> Iterator[str]:
        """Refuse to close without an end-of-case request made this round."""
        asked = attempt.directory.count(
            FeedbackRequest,
            case_id=subject.id,
            kind=END_OF_CASE,
            requested_at__ge=_round_start(subject),
        )
        if not asked:
            yield _NOT_ASKED

    def check_many(self, subjects: Sequence[Case], attempt: Attempt) -> Iterator[tuple[int, str]]:
        """:meth:`check` for each of ``subjects``, with one query for a batch of cases
        instead of one count per case."""
        latest: dict[str, pendulum.DateTime] = {}
        for chunk in batches([s.id for s in subjects]):
            for request in attempt.directory.select(
                FeedbackRequest, case_id__in=chunk, kind=END_OF_CASE
            ):
                known = latest.get(request.case_id)
                if known is None or request.requested_at > known:
                    latest[request.case_id] = request.requested_at
        for position, subject in enumerate(subjects):
            asked = latest.get(subject.id)
            if asked is None or asked < _round_start(subject):
                yield position, _NOT_ASKED


_NOT_ASKED = (
    "the client was not asked for end-of-case feedback; request it first "
    "(rk.feedback.request(case_id, actor=..., kind='end_of_case')); their answer stays optional"
)


@attrs.frozen
class RecoveryByManager:
    """R7 — a low answer is followed up by someone with authority.

    The service-recovery follow-up a low answer opens is owned by a manager, and only its
    owner or another manager closes it.
    """

    id: ClassVar[str] = "R7.recovery"
    kind: ClassVar[str] = "feedback"
    commands: frozenset[str] = frozenset({"open_recovery", "close_recovery"})

    def check(self, subject: FeedbackRequest, attempt: Attempt) -> Iterator[str]:
        """Check the owner is a manager, and who closes the follow-up."""
        command = attempt.command
        if isinstance(command, OpenRecovery):
            owner = attempt.directory.find_staff(command.owner_id)
            if owner is None or not owner.has_role(MANAGER):
                yield (
                    f"{command.owner_id!r} is not a manager; a service-recovery follow-up "
                    "is owned by a manager; name one"
                )
        elif attempt.command_name == "close_recovery" and (
            command is None or isinstance(command, CloseRecovery)
        ):
            actor = attempt.actor
            owner_id = subject.recovery_owner_id
            is_manager = isinstance(actor, Staff) and actor.has_role(MANAGER)
            if actor.id != owner_id and not is_manager:
                yield (
                    f"the follow-up is owned by {owner_id!r}; only its owner or a manager "
                    "closes it; ask them"
                )


@attrs.frozen
class AskingInTurn:
    """R7 — ask at the right moments, and nobody too often.

    A request is made while the case is open (a check-in only while the work is under way),
    end-of-case feedback once per round, and a check-in never to someone asked within
    ``FeedbackConfig.suppression`` (an end-of-case request is then recorded as suppressed,
    so the case may still close, and is not sent).
    """

    id: ClassVar[str] = "R7.request"
    kind: ClassVar[str] = "feedback"
    commands: frozenset[str] = frozenset({"request_feedback"})

    def check(self, subject: FeedbackRequest, attempt: Attempt) -> Iterator[str]:
        """Refuse a request the case or the party's recent requests do not allow."""
        directory = attempt.directory
        case = directory.find(Case, subject.case_id)
        if case is None:
            yield f"no case {subject.case_id!r} exists; ask for feedback on an open case"
            return
        own = directory.select(FeedbackRequest, case_id=case.id)
        yield from request_problems(case, subject.kind, own)
        if subject.kind != CHECK_IN or case.state == "closed":
            return
        config = attempt.config.feedback
        now = attempt.now
        recent = recent_request(
            case.client_id,
            directory.select(
                FeedbackRequest,
                party_id=case.client_id,
                requested_at__gt=now - config.suppression,
            ),
            now,
            config,
        )
        if recent is not None:
            yield (
                f"{case.client_id!r} was asked for feedback on "
                f"{recent.requested_at.to_iso8601_string()} ({recent.id}); nobody is asked "
                f"again within {config.suppression.in_words()}; wait until "
                f"{(recent.requested_at + config.suppression).to_iso8601_string()}"
            )


def feedback_rules() -> tuple[EndOfCaseFeedback, AskingInTurn, RecoveryByManager]:
    """Fresh instances of the built-in feedback rules, in the order they run."""
    return (EndOfCaseFeedback(), AskingInTurn(), RecoveryByManager())


# --- asking: who, when -----------------------------------------------------------------------


def recent_request(
    party_id: str,
    requests: Iterable[FeedbackRequest],
    now: pendulum.DateTime,
    config: FeedbackConfig,
) -> FeedbackRequest | None:
    """The latest request sent to ``party_id`` within the suppression span before ``now``
    (suppressed requests were not sent and do not count), or ``None``."""
    since = now - config.suppression
    sent = [
        r
        for r in requests
        if r.party_id == party_id and r.suppressed_by is None and since < r.requested_at <= now
    ]
    return max(sent, key=lambda r: r.requested_at) if sent else None


def check_in_due(
    case: Case,
    requests: Iterable[FeedbackRequest],
    now: pendulum.DateTime,
    config: FeedbackConfig,
) -> bool:
    """True if ``case`` has been open longer than ``check_in_after`` and has had no check-in
    (for this case) within the last such span."""
    if case.state in CLOSED_CASE_STATES:
        return False
    start = _round_start(case)
    if now - start <= config.check_in_after:
        return False
    last = [r.requested_at for r in requests if r.case_id == case.id and r.kind == CHECK_IN]
    return not last or now - max(last) > config.check_in_after


def request_problems(case: Case, kind: str, requests: Iterable[FeedbackRequest]) -> Iterator[str]:
    """Why a request of ``kind`` may not be made on ``case`` now (R7)."""
    if case.state == "closed":
        yield (
            f"case {case.id!r} is closed; feedback is asked before it closes; reopen it if the "
            "matter is not over"
        )
        return
    if kind == CHECK_IN and case.state in CLOSED_CASE_STATES:
        yield (
            f"case {case.id!r} is resolved; a check-in is for work still under way; ask for "
            "end-of-case feedback instead"
        )
    if kind == END_OF_CASE:
        start = _round_start(case)
        if any(
            r.case_id == case.id and r.kind == END_OF_CASE and r.requested_at >= start
            for r in requests
        ):
            yield (
                f"end-of-case feedback on case {case.id!r} was already requested; it is asked "
                "once per round; wait for the answer"
            )


def recovery_owner(
    staff: Iterable[Staff], config: FeedbackConfig, *, not_: str | None = None
) -> str | None:
    """Who owns a recovery follow-up: the configured manager, else the first active manager
    by id other than ``not_`` (the case's owner), else any active manager, else ``None``."""
    if config.recovery_owner is not None:
        return config.recovery_owner
    managers = sorted(s.id for s in staff if s.active and s.has_role(MANAGER))
    others = [m for m in managers if m != not_]
    if others:
        return others[0]
    return managers[0] if managers else None
