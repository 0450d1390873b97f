"""Bad input is refused with a typed error that says what, why and what instead, and nothing
stored changes: the case and its timeline are exactly as they were."""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Callable
from typing import Any

import cattrs
import pendulum
import pytest

from relationkit import (
    Client,
    ConcurrencyError,
    EmptyText,
    InvalidFields,
    InvalidInput,
    InvalidTransition,
    MemoryStore,
    NaiveDateTime,
    NotFound,
    NotPermitted,
    RelationkitError,
    Relations,
    RuleViolation,
    RuleViolations,
    Staff,
    UnknownTimeZone,
)
from relationkit.cases import (
    Acknowledge,
    Case,
    Close,
    ConfirmHeard,
    Decline,
    Defer,
    Escalate,
    OpenCase,
    RecordStatement,
    Resolve,
)
from relationkit.feedback import GiveFeedback
from relationkit.policy import Clause, Policy
from relationkit.promises import MakePromise
from relationkit.relationships import End
from relationkit.serialization import converter
from relationkit.testing import ManualClock
from world import ACME, ANA, CASE_RULES, SAM, world

START = pendulum.datetime(2026, 3, 2, 9, tz="Europe/Berlin")

DECLINE = Decline(reason="Outside the window.", clause_id="refunds-30d")


class Setting:
    """A store with people, a policy and two cases: ``live`` (heard) and ``done`` (closed)."""

    def __init__(self) -> None:
        self.clock = ManualClock(START)
        self.rk = world(ANA, ACME, SAM, clock=self.clock, config=CASE_RULES, publisher=None)
        for case_id in ("live", "done"):
            self.rk.open_case(
                actor="s-sam",
                client="c-ana",
                subject="Refund",
                statement="I want my money back.",
                case_id=case_id,
            )
            self.rk.handle(case_id, Acknowledge(paraphrase="You want a refund."), actor="s-sam")
            self.rk.handle(case_id, ConfirmHeard(), actor="c-ana")
        self.rk.handle("done", DECLINE, actor="s-sam")
        self.rk.handle("done", Resolve(summary="Explained the policy."), actor="s-sam")
        self.rk.handle("done", Close(), actor="s-sam")

    def state(self) -> tuple[list[Case], dict[str, list[object]]]:
        cases = self.rk.cases()
        return cases, {c.id: list(self.rk.timeline(c.id)) for c in cases}


Attempt = Callable[[Setting], object]

