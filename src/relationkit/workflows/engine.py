"""Running commands through a python-statemachine workflow, and everything that must not.

A :class:`Workflow` ties an aggregate class to its state machine class and its commands.

* :meth:`Workflow.run` runs one command: it validates the stored state, checks the care
  rules, builds a machine from the state value, sends the command, drops the machine, and
  applies the resulting event to the aggregate.
* :meth:`Workflow.replay`, :meth:`Workflow.options` and :attr:`Workflow.table` never build a
  machine: they read a :class:`FlowTable` derived once from the machine class's metadata.
  Building a python-statemachine machine costs tens of microseconds, so bulk work (rebuilding
  state from events, "what may I do now" for thousands of cases) stays on plain data.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import attrs
import cattrs
import pendulum
from statemachine import StateMachine
from statemachine.exceptions import TransitionNotAllowed

from relationkit.domain.aggregate import Aggregate, Command
from relationkit.domain.events import GENESIS, Event, next_event, verify_timeline
from relationkit.exceptions import (
    AggregateCorrupted,
    InvalidTransition,
    NotPermitted,
    RuleViolation,
    UnknownStateValue,
)
from relationkit.rules.authority import authority_problem, authority_problems
from relationkit.rules.base import Attempt
from relationkit.serialization import converter

__all__ = ["FlowTable", "Option", "Workflow"]

A = TypeVar("A", bound=Aggregate)

_id_of = operator.attrgetter("id")


@attrs.frozen
class FlowTable:
    """A workflow's states and transitions as plain data, read from the machine class.

    Attributes:
        initial: the initial state value.
        states: every state value.
        final: the final state values.
        transitions: ``{state: {command: target state}}``.
        commands: every command name, in the order the machine defines them.
    """

    initial: str
    states: frozenset[str]
    final: frozenset[str]
    transitions: Mapping[str, Mapping[str, str]]
    commands: tuple[str, ...]

    @classmethod
    def of(cls, machine: type[StateMachine]) -> FlowTable:
        """Read the table off ``machine``'s class metadata (no instance is built)."""
        transitions: dict[str, dict[str, str]] = {}
        initial = ""
        final: set[str] = set()
        for state in machine.states:
            transitions[state.value] = {}
            if state.initial:
                initial = state.value
            if state.final:
                final.add(state.value)
            for transition in state.transitions:
                for event in transition.events:
                    transitions[state.value][str(event)] = transition.target.value
        events: Iterable[Any] = getattr(machine, "events")  # noqa: B009 - a list on the class
        commands = tuple(str(e.id) for e in events)
        return cls(initial, frozenset(transitions), frozenset(final), transitions, commands)

    def allowed_from(self, state: str) -> tuple[str, ...]:
        """The commands ``state`` offers."""
        return tuple(self.transitions.get(state, {}))


_Refusal = tuple[str, str]
"""A refusal not yet turned into an exception: ``(rule id, reason)``."""


