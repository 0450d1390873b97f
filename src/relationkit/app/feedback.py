"""Feedback during the work and at its end (care rule R7): :class:`FeedbackService`,
reached as ``Relations.feedback``.

It asks for feedback (a check-in while a case is worked on, an end-of-case request before
it closes), records answers and opens service-recovery follow-ups for low ones, computes
the standard measures (CSAT, NPS, CES), and runs the sweep that makes check-ins for long
cases and lets unanswered requests expire.

Example:
    >>> import pendulum
    >>> from relationkit import Relations, Client, ManualClock, Staff
    >>> rk = Relations(clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    >>> rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    >>> case = rk.open_case(actor="s-sam", client="c-ana", subject="Late delivery",
    ...                     statement="My order is two weeks late.")
    >>> asked = rk.feedback.request(case.id, actor="s-sam")
    >>> rk.feedback.respond(asked.id, actor="c-ana", csat=5, nps=10).state
    'answered'
    >>> rk.feedback.summary().nps
    100.0
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
import pendulum

from relationkit.app.sweeps import process_due
from relationkit.domain.case import Case
from relationkit.domain.events import Event
from relationkit.domain.feedback import (
    CHECK_IN,
    END_OF_CASE,
    CloseRecovery,
    ExpireFeedback,
    FeedbackConfig,
    FeedbackRequest,
    GiveFeedback,
    OpenRecovery,
    RequestFeedback,
    low_answer,
)
from relationkit.domain.metrics import FeedbackSummary, group, period_key, summarize
from relationkit.domain.parties import Staff
from relationkit.domain.values import ident, instant
from relationkit.exceptions import InvalidInput, NotFound, RelationkitError
from relationkit.rules.feedback import (
    CLOSED_CASE_STATES,
    check_in_due,
    recent_request,
    recovery_owner,
)

if TYPE_CHECKING:
    from relationkit.app.pipeline import Pipeline
    from relationkit.domain.aggregate import Written
    from relationkit.store.base import UnitOfWork

__all__ = ["FeedbackService", "FeedbackSweep"]


@attrs.frozen(kw_only=True)
class FeedbackSweep:
    """What one run of :meth:`FeedbackService.run` did.

    Attributes:
        check_ins: ids of the check-in requests made.
        suppressed: ids of cases due a check-in whose party was asked too recently.
        expired: ids of requests that expired unanswered.
        recoveries: ids of requests whose recovery follow-up was opened.
        failures: ``(id, message)`` for each item that could not be handled.
    """

    check_ins: tuple[str, ...] = ()
    suppressed: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()
    recoveries: tuple[str, ...] = ()
    failures: tuple[tuple[str, str], ...] = ()


class FeedbackService:
    """Feedback during and at the end (R7), reached as ``Relations.feedback``.

    Args:
        pipeline: the command pipeline it runs commands through.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self._p = pipeline

    @property
    def config(self) -> FeedbackConfig:
        """The settings in force (``CareConfig.feedback``)."""
        return self._p.config.feedback

    def _now(self, now: pendulum.DateTime | None) -> pendulum.DateTime:
        return self._p.now() if now is None else instant(now, "now")

    # --- asking and answering ------------------------------------------------------------

    def request(
        self,
        case_id: str,
        *,
        actor: str,
        kind: str = END_OF_CASE,
        request_id: str | None = None,
    ) -> FeedbackRequest:
        """Ask the party of a case for feedback: ``"end_of_case"`` (before closing) or
        ``"check_in"`` (while it is worked on).

        ``request_id`` names the request (generated if omitted). A party asked within the
        suppression span is not asked again: a check-in is refused, an end-of-case request
        is recorded (so the case may close) with ``suppressed_by`` naming the recent
        request, and must not be sent.

        Raises:
            InvalidInput: an unknown kind.
            NotFound: no such case or actor.
            RuleViolation: (R7.request) the case is closed, end-of-case feedback was already
                asked this round, or a check-in would ask someone asked too recently.
        """
        command = self._request_command(case_id, kind)
        return self._p.create(FeedbackRequest, command, actor=actor, aggregate_id=request_id)

    def _request_command(self, case_id: str, kind: str) -> RequestFeedback:
        now = self._p.now()
        with self._p.reading() as uow:
            case = uow.get(Case, ident(case_id, "case_id"))
            return self._command_for(uow, case, kind, now)

    def _command_for(
        self, uow: UnitOfWork, case: Case, kind: str, now: pendulum.DateTime
    ) -> RequestFeedback:
        """The request of ``kind`` on ``case``; whether it may be made is rule R7.request's
        to say (:class:`~relationkit.rules.feedback.AskingInTurn`)."""
        RequestFeedback(case_id=case.id, party_id=case.client_id, kind=kind)  # validates kind
        recent = None
        if kind == END_OF_CASE:
            recent = recent_request(
                case.client_id,
                uow.select(
                    FeedbackRequest,
                    party_id=case.client_id,
                    requested_at__gt=now - self.config.suppression,
                ),
                now,
                self.config,
            )
        return RequestFeedback(
            case_id=case.id,
            party_id=case.client_id,
            kind=kind,
            staff_id=case.owner_id,
            relationship_id=case.relationship_id,
            suppressed_by=None if recent is None else recent.id,
        )

    def respond(
        self,
        request_id: str,
        *,
        actor: str,
        csat: int | None = None,
        nps: int | None = None,
        ces: int | None = None,
        comment: str | None = None,
    ) -> FeedbackRequest:
        """Record the party's answer; a low answer opens a recovery follow-up owned by a
        manager (if none can be opened now, :meth:`run` opens it later).

        Raises:
            OutOfRange: a score outside its scale (CSAT 1-5, NPS 0-10, CES 1-7).
            InvalidInput: nothing at all was answered.
            NotPermitted: ``actor`` is not the party who was asked.
            InvalidTransition: the request was already answered or expired.
        """
        answer = GiveFeedback(csat=csat, nps=nps, ces=ces, comment=comment)
        request = self._p.execute(FeedbackRequest, request_id, answer, actor=actor)
        if low_answer(answer, self.config):
            # The answer stands even if no follow-up can be opened now; run() opens it later.
            with contextlib.suppress(RelationkitError):
                request = self._open_recovery(request)
        return request

    def _open_recovery(self, request: FeedbackRequest) -> FeedbackRequest:
        written = self._p.write(lambda uow: self._recovery_in(uow, request))
        opened: FeedbackRequest = written[0][0]  # type: ignore[assignment]
        return opened

    def close_recovery(self, request_id: str, *, actor: str, outcome: str) -> FeedbackRequest:
        """Record what was done for the party after a low answer, closing the follow-up."""
        return self._p.execute(
            FeedbackRequest, request_id, CloseRecovery(outcome=outcome), actor=actor
        )

    def get(self, request_id: str) -> FeedbackRequest:
        """The stored feedback request."""
        with self._p.reading() as uow:
            return uow.get(FeedbackRequest, ident(request_id, "request_id"))

    def requests(self, **where: Any) -> list[FeedbackRequest]:
        """Feedback requests whose indexed attributes match, e.g. ``requests(case_id=…)``,
        ``requests(recovery_owner_id="s-mia", recovery_open=True)``."""
        with self._p.reading() as uow:
            return uow.select(FeedbackRequest, **where)

    def timeline(self, request_id: str) -> list[Event]:
        """The events of a feedback request, oldest first."""
        request_id = ident(request_id, "request_id")
        with self._p.reading() as uow:
            uow.get(FeedbackRequest, request_id)
            return uow.events(FeedbackRequest, request_id)

    # --- the sweep -------------------------------------------------------------------------

    def run(self, now: pendulum.DateTime | None = None, *, batch: int = 100) -> FeedbackSweep:
        """Check-ins for long open cases (R7), expiry of unanswered requests, and recovery
        follow-ups not yet opened. Running it again at the same time does nothing more.
        Each item is handled on its own: a failure is reported and the rest go on.

        It is safe to run from several processes at once (on PostgreSQL they share the
        work; on SQLite they take turns): each case is checked in on, and each request
        expired or followed up, by exactly one of them. A check-in is made while its case
        is claimed, so two workers never both ask about one case.

        Args:
            now: the time to sweep for; the clock's time if omitted.
            batch: how many cases or requests one transaction claims.

        Raises:
            InsideBatch: called inside ``rk.batch()`` (nothing was read or written).
        """
        pipeline = self._p
        pipeline.refuse_in_batch("rk.feedback.run")
        now = self._now(now)
        config = self.config
        open_states = sorted(pipeline.workflow(Case).table.states - CLOSED_CASE_STATES)

        def check_in(uow: UnitOfWork, case: Case) -> Written | None:
            if not check_in_due(case, uow.select(FeedbackRequest, case_id=case.id), now, config):
                return None
            asked = uow.select(FeedbackRequest, party_id=case.client_id)
            if recent_request(case.client_id, asked, now, config) is not None:
                return []  # due, but the party was asked too recently: suppressed
            actor = case.owner_id or case.opened_by
            command = self._command_for(uow, case, CHECK_IN, now)
            return pipeline.start_in(uow, FeedbackRequest, command, actor=actor, now=now)

        checked = process_due(
            pipeline,
            Case,
            {"state__in": open_states},
            check_in,
            name="feedback-check-ins",
            batch=batch,
        )
        made = {r.case_id: r.id for r in checked.written if isinstance(r, FeedbackRequest)}
        reason = f"unanswered after {config.request_expires_after.in_words()}"

        def expire(uow: UnitOfWork, request: FeedbackRequest) -> Written:
            command = ExpireFeedback(reason=reason)
            return pipeline.run_on(uow, request, command, actor=request.requested_by, now=now)

        expired = process_due(
            pipeline,
            FeedbackRequest,
            {"state": "requested", "requested_at__le": now - config.request_expires_after},
            expire,
            name="feedback-expire-unanswered",
            batch=batch,
        )

        def recover(uow: UnitOfWork, request: FeedbackRequest) -> Written | None:
            if request.response is None or not low_answer(request.response, config):
                return None
            return self._recovery_in(uow, request, now)

        recovered = process_due(
            pipeline,
            FeedbackRequest,
            {"state": "answered", "answered_at__ge": now - config.request_expires_after},
            recover,
            name="feedback-open-recoveries",
            batch=batch,
        )
        failures = [
            (item, str(exc))
            for result in (checked, expired, recovered)
            for item, exc in result.refused
        ]
        return FeedbackSweep(
            check_ins=tuple(made[c] for c in checked.processed if c in made),
            suppressed=tuple(c for c in checked.processed if c not in made),
            expired=expired.processed,
            recoveries=recovered.processed,
            failures=tuple(failures),
        )

    def _recovery_in(
        self, uow: UnitOfWork, request: FeedbackRequest, now: pendulum.DateTime | None = None
    ) -> Written:
        """Open the recovery follow-up of a low answer inside ``uow``."""
        assert request.response is not None
        reasons = low_answer(request.response, self.config)
        owner = recovery_owner(uow.records(Staff), self.config, not_=request.staff_id)
        if owner is None:
            raise NotFound("manager", "(any)", "register a staff member with the manager role")
        command = OpenRecovery(
            owner_id=owner,
            reason="; ".join(reasons),
            due_at=(self._p.now() if now is None else now) + self.config.recovery_within,
        )
        return self._p.run_in(uow, FeedbackRequest, request.id, command, actor=owner, now=now)

    # --- measures --------------------------------------------------------------------------

    def summary(self, **where: Any) -> FeedbackSummary:
        """NPS, CSAT and CES over the requests matching ``where`` (all if empty)."""
        return summarize(self.requests(**where))

    def metrics(
        self,
        by: str = "relationship",
        *,
        period: str = "month",
        tz: str = "UTC",
        since: pendulum.DateTime | None = None,
        until: pendulum.DateTime | None = None,
    ) -> Mapping[str, FeedbackSummary]:
        """The measures per ``"relationship"``, ``"staff"`` (the case owner), ``"party"``,
        ``"kind"`` or ``"period"`` (of the answer, else the request), over requests made
        from ``since`` until before ``until``."""
        keys: dict[str, Any] = {
            "relationship": lambda r: r.relationship_id,
            "staff": lambda r: r.staff_id,
            "party": lambda r: r.party_id,
            "kind": lambda r: r.kind,
            "period": lambda r: period_key(r.answered_at or r.requested_at, period, tz),
        }
        if by not in keys:
            raise InvalidInput(
                f"refused: grouping feedback by {by!r}; it is not a known grouping; use one "
                f"of {', '.join(keys)}.",
                field="by",
            )
        if by == "period":
            period_key(self._p.now(), period, tz)  # validates period and zone early
        where: dict[str, Any] = {}
        if since is not None:
            where["requested_at__ge"] = instant(since, "since")
        if until is not None:
            where["requested_at__lt"] = instant(until, "until")
        return group(self.requests(**where), keys[by])
