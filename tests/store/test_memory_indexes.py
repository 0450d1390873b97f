"""The memory store's equality indexes answer every query exactly as reading every
aggregate would: after any sequence of commits, inside a unit of work with changes of its
own staged, for equality, ``__in``, ranges and their mixtures."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from relationkit import MemoryStore
from relationkit.cases import Case
from relationkit.store.contract import _next, _opened
from strategies import examples

CLIENTS = ("c-1", "c-2", "c-3")
OWNERS = ("s-1", "s-2", None)
STATES = ("open", "heard", "closed")

changes = st.lists(
    st.tuples(
        st.integers(0, 7),  # which case
        st.sampled_from(CLIENTS),
        st.sampled_from(OWNERS),
        st.sampled_from(STATES),
        st.booleans(),  # commit it, or leave it staged for the queries
    ),
    max_size=25,
)

queries = st.lists(
    st.one_of(
        st.fixed_dictionaries({"client_id": st.sampled_from(CLIENTS)}),
        st.fixed_dictionaries({"owner_id": st.sampled_from(OWNERS)}),
        st.fixed_dictionaries(
            {
                "owner_id": st.sampled_from(OWNERS),
                "state__in": st.lists(st.sampled_from(STATES), max_size=3),
            }
        ),
        st.fixed_dictionaries(
            {"client_id__in": st.lists(st.sampled_from(CLIENTS)), "state": st.sampled_from(STATES)}
        ),
        st.fixed_dictionaries(
            {"state": st.sampled_from(STATES), "client_id__ge": st.sampled_from(CLIENTS)}
        ),
        st.fixed_dictionaries(
            {"id__in": st.lists(st.sampled_from([f"case-{k}" for k in range(9)]))}
        ),
        st.fixed_dictionaries({"owner_id__ne": st.sampled_from(OWNERS)}),
        st.just({}),
    ),
    min_size=1,
    max_size=6,
)


def _passes(case: Case, where: dict[str, Any]) -> bool:
    for key, wanted in where.items():
        name, _, op = key.partition("__")
        value = getattr(case, name)
        if op == "" and value != wanted:
            return False
        if op == "in" and value not in wanted:
            return False
        if op == "ne" and value == wanted:
            return False
        if op == "ge" and (value is None or value < wanted):
            return False
    return True


@settings(max_examples=examples(150), deadline=None)
@given(history=changes, staged=changes, asked=queries)
def test_queries_answer_as_reading_everything_would(
    history: list[tuple[int, str, str | None, str, bool]],
    staged: list[tuple[int, str, str | None, str, bool]],
    asked: list[dict[str, Any]],
) -> None:
    store = MemoryStore()
    with store.unit_of_work() as uow:  # the indexes exist before the history is written
        uow.count(Case, owner_id="s-1", state__in=["open"])
        uow.count(Case, client_id="c-1")

    made: dict[str, Any] = {}  # the last event staged for each case in this unit of work

    def change(uow: Any, number: int, client: str, owner: str | None, state: str) -> None:
        case = uow.find(Case, f"case-{number}")
        if case is None:
            case, event = _opened(f"case-{number}", client=client, owner=owner)
            case.state = state
            made[case.id] = event
            uow.append(case, [event])
            return
        case.client_id, case.owner_id, case.state = client, owner, state
        last = uow.events(Case, case.id)[-1] if case.id not in made else made[case.id]
        made[case.id] = _next(last, case)
        uow.append(case, [made[case.id]])

    for number, client, owner, state, commit in history:
        made.clear()
        with store.unit_of_work() as uow:
            change(uow, number, client, owner, state)
            if commit:
                uow.commit()
    made.clear()
    with store.unit_of_work() as uow:
        for number, client, owner, state, _ in staged:
            change(uow, number, client, owner, state)
        everything = [uow.get(Case, case_id) for case_id in uow.ids(Case)]
        for where in asked:
            expected = [c.id for c in everything if _passes(c, where)]
            assert [c.id for c in uow.select(Case, **where)] == expected, where
            assert uow.count(Case, **where) == len(expected), where