CASES: list[tuple[str, Attempt, type[RelationkitError], tuple[str, ...]]] = [
    (
        "blank paraphrase",
        lambda s: s.rk.handle("live", Acknowledge(paraphrase="   "), actor="s-sam"),
        EmptyText,
        ("'paraphrase' is empty", "a blank text records nothing", "give the text in words"),
    ),
    (
        "empty statement",
        lambda s: s.rk.handle("live", RecordStatement(text=""), actor="s-sam"),
        EmptyText,
        ("'text' is empty",),
    ),
    (
        "blank statement when opening",
        lambda s: s.rk.open_case(actor="s-sam", client="c-ana", subject="X", statement="\n\t"),
        EmptyText,
        ("'statement' is empty",),
    ),
    (
        "blank decline reason",
        lambda s: s.rk.handle("live", Decline(reason=" ", clause_id="refunds-30d"), actor="s-sam"),
        EmptyText,
        ("'reason' is empty",),
    ),
    (
        "blank actor",
        lambda s: s.rk.handle("live", Escalate(reason="Angry."), actor=" "),
        EmptyText,
        ("'actor' is empty",),
    ),
    (
        "blank case id",
        lambda s: s.rk.handle("", Escalate(reason="Angry."), actor="s-sam"),
        EmptyText,
        ("'case_id' is empty",),
    ),
    (
        "a case id with white space around it",
        lambda s: s.rk.handle(" live ", Escalate(reason="Angry."), actor="s-sam"),
        InvalidInput,
        ("'case_id' = ' live ' has white space around it", "pass 'live'"),
    ),
    (
        "an actor id with white space around it",
        lambda s: s.rk.handle("live", Escalate(reason="Angry."), actor="s-sam "),
        InvalidInput,
        ("'actor' = 's-sam ' has white space around it",),
    ),
    (
        "opening a case under an id with white space around it",
        lambda s: s.rk.open_case(
            actor="s-sam", client="c-ana", subject="X", statement="Y", case_id=" k-sp "
        ),
        InvalidInput,
        ("'case_id' = ' k-sp ' has white space around it",),
    ),
    (
        "a client id with white space around it",
        lambda s: s.rk.open_case(actor="s-sam", client="c-ana ", subject="X", statement="Y"),
        InvalidInput,
        ("'client' = 'c-ana ' has white space around it",),
    ),
    (
        "a case id ten million characters long",
        lambda s: s.rk.open_case(
            actor="s-sam", client="c-ana", subject="X", statement="Y", case_id="k" * 10_000_000
        ),
        InvalidInput,
        ("is 10000000 characters long", "an id is at most 200 characters"),
    ),
    (
        "a lone surrogate in a statement",
        lambda s: s.rk.handle("live", RecordStatement(text="Still \ud800 wrong."), actor="c-ana"),
        InvalidInput,
        ("'text' contains a lone surrogate", "cannot be written as UTF-8"),
    ),
    (
        "a NUL character in a subject",
        lambda s: s.rk.open_case(actor="s-sam", client="c-ana", subject="A\x00", statement="Y"),
        InvalidInput,
        ("'subject' contains a NUL character",),
    ),
    (
        "a lone surrogate in a case id",
        lambda s: s.rk.open_case(
            actor="s-sam", client="c-ana", subject="X", statement="Y", case_id="k-\udc80"
        ),
        InvalidInput,
        ("'case_id' contains a lone surrogate",),
    ),
    (
        "naive stdlib reply-by",
        lambda s: s.rk.handle(
            "live", Defer(reply_by=dt.datetime(2026, 3, 3, 9), reason="Check."), actor="s-sam"
        ),
        NaiveDateTime,
        ("'reply_by' = 2026-03-03 09:00:00 has no time zone", "different instants", "aware"),
    ),
    (
        "naive pendulum reply-by",
        lambda s: s.rk.handle(
            "live", Defer(reply_by=pendulum.naive(2026, 3, 3, 9), reason="Check."), actor="s-sam"
        ),
        NaiveDateTime,
        ("has no time zone",),
    ),
    (
        "reply-by that is not a time",
        lambda s: s.rk.handle(
            "live",
            Defer(reply_by="tomorrow", reason="Check."),
            actor="s-sam",
        ),
        InvalidInput,
        ("'reply_by' must be a datetime, not str", "pass an aware pendulum.DateTime"),
    ),
    (
        "unknown time zone on a client",
        lambda s: s.rk.register(Client(id="c-new", name="New", timezone="Europe/Atlantis")),
        UnknownTimeZone,
        ("'Europe/Atlantis'", "not a zone of the IANA", "use a name such as"),
    ),
    (
        "unknown case id",
        lambda s: s.rk.handle("case-ghost", Escalate(reason="Angry."), actor="s-sam"),
        NotFound,
        ("no case with id 'case-ghost'", "nothing is stored under it", "check the id"),
    ),
    (
        "unknown actor id",
        lambda s: s.rk.handle("live", Escalate(reason="Angry."), actor="s-ghost"),
        NotFound,
        ("no actor with id 's-ghost'", "registered staff member or party"),
    ),
    (
        "unknown client id",
        lambda s: s.rk.open_case(actor="s-sam", client="c-ghost", subject="X", statement="Y"),
        NotFound,
        ("no party with id 'c-ghost'", "register the client"),
    ),
    (
        "staff id given as the client",
        lambda s: s.rk.open_case(actor="s-sam", client="s-sam", subject="X", statement="Y"),
        NotFound,
        ("no party with id 's-sam'",),
    ),
    (
        "a client running a staff command",
        lambda s: s.rk.handle("live", Escalate(reason="Me."), actor="c-ana"),
        NotPermitted,
        ("'escalate' is a staff command and 'c-ana' is a client", "a party may only"),
    ),
    (
        "confirming again once heard",
        lambda s: s.rk.handle("live", ConfirmHeard(), actor="s-sam"),
        InvalidTransition,  # the case is already heard: the state refuses first
        ("the case is 'heard', which does not offer it", "you may:"),
    ),
    (
        "a vendor opening a case",
        lambda s: s.rk.open_case(actor="v-acme", client="c-ana", subject="X", statement="Y"),
        NotPermitted,
        ("'open' is a staff command and 'v-acme' is a vendor",),
    ),
    (
        "a decision on a closed case",
        lambda s: s.rk.handle("done", DECLINE, actor="s-sam"),
        InvalidTransition,
        ("'decline' on case 'done'", "the case is 'closed'", "from 'closed' you may: reopen"),
    ),
    (
        "a stale version",
        lambda s: s.rk.handle("live", Escalate(reason="Angry."), actor="s-sam", expected_version=2),
        ConcurrencyError,
        ("at version 2", "the store holds version 3", "read it again and re-run"),
    ),
    (
        "a clause that does not exist",
        lambda s: s.rk.handle(
            "live", Decline(reason="Too late.", clause_id="refunds-90d"), actor="s-sam"
        ),
        RuleViolation,
        ("[R2]", "'refunds-90d' does not exist in policy version 1", "cite one of: refunds-30d"),
    ),
    (
        "a policy that skips a version",
        lambda s: s.rk.policy.publish(
            Policy(version=3, published_at=START, clauses=[Clause(id="a", text="A.")])
        ),
        InvalidInput,
        ("publishing policy version 3", "the next version is 2", "publish it as version 2"),
    ),
    (
        "registering something that is not a person",
        lambda s: s.rk.register("Ana"),  # type: ignore[arg-type]
        InvalidInput,
        ("registering a str", "only parties", "build one of those"),
    ),
]


