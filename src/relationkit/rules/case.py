"""The care rules that govern a case: R1, R2, R3 and R6, plus the workflow rule W1.

Each rule is a small frozen object with an ``id``, the ``commands`` it governs and a
``check`` that yields one reason per violation. The reasons say what to do instead.

Example:
    >>> from relationkit.rules.case import HeardBeforeDeciding
    >>> HeardBeforeDeciding().id, "decline" in HeardBeforeDeciding().commands
    ('R1.case', True)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar

import attrs

from relationkit.domain.case import ACCEPT, COMPROMISE, Case, Consult, Decline, Defer, Refer
from relationkit.domain.case import Compromise as CompromiseCommand
from relationkit.domain.values import later
from relationkit.rules.base import Attempt, each_subject

__all__ = [
    "DECIDING_COMMANDS",
    "BuyingTime",
    "HeardBeforeDeciding",
    "ReasonedAnswers",
    "RespectfulReferral",
    "WorkFollowsAgreement",
    "case_rules",
    "later",
]

DECIDING_COMMANDS = frozenset({"defer", "accept", "decline", "compromise", "refer"})
"""Commands that answer the client, defend a policy or promise something (R1)."""


@attrs.frozen
class HeardBeforeDeciding:
    """R1 — listen and understand before you defend.

    No decision, policy defence or promise (including a promised reply time) is given on a case
    until staff have restated the client's concern and the client has confirmed that
    restatement. People take a "no" far better once they know they were understood; a
    correction from the client shows the concern was not yet understood.
    """

    id: ClassVar[str] = "R1.case"
    kind: ClassVar[str] = "case"
    commands: frozenset[str] = DECIDING_COMMANDS

    def check(self, subject: Case, attempt: Attempt) -> Iterator[str]:
        """Refuse unless the client confirmed the latest paraphrase."""
        if not subject.heard:
            yield _not_heard(subject)

    def check_many(self, subjects: Sequence[Case], attempt: Attempt) -> list[tuple[int, str]]:
        """:meth:`check` for each of ``subjects``."""
        return [
            (position, _not_heard(subject))
            for position, subject in enumerate(subjects)
            if not subject.heard
        ]


_UNCONFIRMED = (
    "the client has not yet confirmed the paraphrase of their concern; "
    "ask them to confirm it (confirm_heard) or correct it first"
)
_CORRECTED = (
    "the client corrected the last paraphrase; restate their concern again "
    "(acknowledge) and have them confirm it before answering"
)
_UNACKNOWLEDGED = (
    "the client's concern was not yet acknowledged; restate it in your own words "
    "(acknowledge) and have the client confirm it before answering"
)


def _not_heard(case: Case) -> str:
    """Why ``case`` (not heard) cannot be answered yet, and what to do."""
    paraphrase = case.paraphrase
    if paraphrase is None:
        return _UNACKNOWLEDGED
    outcome = paraphrase.outcome
    if outcome is None:
        return _UNCONFIRMED
    return _CORRECTED if outcome == "corrected" else _UNACKNOWLEDGED


@attrs.frozen
class ReasonedAnswers:
    """R2 — explain why you cannot make an exception.

    A decline carries its reason and cites a clause of the current written policy, so the
    client hears a rule that exists and why it applies, never "because we say so". A
    compromise names what each side gives.
    """

    id: ClassVar[str] = "R2"
    kind: ClassVar[str] = "case"
    commands: frozenset[str] = frozenset({"decline", "compromise"})

    def check(self, subject: Case, attempt: Attempt) -> Iterator[str]:
        """Check the reason and clause of a decline, and both sides of a compromise."""
        command = attempt.command
        if command is None:
            if attempt.command_name == "decline":
                yield from _no_clause_to_cite(attempt)
            return
        if isinstance(command, Decline):
            if command.reason is None:
                yield "a decline needs its reason; say why the request cannot be granted"
            if command.clause_id is None:
                yield "a decline must cite the policy clause it rests on; pass clause_id"
            elif attempt.policy is None:
                yield (
                    f"clause {command.clause_id!r} cannot be checked because no written policy "
                    "was published; publish one first (rk.policy.publish)"
                )
            elif attempt.policy.clause(command.clause_id) is None:
                known = ", ".join(attempt.policy.clause_ids)
                yield (
                    f"clause {command.clause_id!r} does not exist in policy version "
                    f"{attempt.policy.version}; cite one of: {known}"
                )
        elif isinstance(command, CompromiseCommand):
            if command.we_give is None:
                yield "a compromise must say what we give; pass we_give"
            if command.client_gives is None:
                yield "a compromise must say what the client gives; pass client_gives"

    def check_many(self, subjects: Sequence[Case], attempt: Attempt) -> Iterable[tuple[int, str]]:
        """:meth:`check` for each of ``subjects``: when only asking, a decline is refused
        while there is no written policy whose clause it could cite; the rest is judged
        with the command's arguments."""
        if attempt.command is None:
            if attempt.command_name != "decline":
                return ()
            return [(p, r) for p in range(len(subjects)) for r in _no_clause_to_cite(attempt)]
        return each_subject(self, subjects, attempt)


