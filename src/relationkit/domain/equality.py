"""Equal treatment (care rule R10): targets from the contract, and a report that looks for
disparity.

Everyone the business deals with, from a receptionist to a chief executive, is served by the
same rules. What a party may expect (how soon a first answer, how soon a resolution) comes
only from the :class:`Entitlement` its contract names, never from its title, rank or kind.
:func:`targets_for` reads nothing else, and :func:`equality_report` compares how cases
actually went across party kinds and segments, flagging a group whose figures differ from
everyone's by more than a tolerance.

Example:
    >>> import pendulum
    >>> from relationkit.domain.equality import Entitlement, targets_for
    >>> from relationkit.domain.parties import Client
    >>> gold = Entitlement(id="gold", response_within=pendulum.duration(hours=4),
    ...                    resolution_within=pendulum.duration(days=2))
    >>> ceo = Client(id="c-1", name="Ada", title="Chief Executive", contract="gold")
    >>> intern = Client(id="c-2", name="Bo", title="Intern", contract="gold")
    >>> targets_for(ceo, [gold]) == targets_for(intern, [gold])
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from statistics import fmean
from typing import Any

import attrs
import pendulum

from relationkit.domain.case import ACCEPT, COMPROMISE, DECLINE, Case
from relationkit.domain.parties import Party
from relationkit.domain.service_levels import ServiceLevels
from relationkit.domain.values import an_id
from relationkit.exceptions import InvalidInput, NotFound, OutOfRange

__all__ = [
    "DIMENSIONS",
    "ContractDisparity",
    "Disparity",
    "EqualityReport",
    "Entitlement",
    "GroupTreatment",
    "Targets",
    "equality_report",
    "first_response_at",
    "resolution_time",
    "response_time",
    "targets_for",
]


def _positive(_: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, pendulum.Duration) or value.total_seconds() <= 0:
        raise InvalidInput(
            f"refused: {attribute.name} = {value!r}; a target must be a positive "
            "pendulum.Duration; pass e.g. pendulum.duration(hours=8).",
            field=attribute.name,
        )


@attrs.frozen(kw_only=True)
class Entitlement:
    """What a contract entitles a party to: the targets every rule and report uses (R10).

    A party names its contract (``Party.contract``); the entitlement with that id holds the
    targets. Store it with ``rk.equality.entitle``
    (:class:`~relationkit.app.equality.EqualityService`).

    Attributes:
        id: the contract's name, as parties cite it (``"standard"``, ``"gold"``).
        response_within: the time within which a first answer is due.
        resolution_within: the time within which the case should be resolved.
        title: a name for people.
    """

    id: str = attrs.field(validator=an_id)
    response_within: pendulum.Duration = attrs.field(validator=_positive)
    resolution_within: pendulum.Duration = attrs.field(validator=_positive)
    title: str | None = None


@attrs.frozen(kw_only=True)
class Targets:
    """The targets one party is entitled to, and the contract they come from."""

    contract: str
    response_within: pendulum.Duration
    resolution_within: pendulum.Duration


def targets_for(
    party: Party, entitlements: Iterable[Entitlement], *, contract: str | None = None
) -> Targets:
    """The targets of ``party``, from its contract's :class:`Entitlement` alone.

    ``contract`` overrides the party's own contract (a relationship may carry its own). The
    party's title, kind and segment are never read.

    Raises:
        NotFound: no entitlement for the contract.
    """
    name = contract if contract is not None else party.contract
    for entitlement in entitlements:
        if entitlement.id == name:
            return Targets(
                contract=name,
                response_within=entitlement.response_within,
                resolution_within=entitlement.resolution_within,
            )
    raise NotFound(
        "entitlement",
        name,
        "targets come only from a contract's entitlement; register an Entitlement with that "
        "id (Feedback.entitle)",
    )


# --- how a case actually went -----------------------------------------------------------------


def first_response_at(case: Case) -> pendulum.DateTime | None:
    """When staff first answered the client: the first paraphrase, deferral or decision
    (:attr:`Case.first_response_at <relationkit.domain.case.Case.first_response_at>`)."""
    return case.first_response_at


def response_time(case: Case) -> pendulum.Duration | None:
    """How long the client waited for a first answer, if they got one."""
    first = first_response_at(case)
    return None if first is None else first - case.opened_at


def resolution_time(case: Case) -> pendulum.Duration | None:
    """How long the case took to resolve (from opening to its first resolution)."""
    if case.resolution is None:
        return None
    return case.resolution.at - case.opened_at


# --- the report -------------------------------------------------------------------------------


DIMENSIONS: Mapping[str, Callable[[Party], str]] = {
    "kind": lambda p: p.kind,
    "segment": lambda p: p.segment or "(no segment)",
    "contract": lambda p: p.contract,
}
"""The built-in ways of grouping parties; pass your own to :func:`equality_report`."""


@attrs.frozen(kw_only=True)
class GroupTreatment:
    """How the cases of one group of parties went.

    Attributes:
        dimension: what the parties are grouped by (``"kind"``, ``"segment"`` …).
        group: the group (``"client"``, ``"vendor"``, ``"north"`` …); ``"(all)"`` overall.
        cases: how many cases.
        response_hours: mean hours to a first answer (answered cases), or ``None``.
        resolution_hours: mean hours to resolution (resolved cases), or ``None``.
        response_on_target: share of answered cases answered within their contract's
            target (0-1), or ``None``.
        resolution_on_target: share of resolved cases resolved within target, or ``None``.
        favourable: share of decided cases accepted or met halfway (0-1), or ``None``.
        sla_attainment: share of ended service-level clocks met in time (0-1), or
            ``None`` when no clock of the group's cases ended.
    """

    dimension: str
    group: str
    cases: int
    response_hours: float | None
    resolution_hours: float | None
    response_on_target: float | None
    resolution_on_target: float | None
    favourable: float | None
    sla_attainment: float | None = None

    def figures(self) -> dict[str, float | None]:
        """The compared figures by name."""
        return {name: getattr(self, name) for name in METRICS}


METRICS = (
    "response_hours",
    "resolution_hours",
    "response_on_target",
    "resolution_on_target",
    "favourable",
    "sla_attainment",
)
_TIMES = frozenset({"response_hours", "resolution_hours"})


@attrs.frozen(kw_only=True)
class Disparity:
    """A group whose figure differs from everyone's by more than the tolerance.

    For times the difference is relative to the overall mean (0.5 = half as long again);
    for shares it is the difference in share (0.25 = 25 percentage points).
    """

    dimension: str
    group: str
    metric: str
    value: float
    overall: float
    difference: float
    tolerance: float

    def describe(self) -> str:
        """One sentence."""
        if self.metric in _TIMES:
            return (
                f"{self.dimension}={self.group}: {self.metric} {self.value:.1f} against "
                f"{self.overall:.1f} for all ({self.difference:+.0%}, tolerance "
                f"{self.tolerance:.0%})"
            )
        return (
            f"{self.dimension}={self.group}: {self.metric} {self.value:.0%} against "
            f"{self.overall:.0%} for all ({100 * self.difference:+.0f} points, tolerance "
            f"{100 * self.tolerance:.0f})"
        )


@attrs.frozen(kw_only=True)
class ContractDisparity:
    """Parties under one contract whose service levels differ by party kind.

    Equal contracts must mean equal service-level targets, and parties of every kind under
    a contract should see its targets met alike.

    Attributes:
        contract: the contract.
        metric: ``"sla_targets"`` (cases at one priority measured against different
            targets) or ``"sla_attainment"`` (a kind's share of clocks met differs from the
            contract's by more than the tolerance).
        priority: the priority compared (``"*"`` for attainment, over every priority).
        groups: ``(party kind, what it got)`` for each kind compared, by kind.
        overall: what the contract's cases got overall (attainment), else empty.
    """

    contract: str
    metric: str
    priority: str
    groups: tuple[tuple[str, str], ...]
    overall: str = ""

    def describe(self) -> str:
        """One sentence."""
        got = "; ".join(f"{kind}: {value}" for kind, value in self.groups)
        if self.metric == "sla_targets":
            return (
                f"contract={self.contract} priority={self.priority}: service-level targets "
                f"differ by party kind ({got})"
            )
        return (
            f"contract={self.contract}: service-level attainment differs by party kind "
            f"({got}; {self.overall} for the contract)"
        )


@attrs.frozen(kw_only=True)
class EqualityReport:
    """Treatment by group, and the disparities beyond tolerance.

    Attributes:
        overall: everyone's figures.
        groups: each group's figures, by dimension then group.
        disparities: the figures beyond tolerance.
        tolerance: the tolerance used.
        contracts: contracts whose parties got different service-level targets, or whose
            targets were met unequally by party kind.
    """

    overall: GroupTreatment
    groups: tuple[GroupTreatment, ...]
    disparities: tuple[Disparity, ...]
    tolerance: float
    contracts: tuple[ContractDisparity, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no group differs beyond tolerance and every contract's parties got
        the same service-level targets, met alike."""
        return not self.disparities and not self.contracts

    def lines(self) -> list[str]:
        """A readable report."""
        out = [f"{self.overall.cases} cases; tolerance {self.tolerance:.0%}"]
        for g in (self.overall, *self.groups):
            figures = ", ".join(
                f"{k}={'-' if v is None else round(v, 2)}" for k, v in g.figures().items()
            )
            out.append(f"  {g.dimension}={g.group} ({g.cases} cases): {figures}")
        found = [f"  DISPARITY {d.describe()}" for d in self.disparities]
        found += [f"  DISPARITY {c.describe()}" for c in self.contracts]
        out += found or ["  no disparity"]
        return out


def _mean(values: Sequence[float]) -> float | None:
    return fmean(values) if values else None


def _treatment(
    dimension: str,
    name: str,
    cases: Sequence[Case],
    targets: Mapping[str, Targets | None],
) -> GroupTreatment:
    responses: list[float] = []
    resolutions: list[float] = []
    on_time: list[float] = []
    resolved_on_time: list[float] = []
    favourable: list[float] = []
    met = ended = 0
    for case in cases:
        levels = case.service_levels
        if levels is not None:
            for tally in levels.tallies:
                met += tally.met
                ended += tally.met + tally.breached
        target = targets.get(case.id)
        waited = response_time(case)
        if waited is not None:
            responses.append(waited.total_seconds() / 3600)
            if target is not None:
                on_time.append(float(waited <= target.response_within))
        took = resolution_time(case)
        if took is not None:
            resolutions.append(took.total_seconds() / 3600)
            if target is not None:
                resolved_on_time.append(float(took <= target.resolution_within))
        decision = case.first_decision
        if decision is not None and decision.kind in (ACCEPT, COMPROMISE, DECLINE):
            favourable.append(float(decision.kind in (ACCEPT, COMPROMISE)))
    return GroupTreatment(
        dimension=dimension,
        group=name,
        cases=len(cases),
        response_hours=_mean(responses),
        resolution_hours=_mean(resolutions),
        response_on_target=_mean(on_time),
        resolution_on_target=_mean(resolved_on_time),
        favourable=_mean(favourable),
        sla_attainment=None if ended == 0 else met / ended,
    )


def _terms(levels: ServiceLevels) -> str:
    """A service-level policy's terms at one priority, as a report shows them."""
    shown = ", ".join(f"{t.metric} {t.within.in_words()}" for t in levels.targets)
    where = "around the clock" if levels.calendar_id is None else f"on {levels.calendar_id}"
    return f"{levels.policy_id}: {shown or 'no targets'} {where}"


def _tally(cases: Iterable[Case]) -> tuple[int, int]:
    met = ended = 0
    for case in cases:
        if case.service_levels is not None:
            for tally in case.service_levels.tallies:
                met += tally.met
                ended += tally.met + tally.breached
    return met, ended


def _rate(met: int, ended: int) -> str:
    return f"{met / ended:.0%} of {ended} clocks met"


def contract_disparities(
    cases: Iterable[Case],
    kinds: Mapping[str, str],
    contracts: Mapping[str, str],
    *,
    tolerance: float = 0.2,
    min_cases: int = 1,
) -> tuple[ContractDisparity, ...]:
    """Contracts whose parties' service levels differ by party kind.

    Args:
        cases: the cases compared.
        kinds: party kind by client id.
        contracts: the contract each case was served under, by case id.
        tolerance: the largest accepted difference in share of clocks met (0 to 1).
        min_cases: kinds with fewer cases under a contract are never flagged on
            attainment.
    """
    by_contract: dict[str, list[Case]] = {}
    for case in cases:
        if case.service_levels is not None and case.id in contracts:
            by_contract.setdefault(contracts[case.id], []).append(case)
    found: list[ContractDisparity] = []
    for contract in sorted(by_contract):
        members = by_contract[contract]
        terms: dict[str, dict[str, set[str]]] = {}
        for case in members:
            levels = case.service_levels
            assert levels is not None
            kind = kinds.get(case.client_id, "?")
            terms.setdefault(levels.priority, {}).setdefault(kind, set()).add(_terms(levels))
        for priority in sorted(terms):
            by_kind = terms[priority]
            if len(set().union(*by_kind.values())) > 1:
                groups = tuple(
                    (kind, " / ".join(sorted(by_kind[kind]))) for kind in sorted(by_kind)
                )
                found.append(
                    ContractDisparity(
                        contract=contract, metric="sla_targets", priority=priority, groups=groups
                    )
                )
        met, ended = _tally(members)
        if ended == 0:
            continue
        overall = met / ended
        per_kind: dict[str, list[Case]] = {}
        for case in members:
            per_kind.setdefault(kinds.get(case.client_id, "?"), []).append(case)
        shown: list[tuple[str, str]] = []
        flagged = False
        for kind in sorted(per_kind):
            kind_met, kind_ended = _tally(per_kind[kind])
            if kind_ended == 0:
                continue
            shown.append((kind, _rate(kind_met, kind_ended)))
            if len(per_kind[kind]) >= min_cases and (
                abs(kind_met / kind_ended - overall) > tolerance + 1e-12
            ):
                flagged = True
        if flagged:
            found.append(
                ContractDisparity(
                    contract=contract,
                    metric="sla_attainment",
                    priority="*",
                    groups=tuple(shown),
                    overall=_rate(met, ended),
                )
            )
    return tuple(found)


def _difference(metric: str, value: float, overall: float) -> float:
    if metric in _TIMES:
        return 0.0 if overall == 0 else (value - overall) / overall
    return value - overall


def equality_report(
    cases: Iterable[Case],
    parties: Iterable[Party],
    entitlements: Iterable[Entitlement] = (),
    *,
    tolerance: float = 0.2,
    dimensions: Iterable[str] | Mapping[str, Callable[[Party], str]] = ("kind", "segment"),
    min_cases: int = 1,
    contracts: Mapping[str, str] | None = None,
) -> EqualityReport:
    """Compare response times, resolution times and outcomes across groups of parties.

    Args:
        cases: the cases to compare (their clients must be among ``parties``).
        parties: the parties, for their kind, segment and contract.
        entitlements: contracts' targets; a case whose contract has none counts for times
            but not for "on target".
        tolerance: the largest accepted difference (see :class:`Disparity`), 0 to 1.
        dimensions: names from :data:`DIMENSIONS`, or your own ``{name: party -> group}``.
        min_cases: groups with fewer cases are shown but never flagged.
        contracts: the contract each case was served under, by case id (a relationship's
            contract); a case not named is served under its client's contract, and a case
            whose service levels name the contract they started under, under that one.
            Used to compare service-level targets and attainment within each contract.
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float):
        raise OutOfRange("tolerance", tolerance, 0, 1)
    if not 0 <= tolerance <= 1:
        raise OutOfRange("tolerance", tolerance, 0, 1)
    if isinstance(dimensions, Mapping):
        keys = dict(dimensions)
    else:
        keys = {}
        for name in dimensions:
            if name not in DIMENSIONS:
                raise InvalidInput(
                    f"refused: grouping by {name!r}; it is not a known dimension; use one of "
                    f"{', '.join(DIMENSIONS)} or pass {{name: function(party) -> group}}.",
                    field="dimensions",
                )
            keys[name] = DIMENSIONS[name]
    by_id = {p.id: p for p in parties}
    known = list(entitlements)
    found = [c for c in cases if c.client_id in by_id]
    targets: dict[str, Targets | None] = {}
    for case in found:
        try:
            targets[case.id] = targets_for(by_id[case.client_id], known)
        except NotFound:
            targets[case.id] = None
    overall = _treatment("all", "(all)", found, targets)
    groups: list[GroupTreatment] = []
    disparities: list[Disparity] = []
    for dimension, key in keys.items():
        members: dict[str, list[Case]] = {}
        for case in found:
            members.setdefault(key(by_id[case.client_id]), []).append(case)
        for name in sorted(members):
            treatment = _treatment(dimension, name, members[name], targets)
            groups.append(treatment)
            if treatment.cases < min_cases:
                continue
            for metric, value in treatment.figures().items():
                everyone = overall.figures()[metric]
                if value is None or everyone is None:
                    continue
                difference = _difference(metric, value, everyone)
                if abs(difference) > tolerance + 1e-12:
                    disparities.append(
                        Disparity(
                            dimension=dimension,
                            group=name,
                            metric=metric,
                            value=value,
                            overall=everyone,
                            difference=difference,
                            tolerance=tolerance,
                        )
                    )
    served = {c.id: by_id[c.client_id].contract for c in found}
    served.update(contracts or {})
    for case in found:  # the contract the clocks were started under, where they say
        if case.service_levels is not None and case.service_levels.contract is not None:
            served[case.id] = case.service_levels.contract
    return EqualityReport(
        overall=overall,
        groups=tuple(groups),
        disparities=tuple(disparities),
        tolerance=float(tolerance),
        contracts=contract_disparities(
            found,
            {p.id: p.kind for p in by_id.values()},
            served,
            tolerance=tolerance,
            min_cases=min_cases,
        ),
    )