class Option:
    """One answer to "what may I do now": a command, and whether it is allowed.

    Options are immutable; equal when their command, ``allowed`` and refusals are.

    Attributes:
        command: the command name.
        allowed: True if it would be accepted now (arguments permitting).
        blocked_by: the refusals when it is not: rule violations, or an authority refusal
            with ``rule_id == "ROLE"``.

    Example:
        >>> from relationkit.workflows.engine import Option
        >>> option = Option("accept", True)
        >>> option.allowed, option.blocked_by, option.rule_ids
        (True, (), ())
    """

    __slots__ = ("_aggregate_id", "_blocked_by", "_head")
    __match_args__ = ("command", "allowed", "blocked_by")

    # _head is (command, allowed, refusals, actor id), shared by the options of many records
    # alike; refusals (``(rule id, reason)`` pairs) and the actor id are None unless the
    # option was made by refused(), which leaves _blocked_by to be built when first read.
    _head: tuple[str, bool, tuple[_Refusal, ...] | None, str | None]
    _aggregate_id: str
    _blocked_by: tuple[RuleViolation, ...]

    def __init__(
        self, command: str, allowed: bool, blocked_by: Iterable[RuleViolation] = ()
    ) -> None:
        _set_head(self, (command, allowed, None, None))
        _set_blocked_by(self, tuple(blocked_by))

    @classmethod
    def refused(
        cls,
        command: str,
        aggregate_id: str,
        actor_id: str,
        refusals: tuple[_Refusal, ...],
    ) -> Option:
        """A command that is not allowed, with its refusals as ``(rule id, reason)``
        pairs; the :class:`RuleViolation` exceptions of ``blocked_by`` are only built when
        it is first read (listing options for many records mostly needs ``rule_ids``)."""
        option: Option = _new(cls)
        _set_head(option, (command, False, refusals, actor_id))
        _set_aggregate_id(option, aggregate_id)
        return option

    @property
    def command(self) -> str:
        """The command name."""
        return self._head[0]

    @property
    def allowed(self) -> bool:
        """True if it would be accepted now (arguments permitting)."""
        return self._head[1]

    @property
    def blocked_by(self) -> tuple[RuleViolation, ...]:
        """The refusals when it is not allowed (empty when it is)."""
        try:
            return self._blocked_by
        except AttributeError:  # made by refused(): build the exceptions now, once
            pass
        command, _, refusals, actor_id = self._head
        aggregate_id = self._aggregate_id
        found = tuple(
            RuleViolation(
                rule_id=rule_id,
                aggregate_id=aggregate_id,
                actor_id=actor_id or "",
                command=command,
                reason=reason,
            )
            for rule_id, reason in refusals or ()
        )
        _set_blocked_by(self, found)
        return found

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The ids of what blocks it."""
        refusals = self._head[2]
        if refusals is not None:
            return tuple(rule_id for rule_id, _ in refusals)
        return tuple(v.rule_id for v in self.blocked_by)

    def _key(self) -> tuple[str, bool, tuple[RuleViolation, ...]]:
        return (self.command, self.allowed, self.blocked_by)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Option)
        return self._key() == other._key()

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash((Option, *self._key()))

    def __repr__(self) -> str:
        return (
            f"Option(command={self.command!r}, allowed={self.allowed!r}, "
            f"blocked_by={self.blocked_by!r})"
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError()

    def __delattr__(self, name: str) -> None:
        raise attrs.exceptions.FrozenInstanceError()

    def __reduce__(self) -> tuple[Any, ...]:
        return (Option, self._key())


# Options are immutable to their users; these fill their slots when one is made.
_new = object.__new__
_slots: dict[str, Any] = dict(vars(Option))
_set_head = _slots["_head"].__set__
_set_aggregate_id = _slots["_aggregate_id"].__set__
_set_blocked_by = _slots["_blocked_by"].__set__
del _slots


def _refused(head: tuple[str, bool, tuple[_Refusal, ...], str], aggregate_id: str) -> Option:
    """A refused option of ``aggregate_id`` whose head (shared) is ``head``."""
    option: Option = _new(Option)
    _set_head(option, head)
    _set_aggregate_id(option, aggregate_id)
    return option


@attrs.frozen
class Workflow(Generic[A]):
    """An aggregate, its machine and its commands, run together.

    Attributes:
        aggregate: the aggregate class (its ``KIND`` names the workflow).
        machine: the python-statemachine ``StateMachine`` class with the aggregate's states;
            its events are named like the commands.
        create: the command that creates an aggregate (not a transition of the machine).
        commands: the commands the machine's events stand for.
        make: builds the aggregate from its creating event.
    """

    aggregate: type[A]
    machine: type[StateMachine]
    create: type[Command]
    commands: tuple[type[Command], ...]
    make: Callable[[Event, Any, str], A]
    table: FlowTable = attrs.field(init=False)
    _by_event: dict[str, type[Command]] = attrs.field(init=False, repr=False)
    _allowed: dict[str, Option] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        table = FlowTable.of(self.machine)
        by_event = {c.EVENT: c for c in (self.create, *self.commands)}
        missing = set(table.commands) - {c.NAME for c in self.commands}
        if missing:
            raise TypeError(f"{self.machine.__name__} has events without commands: {missing}")
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "_by_event", by_event)
        # An allowed command's option says nothing about the record: one serves them all.
        allowed = {n: Option(n, True) for targets in table.transitions.values() for n in targets}
        object.__setattr__(self, "_allowed", allowed)

    @property
    def kind(self) -> str:
        """The aggregate kind, such as ``"case"``."""
        return self.aggregate.KIND

    # --- one command, with a machine ---------------------------------------------------------

    def check_state(self, subject: Aggregate) -> None:
        """Raise :class:`UnknownStateValue` if ``subject.state`` is not a state of the flow."""
        if subject.state not in self.table.transitions:
            raise UnknownStateValue(self.kind, subject.id, subject.state, sorted(self.table.states))

    def start(
        self, aggregate_id: str, command: Command, actor_id: str, at: pendulum.DateTime
    ) -> tuple[A, Event]:
        """Create a new aggregate from its creating ``command``."""
        event = next_event(
            aggregate_id,
            0,
            GENESIS,
            name=command.EVENT,
            actor_id=actor_id,
            at=at,
            data=converter.unstructure(command),
        )
        return self.make(event, command, self.table.initial), event

    def run(self, subject: A, command: Command, attempt: Attempt) -> Event:
        """Run ``command`` on ``subject`` (a working copy, changed in place) and return its
        event. Raises before anything changes if the state, the actor or a rule refuses."""
        self.check_state(subject)
        targets = self.table.transitions[subject.state]
        if command.NAME not in targets:
            raise InvalidTransition(
                kind=self.kind,
                aggregate_id=subject.id,
                state=subject.state,
                command=command.NAME,
                allowed=tuple(targets),
            )
        problem = authority_problem(subject, command.NAME, attempt.actor, attempt.config)
        if problem is not None:
            raise NotPermitted(
                f"refused: {command.NAME!r} on {self.kind} {subject.id!r} by "
                f"{attempt.actor.id!r}; {problem}.",
                actor_id=attempt.actor.id,
                command=command.NAME,
                aggregate_id=subject.id,
            )
        attempt.config.rulebook.enforce(subject, attempt)
        machine = self.machine(start_value=subject.state)
        try:
            machine.send(command.NAME)
        except TransitionNotAllowed as exc:  # the table and the machine disagree: a bug
            raise InvalidTransition(
                kind=self.kind,
                aggregate_id=subject.id,
                state=subject.state,
                command=command.NAME,
                allowed=tuple(targets),
            ) from exc
        target = str(machine.current_state_value)
        event = next_event(
            subject.id,
            subject.version,
            subject.head,
            name=command.EVENT,
            actor_id=attempt.actor.id,
            at=attempt.now,
            data=converter.unstructure(command),
        )
        subject.apply(event, command, target)
        return event

    # --- plain data, no machine --------------------------------------------------------------

    def options(self, subject: A, attempt_for: Callable[[str], Attempt]) -> list[Option]:
        """For every command the subject's state offers, whether it is allowed now.

        One record, judged rule by rule; :meth:`options_many` gives the same answers for
        many records at once, several times faster per record.
        """
        self.check_state(subject)
        result: list[Option] = []
        for name in self.table.transitions[subject.state]:
            attempt = attempt_for(name)
            problem = authority_problem(subject, name, attempt.actor, attempt.config)
            blocked: tuple[RuleViolation, ...]
            if problem is not None:
                blocked = (
                    RuleViolation(
                        rule_id="ROLE",
                        aggregate_id=subject.id,
                        actor_id=attempt.actor.id,
                        command=name,
                        reason=problem,
                    ),
                )
            else:
                blocked = tuple(attempt.config.rulebook.violations(subject, attempt))
            result.append(Option(name, not blocked, blocked))
        return result

    def options_many(
        self, subjects: Iterable[A], attempt_for: Callable[[str], Attempt]
    ) -> dict[str, list[Option]]:
        """:meth:`options` for each of ``subjects``, by id (in the order given), worked out
        for all of them together.

        Records in the same state are offered the same commands, so they are judged
        together, command by command: a member of staff's authority once per command, each
        rule once per command for the whole group (:meth:`Rulebook.refusals`, which lets a
        rule with ``check_many`` query the store once for the group). A command that
        nothing refuses is answered by one shared :class:`Option`; a refused one builds its
        :class:`RuleViolation` exceptions only when ``blocked_by`` is read.

        Raises:
            UnknownStateValue: a subject's state is not a state of this workflow (the first
                such subject is named).
        """
        listed = subjects if isinstance(subjects, list | tuple) else list(subjects)
        # The answer keeps the order given; each id's options are filled in below.
        result: dict[str, Any] = dict.fromkeys(map(_id_of, listed))
        groups: dict[str, list[A]] = {}
        get = groups.get
        for subject in listed:
            state = subject.state
            group = get(state)
            if group is None:
                groups[state] = [subject]
            else:
                group.append(subject)
        transitions = self.table.transitions
        for state, group in groups.items():
            if state not in transitions:
                self.check_state(group[0])
        for state, group in groups.items():
            columns = [self._judge(name, group, attempt_for(name)) for name in transitions[state]]
            if columns:
                rows = map(list, zip(*columns, strict=True))
                result.update(zip(map(_id_of, group), rows, strict=True))
            else:
                result.update((s.id, []) for s in group)
        return result

    def _judge(self, name: str, group: Sequence[A], attempt: Attempt) -> list[Option]:
        """Whether the command ``name`` is allowed on each of ``group`` (all in one state)."""
        actor = attempt.actor
        actor_id = actor.id
        config = attempt.config
        allowed = self._allowed[name]
        problems = authority_problems(group, name, actor, config)
        if problems is None:
            candidates = group
            column = [allowed] * len(group)
            positions: list[int] | None = None
        elif isinstance(problems, str):  # refused to all alike: one head for them all
            role: tuple[str, bool, tuple[_Refusal, ...], str] = (
                name,
                False,
                (("ROLE", problems),),
                actor_id,
            )
            return [_refused(role, s.id) for s in group]
        else:
            column = []
            candidates = []
            positions = []
            for position, (subject, problem) in enumerate(zip(group, problems, strict=True)):
                if problem is None:
                    column.append(allowed)
                    candidates.append(subject)
                    positions.append(position)
                else:
                    column.append(
                        _refused((name, False, (("ROLE", problem),), actor_id), subject.id)
                    )
        if not candidates:
            return column
        found = config.rulebook.refusals(self.kind, candidates, attempt)
        # Option.refused, unrolled (this runs for every refused command of every record),
        # with one head for the records refused alike (the refusals come shared).
        heads: dict[int, tuple[str, bool, tuple[_Refusal, ...], str]] = {}
        new, set_head, set_aggregate_id = _new, _set_head, _set_aggregate_id
        for index, refusals in found.items():
            head = heads.get(id(refusals))
            if head is None:
                head = heads[id(refusals)] = (name, False, refusals, actor_id)
            option = new(Option)
            set_head(option, head)
            set_aggregate_id(option, candidates[index].id)
            column[index if positions is None else positions[index]] = option
        return column

    def command_class(self, event_name: str) -> type[Command]:
        """The command class whose event is ``event_name``."""
        try:
            return self._by_event[event_name]
        except KeyError:
            raise AggregateCorrupted(self.kind, "?", f"unknown event name {event_name!r}") from None

    def decode(self, event: Event) -> Command:
        """The command an event records, rebuilt from its data."""
        cls = self.command_class(event.name)
        try:
            return converter.structure(dict(event.data), cls)
        except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
            raise AggregateCorrupted(
                self.kind, event.aggregate_id, f"event {event.sequence} has unreadable data"
            ) from exc

    def replay(self, events: Sequence[Event], *, verify: bool = True) -> A:
        """Rebuild an aggregate from its events alone (checking the hash chain first)."""
        if not events:
            raise AggregateCorrupted(self.kind, "?", "a timeline with no events")
        aggregate_id = events[0].aggregate_id
        if verify:
            verify_timeline(aggregate_id, events)
        first = events[0]
        if first.name != self.create.EVENT:
            raise AggregateCorrupted(
                self.kind, aggregate_id, f"its first event is {first.name}, not {self.create.EVENT}"
            )
        subject = self.make(first, self.decode(first), self.table.initial)
        for event in events[1:]:
            command = self.decode(event)
            target = self.table.transitions.get(subject.state, {}).get(command.NAME)
            if target is None:
                raise AggregateCorrupted(
                    self.kind,
                    aggregate_id,
                    f"event {event.sequence} ({event.name}) cannot follow state {subject.state!r}",
                )
            subject.apply(event, command, target)
        return subject

    def commands_named(self) -> Mapping[str, type[Command]]:
        """Command classes by command name."""
        return {c.NAME: c for c in self.commands}