@pytest.mark.parametrize(
    ("attempt", "error", "fragments"),
    [pytest.param(a, e, f, id=label) for label, a, e, f in CASES],
)
def test_bad_input_is_refused_and_changes_nothing(
    attempt: Attempt, error: type[RelationkitError], fragments: tuple[str, ...]
) -> None:
    setting = Setting()
    before = setting.state()
    people = (setting.rk.party("c-ana"), setting.rk.staff("s-sam"))
    policy = setting.rk.policy.current()
    with pytest.raises(error) as caught:
        attempt(setting)
    message = str(caught.value)
    assert isinstance(caught.value, RelationkitError)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert setting.state() == before
    assert (setting.rk.party("c-ana"), setting.rk.staff("s-sam")) == people
    assert setting.rk.policy.current() == policy
    assert setting.rk.verify_all().ok


def test_input_errors_are_value_errors_and_name_their_field() -> None:
    with pytest.raises(ValueError, match="'paraphrase' is empty") as caught:
        Acknowledge(paraphrase="")
    assert isinstance(caught.value, InvalidInput)
    assert caught.value.field == "paraphrase"


def test_a_clock_that_gives_naive_times_is_refused() -> None:
    class NaiveClock:
        def now(self) -> pendulum.DateTime:
            return pendulum.naive(2026, 3, 2, 9)

    setting = Setting()
    before = setting.state()
    setting.rk = Relations(setting.rk.store, clock=NaiveClock(), config=setting.rk.config)
    with pytest.raises(NaiveDateTime, match=r"'clock\.now\(\)'"):
        setting.rk.handle("live", Escalate(reason="Angry."), actor="s-sam")
    with pytest.raises(NaiveDateTime):
        setting.rk.open_case(actor="s-sam", client="c-ana", subject="X", statement="Y")
    assert setting.state() == before


def test_a_registration_with_one_bad_person_stores_none_of_them() -> None:
    setting = Setting()
    with pytest.raises(InvalidInput):
        setting.rk.register(Client(id="c-zoe", name="Zoe"), "not a person")  # type: ignore[arg-type]
    with pytest.raises(NotFound, match="no party with id 'c-zoe'"):
        setting.rk.party("c-zoe")


