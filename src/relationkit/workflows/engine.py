"""A workflow: an aggregate class, the python-statemachine class that defines its states and
transitions, and the commands its events stand for.

The python-statemachine class is the definition: states, transitions, diagrams and the
validation python-statemachine does when the class is built. Running a command does not
build a machine to repeat what the class already says:

* A machine class with no behaviour of its own (no callbacks, no conditions: every built-in
  workflow) runs from its :class:`FlowTable`, read once from the class's metadata. A test
  walks every state and every event and shows the table and a real machine agree.
* A machine class with behaviour (an application's own, with ``on_enter_<state>``,
  ``before_<event>``, ``cond=`` …) runs each command through a real machine, so its
  callbacks and conditions run. The machine is built once per thread and reused (its
  state is set on its model before each command). Callbacks and conditions receive
  ``subject`` (the aggregate before the command), ``command`` and ``attempt`` by name.

Rebuilding state from events (:meth:`Workflow.replay`) never runs a machine: it follows the
table, as the events were accepted already. :meth:`Workflow.history` replays the same way and
gathers what the aggregate does not keep (every statement of a case, every renegotiation of a
promise …) into the aggregate's :class:`~relationkit.domain.aggregate.History`.

Whether a command *may* run (authority, care rules, a workflow's own conditions) is decided
by the command pipeline (:mod:`relationkit.app.pipeline`), not here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import attrs
import cattrs
import pendulum
from statemachine import StateMachine
from statemachine.exceptions import TransitionNotAllowed

from relationkit.domain.aggregate import Aggregate, Command, History
from relationkit.domain.events import GENESIS, Event, next_event, verify_timeline
from relationkit.exceptions import AggregateCorrupted, InvalidTransition, UnknownStateValue
from relationkit.rules.base import Attempt
from relationkit.serialization import converter

__all__ = ["FLOW", "FlowTable", "Workflow", "has_behaviour"]

A = TypeVar("A", bound=Aggregate)

FLOW = "FLOW"
"""The rule id under which a workflow's own conditions refuse a command (``cond=``,
``unless=`` and validators of an application's machine class)."""


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
                    known = transitions[state.value].get(str(event))
                    if known is not None and known != transition.target.value:
                        raise TypeError(
                            f"{machine.__name__}: {event} leads from {state.value!r} to both "
                            f"{known!r} and {transition.target.value!r}; relationkit rebuilds "
                            "state from events, so an event must lead from each state to one "
                            "state; give the second transition an event of its own"
                        )
                    transitions[state.value][str(event)] = transition.target.value
        events: Iterable[Any] = getattr(machine, "events")  # noqa: B009 - a list on the class
        commands = tuple(str(e.id) for e in events)
        return cls(initial, frozenset(transitions), frozenset(final), transitions, commands)

    def allowed_from(self, state: str) -> tuple[str, ...]:
        """The commands ``state`` offers."""
        return tuple(self.transitions.get(state, {}))


def has_behaviour(machine: type[StateMachine]) -> bool:
    """True if instances of ``machine`` would run anything of their own on a transition:
    callbacks (``on_…``, ``before_…``, ``after_…``, ``on_enter_…`` …), conditions or
    validators, or class-level listeners. Such a machine is run for each command; one
    without is run from its table."""
    probe = machine(start_value=FlowTable.of(machine).initial)
    registry = getattr(probe._callbacks, "_registry", None)
    if registry is None:  # pragma: no cover - a python-statemachine that keeps it elsewhere
        return True
    return bool(registry) or bool(getattr(machine, "_class_listeners", ()))


