"""The command pipeline: the one road every command takes, and the one place that decides
whether it may.

Every command of every area (a case's ``acknowledge``, a promise made, a relationship's
approval, a sweep breaking an overdue promise) goes the same way:

1. **attempt** — who acts (a registered id, or an actor object such as a sweep's service
   account), at what time, under which configuration and written policy, with one
   read-only view of the store (:class:`~relationkit.rules.base.Attempt`);
2. **judge** — the rulebook: the gate ``ROLE`` (authority), then every care rule governing
   the command, R11 among them, then the workflow's own conditions, if its machine has any;
3. **workflow** — the state the command leads to, and its event;
4. **hooks** — command hooks may store records with the event, or ask for follow-up
   commands (:class:`~relationkit.domain.aggregate.FollowUp`), which take steps 1 to 3 too;
5. **append** — everything in one unit of work, committed together or not at all;
6. **listeners** — told after the commit, in the order things were written.

"What may I do now" (:meth:`Pipeline.options_for`) asks step 2's questions and nothing else,
so its answer and running the command never disagree. It leaves out a workflow's
``internal`` commands, which only relationkit's service account runs (such as recording a
case's service-level clocks): nobody else may send them, and sending one is refused.

Steps 2 and 3 (:meth:`Pipeline.decide`, :meth:`Pipeline.decide_start`) do no I/O of their
own: they read only through the attempt's directory. Loading, appending and committing
happen around them.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import attrs
import pendulum

from relationkit._gc import collector_paused
from relationkit.app.options import Option, refused_option
from relationkit.domain.aggregate import Aggregate, Command, FollowUp
from relationkit.domain.parties import Party, Staff
from relationkit.domain.policy import Policy
from relationkit.domain.values import ident, instant, new_id
from relationkit.exceptions import (
    ConcurrencyError,
    InvalidInput,
    NotFound,
    NotPermitted,
    RelationkitError,
    RuleViolation,
)
from relationkit.rules.base import Attempt, raise_violations, refusal_error
from relationkit.rules.policy import SWEEPER_ID
from relationkit.workflows.engine import FLOW, Workflow

if TYPE_CHECKING:
    from relationkit.clock import Clock
    from relationkit.config import CareConfig
    from relationkit.domain.aggregate import Listener, Written
    from relationkit.domain.events import Event
    from relationkit.domain.parties import Actor
    from relationkit.rules.base import CommandHook
    from relationkit.store.base import Store, UnitOfWork

__all__ = ["BatchRolledBack", "Check", "InsideBatch", "Pipeline", "check_version"]

A = TypeVar("A", bound=Aggregate)

Check: TypeAlias = "Callable[[UnitOfWork, Staff | Party], Written | None]"
"""A creation's own check, run in its transaction (see :meth:`Pipeline.start_in`)."""


class BatchRolledBack(RelationkitError):
    """A batch (:meth:`Pipeline.batch`) was rolled back, all of it, because a command in it
    failed and the failure was caught inside the ``with`` block.

    Attributes:
        cause: the error that failed the batch.
        retryable: whether the cause was (running the batch again may then succeed).
    """

    def __init__(self, cause: BaseException) -> None:
        super().__init__(
            f"refused: committing a batch after a command in it failed ({cause}); a batch "
            "is all or nothing, so none of its commands were stored; fix the failing command "
            "and run the batch again (retrying can help only if the failure was a "
            "concurrency conflict or a lost connection)."
        )
        self.cause = cause
        self.retryable = isinstance(cause, RelationkitError) and cause.retryable


class InsideBatch(RelationkitError):
    """Work that commits on its own (the sweeps, :func:`~relationkit.app.sweeps.process_due`,
    repairing columns) was asked for inside a batch (:meth:`Pipeline.batch`).

    It is refused at once, before anything is read or written, so the batch itself is
    unaffected: its commands are still stored when it ends.

    Attributes:
        operation: what was refused (``"rk.sweeps.run"``, say).
    """

    def __init__(self, operation: str) -> None:
        super().__init__(
            f"refused: {operation} inside rk.batch(); it commits its own work a few "
            "aggregates at a time, rolling back and retrying an item on its own, which a "
            "batch (one transaction, all or nothing, holding the write lock until it ends) "
            "cannot allow; call it after the with block ends."
        )
        self.operation = operation


