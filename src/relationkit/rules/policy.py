"""Care rule R11 — a written philosophy, regularly reminded and enforced.

Staff acknowledge the current version of the written policy. An acknowledgement lapses
after ``FeedbackConfig.policy_ack_lapse``, and at once when a newer version is published.
Every command a member of staff runs while their acknowledgement is lapsed (or was never
given) is, by ``FeedbackConfig.lapsed_action``:

* ``"flag"``: accepted, and a :class:`~relationkit.domain.policy.PolicyLapseFlag` is stored
  with it, in the same transaction, naming the event it flags;
* ``"refuse"``: refused with a :class:`~relationkit.exceptions.RuleViolation` (rule
  ``"R11"``), nothing stored;
* ``"ignore"``: neither.

The rule applies to every command on every aggregate, so it is not a
:class:`~relationkit.typing.Rule` (those govern named commands of one kind) but a
:class:`~relationkit.typing.CommandHook` that :class:`~relationkit.service.Relations` calls
for each event right before committing it.

Example:
    >>> from relationkit.rules.policy import LapsedAcknowledgement
    >>> LapsedAcknowledgement().id
    'R11'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import pendulum

from relationkit.domain.parties import Staff
from relationkit.domain.policy import (
    Acknowledgement,
    AcknowledgementStatus,
    Policy,
    PolicyLapseFlag,
    acknowledgement_status,
)
from relationkit.exceptions import RuleViolation

if TYPE_CHECKING:
    from relationkit.domain.aggregate import Aggregate
    from relationkit.domain.events import Event
    from relationkit.rules.base import Attempt
    from relationkit.typing import Directory

__all__ = ["LapsedAcknowledgement", "status_of"]


def status_of(
    staff_id: str,
    policy: Policy,
    directory: Directory,
    *,
    now: pendulum.DateTime,
    lapse: pendulum.Duration,
) -> AcknowledgementStatus:
    """Where ``staff_id`` stands with ``policy``, reading only their own acknowledgements
    (one lookup per version, newest first)."""
    found: list[Acknowledgement] = []
    for version in range(policy.version, 0, -1):
        ack = directory.find_record(Acknowledgement, f"{staff_id}@{version}")
        if ack is not None:
            found.append(ack)
            break
    return acknowledgement_status(staff_id, found, policy, now=now, lapse=lapse)


@attrs.frozen
class LapsedAcknowledgement:
    """R11 — commands by staff whose policy acknowledgement lapsed are flagged or refused.

    A written policy only shapes how people are treated if the people acting have read the
    version in force; this hook makes a lapse visible on the record (or stops the command),
    as configured.
    """

    id: ClassVar[str] = "R11"

    def __call__(self, event: Event, subject: Aggregate, attempt: Attempt) -> Iterable[Any]:
        """Return the flag to store with ``event``, raise to refuse, or return nothing."""
        actor = attempt.actor
        config = attempt.config.feedback
        if (
            not isinstance(actor, Staff)
            or attempt.policy is None
            or config.lapsed_action == "ignore"
        ):
            return ()
        status = status_of(
            actor.id,
            attempt.policy,
            attempt.directory,
            now=attempt.now,
            lapse=config.policy_ack_lapse,
        )
        if not status.due:
            return ()
        if config.lapsed_action == "refuse":
            raise RuleViolation(
                rule_id=self.id,
                aggregate_id=event.aggregate_id,
                actor_id=actor.id,
                command=attempt.command_name,
                reason=(
                    f"{status.describe()}; acknowledge the written policy "
                    "(Feedback.acknowledge_policy) before acting"
                ),
            )
        return (
            PolicyLapseFlag(
                aggregate_kind=subject.KIND,
                aggregate_id=event.aggregate_id,
                sequence=event.sequence,
                event_hash=event.hash,
                event_name=event.name,
                staff_id=actor.id,
                at=event.at,
                status=status.state,
                policy_version=attempt.policy.version,
                reason=status.describe(),
            ),
        )