@pytest.mark.parametrize(
    ("ask", "field"),
    [
        (lambda rk: rk.case(" live"), "case_id"),
        (lambda rk: rk.timeline("live "), "id"),
        (lambda rk: rk.party(" c-ana"), "party_id"),
        (lambda rk: rk.staff("s-sam\n"), "staff_id"),
        (lambda rk: rk.options(" live", actor="s-sam"), "case_id"),
        (lambda rk: rk.promises.get(" p-1"), "promise_id"),
        (lambda rk: rk.promises.timeline(" p-1"), "promise_id"),
        (lambda rk: rk.relationships.get(" relationship_c-ana"), "relationship_id"),
        (lambda rk: rk.relationships.timeline(" relationship_c-ana"), "relationship_id"),
        (lambda rk: rk.feedback.get(" f-1"), "request_id"),
        (lambda rk: rk.liaison.timeline(" t-1"), "ticket_id"),
        (lambda rk: rk.liaison.ticket("t-1 "), "ticket_id"),
        (lambda rk: rk.liaison.recurrence_chain(" live"), "case_id"),
        (lambda rk: rk.liaison.recurrences(" live"), "case_id"),
        (lambda rk: rk.liaison.vendor_reliability(" v-acme"), "vendor_id"),
        (lambda rk: rk.equality.targets(" c-ana"), "party_id"),
        (lambda rk: rk.health.last_contact(" c-ana"), "party_id"),
        (lambda rk: rk.calendars.get(" cal"), "calendar_id"),
        (lambda rk: rk.register(Client(id=" c-sp ", name="Sp")), "id"),
        (lambda rk: rk.register(Staff(id=" s-sp", name="Sp")), "id"),
    ],
)
def test_every_entry_point_refuses_an_id_with_white_space_around_it(
    ask: Callable[[Relations], object], field: str
) -> None:
    setting = Setting()
    before = setting.state()
    with pytest.raises(InvalidInput, match="has white space around it") as caught:
        ask(setting.rk)
    assert caught.value.field == field
    assert setting.state() == before


@pytest.mark.parametrize(
    ("data", "cls", "field", "fragment"),
    [
        ({"text": True}, RecordStatement, "text", "must be text, not bool (True)"),
        ({"paraphrase": 123}, Acknowledge, "paraphrase", "must be text, not int (123)"),
        (
            {"client_id": "c-ana", "subject": "S", "statement": "T", "escalated": "yes"},
            OpenCase,
            "escalated",
            "must be true or false, not str ('yes')",
        ),
        (
            {"owner_id": "s", "party_id": "c", "what": "W", "due_at": "2026-03-03T12:00:00Z"}
            | {"stretch": 1},
            MakePromise,
            "stretch",
            "must be true or false, not int (1)",
        ),
        ({"csat": True}, GiveFeedback, "csat", "must be a whole number, not bool (True)"),
        ({"csat": 4.0}, GiveFeedback, "csat", "must be a whole number, not float (4.0)"),
        ({"reason": "R", "evidence": ["a", 3]}, Decline, "evidence.1", "must be text, not int"),
        ({"text": "More.", "said": "x"}, RecordStatement, "said", "there is no field 'said'"),
        ({}, RecordStatement, "text", "'text' is missing"),
    ],
)
def test_command_data_of_the_wrong_type_is_refused_naming_the_field(
    data: dict[str, Any], cls: type, field: str, fragment: str
) -> None:
    with pytest.raises(InvalidFields) as caught:
        converter.structure(data, cls)
    assert isinstance(caught.value, InvalidInput)
    assert isinstance(caught.value, cattrs.BaseValidationError)  # as cattrs callers expect
    assert caught.value.field == field
    assert fragment in str(caught.value)
    assert str(caught.value).startswith(f"refused: the data for {cls.__name__}: ")


