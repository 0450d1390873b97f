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
from relationkit.rules.authority import authority_problem
from relationkit.rules.base import Attempt
from relationkit.serialization import converter

__all__ = ["FlowTable", "Option", "Workflow"]

A = TypeVar("A", bound=Aggregate)


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


@attrs.frozen
class Option:
    """One answer to "what may I do now": a command, and whether it is allowed.

    Attributes:
        command: the command name.
        allowed: True if it would be accepted now (arguments permitting).
        blocked_by: the refusals when it is not: rule violations, or an authority refusal
            with ``rule_id == "ROLE"``.
    """

    command: str
    allowed: bool
    blocked_by: tuple[RuleViolation, ...] = ()

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The ids of what blocks it."""
        return tuple(v.rule_id for v in self.blocked_by)


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

    def __attrs_post_init__(self) -> None:
        table = FlowTable.of(self.machine)
        by_event = {c.EVENT: c for c in (self.create, *self.commands)}
        missing = set(table.commands) - {c.NAME for c in self.commands}
        if missing:
            raise TypeError(f"{self.machine.__name__} has events without commands: {missing}")
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "_by_event", by_event)

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
        """For every command the subject's state offers, whether it is allowed now."""
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
