"""Feedback, relationship health, the written policy and equal treatment, as one facade.

:class:`Feedback` is reached as ``Relations.feedback``. It asks for feedback during the work
and at its end (R7), records answers and opens service-recovery follow-ups for low ones,
computes the standard measures, explains a relationship's health signal by signal (R12),
keeps staff's acknowledgements of the written policy and says who is due a reminder (R11),
and reports on equal treatment (R10).

It also plugs two things into :class:`~relationkit.service.Relations`:

* a listener that records the last contact with a party after every event on an aggregate
  about that party (:class:`~relationkit.domain.health.Contact`);
* the R11 command hook (:class:`~relationkit.rules.policy.LapsedAcknowledgement`).

Example:
    >>> import pendulum
    >>> from relationkit import Relations, Client, Staff
    >>> from relationkit.domain.case import Acknowledge
    >>> from relationkit.testing import ManualClock
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
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import pendulum

from relationkit.domain.case import Case
from relationkit.domain.equality import (
    Entitlement,
    EqualityReport,
    Targets,
    equality_report,
    targets_for,
)
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
from relationkit.domain.health import (
    NOT_CONTACT,
    Contact,
    HealthFacts,
    HealthModel,
    HealthReport,
    default_health_model,
    parties_of,
    transition_for,
)
from relationkit.domain.metrics import FeedbackSummary, group, period_key, summarize
from relationkit.domain.parties import Party, Staff
from relationkit.domain.policy import (
    Acknowledgement,
    AcknowledgementStatus,
    Policy,
    PolicyLapseFlag,
    acknowledgement_status,
    due_for_reminder,
)
from relationkit.domain.relationship import MarkAtRisk, Recover, Relationship
from relationkit.domain.values import instant, text
from relationkit.exceptions import (
    InvalidInput,
    NotFound,
    RelationkitError,
    RuleViolation,
)
from relationkit.rules.feedback import (
    CLOSED_CASE_STATES,
    check_in_due,
    recent_request,
    recovery_owner,
    request_problems,
)
from relationkit.rules.policy import LapsedAcknowledgement
from relationkit.serialization import converter
from relationkit.store.codec import RecordType, index_value, register_record_type
from relationkit.sweeps import Written, process_due

if TYPE_CHECKING:
    from relationkit.domain.aggregate import Aggregate
    from relationkit.rules.base import Attempt
    from relationkit.service import Relations
    from relationkit.store.base import UnitOfWork

__all__ = ["Feedback", "FeedbackSweep", "register_feedback_records", "track_contact"]


def _record(name: str, cls: type) -> RecordType:
    return RecordType(
        name, cls, lambda r: r.id, converter.unstructure, lambda d: converter.structure(d, cls)
    )


def _ack_key(ack: Acknowledgement) -> str:
    """Acknowledgements sort by policy version, then by when they were given."""
    return f"{ack.version:09d}@{index_value(ack.at)}"


def register_feedback_records() -> None:
    """Teach every store the records this module keeps: policy acknowledgements, R11
    flags, last contacts and entitlements (done on import)."""
    register_record_type(attrs.evolve(_record("policy_ack", Acknowledgement), sort_key=_ack_key))
    register_record_type(_record("policy_flag", PolicyLapseFlag))
    register_record_type(_record("contact", Contact))
    register_record_type(_record("entitlement", Entitlement))


register_feedback_records()


@attrs.frozen(kw_only=True)
class FeedbackSweep:
    """What one run of :meth:`Feedback.run` did.

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


def track_contact(event: Event, subject: Aggregate, attempt: Attempt) -> Iterable[Contact]:
    """Command hook: the last contact with each party ``subject`` is about (a health
    signal, R12), stored in the command's own transaction, so that it is never out of step
    with the timeline and costs no transaction of its own. Events inside the business
    (:data:`~relationkit.domain.health.NOT_CONTACT`) and the work of sweeps do not count.
    """
    if event.name in NOT_CONTACT:
        return ()
    contacts: list[Contact] = []
    for party_id in parties_of(subject):
        known = attempt.directory.find_record(Contact, party_id)
        if known is None or known.at <= event.at:
            contacts.append(
                Contact(
                    party_id=party_id,
                    at=event.at,
                    event_name=event.name,
                    aggregate_kind=subject.KIND,
                    aggregate_id=subject.id,
                    actor_id=event.actor_id,
                )
            )
    return contacts