class _Holder:
    """The model a reused machine keeps its state on."""

    __slots__ = ("state",)

    def __init__(self) -> None:
        self.state: Any = None


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
        internal: commands only relationkit's own service account runs (from its hooks
            and sweeps, such as the case's service-level clocks). "What may I do now"
            leaves them out for everybody else, as nobody else may run them; sending one
            is still refused with a typed error by the rule that guards it.
        table: the states and transitions as plain data.
        behaviour: True if the machine class has callbacks or conditions of its own, so
            commands run through a real (reused) machine; False for a plain definition,
            run from ``table``.
    """

    aggregate: type[A]
    machine: type[StateMachine]
    create: type[Command]
    commands: tuple[type[Command], ...]
    make: Callable[[Event, Any, str], A]
    internal: frozenset[str] = frozenset()
    table: FlowTable = attrs.field(init=False)
    behaviour: bool = attrs.field(init=False)
    _by_event: dict[str, type[Command]] = attrs.field(init=False, repr=False)
    _machines: threading.local = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        table = FlowTable.of(self.machine)
        by_event = {c.EVENT: c for c in (self.create, *self.commands)}
        missing = set(table.commands) - {c.NAME for c in self.commands}
        if missing:
            raise TypeError(f"{self.machine.__name__} has events without commands: {missing}")
        if not isinstance(self.internal, frozenset) or not self.internal <= set(table.commands):
            raise TypeError(
                f"{self.machine.__name__}: internal = {self.internal!r}; give a frozenset of "
                f"its commands ({', '.join(table.commands)})"
            )
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "behaviour", has_behaviour(self.machine))
        object.__setattr__(self, "_by_event", by_event)
        object.__setattr__(self, "_machines", threading.local())

    @property
    def kind(self) -> str:
        """The aggregate kind, such as ``"case"``."""
        return self.aggregate.KIND

    # --- where a command leads -----------------------------------------------------------

    def check_state(self, subject: Aggregate) -> None:
        """Raise :class:`UnknownStateValue` if ``subject.state`` is not a state of the flow."""
        if subject.state not in self.table.transitions:
            raise UnknownStateValue(self.kind, subject.id, subject.state, sorted(self.table.states))

    def offered(self, subject: Aggregate) -> Mapping[str, str]:
        """The commands ``subject``'s state offers, with the state each leads to.

        Raises:
            UnknownStateValue: the stored state is not a state of this workflow.
        """
        found = self.table.transitions.get(subject.state)
        if found is None:
            self.check_state(subject)
        assert found is not None
        return found

    def target(self, subject: Aggregate, name: str) -> str:
        """The state the command ``name`` leads ``subject`` to, by the table.

        Raises:
            UnknownStateValue: the stored state is not a state of this workflow.
            InvalidTransition: the state does not offer the command.
        """
        offered = self.offered(subject)
        found = offered.get(name)
        if found is None:
            raise InvalidTransition(
                kind=self.kind,
                aggregate_id=subject.id,
                state=subject.state,
                command=name,
                # what a person may send: relationkit's own commands are not offered to anyone
                allowed=tuple(n for n in offered if n not in self.internal),
            )
        return found

    def _machine(self, state: str) -> StateMachine:
        """This thread's machine, set to ``state``."""
        machine: StateMachine | None = getattr(self._machines, "machine", None)
        if machine is None:
            holder = _Holder()
            machine = self.machine(model=holder, start_value=state)
            self._machines.machine = machine
        machine.model.state = state
        return machine

    def condition_refuses(self, subject: A, attempt: Attempt) -> bool:
        """True if the machine's own conditions do not let ``attempt``'s command run on
        ``subject`` now. Always False for a machine without behaviour (it has none)."""
        if not self.behaviour:
            return False
        machine = self._machine(subject.state)
        enabled = machine.enabled_events(subject=subject, command=attempt.command, attempt=attempt)
        return attempt.command_name not in {str(e.id) for e in enabled}

    # --- running -------------------------------------------------------------------------

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

    def step(self, subject: A, command: Command, attempt: Attempt) -> Event:
        """Move ``subject`` (a working copy, changed in place) by ``command`` and return its
        event. It does not judge whether the command may run (the pipeline did); a machine
        with behaviour runs its callbacks here, and may still refuse by raising.

        Raises:
            UnknownStateValue: the stored state is not a state of this workflow.
            InvalidTransition: the state does not offer the command.
        """
        target = self.target(subject, command.NAME)
        if self.behaviour:
            machine = self._machine(subject.state)
            try:
                machine.send(command.NAME, subject=subject, command=command, attempt=attempt)
            except TransitionNotAllowed as exc:
                raise InvalidTransition(
                    kind=self.kind,
                    aggregate_id=subject.id,
                    state=subject.state,
                    command=command.NAME,
                    allowed=tuple(self.offered(subject)),
                ) from exc
            target = str(machine.model.state)
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

    # --- events --------------------------------------------------------------------------

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
        return self._rebuild(events, verify, None)

    def history(self, events: Sequence[Event], *, verify: bool = True) -> History:
        """The aggregate's :class:`~relationkit.domain.aggregate.History` (its class's
        ``HISTORY``: a :class:`~relationkit.domain.case.CaseHistory` for a case …), built by
        replaying its events (checking the hash chain first), as :meth:`replay` does.

        Example:
            >>> from relationkit import Client, Relations, Staff
            >>> from relationkit.cases import RecordStatement
            >>> from relationkit.workflows.case import CASE_WORKFLOW
            >>> rk = Relations()
            >>> rk.register(Client(id="c-ana", name="Ana"),
            ...             Staff(id="s-sam", name="Sam", roles={"agent"}))
            >>> case = rk.open_case(actor="s-sam", client="c-ana", subject="Refund",
            ...                     statement="I was charged twice.")
            >>> case = rk.handle(case.id, RecordStatement(text="In March."), actor="s-sam")
            >>> case.statement_count
            2
            >>> [s.text for s in CASE_WORKFLOW.history(rk.timeline(case.id)).statements]
            ['I was charged twice.', 'In March.']
        """
        if not events:
            raise AggregateCorrupted(self.kind, "?", "a timeline with no events")
        found = self.aggregate.HISTORY(aggregate_id=events[0].aggregate_id)
        self._rebuild(events, verify, found)
        return found

    def _rebuild(self, events: Sequence[Event], verify: bool, history: History | None) -> A:
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
        created = self.decode(first)
        subject = self.make(first, created, self.table.initial)
        if history is not None:
            history.record(subject, created, first)
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
            if history is not None:
                history.record(subject, command, event)
        return subject

    def commands_named(self) -> Mapping[str, type[Command]]:
        """Command classes by command name."""
        return {c.NAME: c for c in self.commands}
