"""The contract every store backend keeps, as a pytest test class to subclass.

Write a subclass in your test suite and override the ``make_store`` fixture: it returns a
function that opens the test's database. Each call must open a *new handle to the same
data* (a second connection pool, a second file handle); a backend that cannot do that (an
in-memory store) may return the same store each time.

.. code-block:: python

    import pytest
    from relationkit.testing import StoreContract
    from mystore import MyStore

    class TestMyStore(StoreContract):
        @pytest.fixture
        def make_store(self, tmp_path):
            return lambda: MyStore(tmp_path / "data")

The suite needs pytest; relationkit imports it only when this module is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs
import pendulum
import pytest

from relationkit.domain.aggregate import Aggregate
from relationkit.domain.case import Case, OpenCase, RecordStatement
from relationkit.domain.events import Event, chain
from relationkit.domain.feedback import FeedbackRequest
from relationkit.domain.health import Contact
from relationkit.domain.parties import Client, Party, Staff
from relationkit.domain.policy import Acknowledgement, Clause, Policy
from relationkit.domain.promise import Promise
from relationkit.domain.relationship import Relationship
from relationkit.domain.values import MAX_ID_LENGTH
from relationkit.exceptions import ConcurrencyError, InvalidInput, NotFound
from relationkit.serialization import converter
from relationkit.store.base import Store, UnitOfWork
from relationkit.store.codec import (
    MAX_IN_VALUES,
    MAX_INDEXED_TEXT,
    decode_aggregate,
    decode_record,
    index_value,
    record_sort_key,
)

__all__ = ["StoreContract"]

_AT = pendulum.datetime(2026, 3, 2, 9, tz="Europe/Paris")

_BAD_IDS = [
    pytest.param("", id="empty"),
    pytest.param(" case-1", id="space-before"),
    pytest.param("case-1\n", id="newline-after"),
    pytest.param("case-\x00", id="nul"),
    pytest.param("case-\ud800", id="lone-surrogate"),
    pytest.param("k" * (MAX_ID_LENGTH + 1), id="one-too-long"),
    pytest.param("k" * 10_000_000, id="ten-million-long"),
    pytest.param(42, id="not-text"),
]
"""Ids every store refuses, the same way: :class:`InvalidInput` before any database sees
them (see :mod:`relationkit.store.codec`)."""


def _opened(case_id: str, *, client: str = "c-1", owner: str | None = "s-1") -> tuple[Case, Event]:
    command = OpenCase(client_id=client, subject="Refund", statement="I was charged twice.")
    event = chain(
        None,
        aggregate_id=case_id,
        name=OpenCase.EVENT,
        actor_id=owner or "s-1",
        at=_AT,
        data=converter.unstructure(command),
    )
    case = Case.opened(event, command, "open")
    case.owner_id = owner
    return case, event


def _statement(case: Case, last: Event, words: str = "And it is still wrong.") -> Event:
    command = RecordStatement(text=words)
    event = chain(
        last,
        aggregate_id=case.id,
        name=RecordStatement.EVENT,
        actor_id=case.client_id,
        at=last.at.add(hours=1),
        data=converter.unstructure(command),
    )
    case.statement_count += 1
    case.last_statement_at = event.at
    case.version = event.sequence
    case.head = event.hash
    return event


def _save(store: Store, *pairs: tuple[Case, Event]) -> None:
    with store.unit_of_work() as uow:
        for case, event in pairs:
            uow.append(case, [event])
        uow.commit()


def _store(store: Store, *aggregates: Aggregate) -> None:
    """Store each aggregate as it is, with one event on its timeline."""
    with store.unit_of_work() as uow:
        for aggregate in aggregates:
            event = chain(
                None,
                aggregate_id=aggregate.id,
                name="Stored",
                actor_id="s-1",
                at=_AT.subtract(days=30),
                data={},
            )
            aggregate.version = event.sequence
            aggregate.head = event.hash
            uow.append(aggregate, [event])
        uow.commit()


def _next(last: Event, aggregate: Aggregate) -> Event:
    event = chain(last, aggregate_id=aggregate.id, name="Changed", actor_id="s-1", at=_AT, data={})
    aggregate.version = event.sequence
    aggregate.head = event.hash
    return event


def _promise(promise_id: str, state: str, due: pendulum.DateTime) -> Promise:
    made = _AT.subtract(days=30)
    return Promise(
        id=promise_id,
        state=state,
        owner_id="s-1",
        party_id="c-1",
        what="A reply",
        kind="reply",
        due_at=due,
        original_due_at=due,
        made_by="s-1",
        made_at=made,
    )


def _relationship(
    relationship_id: str,
    state: str,
    *,
    at_risk_since: pendulum.DateTime | None = None,
    expires: pendulum.DateTime | None = None,
) -> Relationship:
    return Relationship(
        id=relationship_id,
        state=state,
        party_id=f"c-{relationship_id}",
        contract="standard",
        opened_by="s-1",
        opened_at=_AT.subtract(days=300),
        at_risk_since=at_risk_since,
        awaiting_approval=expires is not None,
        proposal_expires_at=expires,
    )


class StoreContract:
    """Behaviour every :class:`~relationkit.store.base.Store` must show. Subclass it and
    override :meth:`make_store`."""

    @pytest.fixture
    def make_store(self) -> Callable[[], Store]:
        """Override: a function that opens a new handle on the test's (empty) database."""
        raise NotImplementedError("override the make_store fixture in your subclass")

    @pytest.fixture
    def store(self, make_store: Callable[[], Store]) -> Iterator[Store]:
        """A store over an empty database."""
        opened = make_store()
        yield opened
        opened.close()

    # --- aggregates and timelines --------------------------------------------------------

    def test_appended_aggregate_and_events_read_back_equal(self, store: Store) -> None:
        case, event = _opened("case-1")
        _save(store, (case, event))
        with store.unit_of_work() as uow:
            assert uow.find(Case, "case-1") == case
            assert uow.events(Case, "case-1") == [event]
            assert uow.events(Case, "case-1")[0].at.timezone_name == "UTC"

    def test_missing_aggregate_is_none_and_get_raises_not_found(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            assert uow.find(Case, "nope") is None
            assert uow.events(Case, "nope") == []
            with pytest.raises(NotFound, match="nope"):
                uow.get(Case, "nope")

    def test_a_read_copy_does_not_change_what_is_stored(self, store: Store) -> None:
        case, event = _opened("case-1")
        _save(store, (case, event))
        with store.unit_of_work() as uow:
            uow.get(Case, "case-1").subject = "changed"
        with store.unit_of_work() as uow:
            assert uow.get(Case, "case-1").subject == "Refund"

    def test_uncommitted_unit_of_work_stores_nothing(self, store: Store) -> None:
        case, event = _opened("case-1")
        with store.unit_of_work() as uow:
            uow.append(case, [event])
            uow.put(Client(id="c-9", name="Nine"))
        with pytest.raises(RuntimeError, match="boom"):  # noqa: PT012, SIM117 - the block is the test
            with store.unit_of_work() as uow:
                uow.append(case, [event])
                raise RuntimeError("boom")
        with store.unit_of_work() as uow:
            assert uow.find(Case, "case-1") is None
            assert uow.events(Case, "case-1") == []
            assert uow.find_record(Client, "c-9") is None

    def test_a_unit_of_work_reads_its_own_writes(self, store: Store) -> None:
        case, event = _opened("case-1")
        with store.unit_of_work() as uow:
            uow.append(case, [event])
            uow.put(Client(id="c-9", name="Nine"))
            assert uow.find(Case, "case-1") == case
            assert uow.events(Case, "case-1") == [event]
            assert uow.count(Case, state="open") == 1
            assert uow.find_record(Party, "c-9") == Client(id="c-9", name="Nine")
            uow.commit()

    def test_committed_data_is_seen_by_a_new_handle(
        self, store: Store, make_store: Callable[[], Store]
    ) -> None:
        case, event = _opened("case-1")
        _save(store, (case, event))
        other = make_store()
        try:
            with other.unit_of_work() as uow:
                assert uow.get(Case, "case-1") == case
                assert uow.events(Case, "case-1") == [event]
        finally:
            if other is not store:
                other.close()

    def test_an_aggregate_read_for_update_is_the_stored_one(self, store: Store) -> None:
        case, event = _opened("case-1")
        _save(store, (case, event))
        with store.unit_of_work() as uow:
            found = uow.get_for_update(Case, "case-1")
            assert found == case
            uow.append(found, [_statement(found, event)])
            assert uow.get_for_update(Case, "case-1").version == 2  # its own write
            with pytest.raises(NotFound):
                uow.get_for_update(Case, "case-2")
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.get(Case, "case-1").version == 2

    def test_events_accumulate_in_order(self, store: Store) -> None:
        case, first = _opened("case-1")
        _save(store, (case, first))
        with store.unit_of_work() as uow:
            case = uow.get(Case, "case-1")
            second = _statement(case, first)
            third = _statement(case, second, "A third time.")
            uow.append(case, [second, third])
            uow.commit()
        with store.unit_of_work() as uow:
            assert [e.sequence for e in uow.events(Case, "case-1")] == [1, 2, 3]
            assert uow.get(Case, "case-1").version == 3

    def test_events_that_do_not_match_the_version_are_refused(self, store: Store) -> None:
        case, event = _opened("case-1")
        case.version = 5
        with store.unit_of_work() as uow, pytest.raises(InvalidInput):
            uow.append(case, [event])

    # --- optimistic concurrency -----------------------------------------------------------

    def test_stale_version_is_refused_and_stores_nothing(self, store: Store) -> None:
        case, first = _opened("case-1")
        _save(store, (case, first))
        with store.unit_of_work() as uow:
            fresh = uow.get(Case, "case-1")
            uow.append(fresh, [_statement(fresh, first)])
            uow.commit()
        stale, _ = _opened("case-1")
        with pytest.raises(ConcurrencyError) as caught:  # noqa: PT012, SIM117 - at append or commit
            with store.unit_of_work() as uow:
                uow.append(stale, [_statement(stale, first, "Stale words.")])
                uow.commit()
        assert caught.value.aggregate_id == "case-1"
        with store.unit_of_work() as uow:
            events = uow.events(Case, "case-1")
            assert [e.sequence for e in events] == [1, 2]
            assert events[1].data["text"] == "And it is still wrong."

    def test_two_units_of_work_racing_one_wins(
        self, store: Store, make_store: Callable[[], Store]
    ) -> None:
        case, first = _opened("case-1")
        _save(store, (case, first))
        other = make_store()
        try:
            a = store.unit_of_work()
            b = other.unit_of_work()
            with a, b:
                mine = a.get(Case, "case-1")
                theirs = b.get(Case, "case-1")
                a.append(mine, [_statement(mine, first, "Mine.")])
                a.commit()
                with pytest.raises(ConcurrencyError):  # noqa: PT012 - at append or commit
                    b.append(theirs, [_statement(theirs, first, "Theirs.")])
                    b.commit()
        finally:
            if other is not store:
                other.close()
        with store.unit_of_work() as uow:
            events = uow.events(Case, "case-1")
        assert [e.data.get("text") for e in events[1:]] == ["Mine."]

    def test_creating_an_existing_id_is_a_concurrency_error(self, store: Store) -> None:
        _save(store, _opened("case-1"))
        with pytest.raises(ConcurrencyError):  # noqa: PT012, SIM117 - at append or commit
            with store.unit_of_work() as uow:
                case, event = _opened("case-1", client="c-2")
                uow.append(case, [event])
                uow.commit()
        with store.unit_of_work() as uow:
            assert uow.get(Case, "case-1").client_id == "c-1"
            assert len(uow.events(Case, "case-1")) == 1

    # --- indexed queries ------------------------------------------------------------------

    @pytest.fixture
    def cases(self, store: Store) -> Store:
        """Five cases over two clients and two owners (one without)."""
        pairs = [
            _opened("case-a", client="c-1", owner="s-1"),
            _opened("case-b", client="c-2", owner="s-2"),
            _opened("case-c", client="c-1", owner=None),
            _opened("case-d", client="c-3", owner="s-1"),
            _opened("case-e", client="c-2", owner="s-2"),
        ]
        pairs[1][0].state = "heard"
        pairs[3][0].state = "closed"
        _save(store, *pairs)
        return store

    def ids(self, found: Sequence[Aggregate]) -> list[str]:
        """The ids of ``found``."""
        return [c.id for c in found]

    def test_select_by_equality_and_lookups(self, cases: Store) -> None:
        with cases.unit_of_work() as uow:
            assert self.ids(uow.select(Case, client_id="c-1")) == ["case-a", "case-c"]
            assert self.ids(uow.select(Case, state="open", owner_id="s-2")) == ["case-e"]
            assert self.ids(uow.select(Case, owner_id=None)) == ["case-c"]
            assert self.ids(uow.select(Case, owner_id__ne="s-1")) == [
                "case-b",
                "case-c",
                "case-e",
            ]
            assert self.ids(uow.select(Case, owner_id__ne=None)) == [
                "case-a",
                "case-b",
                "case-d",
                "case-e",
            ]
            assert self.ids(uow.select(Case, state__in=["heard", "closed"])) == [
                "case-b",
                "case-d",
            ]
            assert self.ids(uow.select(Case, owner_id__in=["s-2", None])) == [
                "case-b",
                "case-c",
                "case-e",
            ]
            assert uow.select(Case, state__in=[]) == []
            assert self.ids(uow.select(Case, client_id__lt="c-2")) == ["case-a", "case-c"]
            assert self.ids(uow.select(Case, client_id__ge="c-2")) == [
                "case-b",
                "case-d",
                "case-e",
            ]
            assert uow.select(Case, owner_id__lt=None) == []
            assert self.ids(uow.select(Case, id__gt="case-c")) == ["case-d", "case-e"]

    def test_select_orders_and_limits(self, cases: Store) -> None:
        with cases.unit_of_work() as uow:
            assert self.ids(uow.select(Case, order_by="owner_id")) == [
                "case-c",
                "case-a",
                "case-d",
                "case-b",
                "case-e",
            ]
            assert self.ids(uow.select(Case, order_by="-owner_id", limit=3)) == [
                "case-b",
                "case-e",
                "case-a",
            ]
            assert self.ids(uow.select(Case, state="open", limit=2)) == ["case-a", "case-c"]
            assert uow.ids(Case) == ["case-a", "case-b", "case-c", "case-d", "case-e"]

    def test_count_matches_select(self, cases: Store) -> None:
        with cases.unit_of_work() as uow:
            assert uow.count(Case) == 5
            assert uow.count(Case, state="open") == 3
            assert uow.count(Case, client_id="c-2", owner_id="s-2") == 2
            assert uow.count(Case, state="nothing") == 0

    def test_claim_returns_matching_aggregates(self, cases: Store) -> None:
        with cases.unit_of_work() as uow:
            claimed = uow.claim(Case, limit=2, state="open")
            assert self.ids(claimed) == ["case-a", "case-c"]

    def test_querying_an_attribute_that_is_not_indexed_is_refused(self, cases: Store) -> None:
        with cases.unit_of_work() as uow, pytest.raises(InvalidInput, match="subject"):
            uow.select(Case, subject="Refund")
        with cases.unit_of_work() as uow, pytest.raises(InvalidInput, match="state__like"):
            uow.count(Case, state__like="o%")

    # --- the questions the services ask, on indexes ------------------------------------------

    @pytest.fixture
    def promises(self, store: Store) -> Store:
        """Promises in every state, due on either side of :data:`_AT`."""
        _store(
            store,
            _promise("p-late", "made", _AT.subtract(hours=1)),
            _promise("p-late-moved", "renegotiated", _AT.subtract(days=2)),
            _promise("p-soon", "made", _AT.add(hours=1)),
            _promise("p-at-the-time", "made", _AT),
            _promise("p-kept", "kept", _AT.subtract(days=3)),
            _promise("p-broken", "broken", _AT.subtract(days=4)),
            _promise("p-stretch", "awaiting_approval", _AT.subtract(days=1)),
        )
        return store

    def test_overdue_promises_as_of_a_time(self, promises: Store) -> None:
        with promises.unit_of_work() as uow:
            overdue = uow.select(Promise, open_due_at__lt=_AT, order_by="due_at")
            assert self.ids(overdue) == ["p-late-moved", "p-late"]
            assert uow.count(Promise, open_due_at__lt=_AT.add(days=1)) == 4
            assert uow.count(Promise, open_due_at__lt=_AT.subtract(days=5)) == 0
            later = uow.select(Promise, open_due_at__lt=_AT.add(hours=2), order_by="-due_at")
            assert self.ids(later) == ["p-soon", "p-at-the-time", "p-late", "p-late-moved"]
            assert self.ids(uow.select(Promise, open_due_at=None)) == [
                "p-broken",
                "p-kept",
                "p-stretch",
            ]
            lapsed = uow.select(Promise, state="awaiting_approval", due_at__lt=_AT)
            assert self.ids(lapsed) == ["p-stretch"]

    def test_overdue_promises_follow_their_state(self, promises: Store) -> None:
        with promises.unit_of_work() as uow:
            late = uow.get(Promise, "p-late")
            late.state = "kept"
            uow.append(late, [_next(uow.events(Promise, "p-late")[-1], late)])
            uow.commit()
        with promises.unit_of_work() as uow:
            assert self.ids(uow.select(Promise, open_due_at__lt=_AT)) == ["p-late-moved"]

    @pytest.fixture
    def relationships(self, store: Store) -> Store:
        """Relationships active, at risk (since different times) and awaiting approval."""
        _store(
            store,
            _relationship("r-fine", "active"),
            _relationship("r-risk-new", "at_risk", at_risk_since=_AT.subtract(days=1)),
            _relationship("r-risk-old", "at_risk", at_risk_since=_AT.subtract(days=9)),
            _relationship("r-proposed-soon", "severance_proposed", expires=_AT.add(days=1)),
            _relationship("r-proposed-lapsed", "severance_proposed", expires=_AT.subtract(hours=1)),
            _relationship("r-ended", "ended"),
        )
        return store

    def test_relationships_at_risk_longest_first(self, relationships: Store) -> None:
        with relationships.unit_of_work() as uow:
            found = uow.select(Relationship, state="at_risk", order_by="at_risk_since")
            assert self.ids(found) == ["r-risk-old", "r-risk-new"]
            since = uow.select(Relationship, at_risk_since__lt=_AT.subtract(days=2))
            assert self.ids(since) == ["r-risk-old"]

    def test_pending_approvals_soonest_to_lapse_first(self, relationships: Store) -> None:
        with relationships.unit_of_work() as uow:
            pending = uow.select(
                Relationship, awaiting_approval=True, order_by="proposal_expires_at"
            )
            assert self.ids(pending) == ["r-proposed-lapsed", "r-proposed-soon"]
            assert uow.count(Relationship, awaiting_approval=False) == 4
            lapsed = uow.select(
                Relationship, state="severance_proposed", proposal_expires_at__le=_AT
            )
            assert self.ids(lapsed) == ["r-proposed-lapsed"]

    # --- list views: indexed columns without snapshots ------------------------------------

    def test_values_are_what_select_would_show(self, promises: Store) -> None:
        names = ("id", "version", "state", "due_at", "open_due_at", "owner_id")
        with promises.unit_of_work() as uow:
            for where in (
                {},
                {"order_by": "-due_at", "limit": 3},
                {"state__in": ["made", "kept"], "order_by": "due_at"},
                {"open_due_at__lt": _AT},
            ):
                rows = uow.values(Promise, *names, **where)
                whole = uow.select(Promise, **where)
                assert rows == [tuple(getattr(p, n) for n in names) for p in whole]
            for _, _, _, due, open_due, _ in uow.values(Promise, *names):
                assert due.timezone_name == "UTC"
                assert open_due is None or open_due.timezone_name == "UTC"

    def test_values_keep_the_type_of_each_attribute(self, relationships: Store) -> None:
        with relationships.unit_of_work() as uow:
            rows = uow.values(
                Relationship, "id", "awaiting_approval", "at_risk_since", order_by="id"
            )
        assert [r[0] for r in rows] == sorted(r[0] for r in rows)
        assert {r[1] for r in rows} == {True, False}
        assert all(type(r[1]) is bool for r in rows)
        assert all(isinstance(r[2], pendulum.DateTime) for r in rows if r[2] is not None)

    def test_values_of_times_are_in_utc(self, store: Store) -> None:
        case, event = _opened("case-tz")
        case.opened_at = pendulum.datetime(2026, 3, 2, 10, 30, tz="Europe/Paris")
        _save(store, (case, event))
        with store.unit_of_work() as uow:
            ((opened,),) = uow.values(Case, "opened_at")
        assert opened == case.opened_at
        assert opened.timezone_name == "UTC"

    def test_values_see_what_the_unit_of_work_staged(self, cases: Store) -> None:
        with cases.unit_of_work() as uow:
            case, event = _opened("case-z", client="c-9")
            uow.append(case, [event])
            assert uow.values(Case, "id", client_id="c-9") == [("case-z",)]
            uow.rollback()
        with cases.unit_of_work() as uow:
            assert uow.values(Case, "id", client_id="c-9") == []

    @pytest.mark.parametrize(
        "attributes",
        [
            pytest.param((), id="none"),
            pytest.param(("subject",), id="not-indexed"),
            pytest.param(("id", "nothing"), id="unknown"),
            pytest.param((3,), id="not-text"),
        ],
    )
    def test_values_refuse_what_no_column_holds(self, cases: Store, attributes: Any) -> None:
        with cases.unit_of_work() as uow, pytest.raises(InvalidInput) as caught:
            uow.values(Case, *attributes)
        assert "refused" in str(caught.value)

    # --- what every store accepts and refuses alike ------------------------------------------

    @pytest.mark.parametrize("bad", _BAD_IDS)
    def test_every_store_refuses_the_same_ids(self, store: Store, bad: Any) -> None:
        case, event = _opened("case-1")
        case.id = bad
        ana = Client(id="c-1", name="Ana")
        object.__setattr__(ana, "id", bad)  # a record built without its validators
        with store.unit_of_work() as uow:  # nothing can be stored under it: none found
            if isinstance(bad, str):
                assert uow.find(Case, bad) is None
                assert uow.events(Case, bad) == []
                assert uow.find_record(Party, bad) is None
                assert uow.find_first_record((Staff, Party), bad) is None
            else:
                with pytest.raises(InvalidInput, match="not int"):
                    uow.find(Case, bad)
        attempts: list[Callable[[UnitOfWork], None]] = [
            lambda uow: uow.append(case, [event]),
            lambda uow: uow.put(ana),
        ]
        for attempt in attempts:
            with store.unit_of_work() as uow, pytest.raises(InvalidInput) as caught:  # noqa: PT012 - at the call or at commit
                attempt(uow)
                uow.commit()
            assert caught.value.field in ("id", "aggregate_id")
        with store.unit_of_work() as uow:
            assert uow.ids(Case) == []
            assert uow.records(Party) == []

    def test_ids_up_to_the_limit_are_kept(self, store: Store) -> None:
        longest = "k" * MAX_ID_LENGTH
        wide = "ζ🙂" * (MAX_ID_LENGTH // 2)  # four bytes a character in UTF-8, for some
        _save(store, _opened(longest), _opened(wide))
        with store.unit_of_work() as uow:
            uow.put(Client(id=wide, name="Wide"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.get(Case, longest).id == longest
            assert [e.aggregate_id for e in uow.events(Case, wide)] == [wide]
            assert uow.get_record(Client, wide).name == "Wide"
            assert uow.select(Case, id__in=[wide, longest]) != []

    def test_every_store_keeps_any_text_it_is_given(self, store: Store) -> None:
        # Texts outside indexed attributes may hold anything but a lone surrogate: each
        # store keeps them as JSON and gives them back as they were.
        words = "Zoë said: «non» 🙂\tand\x00then\nnothing"
        case, first = _opened("case-1")
        case.subject = words
        second = chain(  # as an application's command without text validators would
            first, aggregate_id=case.id, name="Noted", actor_id="s-1", at=_AT, data={"text": words}
        )
        case.version, case.head = second.sequence, second.hash
        with store.unit_of_work() as uow:
            uow.append(case, [first, second])
            uow.put(Client(id="c-1", name="Zoë 🙂"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.get(Case, "case-1").subject == words
            assert uow.events(Case, "case-1")[1].data["text"] == words
            assert uow.get_record(Client, "c-1").name == "Zoë 🙂"

    def test_every_store_refuses_event_data_it_cannot_write(self, store: Store) -> None:
        case, first = _opened("case-1")
        broken = attrs.evolve(first, data={"statement": "half \udc80 a character"})
        with store.unit_of_work() as uow, pytest.raises(InvalidInput) as caught:
            uow.append(case, [broken])
        assert caught.value.field == "data"

    @pytest.mark.parametrize(
        ("attribute", "value"),
        [
            pytest.param("client_id", "c-\x00", id="nul"),
            pytest.param("owner_id", "s-\ud800", id="lone-surrogate"),
            pytest.param("owner_id", "s" * (MAX_INDEXED_TEXT + 1), id="too-long"),
            pytest.param("relationship_id", 2**63, id="too-large-a-number"),
            pytest.param("relationship_id", float("nan"), id="not-a-number"),
            pytest.param("relationship_id", ["r-1"], id="a-list"),
        ],
    )
    def test_every_store_refuses_the_same_indexed_values(
        self, store: Store, attribute: str, value: Any
    ) -> None:
        case, event = _opened("case-1")
        setattr(case, attribute, value)
        with store.unit_of_work() as uow, pytest.raises(InvalidInput) as caught:  # noqa: PT012 - at append or commit
            uow.append(case, [event])
            uow.commit()
        assert caught.value.field == attribute
        with store.unit_of_work() as uow:
            assert uow.find(Case, "case-1") is None

    @pytest.mark.parametrize(
        "where",
        [
            pytest.param({"client_id": "c-\x00"}, id="nul"),
            pytest.param({"owner_id__in": ["s-1", "s-\ud800"]}, id="lone-surrogate-in-a-list"),
            pytest.param({"state__in": "open"}, id="in-given-text"),
            pytest.param({"state__in": 3}, id="in-given-a-number"),
            pytest.param({"state": ["open"]}, id="equal-to-a-list"),
            pytest.param({"owner_id__lt": 2**64}, id="too-large-a-number"),
            pytest.param(
                {"client_id__in": [f"c-{n}" for n in range(MAX_IN_VALUES + 1)]},
                id="too-many-values",
            ),
            pytest.param(
                {"client_id__in": [f"c-{n}" for n in range(100_000)]}, id="a-hundred-thousand"
            ),
        ],
    )
    def test_every_store_refuses_the_same_lookups(
        self, cases: Store, where: dict[str, Any]
    ) -> None:
        (key,) = where
        for ask in ("select", "count", "claim"):
            with cases.unit_of_work() as uow, pytest.raises(InvalidInput) as caught:
                getattr(uow, ask)(Case, **where)
            assert caught.value.field == key

    def test_an_in_lookup_takes_up_to_its_limit(self, cases: Store) -> None:
        clients = [f"c-{n}" for n in range(MAX_IN_VALUES)]
        with cases.unit_of_work() as uow:
            found = uow.select(Case, client_id__in=clients)
            assert self.ids(found) == ["case-a", "case-b", "case-c", "case-d", "case-e"]
            assert uow.count(Case, client_id__in=iter(clients)) == 5

    @pytest.mark.parametrize("limit", [-1, 1.5, True, "2", 2**63])
    def test_every_store_refuses_the_same_limits(self, cases: Store, limit: Any) -> None:
        with cases.unit_of_work() as uow, pytest.raises(InvalidInput, match="limit"):
            uow.select(Case, limit=limit)

    # --- records --------------------------------------------------------------------------

    def test_records_are_stored_replaced_and_listed(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.put(Client(id="c-2", name="Bo"))
            uow.put(Client(id="c-1", name="Ana"))
            uow.put(Staff(id="s-1", name="Sam", roles=frozenset({"agent"})))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.put(Client(id="c-2", name="Bob"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert [c.name for c in uow.records(Party)] == ["Ana", "Bob"]
            assert uow.get_record(Staff, "s-1").roles == frozenset({"agent"})
            assert uow.find_record(Staff, "c-1") is None
            with pytest.raises(NotFound):
                uow.get_record(Client, "c-3")

    def test_a_latest_only_record_is_replaced_only_by_a_later_one(self, store: Store) -> None:
        def contact(hours: int, name: str) -> Contact:
            return Contact(
                party_id="c-1",
                at=_AT.add(hours=hours),
                event_name=name,
                aggregate_kind="case",
                aggregate_id="k-1",
                actor_id="s-1",
            )

        for hours, name in ((2, "Second"), (1, "First"), (2, "SecondAgain")):
            with store.unit_of_work() as uow:
                uow.put(contact(hours, name))
                uow.commit()
        with store.unit_of_work() as uow:
            kept = uow.get_record(Contact, "c-1")
            assert kept.event_name == "SecondAgain"  # an equal time replaces, an earlier not
            uow.put(contact(0, "Zeroth"))  # staged, in the same unit of work: still refused
            uow.put(contact(3, "Third"))
            assert uow.get_record(Contact, "c-1").event_name == "Third"
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.get_record(Contact, "c-1").event_name == "Third"

    def test_policy_acknowledgements_are_read_by_version_and_time(self, store: Store) -> None:
        # Acknowledgements, a built-in record type, sort by policy version, then time.
        acks = [
            Acknowledgement(staff_id="s-1", version=1, at=_AT.subtract(days=400)),
            Acknowledgement(staff_id="s-2", version=2, at=_AT.subtract(days=300)),
            Acknowledgement(staff_id="s-1", version=2, at=_AT.subtract(days=10)),
            Acknowledgement(staff_id="s-3", version=2, at=_AT.subtract(days=366)),
            Acknowledgement(staff_id="s-4", version=10, at=_AT.subtract(days=500)),
        ]
        with store.unit_of_work() as uow:
            for ack in acks:
                uow.put(ack)
            uow.put(Client(id="c-1", name="Ana"))
            uow.commit()
        key = "{:09d}@".format
        cutoff = key(2) + str(index_value(_AT.subtract(days=365)))
        with store.unit_of_work() as uow:
            lapsed = uow.records_between(Acknowledgement, key(2), cutoff)
            assert [a.id for a in lapsed] == ["s-3@2"]
            since = uow.records_between(Acknowledgement, cutoff, key(3))
            assert [a.id for a in since] == ["s-2@2", "s-1@2"]  # by time, not by id
            assert len(uow.records_between(Acknowledgement)) == 5
            assert [a.id for a in uow.records_between(Acknowledgement, key(10))] == ["s-4@10"]
            with pytest.raises(InvalidInput, match="sort key"):
                uow.records_between(Client, "a", "z")

    def test_the_last_record_is_the_one_with_the_greatest_sort_key(self, store: Store) -> None:
        def version(number: int) -> Policy:
            clause = Clause(id="respect", text="Everyone is treated alike.")
            return Policy(version=number, published_at=_AT, clauses=[clause])

        with store.unit_of_work() as uow:
            assert uow.last_record(Policy) is None
            for number in (2, 11, 1, 9):  # ids "11" < "2" < "9" as text
                uow.put(version(number))
            assert uow.last_record(Policy) == version(11)  # what the unit staged counts
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.last_record(Policy) == version(11)
            uow.put(version(12))
            assert uow.last_record(Policy) == version(12)
            uow.rollback()
        with store.unit_of_work() as uow:
            assert uow.last_record(Policy) == version(11)
            with pytest.raises(InvalidInput, match="sort key"):
                uow.last_record(Client)

    def test_a_committed_unit_of_work_is_durable(self, store: Store) -> None:
        uow: UnitOfWork
        with store.unit_of_work() as uow:
            uow.put(Client(id="c-1", name="Ana"))
            uow.commit()
        with store.unit_of_work() as uow:
            found: Any = uow.find_record(Client, "c-1")
        assert found == Client(id="c-1", name="Ana")

    # --- what is stored, as stored: verification and repair ----------------------------------

    def test_stored_rows_show_version_snapshot_and_indexed_columns(
        self, relationships: Store
    ) -> None:
        with relationships.unit_of_work() as uow:
            rows = uow.stored_aggregates(Relationship)
            assert [r.id for r in rows] == uow.ids(Relationship)
            indexed = {a for a in Relationship.INDEXED if a not in ("id", "version")}
            for row in rows:
                aggregate = uow.get(Relationship, row.id)
                assert (row.kind, row.version) == ("relationship", aggregate.version)
                assert type(row.version) is int
                assert decode_aggregate(Relationship, row.id, row.snapshot) == aggregate
                assert set(row.columns) == indexed
                for name, stored in row.columns.items():
                    # SQLite gives booleans back as 0 and 1, which compare equal
                    assert stored == index_value(getattr(aggregate, name)), (row.id, name)
            old = uow.stored_aggregate(Relationship, "r-risk-old")
            assert old == next(r for r in rows if r.id == "r-risk-old")
            assert old.columns["at_risk_since"] == index_value(_AT.subtract(days=9))
            assert old.columns["proposal_expires_at"] is None
            assert uow.stored_aggregate(Relationship, "r-none") is None

    def test_column_values_are_what_a_row_in_step_holds(self, relationships: Store) -> None:
        # recovery_open is a property: a SQL schema cannot tell its type, keeps it in a text
        # column, and the database converts the boolean it is given on the way in.
        asked = [
            FeedbackRequest(
                id=f"f-{state}",
                state=state,
                case_id="case-1",
                party_id="c-1",
                kind="end_of_case",
                requested_at=_AT,
                requested_by="s-1",
            )
            for state in ("recovering", "answered")
        ]
        _store(relationships, *asked)
        with relationships.unit_of_work() as uow:
            for cls in (Relationship, FeedbackRequest):
                for row in uow.stored_aggregates(cls):
                    aggregate = uow.get(cls, row.id)
                    assert uow.column_values(aggregate) == {"version": row.version, **row.columns}
            one, other = (uow.get(FeedbackRequest, a.id) for a in asked)
            assert (
                uow.column_values(one)["recovery_open"]
                != (uow.column_values(other)["recovery_open"])
            )

    def test_stored_rows_come_a_page_at_a_time_in_id_order(self, cases: Store) -> None:
        with cases.unit_of_work() as uow:
            pages: list[list[str]] = []
            after = None
            while page := uow.stored_aggregates(Case, after=after, limit=2):
                pages.append([r.id for r in page])
                after = page[-1].id
            assert pages == [["case-a", "case-b"], ["case-c", "case-d"], ["case-e"]]
            assert uow.stored_aggregates(Case, after="case-bb", limit=1)[0].id == "case-c"
            with pytest.raises(InvalidInput, match="limit"):
                uow.stored_aggregates(Case, limit=0)

    def test_stored_records_come_a_page_at_a_time_by_kind_and_id(self, store: Store) -> None:
        ack = Acknowledgement(staff_id="s-1", version=2, at=_AT)
        with store.unit_of_work() as uow:
            uow.put(Staff(id="s-1", name="Sam", roles=frozenset({"agent"})))
            uow.put(Client(id="c-2", name="Bo"))
            uow.put(ack)
            uow.put(Client(id="c-1", name="Ana"))
            uow.commit()
        with store.unit_of_work() as uow:
            everything = uow.stored_records()
            first = uow.stored_records(limit=2)
            rest = uow.stored_records(after=(first[-1].kind, first[-1].id), limit=5)
            with pytest.raises(InvalidInput, match="limit"):
                uow.stored_records(limit=-1)
        assert [(r.kind, r.id) for r in everything] == [
            ("party", "c-1"),
            ("party", "c-2"),
            ("policy_ack", "s-1@2"),
            ("staff", "s-1"),
        ]
        assert first + rest == everything
        assert decode_record("party", "c-1", everything[0].data) == Client(id="c-1", name="Ana")
        assert [r.sort_key for r in everything] == [None, None, record_sort_key(ack), None]

    def test_rewriting_the_columns_of_a_sound_row_changes_nothing(self, promises: Store) -> None:
        with promises.unit_of_work() as uow:
            before = uow.stored_aggregate(Promise, "p-late")
            events = uow.events(Promise, "p-late")
            assert uow.rewrite_columns(Promise, "p-late") == before
            uow.commit()
        with promises.unit_of_work() as uow:
            assert uow.stored_aggregate(Promise, "p-late") == before
            assert uow.events(Promise, "p-late") == events
            assert uow.select(Promise, open_due_at__lt=_AT, order_by="due_at")[1].id == "p-late"
            with pytest.raises(NotFound):
                uow.rewrite_columns(Promise, "p-none")

    def test_a_healthy_database_passes_its_own_check(self, promises: Store) -> None:
        assert promises.integrity_check() == []