def test_structuring_still_reads_what_it_wrote() -> None:
    promise = MakePromise(
        owner_id="s-sam",
        party_id="c-ana",
        what="A refund.",
        due_at=START.add(days=2),
        stretch=True,
        scope=("refund",),
    )
    assert converter.structure(converter.unstructure(promise), MakePromise) == promise
    feedback = GiveFeedback(csat=4, nps=9, comment="Quick.")
    assert converter.structure(converter.unstructure(feedback), GiveFeedback) == feedback


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: RecordStatement(text=True), "text"),
        (lambda: Acknowledge(paraphrase=123), "paraphrase"),
        (
            lambda: OpenCase(client_id="c-ana", subject="S", statement="T", escalated="yes"),
            "escalated",
        ),
        (
            lambda: MakePromise(owner_id="s", party_id="c", what="W", due_at=START, stretch=1),
            "stretch",
        ),
        (lambda: Decline(reason="No.", evidence=3), "evidence"),
        (lambda: End(amicable="yes"), "amicable"),
    ],
)
def test_commands_built_in_python_refuse_values_of_the_wrong_type(
    build: Callable[[], object], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        build()
    assert caught.value.field == field


@pytest.mark.parametrize("version", [True, False, 1.0, "3", -1])
def test_an_expected_version_that_is_not_a_version_is_refused(version: object) -> None:
    setting = Setting()
    before = setting.state()
    for run in (
        lambda: setting.rk.handle(
            "live", Escalate(reason="Angry."), actor="s-sam", expected_version=version
        ),
        lambda: setting.rk.execute(
            Case, "live", Escalate(reason="Angry."), actor="s-sam", expected_version=version
        ),
    ):
        with pytest.raises(InvalidInput) as caught:
            run()
        assert caught.value.field == "expected_version"
    assert setting.state() == before


def test_messages_never_leak_a_bare_key_error() -> None:
    setting = Setting()
    with pytest.raises(NotFound) as caught:
        setting.rk.timeline("case-ghost")
    assert isinstance(caught.value, LookupError)
    assert "no case with id 'case-ghost'" in str(caught.value)
    with pytest.raises(NotFound, match="no staff with id 'c-ana'"):
        setting.rk.staff("c-ana")


def _violation(rule_id: str) -> RuleViolation:
    return RuleViolation(
        rule_id=rule_id, aggregate_id="k", actor_id="s-sam", command="decline", reason="why"
    )


@pytest.mark.parametrize(
    "error",
    [
        EmptyText("paraphrase"),
        NaiveDateTime("reply_by", dt.datetime(2026, 3, 3, 9)),
        UnknownTimeZone("timezone", "Mars/Olympus"),
        NotFound("case", "k"),
        NotPermitted(aggregate_id="k", actor_id="c-ana", command="escalate", reason="no"),
        InvalidTransition(
            kind="case", aggregate_id="k", state="closed", command="decline", allowed=["reopen"]
        ),
        ConcurrencyError("case", "k", 1, 2),
        _violation("R2"),
        RuleViolations("two rules refused", [_violation("R1"), _violation("R3")]),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_survive_pickling(error: RelationkitError) -> None:
    """Errors cross process boundaries (worker pools, task queues) with all they carry."""
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)
    if isinstance(error, RuleViolations):
        assert isinstance(copy, RuleViolations)
        assert copy.rule_ids == error.rule_ids == ("R1", "R3")


@pytest.mark.parametrize("text", ["2026-03-03T12:00:00", "2026-03-03T12:00", "2026-03-03"])
def test_stored_or_sent_time_text_without_a_zone_is_refused_not_read_as_utc(text: str) -> None:
    # JSON from a web client reaches commands through the converter: a time that names no
    # offset could be any of 24 instants, so it is refused rather than silently taken as UTC.
    with pytest.raises(cattrs.BaseValidationError) as caught:
        converter.structure({"reply_by": text, "reason": "Checking with finance."}, Defer)
    assert "names no offset or time zone" in repr(caught.value.exceptions)


def test_time_text_with_an_offset_keeps_that_offset() -> None:
    back = converter.structure("2026-03-03T12:00:00+01:00", pendulum.DateTime)
    assert back == pendulum.datetime(2026, 3, 3, 11, tz="UTC")
    assert back.utcoffset() == dt.timedelta(hours=1)


def test_a_reply_by_time_with_a_fixed_offset_becomes_a_reply_promise() -> None:
    # A time from JSON or a standard-library datetime may carry a bare offset, not a zone name.
    rk = Relations(MemoryStore(), clock=ManualClock(START))
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    case = rk.open_case(actor="s-sam", client="c-ana", subject="Refund", statement="Refund me.")
    rk.handle(case.id, Acknowledge(paraphrase="You want a refund."), actor="s-sam")
    rk.handle(case.id, ConfirmHeard(), actor="c-ana")
    offset = dt.timezone(dt.timedelta(hours=1))
    reply_by = dt.datetime(2026, 3, 4, 12, tzinfo=offset)
    rk.handle(case.id, Defer(reply_by=reply_by, reason="Checking with finance."), actor="s-sam")
    assert rk.case(case.id).state == "deferred"
    (reply,) = rk.promises.find(case_id=case.id)
    assert reply.due_at == reply_by
    assert reply.due_at.utcoffset() == dt.timedelta(hours=1)
