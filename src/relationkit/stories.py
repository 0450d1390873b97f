"""Short, runnable stories that show relationkit at work; ``relationkit demo`` plays them.

A story is a function that receives a :class:`Stage` (the service, a clock that moves only
when told, and a place to narrate) and plays a scene: staff and clients issue commands,
some of which the care rules refuse, and the stage records what happened and which
timelines to show. Register a story with the :func:`story` decorator; ``relationkit demo``
plays every registered story in order, and each script in the project's ``examples``
folder plays one of them with :func:`tell`.

Example:
    >>> from relationkit import MemoryStore
    >>> from relationkit.stories import find_story, play
    >>> stage = play(find_story("saying-no"), MemoryStore())
    >>> [line.rule_ids for line in stage.lines if line.kind == "refused"][0]
    ('R1', 'R3')
    >>> stage.rk.case(stage.shown[0].aggregate_id).state
    'closed'
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

import attrs
import pendulum

from relationkit.app.relations import Relations
from relationkit.domain.aggregate import Aggregate
from relationkit.domain.calendar import BusinessCalendar, BusinessTime
from relationkit.domain.case import (
    Accept,
    Acknowledge,
    Close,
    Compromise,
    ConfirmHeard,
    Consult,
    CorrectParaphrase,
    Decline,
    Defer,
    MatchExpectation,
    RecordExpectation,
    ResetExpectation,
    Resolve,
    StartWork,
)
from relationkit.domain.equality import Entitlement
from relationkit.domain.events import Event
from relationkit.domain.feedback import CHECK_IN
from relationkit.domain.offering import Offering
from relationkit.domain.parties import Client, Party, Staff, Vendor
from relationkit.domain.policy import Clause, Policy
from relationkit.domain.promise import Promise
from relationkit.domain.relationship import Relationship
from relationkit.exceptions import NotFound, RelationkitError, RuleViolation, RuleViolations
from relationkit.serialization import datetime_from_text
from relationkit.store.base import Store
from relationkit.store.memory import MemoryStore
from relationkit.testing import ManualClock

__all__ = [
    "Line",
    "Shown",
    "Stage",
    "Story",
    "StoryBroken",
    "TimelineRow",
    "find_story",
    "play",
    "stories",
    "story",
    "tell",
    "transcript",
]


class StoryBroken(AssertionError):
    """A story did not go as written: a step that should be refused was accepted."""


@attrs.frozen(kw_only=True)
class Line:
    """One line of a story's narration.

    Attributes:
        kind: ``"say"`` (narration), ``"done"`` (an accepted step) or ``"refused"``.
        text: what happened, in plain words.
        rule_ids: for a refusal, the care rules (or the error's name) that refused.
        reasons: for a refusal, relationkit's own explanation, one per rule.
        details: for narration, further lines to show under it (figures, explanations).
    """

    kind: str
    text: str
    rule_ids: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    details: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Shown:
    """A timeline a story wants shown: which aggregate, a caption, and the time zone
    its times are read in."""

    cls: type[Aggregate]
    aggregate_id: str
    caption: str
    zone: str = "UTC"


TimelineRow = tuple[str, str, str, str, str]
"""One event of a shown timeline, as text: number, when, who, what happened, details."""

_ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


@attrs.define(kw_only=True)
class Stage:
    """Where a story plays: the service, its clock, and what the story narrates.

    Attributes:
        rk: the service the story uses.
        clock: the service's clock; stories move it with ``advance`` or ``set``.
        zone: the time zone the story's times are shown in.
        lines: the narration so far.
        shown: the timelines to show after the story.
    """

    rk: Relations
    clock: ManualClock
    zone: str = "UTC"
    lines: list[Line] = attrs.Factory(list)
    shown: list[Shown] = attrs.Factory(list)
    _suffix: str = attrs.field(default="", init=False)
    _names: dict[str, str] = attrs.field(factory=dict, init=False)

    def say(self, text: str, *details: str) -> None:
        """Narrate, with optional detail lines shown under the narration."""
        self.lines.append(Line(kind="say", text=text, details=details))

    def check(self, condition: bool, text: str, *details: str) -> None:
        """Narrate ``text``, a fact the story relies on (``condition``).

        Raises:
            StoryBroken: ``condition`` is false.
        """
        if not condition:
            raise StoryBroken(f"the story expected this, but it is not so: {text}")
        self.say(text, *details)

    def do(self, text: str, action: Callable[[], Any]) -> Any:
        """Run a step that must be accepted; narrate it and return what it returned."""
        result = action()
        self.lines.append(Line(kind="done", text=text))
        return result

    def hear(
        self, case_id: str, *, staff: str, restate: str, paraphrase: str, client: str, confirm: str
    ) -> Any:
        """Two accepted steps of listening (R1): ``staff`` restates the concern in their own
        words (narrated as ``restate``), then ``client`` confirms it (``confirm``)."""
        rk = self.rk
        self.do(
            restate, lambda: rk.handle(case_id, Acknowledge(paraphrase=paraphrase), actor=staff)
        )
        return self.do(confirm, lambda: rk.handle(case_id, ConfirmHeard(), actor=client))

    def refused(self, text: str, action: Callable[[], Any]) -> RelationkitError:
        """Run a step that relationkit must refuse; narrate the refusal and return it.

        Raises:
            StoryBroken: the step was accepted.
        """
        try:
            action()
        except RelationkitError as exc:
            rule_ids, reasons = _explain(exc)
            self.lines.append(Line(kind="refused", text=text, rule_ids=rule_ids, reasons=reasons))
            return exc
        raise StoryBroken(f"the story expected a refusal, but this was accepted: {text}")

    def show(self, subject: Aggregate, caption: str) -> None:
        """Show ``subject``'s timeline after the story."""
        self.shown.append(
            Shown(cls=type(subject), aggregate_id=subject.id, caption=caption, zone=self.zone)
        )

    # --- the story's people and ids ----------------------------------------------------------

    def cast(self, *people: Party | Staff) -> tuple[str, ...]:
        """Register the story's people and return their ids, in the order given.

        A story names its people with fixed ids (``"c-ana"``). When the store already
        holds them from an earlier playing, this playing's people (and every id made with
        :meth:`id`) get a suffix (``"c-ana-2"``), so the story plays again, beside the
        earlier one, exactly as written.
        """
        n = 1
        while True:
            suffix = "" if n == 1 else f"-{n}"
            if not any(self._known(person.id + suffix) for person in people):
                break
            n += 1
        self._suffix = suffix
        renamed = [attrs.evolve(person, id=person.id + suffix) for person in people]
        self.rk.register(*renamed)
        return tuple(person.id for person in renamed)

    def id(self, wanted: str) -> str:
        """``wanted`` as an id of this playing (see :meth:`cast`)."""
        return wanted + self._suffix

    def _known(self, person_id: str) -> bool:
        with self.rk.store.unit_of_work() as uow:
            return (
                uow.find_record(Party, person_id) is not None
                or uow.find_record(Staff, person_id) is not None
            )

    def name_of(self, some_id: str) -> str:
        """The name of the person (staff or party) with this id, or the id itself."""
        if some_id not in self._names:
            with self.rk.store.unit_of_work() as uow:
                found: Staff | Party | None = uow.find_record(Staff, some_id)
                if found is None:
                    found = uow.find_record(Party, some_id)
            self._names[some_id] = found.name if found is not None else some_id
        return self._names[some_id]

    # --- the written policy ------------------------------------------------------------------

    def ensure_clauses(self, *clauses: Clause) -> Policy:
        """Make sure the written policy in force has ``clauses``, publishing the next
        version (with every clause it already had) when it lacks some."""
        current = self.rk.policy.current()
        have = {} if current is None else {c.id: c for c in current.clauses}
        if current is not None and all(c.id in have for c in clauses):
            return current
        return self.revise_policy(*(c for c in clauses if c.id not in have))

    def revise_policy(self, *clauses: Clause) -> Policy:
        """Publish the next version of the written policy: every clause it had, with
        ``clauses`` added (or replacing those with the same id)."""
        current = self.rk.policy.current()
        kept = {} if current is None else {c.id: c for c in current.clauses}
        kept.update({c.id: c for c in clauses})
        return self.rk.policy.publish(
            Policy(
                version=1 if current is None else current.version + 1,
                published_at=self.rk.now(),
                clauses=tuple(kept.values()),
            )
        )

    # --- reading back ------------------------------------------------------------------------

    def when(self, at: pendulum.DateTime, zone: str | None = None) -> str:
        """A time as the story's readers read it (in ``zone`` or the stage's zone)."""
        return at.in_timezone(zone or self.zone).format("ddd D MMM YYYY HH:mm")

    def timeline(self, shown: Shown) -> list[TimelineRow]:
        """The events of a shown timeline, as text, with people by name."""
        return [
            (
                str(event.sequence),
                self.when(event.at, shown.zone),
                self.name_of(event.actor_id),
                event.name,
                self.details(event, shown.zone),
            )
            for event in self.rk.timeline(shown.aggregate_id, shown.cls)
        ]

    def details(self, event: Event, zone: str | None = None) -> str:
        """An event's data in plain words: people by name, times in ``zone``."""
        parts = []
        for key, value in event.data.items():
            if value in (None, False, "", [], (), {}):
                continue
            label = key.replace("_", " ")
            if key.endswith("_id") and isinstance(value, str):
                label, value = label[:-3], self.name_of(value)
            elif isinstance(value, str):
                value = self.name_of(value)
            elif key.endswith(("_every", "_within")) and isinstance(value, int | float):
                value = pendulum.duration(seconds=value).in_words()
            parts.append(f"{label}: {self._plain(value, zone)}")
        return "; ".join(parts)

    def _plain(self, value: Any, zone: str | None) -> str:
        if value is True:
            return "yes"
        if isinstance(value, str) and _ISO_TIME.match(value):
            try:
                return self.when(datetime_from_text(value), zone)
            except (ValueError, RelationkitError):
                return value
        if isinstance(value, Mapping):
            return ", ".join(
                f"{k.replace('_', ' ')} {self._plain(v, zone)}"
                for k, v in value.items()
                if v not in (None, "", [], ())
            )
        if isinstance(value, list | tuple):
            return ", ".join(self._plain(v, zone) for v in value)
        if isinstance(value, pendulum.DateTime):
            return self.when(value, zone)
        return str(value)


def _explain(exc: RelationkitError) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if isinstance(exc, RuleViolations):
        return exc.rule_ids, tuple(v.reason for v in exc.violations)
    if isinstance(exc, RuleViolation):
        return (exc.rule_id,), (exc.reason,)
    return (type(exc).__name__,), (str(exc),)


@attrs.frozen(kw_only=True)
class Story:
    """A registered story.

    Attributes:
        name: a short id used on the command line (``relationkit demo --story saying-no``).
        title: a one-line title.
        summary: what the story shows (the function's docstring).
        play: the function that plays it on a :class:`Stage`.
    """

    name: str
    title: str
    summary: str
    play: Callable[[Stage], None] = attrs.field(repr=False)


_STORIES: list[Story] = []


def story(name: str, title: str) -> Callable[[Callable[[Stage], None]], Callable[[Stage], None]]:
    """Register a story function under ``name``; its docstring says what it shows."""

    def register(function: Callable[[Stage], None]) -> Callable[[Stage], None]:
        if any(s.name == name for s in _STORIES):
            raise ValueError(f"a story named {name!r} is already registered")
        summary = " ".join((function.__doc__ or "").split())
        _STORIES.append(Story(name=name, title=title, summary=summary, play=function))
        return function

    return register


def stories() -> list[Story]:
    """Every registered story, in the order they were registered."""
    return list(_STORIES)


def find_story(name: str) -> Story:
    """The story called ``name``.

    Raises:
        NotFound: there is no such story (the message lists the known ones).
    """
    for found in _STORIES:
        if found.name == name:
            return found
    raise NotFound("story", name, f"known stories: {', '.join(s.name for s in _STORIES)}")


def play(
    chosen: Story | Iterable[Story], store: Store, *, clock: ManualClock | None = None
) -> Stage:
    """Play one story (or several, in order) on ``store``; return the stage with the
    narration and the timelines to show."""
    clock = clock if clock is not None else ManualClock()
    stage = Stage(rk=Relations(store, clock=clock), clock=clock)
    for one in [chosen] if isinstance(chosen, Story) else list(chosen):
        stage.zone = "UTC"
        one.play(stage)
    return stage


def transcript(chosen: Story, stage: Stage, *, width: int = 96) -> str:
    """What a played story looks like as plain text: its title and summary, the
    narration with every refusal and its reasons, and the timelines it shows."""

    def fill(text: str, indent: int, hang: int | None = None) -> list[str]:
        return textwrap.wrap(
            text,
            width=width,
            initial_indent=" " * indent,
            subsequent_indent=" " * (indent if hang is None else hang),
        )

    out = [chosen.title, "=" * min(len(chosen.title), width), *fill(chosen.summary, 0), ""]
    for line in stage.lines:
        if line.kind == "say":
            if out[-1]:
                out.append("")
            out.extend(fill(line.text, 2))
            for detail in line.details:
                lead = len(detail) - len(detail.lstrip())
                out.extend(fill(detail.strip(), 4 + lead, 6 + lead))
        elif line.kind == "done":
            out.extend(fill(f"accepted  {line.text}", 2, 12))
        else:
            out.extend(fill(f"REFUSED   {line.text}", 2, 12))
            for rule_id, reason in zip(line.rule_ids, line.reasons, strict=True):
                out.extend(fill(f"{rule_id}: {reason}", 12, 14))
    for shown in stage.shown:
        out.extend(["", f"{shown.caption}: timeline of {shown.cls.KIND} {shown.aggregate_id}"])
        out.append(f"(times in {shown.zone})")
        for number, when, who, what, details in stage.timeline(shown):
            out.append(f"  {number:>2}  {when}  {who:<16} {what}")
            if details:
                out.extend(fill(details, 8))
    return "\n".join(out)


def tell(name: str) -> None:
    """Play the story called ``name`` in memory and print its :func:`transcript`, then
    check every timeline it wrote (what each script in ``examples`` does)."""
    chosen = find_story(name)
    stage = play(chosen, MemoryStore())
    print(transcript(chosen, stage))
    verified = stage.rk.verify_all()
    state = "all intact" if verified.ok else f"{len(verified.problems)} broken"
    print(f"\nTimelines checked: {verified.checked}, {state}.")


# --- the stories ------------------------------------------------------------------------------
# Add a story by writing a function that takes a Stage and decorating it with @story.


@story("saying-no", "Saying no well: heard first, time bought, a colleague consulted")
def saying_no(stage: Stage) -> None:
    """A client asks for a refund the written policy does not allow. relationkit refuses a
    quick "no" before she is heard (R1) and before a colleague was consulted on the heated
    case (R3), lets staff buy time with a promised reply, accepts the decline once it gives
    its reason and cites a real clause of the policy (R2), and closes the case only after
    she was asked for feedback (R7)."""
    rk, clock = stage.rk, stage.clock
    stage.zone = "Europe/London"
    clock.set(pendulum.datetime(2026, 3, 2, 9, 15, tz=stage.zone))
    ana, sam, mia = stage.cast(
        Client(id="c-ana", name="Ana Ruiz", timezone="Europe/Madrid"),
        Staff(id="s-sam", name="Sam Ortiz", roles={"agent"}, timezone=stage.zone),
        Staff(id="s-mia", name="Mia Chen", roles={"manager"}, timezone=stage.zone),
    )
    stage.ensure_clauses(
        Clause(
            id="refunds-30d",
            text="Subscriptions are refunded in full within 30 days of payment.",
        ),
        Clause(
            id="renewal-notice",
            text="Annual renewals are announced by e-mail at least 14 days ahead.",
        ),
    )
    stage.say(
        "Ana calls, upset: her annual subscription renewed seven weeks ago and she wants "
        "the money back. Sam opens an escalated case with her words."
    )
    case = stage.do(
        "Sam opens the case",
        lambda: rk.open_case(
            actor=sam,
            client=ana,
            subject="Refund of the annual renewal",
            statement="I was charged for another year and I want my money back.",
            escalated=True,
            case_id=stage.id("case-1042"),
        ),
    )
    decline_now = Decline(
        reason="The renewal was paid 49 days ago; refunds end after 30 days.",
        clause_id="refunds-30d",
    )
    stage.refused(
        "Sam says no straight away",
        lambda: rk.handle(case.id, decline_now, actor=sam),
    )
    stage.do(
        "Sam restates her concern",
        lambda: rk.handle(
            case.id,
            Acknowledge(paraphrase="You were charged for a year you did not want."),
            actor=sam,
        ),
    )
    clock.advance(minutes=2)
    stage.do(
        "Ana corrects him: the money is only half of it",
        lambda: rk.handle(
            case.id,
            CorrectParaphrase(correction="Nobody told me it would renew; that is what upsets me."),
            actor=ana,
        ),
    )
    stage.hear(
        case.id,
        staff=sam,
        restate="Sam restates it again",
        paraphrase="The renewal came without warning, and you want the charge undone.",
        client=ana,
        confirm="Ana confirms: she has been heard",
    )
    clock.advance(minutes=5)
    stage.do(
        "Sam buys time and promises a reply by tomorrow noon",
        lambda: rk.handle(
            case.id,
            Defer(
                reply_by=pendulum.datetime(2026, 3, 3, 12, tz=stage.zone),
                reason="I want to check whether the renewal notice reached you.",
            ),
            actor=sam,
        ),
    )
    clock.advance(hours=3)
    stage.do(
        "Sam asks Mia, his manager, for her view",
        lambda: rk.handle(
            case.id,
            Consult(
                colleague_id=mia,
                note="The renewal notice went out on 22 December; the refund window is firm.",
            ),
            actor=sam,
        ),
    )
    stage.refused(
        "Sam declines, citing a clause that does not exist",
        lambda: rk.handle(
            case.id,
            Decline(reason="Refunds end after 30 days.", clause_id="refund-policy"),
            actor=sam,
        ),
    )
    clock.advance(hours=1)
    case = stage.do(
        "Sam declines with the reason, the clause and the facts behind it",
        lambda: rk.handle(
            case.id,
            Decline(
                reason=(
                    "The renewal was paid 49 days ago, past the 30-day refund window, and "
                    "the renewal notice was e-mailed 21 days before it."
                ),
                clause_id="refunds-30d",
                evidence=(
                    "payment of 2026-01-12 on invoice 1043",
                    "renewal notice e-mailed on 2025-12-22",
                ),
            ),
            actor=sam,
        ),
    )
    clock.advance(minutes=20)
    stage.do(
        "Sam records how it ended",
        lambda: rk.handle(
            case.id,
            Resolve(summary="Ana understood the decision and turned off automatic renewal."),
            actor=sam,
        ),
    )
    stage.refused(
        "Sam closes the case without asking Ana how it went",
        lambda: rk.handle(case.id, Close(), actor=sam),
    )
    stage.do(
        "Sam sends Ana the end-of-case feedback request",
        lambda: rk.feedback.request(case.id, actor=sam),
    )
    case = stage.do("Sam closes the case", lambda: rk.handle(case.id, Close(), actor=sam))
    stage.show(case, "Ana's refund request")


@story("expectations-and-promises", "Expectations first, then only promises that can be kept")
def expectations_and_promises(stage: Stage) -> None:
    """A shop owner asks a web agency for three things, only one of which it offers.
    relationkit refuses a promise while her expectations are unsettled (R5); one is matched
    to the offering's scope and two are reset with her, the conversations recorded. A due
    date the agency's business calendar cannot honour is refused with the earliest honest
    one (R4); a later promise is made, renegotiated with her before it falls due, flagged by
    the promise sweep as falling due, and kept."""
    rk, clock = stage.rk, stage.clock
    office, client_zone = "Europe/Berlin", "America/New_York"
    stage.zone = office
    clock.set(pendulum.datetime(2026, 3, 2, 10, tz=office))
    lena, jonas, _ = stage.cast(
        Client(id="c-lena", name="Lena Hoffmann", timezone=client_zone),
        Staff(id="s-jonas", name="Jonas Weber", roles={"agent"}, timezone=office),
        Staff(id="s-ines", name="Ines Roth", roles={"manager"}, timezone=office),
    )
    rk.calendars.register(
        BusinessCalendar(
            id="berlin-office",
            name="Berlin office",
            timezone=office,
            hours={"mon-thu": "09:00-17:30", "fri": "09:00-15:00"},
            country="DE",
            subdivision="BE",
        )
    )
    rk.calendars.register_offering(
        Offering(
            id="website-audit",
            name="Website audit",
            scope=("accessibility review", "performance review"),
            lead_time=BusinessTime(days=20),
            calendar_id="berlin-office",
        )
    )

    def both(at: pendulum.DateTime) -> str:
        return f"{stage.when(at)} in Berlin ({stage.when(at, client_zone)} in New York)"

    stage.say(
        "Lena runs an online shop from New York. She asks the Berlin agency for (A) an "
        "accessibility review, (B) a full redesign and (C) first place on search engines. "
        "The agency's website audit covers only A, and takes 20 business days on the Berlin "
        "office calendar (German public holidays included)."
    )
    case = stage.do(
        "Jonas opens a case with Lena's words",
        lambda: rk.open_case(
            actor=jonas,
            client=lena,
            subject="Shop website before the summer sale",
            statement="I want the shop accessible, redesigned, and first on search engines.",
            case_id=stage.id("case-2201"),
        ),
    )
    expected = {
        "A": "an accessibility review",
        "B": "a full redesign",
        "C": "first place on search engines",
    }
    for key, words in expected.items():
        stage.do(
            f"Jonas records expectation {key}: {words}",
            partial(rk.handle, case.id, RecordExpectation(key=key, text=words), actor=jonas),
        )
    stage.hear(
        case.id,
        staff=jonas,
        restate="Jonas restates what she wants",
        paraphrase="You want A, B and C for the shop before the summer sale.",
        client=lena,
        confirm="Lena confirms: she has been heard",
    )
    six_weeks = clock.now().add(weeks=6).set(hour=15)

    def promise(due: pendulum.DateTime) -> Promise:
        return rk.promises.make(
            actor=jonas,
            what="An accessibility review of the shop",
            offering="website-audit",
            scope=["accessibility review"],
            case=case.id,
            due=due,
            promise_id=stage.id("promise-2201"),
        )

    stage.refused(
        "Jonas promises the review before her expectations are settled",
        lambda: promise(six_weeks),
    )
    stage.do(
        "Jonas matches A to the audit's accessibility review",
        lambda: rk.handle(
            case.id,
            MatchExpectation(
                expectation="A", offering_id="website-audit", scope_item="accessibility review"
            ),
            actor=jonas,
        ),
    )
    for key, talk in [
        ("B", "Told Lena a redesign is not something we do; she will ask a design studio."),
        ("C", "Told Lena nobody can promise a search ranking; she agreed to drop it."),
    ]:
        stage.do(
            f"Jonas resets {key} with Lena: {talk}",
            partial(
                rk.handle,
                case.id,
                ResetExpectation(expectation=key, conversation=talk),
                actor=jonas,
            ),
        )
    two_weeks = clock.now().add(weeks=2).set(hour=15)
    stage.refused(f"Jonas promises the review for {both(two_weeks)}", lambda: promise(two_weeks))
    honest = rk.promises.earliest_due("website-audit", owner=jonas)
    stage.say(f"The earliest honest due time is {both(honest.earliest)}.")
    made = stage.do(f"Jonas promises it for {both(six_weeks)}", lambda: promise(six_weeks))

    clock.advance(weeks=4)
    moved = stage.do(
        "Four weeks on, the shop's checkout was rebuilt; Jonas calls Lena and moves the due "
        "date a week, before it falls due",
        lambda: rk.promises.renegotiate(
            made.id,
            actor=jonas,
            due=six_weeks.add(weeks=1),
            party_told="Called Lena: the new checkout needs reviewing too; she agreed.",
            reason="The checkout was rebuilt during the review.",
        ),
    )
    if moved.warn_at is not None:
        clock.set(moved.warn_at)
    sweep = rk.promises.run()
    stage.check(
        made.id in sweep.warned,
        f"{stage.when(clock.now())}: 80 % of the promise's business time has passed; the "
        "promise sweep warns that it falls due soon.",
    )
    clock.advance(days=2)
    kept = stage.do(
        "Jonas delivers the report and marks the promise kept",
        lambda: rk.promises.keep(made.id, actor=jonas, note="Report delivered to Lena."),
    )
    rate = rk.promises.keeping_rate(owner=jonas)
    stage.say(f"Jonas's promise-keeping record: {rate.kept} kept, {rate.broken} broken.")
    stage.show(rk.case(case.id), "Lena's request")
    stage.show(kept, "The promise to Lena")


@story("vendor-liaison", "The liaison between a client and a vendor, and a fault that comes back")
def vendor_liaison(stage: Stage) -> None:
    """A client's phone keeps dropping calls; the maker of the phone, a vendor, owns the
    problem. The case is escalated as a vendor ticket with the vendor's reference, the
    client is kept informed, and the case cannot close until the vendor's fix is relayed to
    her (R8). Three months later the same fault is back: the new case is detected as a
    recurrence and linked to the first, the vendor's reliability drops, and the client is
    told what is being done."""
    rk, clock = stage.rk, stage.clock
    stage.zone = "Europe/Stockholm"
    clock.set(pendulum.datetime(2026, 2, 2, 9, tz=stage.zone))
    rosa, altus, jon = stage.cast(
        Client(id="c-rosa", name="Rosa Lindqvist", timezone=stage.zone),
        Vendor(id="v-altus", name="Altus Mobile"),
        Staff(id="s-jon", name="Jon Berg", roles={"agent"}, timezone=stage.zone),
    )
    r = rk.liaison
    stage.say(
        "Harbour IT looks after Rosa's phones but does not make them: the handsets come "
        "from Altus Mobile. Rosa has a support contract with Harbour."
    )
    rel = stage.do(
        "Jon records Rosa's relationship with Harbour",
        lambda: rk.relationships.create(
            actor=jon, party=rosa, relationship_id=stage.id("rel-rosa")
        ),
    )
    stage.do("The support contract is signed", lambda: rk.relationships.activate(rel.id, actor=jon))
    phone = "Altus A7 phone"
    first = stage.do(
        "Rosa calls: her phone drops every call; Jon opens a case",
        lambda: rk.open_case(
            actor=jon,
            client=rosa,
            subject="Phone drops calls",
            statement="Every call drops after about ten seconds. I run my business on this phone.",
            case_id=stage.id("case-301"),
            product=phone,
            category="calls",
        ),
    )
    stage.hear(
        first.id,
        staff=jon,
        restate="Jon restates the problem",
        paraphrase="Your calls cut out after ten seconds, and you need them.",
        client=rosa,
        confirm="Rosa confirms: she has been heard",
    )
    stage.do(
        "Jon takes the case on",
        lambda: rk.handle(first.id, Accept(note="We will take it to Altus."), actor=jon),
    )
    ticket = stage.do(
        "Jon escalates the fault to Altus as a vendor ticket",
        lambda: r.escalate_to_vendor(
            first.id,
            actor=jon,
            vendor=altus,
            problem="A7 drops calls after about 10 s on firmware 4.1.",
            ticket_id=stage.id("ticket-301"),
        ),
    )
    stage.say(f"Rosa is owed an update by {stage.when(ticket.next_update_due)}.")
    clock.advance(hours=5)
    ticket = stage.do(
        "Altus acknowledges, with its own reference ALT-55817",
        lambda: r.vendor_acknowledged(ticket.id, actor=jon, vendor_reference="ALT-55817"),
    )
    ack = ticket.responses[-1]
    stage.say(
        f"Altus answered after {ack.elapsed.in_words()}; "
        f"{'within' if ack.within_target else 'outside'} its target."
    )
    clock.set(ticket.next_update_due)
    stage.check(
        ticket.id in rk.relationships.run().updates_due,
        f"{stage.when(clock.now())}: the update promised to Rosa falls due, and the liaison "
        "sweep lists her among the clients owed one.",
    )
    stage.do(
        "Jon updates Rosa",
        lambda: r.update_client(
            ticket.id, actor=jon, message="Altus is testing a fix; next news on Friday."
        ),
    )
    clock.advance(days=1, hours=5)
    ticket = stage.do(
        "Altus provides a fix: firmware 4.2",
        lambda: r.fix_provided(ticket.id, actor=jon, fix="Firmware 4.2 fixes the radio timer."),
    )
    stage.do(
        "Jon records the resolution",
        lambda: rk.handle(
            first.id, Resolve(summary="Firmware 4.2 installed with Rosa."), actor=jon
        ),
    )
    stage.do("Jon asks Rosa for feedback", lambda: rk.feedback.request(first.id, actor=jon))
    stage.refused(
        "Jon closes the case before telling Rosa about the fix",
        lambda: rk.handle(first.id, Close(), actor=jon),
    )
    stage.do(
        "Jon relays the fix to Rosa in plain words",
        lambda: r.relay_fix(
            ticket.id,
            actor=jon,
            message="Install update 4.2 from Settings tonight; it fixes the dropped calls.",
        ),
    )
    stage.do(
        "Rosa confirms the calls hold",
        lambda: r.client_confirmed(ticket.id, actor=jon, note="Rosa called back: calls hold."),
    )
    stage.do("Jon closes the case", lambda: rk.handle(first.id, Close(), actor=jon))
    before = r.vendor_reliability(altus)
    stage.say(
        "Altus's record so far:",
        f"reliability {before.reliability:.0%}, recurrence rate {before.recurrence_rate:.0%}",
    )

    clock.advance(months=3)
    stage.say("Three months later, Rosa calls again.")
    second = stage.do(
        "Jon opens a case: the same phone drops calls again",
        lambda: rk.open_case(
            actor=jon,
            client=rosa,
            subject="The phone drops calls again!",
            statement="It's the same thing again. Did you sell me a broken phone?",
            case_id=stage.id("case-302"),
            product=phone,
            category="calls",
        ),
    )
    after = r.vendor_reliability(altus)
    stage.check(
        second.recurrence_of == first.id,
        "relationkit recognises the same fault and links the new case to the first as a "
        "recurrence. Rosa's history of this problem:",
        *(
            f"{c.id} opened {stage.when(c.opened_at)}: {c.subject} ({c.state})"
            for c in r.history(second.id)
        ),
        f"Altus's reliability figure falls from {before.reliability:.0%} to "
        f"{after.reliability:.0%}; "
        f"recurrence rate {after.recurrence_rate:.0%}.",
    )
    stage.hear(
        second.id,
        staff=jon,
        restate="Jon restates it",
        paraphrase="The same fault is back after three months, and it hurts.",
        client=rosa,
        confirm="Rosa confirms: she has been heard",
    )
    again = stage.do(
        "Jon escalates to Altus again, as a repeat of ALT-55817",
        lambda: r.escalate_to_vendor(
            second.id,
            actor=jon,
            vendor=altus,
            problem="Repeat of ALT-55817: firmware 4.2 did not hold.",
            ticket_id=stage.id("ticket-302"),
        ),
    )
    stage.do(
        "Jon tells Rosa what is being done",
        lambda: r.update_client(
            again.id,
            actor=jon,
            message=(
                "We are on your side: Altus makes the phone, and we press them for you. We "
                "reopened ALT-55817 as a repeat fault and will call you every two days until "
                "it is fixed for good."
            ),
        ),
    )
    stage.show(rk.case(first.id), "Rosa's first case")
    stage.show(r.ticket(again.id), "The repeat ticket with Altus")


@story("feedback", "Feedback during and at the end, and a health score that explains itself")
def feedback_during_and_at_the_end(stage: Stage) -> None:
    """A studio rebuilds a client's shop and the work runs long. The feedback sweep checks
    in once the case has been open over a week (R7); the case cannot close before the
    client is asked for end-of-case feedback (R7); her low answer opens a service-recovery
    follow-up owned by a manager; the relationship's health is explained signal by signal
    (R12) and its drop marks the relationship at risk. A new version of the written policy
    is published, and a command by someone who has not acknowledged it is flagged (R11)."""
    rk, clock = stage.rk, stage.clock
    stage.zone = "Europe/London"
    clock.set(pendulum.datetime(2026, 3, 2, 9, tz=stage.zone))
    rk.pipeline.config = rk.config.evolve(
        feedback=attrs.evolve(rk.config.feedback, at_risk_below=75)
    )
    dana, priya, tomas = stage.cast(
        Client(id="c-dana", name="Dana Whitfield", contract="studio-care", timezone=stage.zone),
        Staff(id="s-priya", name="Priya Nair", roles={"agent"}, timezone=stage.zone),
        Staff(id="s-tomas", name="Tomás Ferreira", roles={"manager"}, timezone=stage.zone),
    )
    rk.equality.entitle(
        Entitlement(
            id="studio-care",
            response_within=pendulum.duration(hours=4),
            resolution_within=pendulum.duration(days=10),
        )
    )
    stage.ensure_clauses(
        Clause(id="listen-first", text="We restate a concern before answering it.")
    )
    rk.policy.acknowledge(priya)
    rk.policy.acknowledge(tomas)
    stage.say(
        "Northwind Studio is rebuilding Dana's online shop under its 'studio-care' contract: "
        "an answer within 4 hours, the work done within 10 days. Northwind treats a "
        "relationship whose health falls below 75 of 100 as at risk. Priya and Tomás have "
        "acknowledged the written policy."
    )
    rel = rk.relationships.create(actor=priya, party=dana, relationship_id=stage.id("rel-dana"))
    rk.relationships.activate(rel.id, actor=priya)
    case = stage.do(
        "Priya opens a case: the new shop must be live before the spring sale",
        lambda: rk.open_case(
            actor=priya,
            client=dana,
            subject="Shop rebuild before the spring sale",
            statement="The new shop must be live before the spring sale on the 20th.",
            case_id=stage.id("case-7"),
        ),
    )
    clock.advance(hours=1)
    stage.hear(
        case.id,
        staff=priya,
        restate="Priya restates it",
        paraphrase="You need the new shop live by the 20th.",
        client=dana,
        confirm="Dana confirms: she has been heard",
    )
    stage.do(
        "Priya accepts the work",
        lambda: rk.handle(case.id, Accept(note="Rebuild agreed, live by the 20th."), actor=priya),
    )
    stage.do("Priya starts it", lambda: rk.handle(case.id, StartWork(), actor=priya))
    clock.advance(days=8)
    rk.feedback.run()
    asked = [r for r in rk.feedback.requests(case_id=case.id) if r.kind == CHECK_IN]
    rk.feedback.run()
    again = [r for r in rk.feedback.requests(case_id=case.id) if r.kind == CHECK_IN]
    stage.check(
        len(asked) == 1 and len(again) == 1,
        f"{stage.when(clock.now())}: the case has been open for over a week, so the feedback "
        "sweep asks Dana how it is going. Running the sweep again asks her nothing more.",
    )
    clock.advance(hours=5)
    stage.do(
        "Dana answers the check-in: satisfaction 4 of 5, would recommend 8 of 10",
        lambda: rk.feedback.respond(asked[0].id, actor=dana, csat=4, nps=8, comment="Good so far."),
    )
    stage.say(
        "The relationship's health while the work goes on:",
        *rk.health.assess(rel.id).explain(),
    )
    clock.advance(days=12)
    stage.do(
        "The shop goes live two days late; Priya records it",
        lambda: rk.handle(
            case.id, Resolve(summary="Shop live, two days after the sale started."), actor=priya
        ),
    )
    stage.refused(
        "Priya closes the case without asking Dana how it went",
        lambda: rk.handle(case.id, Close(), actor=priya),
    )
    survey = stage.do(
        "Priya asks Dana for end-of-case feedback",
        lambda: rk.feedback.request(case.id, actor=priya, request_id=stage.id("survey-7")),
    )
    clock.advance(hours=20)
    answered = stage.do(
        "Dana answers: satisfaction 2 of 5, would recommend 3 of 10, effort 3 of 7",
        lambda: rk.feedback.respond(
            survey.id, actor=dana, csat=2, nps=3, ces=3, comment="Live too late for the sale."
        ),
    )
    recovery = answered.recovery
    if recovery is None:
        raise StoryBroken("Dana's low answer opened no service-recovery follow-up")
    stage.say(
        f"A low answer opens a service-recovery follow-up, owned by "
        f"{stage.name_of(recovery.owner_id)}, due {stage.when(recovery.due_at)}:",
        recovery.reason,
    )
    case = stage.do(
        "Priya closes the case",
        lambda: rk.handle(case.id, Close(note="Closed after the end-of-case survey."), actor=priya),
    )
    report = rk.health.update(rel.id, actor=tomas)
    stage.say(
        f"Tomás updates the relationship's health; it is now "
        f"{rk.relationships.get(rel.id).state.replace('_', ' ')}:",
        *report.explain(),
    )
    clock.advance(hours=3)
    stage.do(
        "Tomás calls Dana, refunds the month's fee and closes the follow-up",
        lambda: rk.feedback.close_recovery(
            survey.id, actor=tomas, outcome="Called Dana; refunded the month's fee."
        ),
    )
    clock.advance(days=1)
    policy = stage.revise_policy(
        Clause(id="check-in", text="We ask how things are going on any work longer than a week.")
    )
    stage.say(
        f"Northwind publishes version {policy.version} of its written policy; staff must "
        "acknowledge it again:",
        *(
            status.describe()
            for status in rk.policy.reminders()
            if status.staff_id in (priya, tomas)
        ),
    )
    follow_up = stage.do(
        "Priya, who has not read the new version yet, opens a case for Dana",
        lambda: rk.open_case(
            actor=priya,
            client=dana,
            subject="Sale banner",
            statement="The sale banner still shows last year's dates.",
            case_id=stage.id("case-8"),
        ),
    )
    stage.say(
        "relationkit flags it on the record:",
        *(f.reason for f in rk.policy.flags(aggregate_id=follow_up.id)),
    )
    stage.do("Priya acknowledges the new version", lambda: rk.policy.acknowledge(priya))
    stage.show(rk.feedback.get(survey.id), "Dana's end-of-case feedback")
    stage.show(rk.relationships.get(rel.id), "Northwind's relationship with Dana")


@story("ending-a-relationship", "Ending a relationship: never one person alone, and amicably")
def ending_a_relationship(stage: Stage) -> None:
    """A consultancy has tried hard with a client: he was heard and offered a compromise,
    yet every month brings a new dispute. A partner proposes to part ways. relationkit
    refuses a proposal without the case that shows the attempt to resolve, refuses to let
    her approve her own proposal or end the relationship alone, and ends it only once two
    colleagues approved, one with authority (R9). The exit is recorded as amicable, with
    the conversation in which both sides agreed to disagree."""
    rk, clock = stage.rk, stage.clock
    stage.zone = "Europe/London"
    clock.set(pendulum.datetime(2026, 6, 1, 10, tz=stage.zone))
    marek, olivia, kofi, ravi, lee = stage.cast(
        Client(id="c-marek", name="Marek Nowak", timezone="Europe/Warsaw"),
        Staff(id="s-olivia", name="Olivia Grant", roles={"partner"}, timezone=stage.zone),
        Staff(id="s-kofi", name="Kofi Mensah", roles={"manager"}, timezone=stage.zone),
        Staff(id="s-ravi", name="Ravi Patel", roles={"agent"}, timezone=stage.zone),
        Staff(id="s-lee", name="Lee Chen", roles={"agent"}, timezone=stage.zone),
    )
    r = rk.relationships
    rel: Relationship = r.create(actor=lee, party=marek, relationship_id=stage.id("rel-marek"))
    r.activate(rel.id, actor=lee)
    stage.say(
        "Brightline Consulting has worked with Marek for four years. Lately every invoice "
        "brings a dispute. First, an attempt to resolve it:"
    )
    case = stage.do(
        "Lee opens a case with Marek's complaint",
        lambda: rk.open_case(
            actor=lee,
            client=marek,
            subject="Disputed invoices",
            statement="Your invoices bill hours nobody asked for.",
            case_id=stage.id("case-88"),
        ),
    )
    stage.hear(
        case.id,
        staff=lee,
        restate="Lee restates it",
        paraphrase="You feel billed for work you never requested.",
        client=marek,
        confirm="Marek confirms: he has been heard",
    )
    stage.do(
        "Lee offers a compromise: half the disputed hours written off, written work orders "
        "from now on",
        lambda: rk.handle(
            case.id,
            Compromise(
                we_give="Half of the disputed hours written off.",
                client_gives="Approves work orders in writing from now on.",
            ),
            actor=lee,
        ),
    )
    stage.do(
        "A month later the disputes go on; Lee marks the relationship at risk",
        lambda: r.mark_at_risk(rel.id, actor=lee, reason="A new billing dispute every month."),
    )
    reason = "Disputes every month despite the compromise; we cannot serve him well."
    stage.say("Olivia, a partner, proposes to part ways.")
    stage.refused(
        "Olivia proposes without citing the attempt to resolve",
        lambda: r.propose_severance(rel.id, actor=olivia, reason=reason, evidence=[]),
    )
    stage.do(
        "Olivia proposes, citing the disputed-invoices case",
        lambda: r.propose_severance(rel.id, actor=olivia, reason=reason, evidence=[case.id]),
    )
    stage.refused("Olivia approves her own proposal", lambda: r.approve(rel.id, actor=olivia))
    stage.refused(
        "Olivia ends the relationship on her own",
        lambda: r.end(rel.id, actor=olivia, amicable=False),
    )
    stage.do(
        "Kofi, a manager going on leave, lends his approval authority to Ravi for a week",
        lambda: r.delegate(rel.id, actor=kofi, to=ravi, ends_at=clock.now().add(days=7)),
    )
    stage.refused(
        "Ravi approves on Olivia's behalf",
        lambda: r.approve(rel.id, actor=ravi, acting_for=olivia),
    )
    clock.advance(days=1)
    stage.do(
        "Lee approves",
        lambda: r.approve(rel.id, actor=lee, note="I tried for months."),
    )
    stage.refused(
        "Olivia ends it with one approval, none from someone with authority",
        lambda: r.end(rel.id, actor=olivia, amicable=False),
    )
    clock.advance(days=1)
    stage.do(
        "Ravi approves for Kofi",
        lambda: r.approve(rel.id, actor=ravi, acting_for=kofi, note="Kofi agrees."),
    )
    stage.refused(
        "Olivia ends it as amicable without recording the exit conversation",
        lambda: r.end(rel.id, actor=olivia, amicable=True),
    )
    ended = stage.do(
        "Olivia meets Marek, then ends it amicably, recording what was said",
        lambda: r.end(
            rel.id,
            actor=olivia,
            amicable=True,
            conversation=(
                "We met Marek, thanked him for four years, and said plainly why we part. He "
                "does not agree with us on the hours; we agree to disagree and part on good "
                "terms."
            ),
        ),
    )
    stage.refused(
        "Lee opens a new case for Marek",
        lambda: rk.open_case(actor=lee, client=marek, subject="Hello", statement="One more thing."),
    )
    stage.show(ended, "Brightline's relationship with Marek")
