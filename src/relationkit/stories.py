"""Short, runnable stories that show relationkit at work; ``relationkit demo`` plays them.

A story is a function that receives a :class:`Stage` (the service, a clock that moves only
when told, and a place to narrate) and plays a scene: staff and clients issue commands,
some of which the care rules refuse, and the stage records what happened and which
timelines to show. Register a story with the :func:`story` decorator; ``relationkit demo``
plays every registered story in order.

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

from collections.abc import Callable, Iterable
from typing import Any

import attrs
import pendulum

from relationkit.domain.aggregate import Aggregate
from relationkit.domain.case import (
    Acknowledge,
    Close,
    ConfirmHeard,
    Consult,
    CorrectParaphrase,
    Decline,
    Defer,
    Resolve,
)
from relationkit.domain.parties import Client, Staff
from relationkit.domain.policy import Clause, Policy
from relationkit.exceptions import NotFound, RelationkitError, RuleViolation, RuleViolations
from relationkit.service import Relations
from relationkit.store.base import Store
from relationkit.testing import ManualClock

__all__ = [
    "Line",
    "Shown",
    "Stage",
    "Story",
    "StoryBroken",
    "find_story",
    "play",
    "stories",
    "story",
]


class StoryBroken(AssertionError):
    """A story did not go as written: a step that should be refused was accepted."""


@attrs.frozen(kw_only=True)
class Line:
    """One line of a story's narration.

    Attributes:
        kind: ``"say"`` (narration), ``"done"`` (an accepted step) or ``"refused"``.
        text: what happened, in plain words.
        rule_ids: for a refusal, the care rules (or ``"ROLE"``) that refused.
        reasons: for a refusal, relationkit's own explanation, one per rule.
    """

    kind: str
    text: str
    rule_ids: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Shown:
    """A timeline a story wants shown: which aggregate, and a caption."""

    cls: type[Aggregate]
    aggregate_id: str
    caption: str


@attrs.define(kw_only=True)
class Stage:
    """Where a story plays: the service, its clock, and what the story narrates.

    Attributes:
        rk: the service the story uses.
        clock: the service's clock; stories move it with ``advance`` or ``set``.
        lines: the narration so far.
        shown: the timelines to show after the story.
    """

    rk: Relations
    clock: ManualClock
    lines: list[Line] = attrs.Factory(list)
    shown: list[Shown] = attrs.Factory(list)

    def say(self, text: str) -> None:
        """Narrate."""
        self.lines.append(Line(kind="say", text=text))

    def do(self, text: str, action: Callable[[], Any]) -> Any:
        """Run a step that must be accepted; narrate it and return what it returned."""
        result = action()
        self.lines.append(Line(kind="done", text=text))
        return result

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
        self.shown.append(Shown(cls=type(subject), aggregate_id=subject.id, caption=caption))

    def ensure_clauses(self, *clauses: Clause) -> Policy:
        """Make sure the written policy in force has ``clauses``, publishing the next
        version (with every clause it already had) when it lacks some."""
        current = self.rk.current_policy()
        have = {} if current is None else {c.id: c for c in current.clauses}
        missing = [c for c in clauses if c.id not in have]
        if current is not None and not missing:
            return current
        return self.rk.publish_policy(
            Policy(
                version=1 if current is None else current.version + 1,
                published_at=self.rk.now(),
                clauses=(*have.values(), *missing),
            )
        )


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
        one.play(stage)
    return stage


# --- the stories ------------------------------------------------------------------------------
# Add a story by writing a function that takes a Stage and decorating it with @story.


@story("saying-no", "Saying no well: heard first, time bought, a colleague consulted")
def saying_no(stage: Stage) -> None:
    """A client asks for a refund the written policy does not allow. relationkit refuses a
    quick "no" before she is heard, lets staff buy time with a promised reply, asks for a
    colleague's view on a heated case, accepts the decline once it gives its reason
    and cites a real clause of the policy, and closes the case only after she was asked for
    feedback."""
    rk, clock = stage.rk, stage.clock
    clock.set(pendulum.datetime(2026, 3, 2, 9, 15, tz="Europe/London"))
    rk.register(
        Client(id="c-ana", name="Ana Ruiz", timezone="Europe/Madrid"),
        Staff(id="s-sam", name="Sam Ortiz", roles={"agent"}, timezone="Europe/London"),
        Staff(id="s-mia", name="Mia Chen", roles={"manager"}, timezone="Europe/London"),
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
            actor="s-sam",
            client="c-ana",
            subject="Refund of the annual renewal",
            statement="I was charged for another year and I want my money back.",
            escalated=True,
        ),
    )
    decline_now = Decline(
        reason="The renewal was paid 49 days ago; refunds end after 30 days.",
        clause_id="refunds-30d",
    )
    stage.refused(
        "Sam says no straight away",
        lambda: rk.handle(case.id, decline_now, actor="s-sam"),
    )
    stage.do(
        "Sam restates her concern",
        lambda: rk.handle(
            case.id,
            Acknowledge(paraphrase="You were charged for a year you did not want."),
            actor="s-sam",
        ),
    )
    clock.advance(minutes=2)
    stage.do(
        "Ana corrects him: the money is only half of it",
        lambda: rk.handle(
            case.id,
            CorrectParaphrase(correction="Nobody told me it would renew; that is what upsets me."),
            actor="c-ana",
        ),
    )
    stage.do(
        "Sam restates it again",
        lambda: rk.handle(
            case.id,
            Acknowledge(
                paraphrase="The renewal came without warning, and you want the charge undone."
            ),
            actor="s-sam",
        ),
    )
    stage.do(
        "Ana confirms: she has been heard",
        lambda: rk.handle(case.id, ConfirmHeard(), actor="c-ana"),
    )
    clock.advance(minutes=5)
    stage.do(
        "Sam buys time and promises a reply by tomorrow noon",
        lambda: rk.handle(
            case.id,
            Defer(
                reply_by=pendulum.datetime(2026, 3, 3, 12, tz="Europe/London"),
                reason="I want to check whether the renewal notice reached you.",
            ),
            actor="s-sam",
        ),
    )
    clock.advance(hours=3)
    stage.do(
        "Sam asks Mia, his manager, for her view",
        lambda: rk.handle(
            case.id,
            Consult(
                colleague_id="s-mia",
                note="The renewal notice went out on 22 December; the refund window is firm.",
            ),
            actor="s-sam",
        ),
    )
    stage.refused(
        "Sam declines, citing a clause that does not exist",
        lambda: rk.handle(
            case.id,
            Decline(reason="Refunds end after 30 days.", clause_id="refund-policy"),
            actor="s-sam",
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
            actor="s-sam",
        ),
    )
    clock.advance(minutes=20)
    stage.do(
        "Sam records how it ended",
        lambda: rk.handle(
            case.id,
            Resolve(summary="Ana understood the decision and turned off automatic renewal."),
            actor="s-sam",
        ),
    )
    stage.refused(
        "Sam closes the case without asking Ana how it went",
        lambda: rk.handle(case.id, Close(), actor="s-sam"),
    )
    stage.do(
        "Sam sends Ana the end-of-case feedback request",
        lambda: rk.feedback.request(case.id, actor="s-sam"),
    )
    case = stage.do("Sam closes the case", lambda: rk.handle(case.id, Close(), actor="s-sam"))
    stage.show(case, "Ana's refund request")