@attrs.define
class _Batch:
    uow: UnitOfWork
    written: list[tuple[Aggregate, Sequence[Event]]] = attrs.field(factory=list)
    failed: BaseException | None = None


def check_version(expected_version: object) -> None:
    """Refuse an ``expected_version`` that is neither ``None`` nor a version (a whole number
    of 0 or more; ``True`` is not version 1)."""
    if expected_version is not None and (
        isinstance(expected_version, bool)
        or not isinstance(expected_version, int)
        or expected_version < 0
    ):
        raise InvalidInput(
            f"refused: expected_version={expected_version!r}; it is the version of the "
            "aggregate the command was decided on (the number of events on its timeline, 0 "
            "or more); pass that number, or None not to check it.",
            field="expected_version",
        )


def _merged(
    subject: Aggregate, event: Event, after: list[tuple[Aggregate, Sequence[Event]]]
) -> list[tuple[Aggregate, Sequence[Event]]]:
    """What a command wrote: its aggregate with its event first, then what its follow-ups
    wrote; follow-ups on the command's own aggregate are folded into that first entry (the
    aggregate as the last of them left it, their events after the command's own)."""
    events: list[Event] = [event]
    latest = subject
    rest: list[tuple[Aggregate, Sequence[Event]]] = []
    for aggregate, appended in after:
        if aggregate.KIND == subject.KIND and aggregate.id == subject.id:
            latest = aggregate
            events.extend(appended)
        else:
            rest.append((aggregate, appended))
    return [(latest, events), *rest]


def _reason(why: str | None, reason: str) -> str:
    return reason if why is None else f"{why}; {reason}"


