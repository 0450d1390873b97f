"""Parties, staff, policies and the small validated values every domain object uses."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relationkit import (
    Client,
    Consultant,
    EmptyText,
    InvalidInput,
    NaiveDateTime,
    OutOfRange,
    Party,
    Staff,
    UnknownTimeZone,
    Vendor,
)
from relationkit.app.relationships import first_relationship_id
from relationkit.domain.parties import party_kinds
from relationkit.domain.values import MAX_ID_LENGTH, ident, instant, new_id, text, zone
from relationkit.policy import Clause, Policy
from relationkit.testing import ManualClock
from strategies import examples

NOON = pendulum.datetime(2026, 3, 2, 12, tz="Europe/Paris")


# --- texts --------------------------------------------------------------------------------


def test_text_is_stripped() -> None:
    assert text("  Refund please \n", "statement") == "Refund please"


@pytest.mark.parametrize("blank", ["", " ", "\t\n  "])
def test_blank_text_is_refused_with_the_field_name(blank: str) -> None:
    with pytest.raises(EmptyText) as caught:
        text(blank, "statement")
    assert caught.value.field == "statement"
    assert "'statement' is empty" in str(caught.value)
    assert "give the text in words" in str(caught.value)


def test_non_text_is_refused_as_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="must be text, not int"):
        text(42, "statement")


@settings(max_examples=examples(50), deadline=None)
@given(st.text(alphabet=" \t\n\r\x0b\x0c", max_size=10))
def test_any_whitespace_only_text_is_refused(blank: str) -> None:
    with pytest.raises(EmptyText):
        text(blank, "note")


@settings(max_examples=examples(50), deadline=None)
@given(st.text(min_size=1).filter(lambda s: s.strip() != "" and "\x00" not in s))
def test_any_text_with_words_is_kept_stripped(words: str) -> None:
    assert text(words, "note") == words.strip()


@pytest.mark.parametrize(
    ("words", "problem"),
    [
        ("Ana\ud800", "a lone surrogate ('\\ud800') at position 3"),
        ("\udfffAna", "a lone surrogate ('\\udfff') at position 0"),
        ("Ana\x00Ruiz", "a NUL character ('\\x00') at position 3"),
    ],
)
def test_text_no_store_can_keep_is_refused_where_it_enters(words: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        text(words, "name")
    assert caught.value.field == "name"
    assert problem in str(caught.value)
    with pytest.raises(InvalidInput) as caught:
        Client(id="c-ana", name=words)  # the attrs validators use the same check
    assert caught.value.field == "name"
    with pytest.raises(InvalidInput) as caught:
        Client(id=words, name="Ana")
    assert caught.value.field == "id"


def test_text_beyond_ascii_is_kept() -> None:
    assert text(" Zoë 🙂 Ωμέγα ", "note") == "Zoë 🙂 Ωμέγα"


# --- ids ----------------------------------------------------------------------------------


@pytest.mark.parametrize("good", ["c-ana", "a", "c ana", "Zoë-1", "x" * MAX_ID_LENGTH])
def test_an_id_is_kept_as_it_is(good: str) -> None:
    assert ident(good, "client") == good
    assert Client(id=good, name="Ana").id == good


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (" c-ana", "has white space around it"),
        ("c-ana ", "pass 'c-ana'"),
        ("\tc-ana\n", "ids are matched exactly"),
        ("x" * (MAX_ID_LENGTH + 1), f"an id is at most {MAX_ID_LENGTH} characters"),
        ("x" * 10_000_000, "is 10000000 characters long"),
        ("c-\x00", "a NUL character"),
        ("c-\ud800", "a lone surrogate"),
        (42, "must be an id (text), not int"),
        (None, "must be an id (text), not NoneType"),
    ],
)
def test_a_bad_id_is_refused_naming_its_field(bad: object, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        ident(bad, "client")
    assert caught.value.field == "client"
    assert fragment in str(caught.value)
    assert len(str(caught.value)) < 400  # a long id is not repeated in full


@pytest.mark.parametrize("blank", ["", " ", "\t"])
def test_a_blank_id_is_empty_text(blank: str) -> None:
    with pytest.raises(EmptyText) as caught:
        ident(blank, "case_id")
    assert caught.value.field == "case_id"


@pytest.mark.parametrize(
    "build",
    [
        lambda: Client(id=" c-sp ", name="Sp"),
        lambda: Staff(id="s-sp ", name="Sp"),
        lambda: Client(id="c-ana", name="Ana", contract=" gold"),
    ],
)
def test_people_with_padded_ids_cannot_be_built(build: object) -> None:
    with pytest.raises(InvalidInput, match="has white space around it"):
        build()  # type: ignore[operator]


def test_the_first_relationship_of_a_party_with_a_long_id_has_an_id_too() -> None:
    longest = "c-" + "a" * (MAX_ID_LENGTH - 2)
    derived = first_relationship_id(longest)
    assert ident(derived, "id") == derived
    assert derived == first_relationship_id(longest)  # one per party
    assert derived != first_relationship_id(longest[:-1] + "b")
    assert first_relationship_id("c-ana") == "relationship_c-ana"


# --- instants and zones ---------------------------------------------------------------------


def test_instant_keeps_the_zone_of_an_aware_time() -> None:
    assert instant(NOON, "due").timezone_name == "Europe/Paris"


def test_instant_converts_an_aware_stdlib_datetime() -> None:
    value = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    converted = instant(value, "due")
    assert isinstance(converted, pendulum.DateTime)
    assert converted == pendulum.datetime(2026, 3, 2, 12, tz="UTC")


@pytest.mark.parametrize(
    "naive",
    [dt.datetime(2026, 3, 2, 12), pendulum.naive(2026, 3, 2, 12)],
    ids=["stdlib", "pendulum"],
)
def test_naive_times_are_refused(naive: dt.datetime) -> None:
    with pytest.raises(NaiveDateTime, match="has no time zone") as caught:
        instant(naive, "due")
    assert caught.value.field == "due"
    assert isinstance(caught.value, ValueError)


def test_a_date_is_not_an_instant() -> None:
    with pytest.raises(InvalidInput, match="must be a datetime"):
        instant(dt.date(2026, 3, 2), "due")


def test_known_zone_passes_and_unknown_is_refused() -> None:
    assert zone("America/New_York") == "America/New_York"
    with pytest.raises(UnknownTimeZone, match="'Mars/Olympus'") as caught:
        zone("Mars/Olympus")
    assert caught.value.name == "Mars/Olympus"
    with pytest.raises(UnknownTimeZone):
        zone("   ")


def test_new_ids_are_prefixed_and_unique() -> None:
    ids = {new_id("case") for _ in range(200)}
    assert len(ids) == 200
    assert all(i.startswith("case_") for i in ids)


# --- parties and staff ----------------------------------------------------------------------


def test_party_kinds_share_one_base() -> None:
    kinds = party_kinds()
    assert set(kinds) == {"client", "vendor", "consultant"}
    for cls in (Client, Vendor, Consultant):
        person = cls(id=f"p-{cls.KIND}", name="Someone")
        assert isinstance(person, Party)
        assert person.kind == cls.KIND
        assert kinds[person.kind] is cls


def test_party_defaults_and_courtesy_title() -> None:
    client = Client(id="c-1", name="Dr Ana Ruiz", title="Dr", timezone="Europe/Madrid")
    assert client.contract == "standard"
    assert client.segment is None
    assert client.title == "Dr"
    assert client.timezone == "Europe/Madrid"


@pytest.mark.parametrize("field", ["id", "name", "contract"])
def test_party_refuses_blank_required_texts(field: str) -> None:
    values = {"id": "c-1", "name": "Ana", "contract": "gold", field: "  "}
    with pytest.raises(EmptyText, match=f"'{field}'"):
        Client(**values)


def test_party_refuses_unknown_time_zone() -> None:
    with pytest.raises(UnknownTimeZone, match="'timezone' names the time zone 'Nowhere/City'"):
        Client(id="c-1", name="Ana", timezone="Nowhere/City")


def test_staff_roles_are_normalised() -> None:
    solo = Staff(id="s-1", name="Sam", roles="agent")
    assert solo.roles == frozenset({"agent"})
    both = Staff(id="s-2", name="Mia", roles=["agent", "manager"])
    assert both.has_role("manager")
    assert both.has_role("partner", "agent")
    assert not both.has_role("partner")
    assert Staff(id="s-3", name="New").roles == frozenset()


def test_staff_refuses_blank_role() -> None:
    with pytest.raises(EmptyText, match="'role'"):
        Staff(id="s-1", name="Sam", roles={"agent", " "})


# --- policy ---------------------------------------------------------------------------------


def test_policy_finds_clauses_by_id() -> None:
    policy = Policy(
        version=1,
        published_at=NOON,
        clauses=[Clause(id="refunds-30d", text="Refunds within 30 days.")],
    )
    assert policy.id == "1"
    assert policy.clause_ids == ("refunds-30d",)
    assert policy.clause("refunds-30d") is not None
    assert policy.clause("no-such-clause") is None


def test_policy_accepts_an_aware_stdlib_time() -> None:
    policy = Policy(
        version=1,
        published_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        clauses=[Clause(id="a", text="A.")],
    )
    assert isinstance(policy.published_at, pendulum.DateTime)


def test_policy_refusals() -> None:
    clause = Clause(id="a", text="A.")
    with pytest.raises(InvalidInput, match="no clauses"):
        Policy(version=1, published_at=NOON, clauses=[])
    with pytest.raises(InvalidInput, match="more than once"):
        Policy(version=1, published_at=NOON, clauses=[clause, clause])
    with pytest.raises(OutOfRange):
        Policy(version=0, published_at=NOON, clauses=[clause])
    with pytest.raises(NaiveDateTime):
        Policy(version=1, published_at=dt.datetime(2026, 1, 1), clauses=[clause])
    with pytest.raises(EmptyText):
        Clause(id="a", text=" ")


# --- the manual clock -----------------------------------------------------------------------


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(NOON)
    assert clock.now() == NOON
    assert clock.advance(hours=2).now() == NOON.add(hours=2)
    assert clock.set(NOON.subtract(days=1)).now() == NOON.subtract(days=1)
    with pytest.raises(NaiveDateTime):
        clock.set(pendulum.naive(2026, 1, 1))
