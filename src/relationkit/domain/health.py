"""Relationship health that explains itself (care rule R12).

A health score (0-100) is a weighted mean of *signals*. Each signal reads the facts about a
relationship (its cases, feedback, last contact, targets …) and returns a :class:`Reading`:
a score from 0 (bad) to 1 (good) with the figures behind it, or "no data". The report shows
every signal's contribution with its figures, so anyone can see why a relationship is
judged healthy or at risk, and argue with the facts rather than with a number.

Signals and weights are an extension point: any object with a ``name`` and a
``read(facts) -> Reading`` method is a :class:`~relationkit.typing.Signal`. Weights are
checked: none negative, and together they must add up to 1. A signal without data gives up
its share to the others, in proportion to their weights.

Crossing the configured threshold moves a relationship between *active* and *at risk*:
:func:`transition_for` says which command that takes.

Example:
    >>> import pendulum
    >>> from relationkit.domain.health import HealthFacts, HealthModel, LastContact, Reading
    >>> class Cheerful:
    ...     name = "cheerful"
    ...     def read(self, facts):
    ...         return Reading(score=0.5, figures={"smiles": 1}, summary="one smile in two")
    >>> model = HealthModel([(LastContact(), 0.5), (Cheerful(), 0.5)])
    >>> facts = HealthFacts(subject_id="c-ana", party_id="c-ana",
    ...                     now=pendulum.datetime(2026, 3, 2, tz="UTC"),
    ...                     last_contact=pendulum.datetime(2026, 3, 1, tz="UTC"))
    >>> report = model.assess(facts, at_risk_below=50)
    >>> report.score, report.status
    (75.0, 'active')
    >>> print(report.contribution("cheerful").line())
    cheerful: 0.50 x weight 50% = 25.0 points; one smile in two (smiles=1)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from statistics import fmean
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs
import pendulum

from relationkit.domain.aggregate import Aggregate
from relationkit.domain.case import Case
from relationkit.domain.equality import Targets, first_response_at, resolution_time
from relationkit.domain.feedback import FeedbackConfig, FeedbackRequest, Response
from relationkit.domain.promise import Promise
from relationkit.exceptions import InvalidInput, OutOfRange

if TYPE_CHECKING:
    from relationkit.domain.directory import Directory

__all__ = [
    "ACTIVE",
    "Signal",
    "AT_RISK",
    "NOT_CONTACT",
    "Contact",
    "Contribution",
    "FeedbackTrend",
    "HealthFacts",
    "HealthModel",
    "HealthReport",
    "LastContact",
    "OpenCases",
    "PromiseKeeping",
    "Reading",
    "Recurrences",
    "ResponseTimes",
    "ServiceLevelAttainment",
    "default_health_model",
    "parties_of",
    "satisfaction",
    "transition_for",
]


@runtime_checkable
class Signal(Protocol):
    """One measure of a relationship's health (R12): a named reading with its figures.

    Built-in signals live in this module; an application adds its own to a
    :class:`HealthModel` with a weight (``CareConfig(health=...)``).

    A class attribute, a frozen attrs field or a property named ``name`` all do.
    """

    @property
    def name(self) -> str:
        """A short stable name, unique within a model (``"promise_keeping"``)."""
        ...

    def read(self, facts: HealthFacts) -> Reading:
        """Score ``facts`` from 0 (bad) to 1 (good), with the figures behind the score, or
        return ``Reading.no_data(...)`` when there is nothing to judge by."""
        ...


ACTIVE = "active"
AT_RISK = "at_risk"
_QUARTER = pendulum.duration(days=90)
_HALF_YEAR = pendulum.duration(days=180)
_CLOSED_CASE = frozenset({"resolved", "closed"})

NOT_CONTACT = frozenset(
    {"ColleagueConsulted", "CaseEscalated", "FeedbackExpired", "RecoveryOpened"}
)
"""Events that happen inside the business and so do not count as contact with the party."""


# --- readings and facts -----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Reading:
    """What one signal found.

    Attributes:
        score: 0 (bad) to 1 (good), or ``None`` when there is nothing to judge by.
        figures: the numbers behind the score, by name.
        summary: the finding in words.
    """

    score: float | None
    figures: Mapping[str, Any] = attrs.field(factory=dict)
    summary: str = ""

    @classmethod
    def no_data(cls, summary: str, **figures: Any) -> Reading:
        """A reading that does not count towards the score."""
        return cls(score=None, figures=figures, summary=summary)


def _cases(value: Iterable[Case]) -> tuple[Case, ...]:
    return tuple(value)


def _requests(value: Iterable[FeedbackRequest]) -> tuple[FeedbackRequest, ...]:
    return tuple(value)


def _promises(value: Iterable[Promise]) -> tuple[Promise, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class HealthFacts:
    """Everything signals may read about one relationship (or one party).

    Every fact is as it stood at ``now``: assessing an earlier moment reads the cases,
    promises, feedback, last contact, the party's contract and its entitlement's targets as
    their timelines had them then, never what happened later. (``directory`` reads the
    store as it is: a signal of your own that reads it should leave out what came after
    ``now`` itself.)

    Attributes:
        subject_id: the relationship's id (or the party's, without a relationship).
        party_id: the party.
        now: the time of the assessment.
        cases: the party's cases.
        feedback: the feedback requests made to the party.
        promises: the promises made to the party.
        last_contact: the last contact with the party, if known.
        targets: the party's contractual targets (R10), if it has an entitlement.
        config: the settings in force.
        directory: read access to the store, for signals that need other aggregates.
    """

    subject_id: str
    party_id: str
    now: pendulum.DateTime
    cases: tuple[Case, ...] = attrs.field(default=(), converter=_cases)
    feedback: tuple[FeedbackRequest, ...] = attrs.field(default=(), converter=_requests)
    promises: tuple[Promise, ...] = attrs.field(default=(), converter=_promises)
    last_contact: pendulum.DateTime | None = None
    targets: Targets | None = None
    config: FeedbackConfig = attrs.field(factory=FeedbackConfig)
    directory: Directory | None = None


def _days(span: pendulum.Duration) -> str:
    return f"{span.total_seconds() / 86400:g} days"


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


# What a signal knows at ``now``: facts stamped later are left out, so facts that hold more
# than was known then (built by hand, say) never make an earlier moment look better or worse.


def _cases_then(facts: HealthFacts) -> list[Case]:
    """The cases opened by ``facts.now``."""
    return [c for c in facts.cases if c.opened_at <= facts.now]


def _open_then(case: Case, now: pendulum.DateTime) -> bool:
    """True if ``case`` (opened by ``now``) was still open at ``now``: not resolved or
    closed yet, or resolved or closed only later in the round that was running then."""
    if case.state not in _CLOSED_CASE:
        return True
    ended = [t for t in (case.resolution and case.resolution.at, case.closed_at) if t]
    return (case.cycle_started_at or case.opened_at) <= now < min(ended, default=now)


def _settled_then(promise: Promise, now: pendulum.DateTime) -> str | None:
    """``"kept"`` or ``"broken"`` if ``promise`` was settled that way by ``now``, ``"open"``
    if it was made by then and not yet settled, ``None`` if it was not made yet or was
    withdrawn by then."""
    if promise.made_at > now:
        return None
    if promise.settled_at is None or promise.settled_at > now:
        return "open"
    return promise.state if promise.state in ("kept", "broken") else None


# --- built-in signals -------------------------------------------------------------------------


@attrs.frozen
class PromiseKeeping:
    """The share of settled promises to the party that were kept; "no data" while no
    promise is settled."""

    name: str = "promise_keeping"

    def read(self, facts: HealthFacts) -> Reading:
        """Kept / (kept + broken), counting only what was settled by ``facts.now``."""
        states = [_settled_then(p, facts.now) for p in facts.promises]
        kept, broken, still_open = (states.count(s) for s in ("kept", "broken", "open"))
        if kept + broken == 0:
            return Reading.no_data("no promise settled yet", open=still_open)
        return Reading(
            score=kept / (kept + broken),
            figures={"kept": kept, "broken": broken, "open": still_open},
            summary=f"{kept} of {kept + broken} settled promises kept",
        )


@attrs.frozen
class Recurrences:
    """Problems that came back after they were fixed, over a recent window.

    Each recurrence costs ``1 / limit`` of the score; ``limit`` of them or more score 0.
    """

    name: str = "recurrences"
    window: pendulum.Duration = _HALF_YEAR
    limit: int = 3

    def read(self, facts: HealthFacts) -> Reading:
        """1 - recurrences / limit."""
        if "recurrence_of" not in attrs.fields_dict(Case):
            return Reading.no_data("recurrences are not tracked")
        since = facts.now - self.window
        recent = [c for c in _cases_then(facts) if c.opened_at >= since]
        if not recent:
            return Reading.no_data(f"no case in the last {_days(self.window)}")
        count = sum(1 for c in recent if getattr(c, "recurrence_of", None) is not None)
        return Reading(
            score=max(0.0, 1 - count / self.limit),
            figures={"recurrences": count, "cases": len(recent), "limit": self.limit},
            summary=f"{count} of {len(recent)} recent cases were problems that came back",
        )


def satisfaction(response: Response) -> float | None:
    """An answer's scores, each scaled to 0-1 (CSAT (x-1)/4, NPS x/10, CES (x-1)/6), averaged;
    ``None`` for an answer in words only."""
    parts = []
    if response.csat is not None:
        parts.append((response.csat - 1) / 4)
    if response.nps is not None:
        parts.append(response.nps / 10)
    if response.ces is not None:
        parts.append((response.ces - 1) / 6)
    return fmean(parts) if parts else None


@attrs.frozen
class FeedbackTrend:
    """Recent satisfaction and where it is heading.

    The score is the mean satisfaction (see :func:`satisfaction`) of the answers in the last
    ``window``, moved by half the change from the window before it.
    """

    name: str = "feedback_trend"
    window: pendulum.Duration = _QUARTER

    def read(self, facts: HealthFacts) -> Reading:
        """Recent level, adjusted by the trend."""
        recent_start = facts.now - self.window
        earlier_start = recent_start - self.window
        recent: list[float] = []
        earlier: list[float] = []
        for request in facts.feedback:
            if request.response is None:
                continue
            value = satisfaction(request.response)
            at = request.response.at
            if value is None or at > facts.now or request.requested_at > facts.now:
                continue
            if at >= recent_start:
                recent.append(value)
            elif at >= earlier_start:
                earlier.append(value)
        if not recent:
            return Reading.no_data(f"no scored answer in the last {_days(self.window)}")
        level = fmean(recent)
        figures: dict[str, Any] = {"answers": len(recent), "recent": round(100 * level, 1)}
        if earlier:
            before = fmean(earlier)
            change = level - before
            figures |= {"before": round(100 * before, 1), "change": round(100 * change, 1)}
            direction = "up" if change > 0 else "down" if change < 0 else "flat"
            summary = (
                f"satisfaction {_pct(level)} over {len(recent)} recent answer(s), "
                f"{direction} from {_pct(before)}"
            )
            score = min(1.0, max(0.0, level + change / 2))
        else:
            summary = f"satisfaction {_pct(level)} over {len(recent)} recent answer(s)"
            score = level
        return Reading(score=score, figures=figures, summary=summary)


@attrs.frozen
class OpenCases:
    """Open cases, weighted by severity: an escalated case weighs ``escalated_weight``.

    The score falls from 1 (nothing open) to 0 at a weighted load of ``limit``.
    """

    name: str = "open_cases"
    limit: float = 6.0
    escalated_weight: float = 3.0

    def read(self, facts: HealthFacts) -> Reading:
        """1 - load / limit."""
        still_open = [c for c in _cases_then(facts) if _open_then(c, facts.now)]
        escalated = sum(1 for c in still_open if c.escalated)
        normal = len(still_open) - escalated
        load = normal + self.escalated_weight * escalated
        return Reading(
            score=max(0.0, 1 - load / self.limit),
            figures={"open": len(still_open), "escalated": escalated, "load": load},
            summary=(
                f"{len(still_open)} open case(s), {escalated} escalated "
                f"(load {load:g} of {self.limit:g})"
            ),
        )


@attrs.frozen
class LastContact:
    """Days since the last contact with the party.

    Full marks within ``config.contact_within``; then the score falls to 0 at three times
    that span.
    """

    name: str = "last_contact"

    def read(self, facts: HealthFacts) -> Reading:
        """1 within the span, falling linearly after it."""
        if facts.last_contact is None:
            return Reading.no_data("no contact recorded")
        if facts.last_contact > facts.now:
            return Reading.no_data("the last contact on record came after the moment assessed")
        days = max(0.0, (facts.now - facts.last_contact).total_seconds() / 86400)
        within = facts.config.contact_within.total_seconds() / 86400
        score = 1.0 if days <= within else max(0.0, 1 - (days - within) / (2 * within))
        return Reading(
            score=score,
            figures={"days": round(days, 1), "within_days": round(within, 1)},
            summary=f"last contact {days:.0f} day(s) ago (healthy within {within:.0f})",
        )


@attrs.frozen
class ResponseTimes:
    """How often the party got its first answer and its resolution within the targets of
    its contract (R10); an open case already waiting longer than its target counts as late.
    """

    name: str = "response_times"
    window: pendulum.Duration = _HALF_YEAR

    def read(self, facts: HealthFacts) -> Reading:
        """The share of measured answers and resolutions that met their targets."""
        if facts.targets is None:
            return Reading.no_data("no contract targets (entitlement) for this party")
        since = facts.now - self.window
        answered = late_answers = resolved = late_resolutions = 0
        for case in _cases_then(facts):
            if case.opened_at < since:
                continue
            first = first_response_at(case)
            if first is not None and first > facts.now:
                first = None  # answered only later
            waited = (first if first is not None else facts.now) - case.opened_at
            if first is not None or waited > facts.targets.response_within:
                answered += 1
                late_answers += waited > facts.targets.response_within
            took = resolution_time(case)
            if took is not None and case.opened_at + took <= facts.now:
                resolved += 1
                late_resolutions += took > facts.targets.resolution_within
        measured = answered + resolved
        if not measured:
            return Reading.no_data(f"no case to measure in the last {_days(self.window)}")
        on_time = measured - late_answers - late_resolutions
        return Reading(
            score=on_time / measured,
            figures={
                "answers": answered,
                "late_answers": late_answers,
                "resolutions": resolved,
                "late_resolutions": late_resolutions,
                "contract": facts.targets.contract,
            },
            summary=(
                f"{on_time} of {measured} answers and resolutions within the "
                f"{facts.targets.contract!r} targets"
            ),
        )


def _clocks_then(case: Case, now: pendulum.DateTime) -> tuple[int, int]:
    """Service-level clocks of ``case`` met and breached by ``now``: its tallies, less a
    latest clock that ended after ``now``, plus one still owed whose due time passed by
    ``now`` (breached then, whether or not the sweep had recorded it yet)."""
    levels = case.service_levels
    if levels is None:
        return 0, 0
    met = sum(t.met for t in levels.tallies)
    breached = sum(t.breached for t in levels.tallies)
    for clock in levels.clocks:
        # A clock breached or met only after now was running then, and not yet due (a
        # breach is stamped with the due time, and a met clock ended before its due time).
        if clock.breached_at is not None and clock.breached_at > now:
            breached -= 1
        elif clock.state == "met" and clock.ended_at is not None and clock.ended_at > now:
            met -= 1
        elif clock.open and clock.due_at is not None and clock.due_at < now:
            breached += 1  # due before now, not yet recorded as breached
    return max(met, 0), max(breached, 0)


@attrs.frozen
class ServiceLevelAttainment:
    """How often the service-level targets of the party's cases were met: the share of
    clocks met in time among those met or breached by ``now`` (a clock still owed whose
    due time passed counts as breached, as the sweep will record it).

    Opt-in: it is not in :func:`default_health_model`. For a party whose contract has a
    service-level policy, :class:`ResponseTimes` already counts late first answers and
    resolutions against the contract, so a default weight would count the same lateness
    twice; and most parties' contracts have no policy, where it has no data. Add it where
    service levels are what the relationship is judged by, for example
    ``default_health_model().with_signal(ServiceLevelAttainment(), 0.15)``, or give it the
    weight of ``response_times`` with :meth:`HealthModel.with_weights`.

    Example:
        >>> from relationkit.domain.health import ServiceLevelAttainment, default_health_model
        >>> model = default_health_model().with_signal(ServiceLevelAttainment(), 0.15)
        >>> round(model.weight_of("service_levels"), 2)
        0.15
    """

    name: str = "service_levels"
    window: pendulum.Duration = _HALF_YEAR

    def read(self, facts: HealthFacts) -> Reading:
        """The share of the party's service-level clocks met in time (cases opened within
        ``window`` before ``facts.now``)."""
        since = facts.now - self.window
        met = breached = 0
        for case in _cases_then(facts):
            if case.opened_at < since:
                continue
            case_met, case_breached = _clocks_then(case, facts.now)
            met += case_met
            breached += case_breached
        if met + breached == 0:
            return Reading.no_data(
                f"no service-level clock met or breached in the last {_days(self.window)}"
            )
        return Reading(
            score=met / (met + breached),
            figures={"met": met, "breached": breached},
            summary=f"{met} of {met + breached} service-level targets met",
        )


# --- the model --------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Contribution:
    """One signal's part in a health score.

    Attributes:
        name: the signal's name.
        weight: its configured weight.
        share: the weight it carried (0 without data; otherwise its weight scaled up to
            cover signals without data).
        score: its reading's score (0-1), or ``None``.
        points: what it added to the 0-100 score.
        figures: the numbers behind it.
        summary: its finding in words.
    """

    name: str
    weight: float
    share: float
    score: float | None
    points: float
    figures: Mapping[str, Any]
    summary: str

    def line(self) -> str:
        """One line: how many points, from which figures."""
        figures = ", ".join(f"{k}={v}" for k, v in self.figures.items())
        tail = f" ({figures})" if figures else ""
        if self.score is None:
            return f"{self.name}: no data, weight {_pct(self.weight)} not counted; {self.summary}"
        return (
            f"{self.name}: {self.score:.2f} x weight {_pct(self.share)} = {self.points:.1f} "
            f"points; {self.summary}{tail}"
        )


@attrs.frozen(kw_only=True)
class HealthReport:
    """A health score with every signal's contribution (R12).

    Attributes:
        subject_id: the relationship (or party) assessed.
        at: when.
        score: 0-100, or ``None`` when no signal had data.
        status: ``"active"`` or ``"at_risk"`` by the threshold, or ``None`` without a score.
        at_risk_below: the threshold used.
        contributions: one per signal, in the model's order.
    """

    subject_id: str
    at: pendulum.DateTime
    score: float | None
    status: str | None
    at_risk_below: float
    contributions: tuple[Contribution, ...]

    def contribution(self, name: str) -> Contribution:
        """The contribution of the signal ``name``."""
        for c in self.contributions:
            if c.name == name:
                return c
        raise InvalidInput(
            f"refused: no signal named {name!r} in this report; it has "
            f"{', '.join(c.name for c in self.contributions)}; use one of those.",
            field="name",
        )

    def explain(self) -> list[str]:
        """The score and every contribution, as lines of text."""
        if self.score is None:
            head = f"health of {self.subject_id}: no data yet"
        else:
            status = "at risk" if self.status == AT_RISK else "active"
            head = (
                f"health of {self.subject_id}: {self.score:.1f}/100, {status} "
                f"(at risk below {self.at_risk_below:g})"
            )
        return [head, *("  " + c.line() for c in self.contributions)]


def _signal_name(signal: Any) -> str:
    name = getattr(signal, "name", None)
    if not isinstance(name, str) or not name.strip() or not callable(getattr(signal, "read", None)):
        raise InvalidInput(
            f"refused: {signal!r} as a health signal; a signal needs a non-empty name and a "
            "read(facts) method; see relationkit.typing.Signal.",
            field="signals",
        )
    return name


def _weights(value: Iterable[tuple[Signal, float]]) -> tuple[tuple[Signal, float], ...]:
    pairs = tuple((signal, weight) for signal, weight in value)
    if not pairs:
        raise InvalidInput(
            "refused: a health model without signals; a score needs something to measure; "
            "give at least one (signal, weight) pair.",
            field="signals",
        )
    names = [_signal_name(s) for s, _ in pairs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InvalidInput(
            f"refused: signal names {duplicates} appear more than once; each contribution "
            "must be told apart in the explanation; give every signal its own name.",
            field="signals",
        )
    for name, (_, weight) in zip(names, pairs, strict=True):
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not math.isfinite(weight)
            or weight < 0
        ):
            raise OutOfRange(f"weight of {name}", weight, 0, 1)
    total = math.fsum(w for _, w in pairs)
    if abs(total - 1) > 1e-6:
        raise InvalidInput(
            f"refused: health weights adding up to {total:g}; the score is a weighted mean on "
            "0-100, so the weights must add up to 1; scale them so they do.",
            field="weights",
        )
    return tuple((s, float(w)) for s, w in pairs)


@attrs.frozen
class HealthModel:
    """Signals and their weights; :meth:`assess` turns facts into a :class:`HealthReport`.

    Args:
        weights: ``(signal, weight)`` pairs; weights are not negative and add up to 1.

    Raises:
        OutOfRange: a weight is negative (or not a finite number).
        InvalidInput: the weights do not add up to 1, a name repeats, or no signal is given.
    """

    weights: tuple[tuple[Signal, float], ...] = attrs.field(converter=_weights)

    @property
    def signals(self) -> tuple[Signal, ...]:
        """The signals, in order."""
        return tuple(s for s, _ in self.weights)

    def weight_of(self, name: str) -> float:
        """The weight of the signal ``name``."""
        for signal, weight in self.weights:
            if signal.name == name:
                return weight
        raise InvalidInput(
            f"refused: no signal named {name!r}; the model has "
            f"{', '.join(s.name for s in self.signals)}; use one of those.",
            field="name",
        )

    def with_signal(self, signal: Signal, weight: float) -> HealthModel:
        """A copy that adds ``signal`` with ``weight`` (0 to 1), scaling the other weights
        down so that all still add up to 1."""
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight < 1:
            raise OutOfRange(f"weight of {getattr(signal, 'name', signal)!r}", weight, 0, "below 1")
        scaled = [(s, w * (1 - weight)) for s, w in self.weights]
        return HealthModel([*scaled, (signal, weight)])

    def with_weights(self, weights: Mapping[str, float]) -> HealthModel:
        """A copy with the weights of the named signals replaced; checked like any model."""
        unknown = sorted(set(weights) - {s.name for s in self.signals})
        if unknown:
            raise InvalidInput(
                f"refused: weights for unknown signals {unknown}; the model has "
                f"{', '.join(s.name for s in self.signals)}; name those.",
                field="weights",
            )
        return HealthModel([(s, weights.get(s.name, w)) for s, w in self.weights])

    def assess(self, facts: HealthFacts, *, at_risk_below: float) -> HealthReport:
        """Read every signal and combine the readings.

        Raises:
            OutOfRange: a signal returned a score outside 0-1.
        """
        readings: list[tuple[Signal, float, Reading]] = []
        for signal, weight in self.weights:
            reading = signal.read(facts)
            score = reading.score
            if score is not None and (
                isinstance(score, bool)
                or not isinstance(score, int | float)
                or not math.isfinite(score)
                or not 0 <= score <= 1
            ):
                raise OutOfRange(f"score of signal {signal.name!r}", score, 0, 1)
            readings.append((signal, weight, reading))
        counted = math.fsum(w for _, w, r in readings if r.score is not None)
        contributions: list[Contribution] = []
        for signal, weight, reading in readings:
            share = 0.0
            if reading.score is not None and counted > 0:
                share = weight / counted
            points = 100 * share * (reading.score or 0.0)
            contributions.append(
                Contribution(
                    name=signal.name,
                    weight=weight,
                    share=share,
                    score=None if reading.score is None else float(reading.score),
                    points=points,
                    figures=dict(reading.figures),
                    summary=reading.summary,
                )
            )
        total: float | None = None
        status: str | None = None
        if counted > 0:
            total = round(min(100.0, max(0.0, math.fsum(c.points for c in contributions))), 6)
            status = AT_RISK if total < at_risk_below else ACTIVE
        return HealthReport(
            subject_id=facts.subject_id,
            at=facts.now,
            score=total,
            status=status,
            at_risk_below=float(at_risk_below),
            contributions=tuple(contributions),
        )


def default_health_model() -> HealthModel:
    """The built-in signals and weights."""
    return HealthModel(
        [
            (PromiseKeeping(), 0.20),
            (Recurrences(), 0.10),
            (FeedbackTrend(), 0.25),
            (OpenCases(), 0.15),
            (LastContact(), 0.10),
            (ResponseTimes(), 0.20),
        ]
    )


def transition_for(state: str, report: HealthReport) -> str | None:
    """The relationship command a report calls for: ``"mark_at_risk"`` for an active
    relationship whose score fell below the threshold, ``"recover"`` for one at risk whose
    score is back at or above it, otherwise ``None``."""
    if report.status == AT_RISK and state == ACTIVE:
        return "mark_at_risk"
    if report.status == ACTIVE and state == AT_RISK:
        return "recover"
    return None


# --- last contact -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Contact:
    """The last interaction with a party, kept as a record (one per party).

    Attributes:
        party_id: the party.
        at: when.
        event_name: what happened (``"CaseAcknowledged"`` …).
        aggregate_kind: on what kind of aggregate.
        aggregate_id: on which one.
        actor_id: who acted.
    """

    party_id: str
    at: pendulum.DateTime
    event_name: str
    aggregate_kind: str
    aggregate_id: str
    actor_id: str

    @property
    def id(self) -> str:
        """The id it is stored under: the party's."""
        return self.party_id


def parties_of(aggregate: Aggregate) -> Sequence[str]:
    """The party ids an aggregate is about (its ``client_id`` and ``party_id``, if any)."""
    found: list[str] = []
    for name in ("client_id", "party_id"):
        value = getattr(aggregate, name, None)
        if isinstance(value, str) and value not in found:
            found.append(value)
    return found