class Pipeline:
    """Runs every command: attempt, authority and rules, workflow, hooks, append, listeners.

    Built by :class:`~relationkit.app.relations.Relations`, which hands it to each area
    (cases, promises, relationships …).

    Args:
        store: where everything is kept.
        clock: where "now" comes from.
        config: the care rules, workflows and settings in force.
    """

    def __init__(self, store: Store, clock: Clock, config: CareConfig) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self._hooks: tuple[CommandHook, ...] = ()
        self._listeners: tuple[tuple[Listener, frozenset[str] | None], ...] = ()
        self._allowed: dict[str, Option] = {}
        self._local = threading.local()

    # --- registration ----------------------------------------------------------------------

    @property
    def hooks(self) -> tuple[CommandHook, ...]:
        """The command hooks, in the order they run."""
        return self._hooks

    def add_hook(self, hook: CommandHook) -> None:
        """Run ``hook`` for every command, after the workflow and rules accepted it and
        before it is committed (see :class:`~relationkit.typing.CommandHook`)."""
        if not callable(hook):
            raise InvalidInput(
                f"refused: {hook!r} as a command hook; a hook is called as "
                "hook(event, subject, attempt); pass a function or an object with __call__.",
                field="hook",
            )
        self._hooks = (*self._hooks, hook)

    def subscribe(self, listener: Listener, *, events: Iterable[str] | None = None) -> None:
        """Call ``listener(event, aggregate)`` after each committed event (optionally only
        for the event names in ``events``)."""
        if not callable(listener):
            raise InvalidInput(
                f"refused: {listener!r} as a listener; a listener is called as "
                "listener(event, aggregate); pass a function or an object with __call__.",
                field="listener",
            )
        names = None if events is None else frozenset(events)
        self._listeners = (*self._listeners, (listener, names))

    # --- the parts of an attempt -------------------------------------------------------------

    def now(self) -> pendulum.DateTime:
        """The clock's time, checked to be time-zone aware."""
        return instant(self.clock.now(), "clock.now()")

    def workflow(self, cls: type[A]) -> Workflow[A]:
        """The workflow that runs aggregates of ``cls`` (from the configuration)."""
        found = self.config.workflows.get(cls.KIND)
        if found is None:
            raise NotFound(
                "workflow",
                cls.KIND,
                f"known: {sorted(self.config.workflows)}; add yours with CareConfig.with_workflow",
            )
        return found

    def actor(self, uow: UnitOfWork, actor: str | Actor) -> Actor:
        """The actor named by a registered id, or ``actor`` itself if it is an actor."""
        if isinstance(actor, Staff | Party):
            return actor
        actor_id = ident(actor, "actor")
        found = uow.find_first_record((Staff, Party), actor_id)  # one lookup for both
        if isinstance(found, Staff | Party):
            return found
        raise NotFound("actor", actor_id, "every command names a registered staff member or party")

    @staticmethod
    def current_policy(uow: UnitOfWork) -> Policy | None:
        """The latest published version of the written policy, or ``None``.

        Raises:
            AggregateCorrupted: a stored version of the policy cannot be read. Commands are
                refused rather than judged by what may be an older version.
        """
        latest = uow.last_record(Policy)  # by the version in its sort key: one row
        if latest is not None:
            return latest
        # None keeps a sort key: no policy, or only versions written before they kept one.
        before = len(uow.unreadable)
        policies = uow.records(Policy)
        for error in uow.unreadable[before:]:
            raise error
        return max(policies, key=lambda p: p.version) if policies else None

    def attempt(
        self,
        uow: UnitOfWork,
        command: Command | None,
        actor: str | Actor,
        *,
        name: str | None = None,
        now: pendulum.DateTime | None = None,
    ) -> Attempt:
        """Everything the rules judge ``command`` by (``name`` alone, with ``command``
        ``None``, to ask whether it would be allowed)."""
        return Attempt(
            command_name=command.NAME if command is not None else (name or ""),
            command=command,
            actor=self.actor(uow, actor),
            now=self.now() if now is None else instant(now, "now"),
            config=self.config,
            policy=self.current_policy(uow),
            directory=uow.read_only(),
        )

    # --- deciding (no I/O but reads through the attempt's directory) -------------------------

    def refusals(
        self, workflow: Workflow[A], subject: A, attempt: Attempt, *, why: str | None = None
    ) -> list[RuleViolation]:
        """Everything that refuses ``attempt`` on ``subject``: a gate alone (``ROLE``), else
        every care rule, then the workflow's own conditions (rule id ``FLOW``)."""
        found = self.config.rulebook.violations(subject, attempt)
        if found and isinstance(found[0], NotPermitted):
            return self._explained(found, why)
        if workflow.condition_refuses(subject, attempt):
            found.append(
                RuleViolation(
                    rule_id=FLOW,
                    aggregate_id=subject.id,
                    actor_id=attempt.actor.id,
                    command=attempt.command_name,
                    reason=_flow_reason(workflow, subject, attempt.command_name),
                )
            )
        return self._explained(found, why)

    @staticmethod
    def _explained(found: list[RuleViolation], why: str | None) -> list[RuleViolation]:
        if why is None or not found:
            return found
        return [
            refusal_error(
                v.rule_id,
                _reason(why, v.reason),
                aggregate_id=v.aggregate_id,
                actor_id=v.actor_id,
                command=v.command,
                gate=v.kind if isinstance(v, NotPermitted) else None,
            )
            for v in found
        ]

    def decide(
        self, subject: A, command: Command, attempt: Attempt, *, why: str | None = None
    ) -> Event:
        """Judge ``command`` on ``subject`` and, if nothing refuses, move ``subject`` (a
        working copy) and return the event.

        Raises:
            UnknownStateValue: the stored state is not one of the workflow's.
            InvalidTransition: the state does not offer the command.
            NotPermitted: the actor may not run it (``ROLE``).
            RuleViolation: a care rule or the workflow's condition refused
                (:class:`~relationkit.exceptions.RuleViolations` for several).
        """
        workflow = self.workflow(type(subject))
        workflow.target(subject, command.NAME)
        found = self.refusals(workflow, subject, attempt, why=why)
        if found:
            raise_violations(found)
        return workflow.step(subject, command, attempt)

    def decide_start(
        self,
        cls: type[A],
        aggregate_id: str,
        command: Command,
        attempt: Attempt,
        *,
        why: str | None = None,
    ) -> tuple[A, Event]:
        """Judge the creating ``command`` and, if nothing refuses, return the new aggregate
        and its first event (nothing is stored)."""
        workflow = self.workflow(cls)
        subject, event = workflow.start(aggregate_id, command, attempt.actor.id, attempt.now)
        found = self._explained(self.config.rulebook.violations(subject, attempt), why)
        if found:
            raise_violations(found)
        return subject, event

    # --- running inside a unit of work ------------------------------------------------------

    def run_in(
        self,
        uow: UnitOfWork,
        cls: type[A],
        aggregate_id: str,
        command: Command,
        *,
        actor: str | Actor,
        now: pendulum.DateTime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Run ``command`` on the stored aggregate inside ``uow`` (which the caller commits).

        Returns:
            What was written: the aggregate's new state with its event first, then what
            the command hooks' follow-ups wrote.
        """
        check_version(expected_version)
        # Locked where the store can (PostgreSQL): writers of one aggregate take turns.
        subject = uow.get_for_update(cls, ident(aggregate_id, "id"))
        if expected_version is not None and subject.version != expected_version:
            raise ConcurrencyError(cls.KIND, subject.id, expected_version, subject.version)
        return self.run_on(uow, subject, command, actor=actor, now=now)

    def run_on(
        self,
        uow: UnitOfWork,
        subject: Aggregate,
        command: Command,
        *,
        actor: str | Actor,
        now: pendulum.DateTime | None = None,
        why: str | None = None,
    ) -> Written:
        """:meth:`run_in` on an aggregate already read in ``uow`` (a sweep's claimed one);
        judged and stamped as of ``now`` (the clock's time if omitted). ``why`` says how the
        command follows from another; it is put before the reason of any refusal."""
        attempt = self.attempt(uow, command, actor, now=now)
        event = self.decide(subject, command, attempt, why=why)
        uow.append(subject, [event])
        return _merged(subject, event, self._after(uow, event, subject, attempt))

    def start_in(
        self,
        uow: UnitOfWork,
        cls: type[A],
        command: Command,
        *,
        actor: str | Actor,
        aggregate_id: str | None = None,
        now: pendulum.DateTime | None = None,
        check: Check | None = None,
        why: str | None = None,
    ) -> Written:
        """Create an aggregate of ``cls`` inside ``uow`` (which the caller commits).

        ``check(uow, actor)``, if given, runs after the command was judged: it may raise to
        refuse, and may write what the new aggregate needs (through this pipeline), returning
        it as ``(aggregate, events)`` pairs, which come first in what is returned (and what
        listeners hear).

        Returns:
            What was written, in order: what ``check`` wrote, the new aggregate with its
            event, then what the command hooks' follow-ups wrote.
        """
        new = new_id(cls.KIND) if aggregate_id is None else ident(aggregate_id, "id")
        actor_obj = self.actor(uow, actor)
        if uow.find(cls, new) is not None:
            raise ConcurrencyError(cls.KIND, new, 0, None)
        attempt = self.attempt(uow, command, actor_obj, now=now)
        subject, event = self.decide_start(cls, new, command, attempt, why=why)
        before = list(check(uow, actor_obj) or ()) if check is not None else []
        uow.append(subject, [event])
        return [*before, *_merged(subject, event, self._after(uow, event, subject, attempt))]

    def _after(
        self, uow: UnitOfWork, event: Event, subject: Aggregate, attempt: Attempt
    ) -> list[tuple[Aggregate, Sequence[Event]]]:
        """Run the command hooks for ``event``: store the records they return and run the
        follow-ups they ask for; return what the follow-ups wrote."""
        written: list[tuple[Aggregate, Sequence[Event]]] = []
        for hook in self._hooks:
            for item in hook(event, subject, attempt):
                if isinstance(item, FollowUp):
                    written.append(self._follow(uow, item, attempt))
                else:
                    uow.put(item)
        return written

    def _follow(
        self, uow: UnitOfWork, item: FollowUp, attempt: Attempt
    ) -> tuple[Aggregate, Sequence[Event]]:
        step = attrs.evolve(
            attempt,
            command_name=item.command.NAME,
            command=item.command,
            actor=attempt.actor if item.actor is None else self.actor(uow, item.actor),
        )
        cls = item.aggregate
        if item.start:
            new = new_id(cls.KIND) if item.aggregate_id is None else ident(item.aggregate_id, "id")
            if uow.find(cls, new) is not None:
                raise ConcurrencyError(cls.KIND, new, 0, None)
            subject, event = self.decide_start(cls, new, item.command, step, why=item.why)
        else:
            if item.aggregate_id is None:
                raise InvalidInput(
                    f"refused: a follow-up {item.command.NAME!r} without an aggregate id; "
                    "name the aggregate it runs on, or set start=True to create one.",
                    field="aggregate_id",
                )
            subject = uow.get(cls, item.aggregate_id)
            event = self.decide(subject, item.command, step, why=item.why)
        uow.append(subject, [event])
        return subject, [event]

    # --- whole commands -------------------------------------------------------------------

    def in_batch(self) -> bool:
        """Whether a batch (:meth:`batch`) is open in this thread."""
        return getattr(self._local, "batch", None) is not None

    def refuse_in_batch(self, operation: str) -> None:
        """Raise :class:`InsideBatch` for ``operation`` if a batch is open in this thread:
        for work that commits on its own."""
        if self.in_batch():
            raise InsideBatch(operation)

    @contextlib.contextmanager
    def reading(self) -> Iterator[UnitOfWork]:
        """A unit of work to read in: the open batch's, if one is open in this thread (so
        reads see what the batch wrote), else a new one."""
        batch: _Batch | None = getattr(self._local, "batch", None)
        if batch is not None:
            yield batch.uow
            return
        with self.store.unit_of_work() as uow:
            yield uow

    def write(self, work: Callable[[UnitOfWork], Written]) -> Written:
        """Run ``work`` in a unit of work that takes the write lock first, commit it, and
        tell the listeners; inside a batch, in the batch's unit of work (committed, and
        heard, when the batch ends)."""
        batch: _Batch | None = getattr(self._local, "batch", None)
        if batch is not None:
            if batch.failed is not None:
                raise BatchRolledBack(batch.failed)
            try:
                written = work(batch.uow)
            except BaseException as exc:
                batch.failed = exc
                raise
            batch.written.extend(written)
            return written
        with self.store.unit_of_work() as uow:
            # A command writes: take the write lock now, so that nothing read below can
            # change before the event is appended (no read transaction to upgrade).
            uow.begin_write()
            written = work(uow)
            uow.commit()
        self.notify(written)
        return written

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Run the commands of the ``with`` block in one transaction: all of them are stored
        at its end, or none (see :meth:`Relations.batch
        <relationkit.app.relations.Relations.batch>`)."""
        outer: _Batch | None = getattr(self._local, "batch", None)
        if outer is not None:
            # Already in a batch: the outer one commits. The inner block cannot be rolled
            # back alone, so an error leaving it rolls back the outer batch whole.
            try:
                yield
            except BaseException as exc:
                if outer.failed is None:
                    outer.failed = exc
                raise
            return
        with self.store.unit_of_work() as uow:
            uow.begin_write()
            batch = _Batch(uow)
            self._local.batch = batch
            try:
                yield
            finally:
                self._local.batch = None
            if batch.failed is not None:
                raise BatchRolledBack(batch.failed)
            uow.commit()
        self.notify(batch.written)

    def execute(
        self,
        cls: type[A],
        aggregate_id: str,
        command: Command,
        *,
        actor: str,
        expected_version: int | None = None,
    ) -> A:
        """Run ``command`` on the aggregate in a transaction of its own; return its new
        state (see :meth:`Relations.execute <relationkit.app.relations.Relations.execute>`)."""
        written = self.write(
            lambda uow: self.run_in(
                uow, cls, aggregate_id, command, actor=actor, expected_version=expected_version
            )
        )
        subject: A = written[0][0]  # type: ignore[assignment]  # run_in puts it first
        return subject

    def create(
        self,
        cls: type[A],
        command: Command,
        *,
        actor: str | Actor,
        aggregate_id: str | None = None,
        check: Check | None = None,
    ) -> A:
        """Create an aggregate in a transaction of its own; return it (see
        :meth:`Relations.create <relationkit.app.relations.Relations.create>`)."""
        new = new_id(cls.KIND) if aggregate_id is None else ident(aggregate_id, "id")
        written = self.write(
            lambda uow: self.start_in(uow, cls, command, actor=actor, aggregate_id=new, check=check)
        )
        subject: A = next(a for a, _ in written if a.KIND == cls.KIND and a.id == new)  # type: ignore[assignment]
        return subject

    def notify(self, written: Written) -> None:
        """Tell the listeners about everything ``written`` (committed), in order."""
        listeners = self._listeners
        if not listeners:
            return
        for aggregate, events in written:
            for event in events:
                for listener, names in listeners:
                    if names is None or event.name in names:
                        listener(event, aggregate)

    # --- what may I do now ---------------------------------------------------------------

    def options_for(self, subjects: Iterable[A], *, actor: str) -> dict[str, list[Option]]:
        """For each aggregate, every command its state offers and whether ``actor`` may run
        it now: the questions running it would ask (``ROLE``, every rule, the workflow's
        conditions), judged at one time against one policy, for many records at once.
        Returns the options by aggregate id, in the order given."""
        listed = list(subjects)
        by_kind: dict[str, list[A]] = {}
        if len(set(map(type, listed))) == 1:
            by_kind[listed[0].KIND] = listed
        else:
            for subject in listed:
                by_kind.setdefault(subject.KIND, []).append(subject)
        with self.reading() as uow, collector_paused():  # many survivors: no full passes
            base = self.attempt(uow, None, actor)
            attempts: dict[str, Attempt] = {}

            def attempt_for(name: str) -> Attempt:
                found = attempts.get(name)
                if found is None:
                    found = attempts[name] = attrs.evolve(base, command_name=name)
                return found

            own = base.actor.id == SWEEPER_ID  # relationkit's service account
            answers = [
                self._options_many(self.workflow(type(group[0])), group, attempt_for, own=own)
                for group in by_kind.values()
            ]
        if len(answers) == 1:
            return answers[0]
        merged: dict[str, list[Option]] = {}
        for answer in answers:
            merged.update(answer)
        return {s.id: merged[s.id] for s in listed}

    def _options_many(
        self,
        workflow: Workflow[A],
        subjects: Sequence[A],
        attempt_for: Callable[[str], Attempt],
        *,
        own: bool = False,
    ) -> dict[str, list[Option]]:
        # Records in the same state are offered the same commands, so they are judged
        # together, command by command, each rule once for the group. Commands only
        # relationkit's service account runs (the workflow's ``internal``) are offered to it
        # alone: nobody else may send them, so a person is not shown them.
        result: dict[str, Any] = dict.fromkeys(s.id for s in subjects)
        groups: dict[str, list[A]] = {}
        for subject in subjects:
            group = groups.get(subject.state)
            if group is None:
                groups[subject.state] = [subject]
            else:
                group.append(subject)
        transitions = workflow.table.transitions
        for state, group in groups.items():
            if state not in transitions:
                workflow.check_state(group[0])
        hidden = () if own else workflow.internal
        for state, group in groups.items():
            columns = [
                self._judge(workflow, name, group, attempt_for(name))
                for name in transitions[state]
                if name not in hidden
            ]
            if columns:
                rows = map(list, zip(*columns, strict=True))
                result.update(zip((s.id for s in group), rows, strict=True))
            else:
                result.update((s.id, []) for s in group)
        return result

    def _judge(
        self, workflow: Workflow[A], name: str, group: Sequence[A], attempt: Attempt
    ) -> list[Option]:
        """Whether the command ``name`` is allowed on each of ``group`` (all in one state)."""
        rulebook = self.config.rulebook
        actor_id = attempt.actor.id
        allowed = self._allowed.get(name)
        if allowed is None:
            allowed = self._allowed[name] = Option(name, True)
        column = [allowed] * len(group)
        found = rulebook.refusals(workflow.kind, group, attempt)
        gates = rulebook.gate_ids(workflow.kind, name)
        kind = workflow.kind
        heads: dict[int, tuple[str, bool, tuple[tuple[str, str], ...], str, str | None]] = {}
        for index, refusals in found.items():
            # Records refused alike share their refusals, and one head.
            head = heads.get(id(refusals))
            if head is None:
                gate = kind if refusals[0][0] in gates else None
                head = heads[id(refusals)] = (name, False, refusals, actor_id, gate)
            column[index] = refused_option(head, group[index].id)
        if workflow.behaviour:
            for index, subject in enumerate(group):
                earlier = found.get(index, ())
                if earlier and earlier[0][0] in gates:
                    continue
                if workflow.condition_refuses(subject, attempt):
                    refusal = (FLOW, _flow_reason(workflow, subject, name))
                    head = (name, False, (*earlier, refusal), actor_id, None)
                    column[index] = refused_option(head, subject.id)
        return column


def _flow_reason(workflow: Workflow[Any], subject: Aggregate, name: str) -> str:
    return (
        f"the {workflow.kind} workflow's own conditions do not allow {name!r} from "
        f"{subject.state!r} now; see its machine ({workflow.machine.__name__})"
    )