def _no_clause_to_cite(attempt: Attempt) -> Iterator[str]:
    """Why no decline can cite a clause now (no written policy, or one without clauses)."""
    if attempt.policy is None:
        yield (
            "a decline cites a clause of the written policy, and none was published; "
            "publish one first (rk.policy.publish)"
        )
    elif not attempt.policy.clause_ids:
        yield (
            f"a decline cites a clause of the written policy, and version "
            f"{attempt.policy.version} has none; publish a version with the clause first"
        )


@attrs.frozen
class BuyingTime:
    """R3 — buy time, regroup, and talk it over with colleagues.

    Staff may step back from a heated conversation, but only by promising a reply by a
    definite time (in the future, and no further off than the configured ``max_deferral``).
    A decline on an escalated case needs at least ``consultations_for_escalated_decline``
    recorded consultations with colleagues other than the person declining (and every
    decline needs ``consultations_for_decline``), because a "no" that may end a relationship
    should not rest on one person's view. A consultation names a real colleague, not oneself.
    """

    id: ClassVar[str] = "R3"
    kind: ClassVar[str] = "case"
    commands: frozenset[str] = frozenset({"defer", "decline", "consult"})

    def check(self, subject: Case, attempt: Attempt) -> Iterator[str]:
        """Check reply-by times, consultations before a decline, and who was consulted."""
        command = attempt.command
        config = attempt.config
        if attempt.command_name == "defer" and isinstance(command, Defer):
            if command.reply_by <= attempt.now:
                yield (
                    f"the reply-by time {command.reply_by.isoformat()} is not in the future; "
                    "promise a reply at a time still ahead"
                )
            elif config.max_deferral is not None and (
                command.reply_by > (latest_time := later(attempt.now, config.max_deferral))
            ):
                latest = latest_time.isoformat()
                yield (
                    f"the reply-by time is further off than the allowed "
                    f"{config.max_deferral.in_words()}; promise a reply by {latest} at the latest"
                )
        elif attempt.command_name == "decline":
            reason = _too_few_consultations(subject, attempt)
            if reason is not None:
                yield reason
        elif attempt.command_name == "consult" and isinstance(command, Consult):
            if command.colleague_id == attempt.actor.id:
                yield "one cannot consult oneself; name a colleague"
            elif attempt.directory.find_staff(command.colleague_id) is None:
                yield (
                    f"{command.colleague_id!r} is not a member of staff; consult a colleague "
                    "who is registered as staff"
                )

    def check_many(self, subjects: Sequence[Case], attempt: Attempt) -> Iterable[tuple[int, str]]:
        """:meth:`check` for each of ``subjects``."""
        if attempt.command_name == "decline":
            config = attempt.config
            plain = config.consultations_for_decline
            escalated = max(plain, config.consultations_for_escalated_decline)
            return [
                (position, reason)
                for position, subject in enumerate(subjects)
                if (escalated if subject.escalated else plain) > 0
                and (reason := _too_few_consultations(subject, attempt)) is not None
            ]
        if attempt.command is None:
            return ()  # a deferral's and a consultation's checks judge their arguments
        return each_subject(self, subjects, attempt)


