"""The standard feedback measures: NPS, CSAT, CES, and their grouping."""

from __future__ import annotations

import math
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relationkit import Client, InvalidInput, MemoryStore, OutOfRange, Relations, Staff
from relationkit.domain.case import Accept, Acknowledge, ConfirmHeard, Resolve
from relationkit.domain.metrics import ces, csat, nps, period_key
from relationkit.testing import ManualClock
from strategies import examples

NPS_SCORES = st.lists(st.integers(0, 10), max_size=60)
CSAT_SCORES = st.lists(st.integers(1, 5), max_size=60)
FAST = settings(max_examples=examples(60), deadline=None)


def test_standard_definitions() -> None:
    assert nps([9, 10, 7, 8, 0]) == pytest.approx(100 * (2 - 1) / 5)
    assert nps([10, 10]) == 100.0
    assert nps([6, 0]) == -100.0
    assert nps([7, 8]) == 0.0  # passives only
    assert csat([4, 5, 3, 2]) == 50.0
    assert ces([1, 7, 4]) == 4.0
    assert (nps([]), csat([]), ces([])) == (None, None, None)


@FAST
@given(NPS_SCORES.filter(bool))
def test_nps_is_always_between_minus_100_and_100(scores: list[int]) -> None:
    value = nps(scores)
    assert value is not None
    assert -100 <= value <= 100


@FAST
@given(NPS_SCORES.filter(bool), st.integers(9, 10))
def test_adding_a_promoter_never_lowers_nps(scores: list[int], promoter: int) -> None:
    before = nps(scores)
    after = nps([*scores, promoter])
    assert before is not None
    assert after is not None
    assert after >= before - 1e-9


@FAST
@given(NPS_SCORES.filter(bool), st.integers(0, 6))
def test_adding_a_detractor_never_raises_nps(scores: list[int], detractor: int) -> None:
    assert nps([*scores, detractor]) <= nps(scores) + 1e-9  # type: ignore[operator]


@FAST
@given(CSAT_SCORES.filter(bool))
def test_csat_is_a_share_between_0_and_100(scores: list[int]) -> None:
    value = csat(scores)
    assert value is not None
    assert 0 <= value <= 100
    assert value == pytest.approx(100 * sum(s >= 4 for s in scores) / len(scores))


@FAST
@given(st.lists(st.integers(1, 7), min_size=1, max_size=60))
def test_ces_is_the_mean_within_the_scale(scores: list[int]) -> None:
    value = ces(scores)
    assert value is not None
    assert 1 <= value <= 7


def test_period_keys() -> None:
    at = pendulum.datetime(2026, 3, 31, 23, 30, tz="UTC")
    assert period_key(at, "day") == "2026-03-31"
    assert period_key(at, "week") == "2026-W14"
    assert period_key(at, "month") == "2026-03"
    assert period_key(at, "quarter") == "2026-Q1"
    assert period_key(at, "year") == "2026"
    assert period_key(at, "month", tz="Europe/Paris") == "2026-04"  # already April there
    with pytest.raises(InvalidInput, match="period"):
        period_key(at, "fortnight")


def test_measures_per_relationship_staff_and_period() -> None:
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 9, tz="UTC"))
    rk = Relations(MemoryStore(), clock=clock)
    rk.register(
        Client(id="c-ana", name="Ana"),
        Client(id="c-bo", name="Bo"),
        Staff(id="s-sam", name="Sam", roles={"agent"}),
        Staff(id="s-kim", name="Kim", roles={"agent"}),
        Staff(id="s-mia", name="Mia", roles={"manager"}),
    )

    def answered(client: str, staff: str, **scores: int) -> None:
        case = rk.open_case(actor=staff, client=client, subject="S", statement="T.")
        rk.handle(case.id, Acknowledge(paraphrase="T."), actor=staff)
        rk.handle(case.id, ConfirmHeard(), actor=client)
        rk.handle(case.id, Accept(), actor=staff)
        rk.handle(case.id, Resolve(summary="Done."), actor=staff)
        asked = rk.feedback.request(case.id, actor=staff)
        rk.feedback.respond(asked.id, actor=client, **scores)
        clock.advance(days=5)

    answered("c-ana", "s-sam", nps=10, csat=5)
    answered("c-bo", "s-kim", nps=3, csat=2)
    clock.set(pendulum.datetime(2026, 4, 10, 9, tz="UTC"))
    answered("c-ana", "s-sam", nps=8, csat=4)

    by_staff = rk.feedback.metrics("staff")
    assert by_staff["s-sam"].nps == 50.0
    assert by_staff["s-sam"].csat == 100.0
    assert by_staff["s-kim"].nps == -100.0
    assert by_staff["s-kim"].csat == 0.0
    by_party = rk.feedback.metrics("party")
    assert by_party["c-ana"].answers == 2
    by_month = rk.feedback.metrics("period", period="month")
    assert list(by_month) == ["2026-03", "2026-04"]
    assert by_month["2026-03"].nps == 0.0
    assert by_month["2026-04"].nps == 0.0
    march = rk.feedback.metrics(
        "staff",
        since=pendulum.datetime(2026, 3, 1, tz="UTC"),
        until=pendulum.datetime(2026, 4, 1, tz="UTC"),
    )
    assert march["s-sam"].answers == 1
    total = rk.feedback.summary()
    assert (total.requests, total.answers, total.promoters, total.detractors) == (3, 3, 1, 1)
    assert total.response_rate == 100.0
    with pytest.raises(InvalidInput, match="grouping"):
        rk.feedback.metrics("mood")


@pytest.mark.parametrize(
    ("measure", "score"),
    [
        (nps, 11),
        (nps, -1),
        (csat, 0),
        (csat, 6),
        (ces, 8),
        (nps, math.nan),
        (csat, 4.5),
        (ces, "5"),
        (nps, True),
        (csat, None),
    ],
)
def test_the_measures_refuse_impossible_scores(measure: Any, score: Any) -> None:
    with pytest.raises(OutOfRange):
        measure([score])
    with pytest.raises(OutOfRange):
        measure([5, score, 5])
