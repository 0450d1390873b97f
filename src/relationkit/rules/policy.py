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

Two pieces carry it out, both built in:

* :class:`LapsedAcknowledgement`, the rule ``R11``, governs every command on every aggregate
  (``kind`` and ``commands`` are :data:`~relationkit.rules.base.ANY`). With ``"refuse"`` it
  refuses; being a rule, "what may I do now" reports it wherever running the command would
  be refused by it.
* :class:`FlagLapses`, a :class:`~relationkit.typing.CommandHook`, stores the flag with the
  event when ``lapsed_action`` is ``"flag"``.

Relationkit's own sweeps act on time, not on anyone's judgement: the rule does not apply to
them (the actor id :data:`SWEEPER_ID`), nor to the directory's setup and import actors
(:data:`~relationkit.domain.entries.SETUP_ACTOR`,
:data:`~relationkit.domain.entries.MIGRATION_ACTOR`), which are nobody who could read it.

Example:
    >>> from relationkit.rules.policy import LapsedAcknowledgement
    >>> LapsedAcknowledgement().id
    'R11'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import pendulum

from relationkit.domain.entries import MIGRATION_ACTOR, SETUP_ACTOR
from relationkit.domain.parties import Staff
from relationkit.domain.policy import (
    Acknowledgement,
    AcknowledgementStatus,
    Policy,
    PolicyLapseFlag,
    acknowledgement_status,
)
from relationkit.rules.base import ANY

if TYPE_CHECKING:
    from relationkit.domain.aggregate import Aggregate
    from relationkit.domain.directory import Directory
    from relationkit.domain.events import Event
    from relationkit.rules.base import Attempt

__all__ = ["SWEEPER_ID", "FlagLapses", "LapsedAcknowledgement", "lapsed_status", "status_of"]


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


SWEEPER_ID = "relationkit.sweep"
"""The actor id of relationkit's own sweeps (a promise falls due, a proposal lapses). It is
no registered person: nobody can act, approve or delegate under it."""

_NOBODY = frozenset({SWEEPER_ID, SETUP_ACTOR, MIGRATION_ACTOR})


def lapsed_status(attempt: Attempt) -> AcknowledgementStatus | None:
    """The acknowledgement status of the actor of ``attempt`` when R11 has something to
    say about it (a member of staff, a published policy, a lapse to act on), else ``None``."""
    actor = attempt.actor
    config = attempt.config.feedback
    if (
        not isinstance(actor, Staff)
        or actor.id in _NOBODY
        or attempt.policy is None
        or config.lapsed_action == "ignore"
    ):
        return None
    status = status_of(
        actor.id,
        attempt.policy,
        attempt.directory,
        now=attempt.now,
        lapse=config.policy_ack_lapse,
    )
    return status if status.due else None


@attrs.frozen
class LapsedAcknowledgement:
    """R11 — commands by staff whose policy acknowledgement lapsed are refused (when
    ``lapsed_action`` is ``"refuse"``).

    A written policy only shapes how people are treated if the people acting have read the
    version in force; this rule stops the command until they have. With ``"flag"`` the
    command is accepted and :class:`FlagLapses` puts the lapse on the record instead.
    """

    id: ClassVar[str] = "R11"
    kind: ClassVar[str] = ANY
    commands: ClassVar[frozenset[str]] = frozenset({ANY})

    def check(self, subject: Aggregate, attempt: Attempt) -> Iterator[str]:
        """Refuse while the actor's acknowledgement is due, if so configured."""
        if attempt.config.feedback.lapsed_action != "refuse":
            return
        status = lapsed_status(attempt)
        if status is not None:
            yield (
                f"{status.describe()}; acknowledge the written policy "
                "(rk.policy.acknowledge) before acting"
            )


@attrs.frozen
class FlagLapses:
    """R11's command hook: when ``lapsed_action`` is ``"flag"``, a command by staff whose
    acknowledgement lapsed is accepted and a
    :class:`~relationkit.domain.policy.PolicyLapseFlag` naming its event is stored with it,
    in the same transaction."""

    def __call__(self, event: Event, subject: Aggregate, attempt: Attempt) -> Iterable[Any]:
        """The flag to store with ``event``, or nothing."""
        if attempt.config.feedback.lapsed_action != "flag" or attempt.policy is None:
            return ()
        status = lapsed_status(attempt)
        if status is None:
            return ()
        return (
            PolicyLapseFlag(
                aggregate_kind=subject.KIND,
                aggregate_id=event.aggregate_id,
                sequence=event.sequence,
                event_hash=event.hash,
                event_name=event.name,
                staff_id=attempt.actor.id,
                at=event.at,
                status=status.state,
                policy_version=attempt.policy.version,
                reason=status.describe(),
            ),
        )