def _too_few_consultations(case: Case, attempt: Attempt) -> str | None:
    """Why declining ``case`` needs more consultations first, or ``None`` (R3)."""
    config = attempt.config
    needed = config.consultations_for_decline
    if case.escalated:
        needed = max(needed, config.consultations_for_escalated_decline)
    if needed <= 0:
        return None
    have = case.consultation_count(excluding=attempt.actor.id)
    if have >= needed:
        return None
    what = "an escalated case" if case.escalated else "a case"
    return (
        f"declining {what} needs {needed} consultation(s) with colleagues, "
        f"{have} recorded; consult a colleague (consult) before saying no"
    )


@attrs.frozen
class RespectfulReferral:
    """R6 — send them to someone else, respectfully.

    A request the business cannot serve is referred to a named party or colleague, with a
    hand-off note that spares the client from telling their story again, never dropped.
    """

    id: ClassVar[str] = "R6"
    kind: ClassVar[str] = "case"
    commands: frozenset[str] = frozenset({"refer"})

    def check(self, subject: Case, attempt: Attempt) -> Iterator[str]:
        """Check the referral names someone known and carries a hand-off note."""
        command = attempt.command
        if not isinstance(command, Refer):
            return
        if command.to is None:
            yield "a referral must name who the client is sent to; pass to=<party or staff id>"
        elif command.to == subject.client_id:
            yield "a client cannot be referred to themselves; name another party or colleague"
        elif (
            attempt.directory.find_party(command.to) is None
            and attempt.directory.find_staff(command.to) is None
        ):
            yield (
                f"{command.to!r} is neither a known party nor a member of staff; register "
                "them first, so the client is sent to someone real"
            )
        if command.handoff_note is None:
            yield ("a referral needs a hand-off note for whoever takes over; pass handoff_note")

    def check_many(self, subjects: Sequence[Case], attempt: Attempt) -> Iterable[tuple[int, str]]:
        """:meth:`check` for each of ``subjects``: nothing to say when only asking, since
        the rule judges the referral's arguments alone."""
        if attempt.command is None:
            return ()
        return each_subject(self, subjects, attempt)


@attrs.frozen
class WorkFollowsAgreement:
    """W1 — work starts only on what was agreed.

    Work on a case begins after the request was accepted or a compromise offered, never after
    a decline or a referral.
    """

    id: ClassVar[str] = "W1"
    kind: ClassVar[str] = "case"
    commands: frozenset[str] = frozenset({"start_work"})

    def check(self, subject: Case, attempt: Attempt) -> Iterator[str]:
        """Refuse work unless the current decision is an acceptance or a compromise."""
        decision = subject.decision
        if decision is None or decision.kind not in _AGREED:
            yield _no_agreement(decision)

    def check_many(self, subjects: Sequence[Case], attempt: Attempt) -> list[tuple[int, str]]:
        """:meth:`check` for each of ``subjects``."""
        return [
            (position, _no_agreement(decision))
            for position, subject in enumerate(subjects)
            if (decision := subject.decision) is None or decision.kind not in _AGREED
        ]


_AGREED = (ACCEPT, COMPROMISE)


def _no_agreement(decision: Any) -> str:
    kind = "no decision" if decision is None else f"a {decision.kind}"
    return (
        f"the case carries {kind}; work starts after accept or compromise; resolve the case instead"
    )


def case_rules() -> tuple[Any, ...]:
    """Fresh instances of the built-in case rules, in the order they run."""
    return (
        HeardBeforeDeciding(),
        ReasonedAnswers(),
        BuyingTime(),
        RespectfulReferral(),
        WorkFollowsAgreement(),
    )
