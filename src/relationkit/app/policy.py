"""The written policy and staff's acknowledgements of it (care rule R11):
:class:`PolicyService`, reached as ``Relations.policy``.

The business publishes its written philosophy of how staff treat people as numbered
versions; staff acknowledge the version in force; an acknowledgement lapses after
``FeedbackConfig.policy_ack_lapse`` (and at once when a newer version is published). What a
lapse does to a command (flag it, refuse it, or nothing) is the rule ``R11``
(:mod:`relationkit.rules.policy`), judged in the command pipeline like every rule.

Example:
    >>> import pendulum
    >>> from relationkit import Relations, ManualClock, Staff
    >>> from relationkit.policy import Clause, Policy
    >>> rk = Relations(clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    >>> rk.register(Staff(id="s-sam", name="Sam", roles={"agent"}))
    >>> _ = rk.policy.publish(Policy(version=1, published_at=rk.now(), clauses=(
    ...     Clause(id="listen", text="We restate a concern before we answer it."),)))
    >>> [s.staff_id for s in rk.policy.reminders()]
    ['s-sam']
    >>> rk.policy.acknowledge("s-sam").version, rk.policy.reminders()
    (1, [])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pendulum

from relationkit.app.directory import acting
from relationkit.domain.entries import PolicyEntry, PublishPolicy
from relationkit.domain.parties import Staff
from relationkit.domain.policy import (
    Acknowledgement,
    AcknowledgementStatus,
    Policy,
    PolicyLapseFlag,
    acknowledgement_status,
    due_for_reminder,
)
from relationkit.domain.values import ident, instant
from relationkit.exceptions import InvalidInput, NotFound
from relationkit.rules.policy import FlagLapses
from relationkit.store.codec import index_value

if TYPE_CHECKING:
    from relationkit.app.pipeline import Pipeline
    from relationkit.domain.aggregate import Written
    from relationkit.store.base import UnitOfWork

__all__ = ["PolicyService"]


class PolicyService:
    """The written policy (R11), reached as ``Relations.policy``.

    Args:
        pipeline: the command pipeline it keeps the policy through.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self._p = pipeline
        pipeline.add_hook(FlagLapses())

    def _now(self, now: pendulum.DateTime | None) -> pendulum.DateTime:
        return self._p.now() if now is None else instant(now, "now")

    @property
    def _lapse(self) -> pendulum.Duration:
        return self._p.config.feedback.policy_ack_lapse

    def publish(
        self, policy: Policy, *, actor: str | None = None, reason: str | None = None
    ) -> Policy:
        """Publish a new version of the written policy; its version must be the next one.
        The version is an entry of the directory, published by ``actor``
        (``publish_policy``: managers and partners by default; the setup actor while nobody
        may, see :mod:`relationkit.app.directory`), and stays as it was: a change is the
        next version.

        Raises:
            InvalidInput: not a policy, or not the next version.
            ActorRequired: no actor, and someone may publish now.
            NotPermitted: the actor may not publish.
        """
        if not isinstance(policy, Policy):
            raise InvalidInput(
                f"refused: publishing a {type(policy).__name__} as the policy; build a Policy.",
                field="policy",
            )

        def put(uow: UnitOfWork) -> Written:
            who = acting(self._p, uow, actor, ["publish_policy"])
            current = self._p.current_policy(uow)
            expected = 1 if current is None else current.version + 1
            if policy.version != expected:
                raise InvalidInput(
                    f"refused: publishing policy version {policy.version}; the next version "
                    f"is {expected}, so versions stay a gapless history; publish it as "
                    f"version {expected}.",
                    field="version",
                )
            return self._p.start_in(
                uow,
                PolicyEntry,
                PublishPolicy.of(policy, reason),
                actor=who("publish_policy"),
                aggregate_id=policy.id,
            )

        self._p.write(put)
        return policy

    def current(self) -> Policy | None:
        """The latest published policy, or ``None`` before the first."""
        with self._p.reading() as uow:
            return self._p.current_policy(uow)

    def acknowledge(
        self, staff_id: str, version: int | None = None, *, note: str | None = None
    ) -> Acknowledgement:
        """Record that ``staff_id`` read and acknowledges policy ``version`` (the current
        one if omitted).

        Raises:
            NotFound: no such staff member, no published policy, or no such version.
            InvalidInput: the version was replaced by a newer one (acknowledge that).
        """
        now = self._p.now()
        staff_id = ident(staff_id, "staff_id")
        done: list[Acknowledgement] = []

        def put(uow: UnitOfWork) -> Written:
            staff = uow.get_record(Staff, staff_id)
            # the version in force as commands see it: a corrupt latest version refuses
            current = self._p.current_policy(uow)
            if current is None:
                raise NotFound("policy", "(any)", "publish a policy first (rk.policy.publish)")
            wanted = current.version if version is None else version
            known = (
                {current.version}
                if wanted == current.version
                else {p.version for p in uow.records(Policy)} | {current.version}
            )
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
            done.append(ack)
            return []

        self._p.write(put)
        return done[0]

    def acknowledgement(
        self, staff_id: str, *, now: pendulum.DateTime | None = None
    ) -> AcknowledgementStatus | None:
        """Where a staff member stands with the policy in force (``None`` before one is
        published)."""
        now = self._now(now)
        with self._p.reading() as uow:
            staff = uow.get_record(Staff, ident(staff_id, "staff_id"))
            policy = self._p.current_policy(uow)
            if policy is None:
                return None
            own = [a for a in uow.records(Acknowledgement) if a.staff_id == staff.id]
        return acknowledgement_status(staff.id, own, policy, now=now, lapse=self._lapse)

    def reminders(self, now: pendulum.DateTime | None = None) -> list[AcknowledgementStatus]:
        """Every staff member who must acknowledge the policy in force (never did, did an
        older version, or their acknowledgement lapsed), by id."""
        now = self._now(now)
        with self._p.reading() as uow:
            policy = self._p.current_policy(uow)
            if policy is None:
                return []
            staff = [s.id for s in uow.records(Staff) if s.active]
            acks = uow.records(Acknowledgement)
        return due_for_reminder(staff, acks, policy, now=now, lapse=self._lapse)

    def lapsing(self, by: pendulum.DateTime | None = None) -> list[AcknowledgementStatus]:
        """Staff whose acknowledgement of the policy in force lapses by ``by`` (now if
        omitted), those already lapsed included, soonest first. It reads two ranges of an
        index (acknowledgements of the version in force given up to ``policy_ack_lapse``
        before ``by``, and those given since), not every acknowledgement. People who never
        acknowledged the version in force are not listed here; :meth:`reminders` lists
        everyone who is due."""
        by = self._now(by)
        lapse = self._lapse
        with self._p.reading() as uow:
            policy = self._p.current_policy(uow)
            if policy is None:
                return []
            version = f"{policy.version:09d}@"
            cutoff = version + index_value(by - lapse + pendulum.duration(microseconds=1))
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
        with self._p.reading() as uow:
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
