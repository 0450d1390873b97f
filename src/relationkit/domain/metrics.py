"""The standard feedback measures, computed the standard way, and grouped for reports.

* **NPS** (net promoter score): the percentage of promoters (9-10) minus the percentage of
  detractors (0-6) among NPS answers; from -100 to 100.
* **CSAT** (customer satisfaction): the percentage of CSAT answers that are 4 or 5; 0 to 100.
* **CES** (customer effort score): the mean CES answer, 1 to 7 (7: "they made it easy").

Each is ``None`` when nobody answered that question: "no data" is not zero. A score outside
its scale (11 for NPS, 0 for CSAT, ``-1``, a string, a fraction, ``NaN``, ``True``) is refused
with :class:`~relationkit.exceptions.OutOfRange`, as an answer with it would be, and scores
given as anything but a collection (``None``, one number, a text) with
:class:`~relationkit.exceptions.InvalidInput`: nothing impossible is ever counted.
:func:`summarize` computes all three for a set of feedback requests, and :func:`group`
for each relationship, staff member or period.

Example:
    >>> from relationkit.domain.metrics import ces, csat, nps
    >>> nps([10, 9, 8, 6])
    25.0
    >>> csat([5, 4, 3, 1])
    50.0
    >>> ces([7, 5]), nps([])
    (6.0, None)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from statistics import fmean

import attrs
import pendulum

from relationkit.domain.feedback import CES_RANGE, CSAT_RANGE, NPS_RANGE, FeedbackRequest
from relationkit.exceptions import InvalidInput, OutOfRange

__all__ = [
    "PERIODS",
    "FeedbackSummary",
    "ces",
    "csat",
    "group",
    "nps",
    "period_key",
    "summarize",
]

PERIODS = ("day", "week", "month", "quarter", "year")
"""The period lengths :func:`period_key` knows."""


def _scores(scores: Iterable[int], name: str, low: int, high: int) -> list[int]:
    """``scores`` as a list, each checked to be a whole number on the scale."""
    if isinstance(scores, str | bytes) or not isinstance(scores, Iterable):
        raise InvalidInput(
            f"refused: {name} scores = {scores!r}; a measure is computed over a collection of "
            f"answers; pass a list of whole numbers from {low} to {high} (an empty one for "
            "none).",
            field=name,
        )
    values = list(scores)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise OutOfRange(name, value, low, high)
    return values


def nps(scores: Iterable[int]) -> float | None:
    """Net promoter score: % of 9-10 answers minus % of 0-6 answers (-100 to 100).

    Raises:
        OutOfRange: a score that is not a whole number from 0 to 10.
    """
    values = _scores(scores, "nps", *NPS_RANGE)
    if not values:
        return None
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return 100.0 * (promoters - detractors) / len(values)


def csat(scores: Iterable[int]) -> float | None:
    """Customer satisfaction: % of answers that are 4 or 5 (0 to 100).

    Raises:
        OutOfRange: a score that is not a whole number from 1 to 5.
    """
    values = _scores(scores, "csat", *CSAT_RANGE)
    if not values:
        return None
    return 100.0 * sum(1 for v in values if v >= 4) / len(values)


def ces(scores: Iterable[int]) -> float | None:
    """Customer effort score: the mean answer (1 to 7, higher is easier).

    Raises:
        OutOfRange: a score that is not a whole number from 1 to 7.
    """
    values = _scores(scores, "ces", *CES_RANGE)
    return fmean(values) if values else None


@attrs.frozen(kw_only=True)
class FeedbackSummary:
    """The measures for one set of feedback requests.

    Attributes:
        requests: how many requests were made.
        answers: how many were answered.
        nps: net promoter score, or ``None`` without NPS answers.
        csat: customer satisfaction (% of 4-5), or ``None`` without CSAT answers.
        ces: mean customer effort score, or ``None`` without CES answers.
        nps_answers: how many NPS answers (likewise ``csat_answers``, ``ces_answers``).
        promoters: NPS answers of 9-10.
        detractors: NPS answers of 0-6.
    """

    requests: int
    answers: int
    nps: float | None
    csat: float | None
    ces: float | None
    nps_answers: int
    csat_answers: int
    ces_answers: int
    promoters: int
    detractors: int

    @property
    def response_rate(self) -> float | None:
        """% of requests answered, or ``None`` without requests."""
        return None if not self.requests else 100.0 * self.answers / self.requests


def summarize(requests: Iterable[FeedbackRequest]) -> FeedbackSummary:
    """The measures over ``requests`` (unanswered ones count only as requests)."""
    found = list(requests)
    answered = [r.response for r in found if r.response is not None]
    n = [a.nps for a in answered if a.nps is not None]
    c = [a.csat for a in answered if a.csat is not None]
    e = [a.ces for a in answered if a.ces is not None]
    return FeedbackSummary(
        requests=len(found),
        answers=len(answered),
        nps=nps(n),
        csat=csat(c),
        ces=ces(e),
        nps_answers=len(n),
        csat_answers=len(c),
        ces_answers=len(e),
        promoters=sum(1 for v in n if v >= 9),
        detractors=sum(1 for v in n if v <= 6),
    )


def period_key(at: pendulum.DateTime, period: str = "month", tz: str = "UTC") -> str:
    """The name of the ``period`` that ``at`` falls in, seen from time zone ``tz``:
    ``"2026-03-02"``, ``"2026-W10"``, ``"2026-03"``, ``"2026-Q1"`` or ``"2026"``.

    Example:
        >>> import pendulum
        >>> period_key(pendulum.datetime(2026, 3, 2, 9), "quarter")
        '2026-Q1'
    """
    local = at.in_timezone(tz)
    if period == "day":
        return local.format("YYYY-MM-DD")
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return local.format("YYYY-MM")
    if period == "quarter":
        return f"{local.year}-Q{local.quarter}"
    if period == "year":
        return str(local.year)
    raise InvalidInput(
        f"refused: period {period!r}; feedback is grouped by calendar periods; use one of "
        f"{', '.join(PERIODS)}.",
        field="period",
    )


def group(
    requests: Iterable[FeedbackRequest], key: Callable[[FeedbackRequest], str | None]
) -> Mapping[str, FeedbackSummary]:
    """:func:`summarize` for each value of ``key`` (requests whose key is ``None`` are left
    out), sorted by key."""
    groups: dict[str, list[FeedbackRequest]] = {}
    for request in requests:
        value = key(request)
        if value is not None:
            groups.setdefault(value, []).append(request)
    return {k: summarize(groups[k]) for k in sorted(groups)}