class Feedback:
    """Feedback (R7), equal treatment (R10), the written policy (R11) and health (R12).

    Args:
        relations: the service it works through.

    Attributes:
        health_model: the signals and weights :meth:`health` uses; replace it to add your
            own signals (``default_health_model().with_signal(mine, 0.1)``).
    """

    def __init__(self, relations: Relations) -> None:
        self._rk = relations
        self.health_model: HealthModel = default_health_model()
        relations.command_hooks.append(LapsedAcknowledgement())
        relations.command_hooks.append(track_contact)

    @property
    def config(self) -> FeedbackConfig:
        """The settings in force (``Relations.config.feedback``)."""
        return self._rk.config.feedback

    def _now(self, now: pendulum.DateTime | None) -> pendulum.DateTime:
        return self._rk.now() if now is None else instant(now, "now")

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
            RuleViolation: (R7) the case is closed, end-of-case feedback was already asked
                this round, or a check-in would ask someone asked too recently.
        """
        command = self._request_command(case_id, kind, actor)
        return self._rk.create(FeedbackRequest, command, actor=actor, aggregate_id=request_id)

    def _request_command(self, case_id: str, kind: str, actor: str) -> RequestFeedback:
        now = self._rk.now()
        with self._rk.store.unit_of_work() as uow:
            case = uow.get(Case, text(case_id, "case_id"))
            return self._command_for(uow, case, kind, actor, now)

    def _command_for(
        self, uow: UnitOfWork, case: Case, kind: str, actor: str, now: pendulum.DateTime
    ) -> RequestFeedback:
        RequestFeedback(case_id=case.id, party_id=case.client_id, kind=kind)  # validates kind
        own = uow.select(FeedbackRequest, case_id=case.id)
        problems = list(request_problems(case, kind, own))
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
        if recent is not None and kind == CHECK_IN:
            problems.append(
                f"{case.client_id!r} was asked for feedback on "
                f"{recent.requested_at.to_iso8601_string()} ({recent.id}); nobody is asked "
                f"again within {self.config.suppression.in_words()}; wait until "
                f"{(recent.requested_at + self.config.suppression).to_iso8601_string()}"
            )
        if problems:
            raise RuleViolation(
                rule_id="R7",
                aggregate_id=case.id,
                actor_id=actor,
                command=RequestFeedback.NAME,
                reason="; ".join(problems),
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
        request = self._rk.execute(FeedbackRequest, request_id, answer, actor=actor)
        if low_answer(answer, self.config):
            # The answer stands even if no follow-up can be opened now; run() opens it later.
            with contextlib.suppress(RelationkitError):
                request = self._open_recovery(request)
        return request

    def _open_recovery(self, request: FeedbackRequest) -> FeedbackRequest:
        with self._rk.store.unit_of_work() as uow:
            uow.begin_write()  # as a command does: no read transaction to upgrade
            written = self._recovery_in(uow, request)
            uow.commit()
        self._rk.notify_written(written)
        opened: FeedbackRequest = written[0][0]  # type: ignore[assignment]
        return opened

    def close_recovery(self, request_id: str, *, actor: str, outcome: str) -> FeedbackRequest:
        """Record what was done for the party after a low answer, closing the follow-up."""
        return self._rk.execute(
            FeedbackRequest, request_id, CloseRecovery(outcome=outcome), actor=actor
        )

    def get(self, request_id: str) -> FeedbackRequest:
        """The stored feedback request."""
        with self._rk.store.unit_of_work() as uow:
            return uow.get(FeedbackRequest, request_id)

    def requests(self, **where: Any) -> list[FeedbackRequest]:
        """Feedback requests whose indexed attributes match, e.g. ``requests(case_id=…)``,
        ``requests(recovery_owner_id="s-mia", recovery_open=True)``."""
        with self._rk.store.unit_of_work() as uow:
            return uow.select(FeedbackRequest, **where)

    def timeline(self, request_id: str) -> list[Event]:
        """The events of a feedback request, oldest first."""
        return self._rk.timeline(request_id, FeedbackRequest)

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
        """
        rk = self._rk
        now = self._now(now)
        config = self.config
        open_states = sorted(rk.workflow_for(Case).table.states - CLOSED_CASE_STATES)

        def check_in(uow: UnitOfWork, case: Case) -> Written | None:
            if not check_in_due(case, uow.select(FeedbackRequest, case_id=case.id), now, config):
                return None
            asked = uow.select(FeedbackRequest, party_id=case.client_id)
            if recent_request(case.client_id, asked, now, config) is not None:
                return []  # due, but the party was asked too recently: suppressed
            actor = case.owner_id or case.opened_by
            command = self._command_for(uow, case, CHECK_IN, actor, now)
            return rk.create_in(uow, FeedbackRequest, command, actor=actor, now=now)

        checked = process_due(
            rk, Case, {"state__in": open_states}, check_in, name="feedback-check-ins", batch=batch
        )
        made = {r.case_id: r.id for r in checked.written if isinstance(r, FeedbackRequest)}
        reason = f"unanswered after {config.request_expires_after.in_words()}"

        def expire(uow: UnitOfWork, request: FeedbackRequest) -> Written:
            command = ExpireFeedback(reason=reason)
            return rk.execute_in(
                uow, FeedbackRequest, request.id, command, actor=request.requested_by
            )

        expired = process_due(
            rk,
            FeedbackRequest,
            {"state": "requested", "requested_at__le": now - config.request_expires_after},
            expire,
            name="feedback-expire-unanswered",
            batch=batch,
        )

        def recover(uow: UnitOfWork, request: FeedbackRequest) -> Written | None:
            if request.response is None or not low_answer(request.response, config):
                return None
            return self._recovery_in(uow, request)

        recovered = process_due(
            rk,
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

    def _recovery_in(self, uow: UnitOfWork, request: FeedbackRequest) -> Written:
        """Open the recovery follow-up of a low answer inside ``uow``."""
        assert request.response is not None
        reasons = low_answer(request.response, self.config)
        owner = recovery_owner(uow.records(Staff), self.config, not_=request.staff_id)
        if owner is None:
            raise NotFound("manager", "(any)", "register a staff member with the manager role")
        command = OpenRecovery(
            owner_id=owner,
            reason="; ".join(reasons),
            due_at=self._rk.now() + self.config.recovery_within,
        )
        return self._rk.execute_in(uow, FeedbackRequest, request.id, command, actor=owner)

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
            period_key(self._rk.now(), period, tz)  # validates period and zone early
        where: dict[str, Any] = {}
        if since is not None:
            where["requested_at__ge"] = instant(since, "since")
        if until is not None:
            where["requested_at__lt"] = instant(until, "until")
        return group(self.requests(**where), keys[by])

    # --- health ----------------------------------------------------------------------------

    def facts(
        self,
        relationship: str | None = None,
        *,
        party: str | None = None,
        now: pendulum.DateTime | None = None,
    ) -> HealthFacts:
        """What the health signals read about a relationship (or a party without one); for
        trying signals out. (``directory`` is left empty: it is only valid while
        :meth:`health` assesses.)"""
        with self._rk.store.unit_of_work() as uow:
            return attrs.evolve(self._facts(uow, relationship, party, now), directory=None)

    def _facts(
        self,
        uow: UnitOfWork,
        relationship: str | None,
        party: str | None,
        now: pendulum.DateTime | None,
    ) -> HealthFacts:
        now = self._now(now)
        if (relationship is None) == (party is None):
            raise InvalidInput(
                "refused: health needs exactly one subject; pass a relationship id or "
                "party=<party id>, not both and not neither.",
                field="relationship",
            )
        contract: str | None = None
        if relationship is not None:
            rel = uow.get(Relationship, text(relationship, "relationship"))
            subject_id, party_id, contract = rel.id, rel.party_id, rel.contract
        else:
            subject_id = party_id = text(party, "party")
        found = uow.find_record(Party, party_id)
        if found is None:
            raise NotFound("party", party_id, "register the party first")
        targets: Targets | None
        try:
            targets = targets_for(found, uow.records(Entitlement), contract=contract)
        except NotFound:
            targets = None
        contact = uow.find_record(Contact, party_id)
        return HealthFacts(
            subject_id=subject_id,
            party_id=party_id,
            now=now,
            cases=uow.select(Case, client_id=party_id),
            feedback=uow.select(FeedbackRequest, party_id=party_id),
            last_contact=None if contact is None else contact.at,
            targets=targets,
            config=self.config,
            directory=_ReadOnly(uow),
        )

    def health(
        self,
        relationship: str | None = None,
        *,
        party: str | None = None,
        now: pendulum.DateTime | None = None,
        model: HealthModel | None = None,
    ) -> HealthReport:
        """The health of a relationship (or of a party), explained signal by signal, by
        ``model`` (:attr:`health_model` if omitted)."""
        model = self.health_model if model is None else model
        with self._rk.store.unit_of_work() as uow:
            facts = self._facts(uow, relationship, party, now)
            return model.assess(facts, at_risk_below=self.config.at_risk_below)

    def update_health(
        self, relationship: str, *, actor: str, now: pendulum.DateTime | None = None
    ) -> HealthReport:
        """Assess a relationship and, if its score crossed the threshold, move it between
        active and at risk (``mark_at_risk`` / ``recover`` on its timeline, by ``actor``,
        with the explanation as the reason)."""
        report = self.health(relationship, now=now)
        with self._rk.store.unit_of_work() as uow:
            state = uow.get(Relationship, relationship).state
        command_name = transition_for(state, report)
        if command_name is None:
            return report
        reason = "; ".join(report.explain())
        command: MarkAtRisk | Recover = (
            MarkAtRisk(reason=reason) if command_name == "mark_at_risk" else Recover(reason=reason)
        )
        self._rk.execute(Relationship, relationship, command, actor=actor)
        return report

    def last_contact(self, party_id: str) -> Contact | None:
        """The last recorded contact with a party, if any."""
        with self._rk.store.unit_of_work() as uow:
            return uow.find_record(Contact, party_id)

    # --- the written policy (R11) ----------------------------------------------------------

    def acknowledge_policy(
        self, staff_id: str, version: int | None = None, *, note: str | None = None
    ) -> Acknowledgement:
        """Record that ``staff_id`` read and acknowledges policy ``version`` (the current
        one if omitted).

        Raises:
            NotFound: no such staff member, no published policy, or no such version.
            InvalidInput: the version was replaced by a newer one (acknowledge that).
        """
        now = self._rk.now()
        with self._rk.store.unit_of_work() as uow:
            staff = uow.get_record(Staff, text(staff_id, "staff_id"))
            policies = uow.records(Policy)
            if not policies:
                raise NotFound("policy", "(any)", "publish a policy first (publish_policy)")
            current = max(policies, key=lambda p: p.version)
            wanted = current.version if version is None else version
            known = {p.version for p in policies}
            if isinstance(wanted, bool) or not isinstance(wanted, int) or wanted not in known:
                raise NotFound(
                    "policy version",
                    str(wanted),
                    f"published versions are {', '.join(map(str, sorted(known)))}; "
                    f"acknowledge version {current.version}, the one in force",
                )
            if wanted != current.version:
                raise InvalidInput(
                    f"refused: acknowledging policy version {wanted}; version "
                    f"{current.version} replaced it, and only the version in force counts; "
                    f"acknowledge version {current.version}.",
                    field="version",
                )
            ack = current.acknowledged_by(staff.id, at=now, note=note)
            uow.put(ack)
            uow.commit()
        return ack

    def acknowledgement(
        self, staff_id: str, *, now: pendulum.DateTime | None = None
    ) -> AcknowledgementStatus | None:
        """Where a staff member stands with the policy in force (``None`` before one is
        published)."""
        now = self._now(now)
        with self._rk.store.unit_of_work() as uow:
            staff = uow.get_record(Staff, text(staff_id, "staff_id"))
            policy = self._rk.current_policy()
            if policy is None:
                return None
            own = [a for a in uow.records(Acknowledgement) if a.staff_id == staff.id]
        return acknowledgement_status(
            staff.id, own, policy, now=now, lapse=self.config.policy_ack_lapse
        )

    def reminders(self, now: pendulum.DateTime | None = None) -> list[AcknowledgementStatus]:
        """Every staff member who must acknowledge the policy in force (never did, did an
        older version, or their acknowledgement lapsed), by id."""
        now = self._now(now)
        policy = self._rk.current_policy()
        if policy is None:
            return []
        with self._rk.store.unit_of_work() as uow:
            staff = [s.id for s in uow.records(Staff)]
            acks = uow.records(Acknowledgement)
        return due_for_reminder(staff, acks, policy, now=now, lapse=self.config.policy_ack_lapse)

    def lapsing(self, by: pendulum.DateTime | None = None) -> list[AcknowledgementStatus]:
        """Staff whose acknowledgement of the policy in force lapses by ``by`` (now if
        omitted), those already lapsed included, soonest first. It reads two ranges of an
        index (acknowledgements of the version in force given up to ``policy_ack_lapse``
        before ``by``, and those given since), not every acknowledgement. People who never
        acknowledged the version in force are not listed here; :meth:`reminders` lists
        everyone who is due."""
        by = self._now(by)
        policy = self._rk.current_policy()
        if policy is None:
            return []
        lapse = self.config.policy_ack_lapse
        version = f"{policy.version:09d}@"
        cutoff = version + index_value(by - lapse + pendulum.duration(microseconds=1))
        with self._rk.store.unit_of_work() as uow:
            old = uow.records_between(Acknowledgement, version, cutoff)
            renewed = {
                a.staff_id for a in uow.records_between(Acknowledgement, cutoff, version[:-1] + "A")
            }
        statuses = [
            acknowledgement_status(staff_id, old, policy, now=by, lapse=lapse)
            for staff_id in sorted({a.staff_id for a in old} - renewed)
        ]
        return sorted(statuses, key=lambda s: (s.lapses_at, s.staff_id))

    def flags(
        self, *, aggregate_id: str | None = None, staff_id: str | None = None
    ) -> list[PolicyLapseFlag]:
        """R11 flags: commands accepted from staff whose acknowledgement had lapsed."""
        with self._rk.store.unit_of_work() as uow:
            found = uow.records(PolicyLapseFlag)
        return sorted(
            (
                f
                for f in found
                if (aggregate_id is None or f.aggregate_id == aggregate_id)
                and (staff_id is None or f.staff_id == staff_id)
            ),
            key=lambda f: (f.at, f.aggregate_id, f.sequence),
        )

    # --- equal treatment (R10) -------------------------------------------------------------

    def entitle(self, *entitlements: Entitlement) -> None:
        """Store (or replace) contracts' entitlements: the only source of targets."""
        with self._rk.store.unit_of_work() as uow:
            for entitlement in entitlements:
                if not isinstance(entitlement, Entitlement):
                    raise InvalidInput(
                        f"refused: {entitlement!r} as an entitlement; targets come from "
                        "Entitlement records; build one.",
                        field="entitlements",
                    )
                uow.put(entitlement)
            uow.commit()

    def targets(self, party_id: str, *, relationship: str | None = None) -> Targets:
        """The response and resolution targets of a party, from its contract (or its
        relationship's contract) alone."""
        with self._rk.store.unit_of_work() as uow:
            party = uow.get_record(Party, text(party_id, "party_id"))
            contract = None
            if relationship is not None:
                contract = uow.get(Relationship, relationship).contract
            return targets_for(party, uow.records(Entitlement), contract=contract)

    def equality_report(
        self,
        *,
        tolerance: float | None = None,
        dimensions: Iterable[str] = ("kind", "segment"),
        since: pendulum.DateTime | None = None,
        min_cases: int = 1,
    ) -> EqualityReport:
        """Compare response times, resolution times and outcomes across party kinds and
        segments (cases opened since ``since``); flag differences beyond ``tolerance``
        (``config.feedback.disparity_tolerance`` if omitted)."""
        start = None if since is None else instant(since, "since")
        with self._rk.store.unit_of_work() as uow:
            cases = [c for c in uow.select(Case) if start is None or c.opened_at >= start]
            parties = uow.records(Party)
            entitlements = uow.records(Entitlement)
        return equality_report(
            cases,
            parties,
            entitlements,
            tolerance=self.config.disparity_tolerance if tolerance is None else tolerance,
            dimensions=dimensions,
            min_cases=min_cases,
        )


class _ReadOnly:
    """Read access to a unit of work for health signals."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def find_party(self, party_id: str) -> Party | None:
        return self._uow.find_record(Party, party_id)

    def find_staff(self, staff_id: str) -> Staff | None:
        return self._uow.find_record(Staff, staff_id)

    def find(self, cls: Any, aggregate_id: str) -> Any:
        return self._uow.find(cls, aggregate_id)

    def select(self, cls: Any, **where: Any) -> list[Any]:
        return self._uow.select(cls, **where)

    def count(self, cls: Any, **where: Any) -> int:
        return self._uow.count(cls, **where)

    def find_record(self, cls: Any, record_id: str) -> Any:
        return self._uow.find_record(cls, record_id)

    def records(self, cls: Any) -> list[Any]:
        return self._uow.records(cls)
