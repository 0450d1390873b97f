"""The use-case layer: :class:`Relations` loads an aggregate, runs a command through its
workflow and care rules, appends the event and saves, in one unit of work.

Example:
    >>> import pendulum
    >>> from relationkit import Relations, MemoryStore, Client, Staff
    >>> from relationkit.domain.case import Acknowledge, ConfirmHeard
    >>> from relationkit.testing import ManualClock
    >>> rk = Relations(MemoryStore(), clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    >>> rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    >>> case = rk.open_case(actor="s-sam", client="c-ana", subject="Late delivery",
    ...                     statement="My order is two weeks late.")
    >>> case = rk.handle(case.id, Acknowledge(paraphrase="Your order is two weeks late."),
    ...                  actor="s-sam")
    >>> rk.handle(case.id, ConfirmHeard(), actor="c-ana").state
    'heard'
    >>> [e.name for e in rk.timeline(case.id)]
    ['CaseOpened', 'CaseAcknowledged', 'ClientConfirmedHeard']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias, TypeVar

import attrs
import pendulum

from relationkit.clock import SystemClock
from relationkit.config import CareConfig
from relationkit.domain.aggregate import Aggregate, Command
from relationkit.domain.case import Case, OpenCase
from relationkit.domain.events import Event, verify_timeline
from relationkit.domain.parties import Party, Staff
from relationkit.domain.policy import Policy
from relationkit.domain.values import instant, new_id, text
from relationkit.exceptions import (
    AggregateCorrupted,
    ConcurrencyError,
    InvalidInput,
    NotFound,
    NotPermitted,
    RelationkitError,
)
from relationkit.rules.authority import authority_problem
from relationkit.rules.base import Attempt
from relationkit.services.feedback import Feedback
from relationkit.services.promises import Promises
from relationkit.services.relationships import Relationships
from relationkit.store.base import Store, UnitOfWork
from relationkit.store.memory import MemoryStore
from relationkit.typing import Clock, CommandHook, Listener, Written
from relationkit.workflows.engine import Option, Workflow
from relationkit.workflows.registry import default_workflows

__all__ = ["Relations", "VerificationReport", "retry"]

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")

Check: TypeAlias = "Callable[[UnitOfWork, Staff | Party], Written | None]"
"""A creation's own check, run in its transaction (see :meth:`Relations.create`)."""


@attrs.frozen
class VerificationReport:
    """What :meth:`Relations.verify_all` found.

    Attributes:
        checked: how many timelines were checked.
        problems: one error per broken timeline or unreadable aggregate.
    """

    checked: int
    problems: tuple[RelationkitError, ...]

    @property
    def ok(self) -> bool:
        """True when every timeline held."""
        return not self.problems


class _Directory:
    """Read-only access to the unit of work's store, for rules."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def find_party(self, party_id: str) -> Party | None:
        return self._uow.find_record(Party, party_id)

    def find_staff(self, staff_id: str) -> Staff | None:
        return self._uow.find_record(Staff, staff_id)

    def find(self, cls: type[A], aggregate_id: str) -> A | None:
        return self._uow.find(cls, aggregate_id)

    def select(self, cls: type[A], **where: Any) -> list[A]:
        return self._uow.select(cls, **where)

    def count(self, cls: type[A], **where: Any) -> int:
        return self._uow.count(cls, **where)

    def find_record(self, cls: type[T], record_id: str) -> T | None:
        return self._uow.find_record(cls, record_id)

    def records(self, cls: type[T]) -> list[T]:
        return self._uow.records(cls)


def _latest_policy(uow: UnitOfWork) -> Policy | None:
    policies = uow.records(Policy)
    return max(policies, key=lambda p: p.version) if policies else None


class Relations:
    """The entry point: run commands on cases (and later aggregates) against a store.

    Args:
        store: where everything is kept, or its URL for
            :func:`~relationkit.store.url.open_store` (``"sqlite:///relations.db"``); an
            in-memory store if omitted.
        clock: where "now" comes from; the system clock if omitted.
        config: the care rules in force and their settings.
    """

    def __init__(
        self,
        store: Store | str | None = None,
        *,
        clock: Clock | None = None,
        config: CareConfig | None = None,
    ) -> None:
        if isinstance(store, str):
            from relationkit.store.url import open_store

            store = open_store(store)
        self.store: Store = store if store is not None else MemoryStore()
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.config: CareConfig = config if config is not None else CareConfig()
        self._listeners: list[tuple[Listener, frozenset[str] | None]] = []
        self.workflows: dict[str, Workflow[Any]] = default_workflows()
        self.command_hooks: list[CommandHook] = []
        """Called for each event before it is committed (see :class:`CommandHook`)."""
        self.feedback = Feedback(self)
        self.relationships = Relationships(self)
        self.promises = Promises(self)
        """Promises on business calendars, offerings, the promise sweep (R4, R5)."""
        """Relationships, severance (R9), vendor liaison and recurrences (R8)."""

    # --- people and policy -------------------------------------------------------------------

    def register(self, *people: Party | Staff) -> None:
        """Store (or update) parties and staff members."""
        with self.store.unit_of_work() as uow:
            for person in people:
                if not isinstance(person, Party | Staff):
                    raise InvalidInput(
                        f"refused: registering a {type(person).__name__}; only parties "
                        "(Client, Vendor, Consultant) and Staff can be registered; build one "
                        "of those.",
                        field="people",
                    )
                uow.put(person)
            uow.commit()

    def party(self, party_id: str) -> Party:
        """The registered party with that id."""
        with self.store.unit_of_work() as uow:
            return uow.get_record(Party, party_id)

    def staff(self, staff_id: str) -> Staff:
        """The registered staff member with that id."""
        with self.store.unit_of_work() as uow:
            return uow.get_record(Staff, staff_id)

    def publish_policy(self, policy: Policy) -> Policy:
        """Publish a new version of the written policy; its version must be the next one."""
        with self.store.unit_of_work() as uow:
            current = _latest_policy(uow)
            expected = 1 if current is None else current.version + 1
            if policy.version != expected:
                raise InvalidInput(
                    f"refused: publishing policy version {policy.version}; the next version "
                    f"is {expected}, so versions stay a gapless history; publish it as "
                    f"version {expected}.",
                    field="version",
                )
            uow.put(policy)
            uow.commit()
        return policy

    def current_policy(self) -> Policy | None:
        """The latest published policy, or ``None`` before the first."""
        with self.store.unit_of_work() as uow:
            return _latest_policy(uow)

    # --- listeners -------------------------------------------------------------------------

    def subscribe(self, listener: Listener, *, events: Iterable[str] | None = None) -> None:
        """Call ``listener(event, aggregate)`` after each committed event (optionally only
        for the event names in ``events``). A listener runs after the commit: an exception
        it raises reaches the caller, but the command stays committed."""
        self._listeners.append((listener, None if events is None else frozenset(events)))

    def _notify(self, events: Sequence[Event], aggregate: Aggregate) -> None:
        for event in events:
            for listener, names in self._listeners:
                if names is None or event.name in names:
                    listener(event, aggregate)

    # --- running commands ------------------------------------------------------------------

    def now(self) -> pendulum.DateTime:
        """The clock's time, checked to be time-zone aware."""
        return instant(self.clock.now(), "clock.now()")

    def _actor(self, uow: UnitOfWork, actor_id: str) -> Staff | Party:
        actor_id = text(actor_id, "actor")
        found = uow.find_first_record((Staff, Party), actor_id)  # one lookup for both
        if isinstance(found, Staff | Party):
            return found
        raise NotFound("actor", actor_id, "every command names a registered staff member or party")

    def _attempt(
        self, uow: UnitOfWork, name: str, command: Command | None, actor: Staff | Party
    ) -> Attempt:
        return Attempt(
            command_name=name,
            command=command,
            actor=actor,
            now=self.now(),
            config=self.config,
            policy=_latest_policy(uow),
            directory=_Directory(uow),
        )

    def workflow_for(self, cls: type[A]) -> Workflow[A]:
        """The workflow that runs aggregates of ``cls``."""
        try:
            return self.workflows[cls.KIND]
        except KeyError:
            raise NotFound("workflow", cls.KIND, f"known: {sorted(self.workflows)}") from None

    def execute(
        self,
        cls: type[A],
        aggregate_id: str,
        command: Command,
        *,
        actor: str,
        expected_version: int | None = None,
    ) -> A:
        """Run ``command`` on the aggregate of ``cls`` with that id; return its new state.

        Raises:
            NotFound: no such aggregate or actor.
            ConcurrencyError: ``expected_version`` is stale, or another writer committed
                first.
            NotPermitted: the actor may not run this command.
            InvalidTransition: the aggregate's state does not offer the command.
            RuleViolation: a care rule refused (:class:`RuleViolations` for several).
        """
        with self.store.unit_of_work() as uow:
            # A command writes: take the write lock now, so that nothing read below can
            # change before the event is appended (no read transaction to upgrade).
            uow.begin_write()
            written = self.execute_in(
                uow, cls, aggregate_id, command, actor=actor, expected_version=expected_version
            )
            uow.commit()
        self.notify_written(written)
        subject: A = written[0][0]  # type: ignore[assignment]  # execute_in puts it first
        return subject

    def execute_in(
        self,
        uow: UnitOfWork,
        cls: type[A],
        aggregate_id: str,
        command: Command,
        *,
        actor: str,
        expected_version: int | None = None,
    ) -> Written:
        """:meth:`execute` inside a unit of work the caller holds (and commits): for work
        that runs several commands in one transaction, such as sweeps. Listeners are not
        called; after committing, pass the result to :meth:`notify_written`.

        Returns:
            What the command wrote: ``(aggregate, events)`` pairs, the aggregate's new state
            with its event first, then what command hooks wrote in the same transaction
            (the reply promise of a deferral, the update promise of a vendor escalation).
        """
        workflow = self.workflow_for(cls)
        subject = uow.get(cls, text(aggregate_id, "id"))
        if expected_version is not None and subject.version != expected_version:
            raise ConcurrencyError(cls.KIND, subject.id, expected_version, subject.version)
        actor_obj = self._actor(uow, actor)
        attempt = self._attempt(uow, command.NAME, command, actor_obj)
        event = workflow.run(subject, command, attempt)
        uow.append(subject, [event])
        return [(subject, [event]), *self._run_hooks(uow, event, subject, attempt)]

    def _run_hooks(
        self, uow: UnitOfWork, event: Event, subject: Aggregate, attempt: Attempt
    ) -> list[tuple[Aggregate, Sequence[Event]]]:
        """Run the command hooks for ``event``; return the follow-ups they appended."""
        followups: list[tuple[Aggregate, Sequence[Event]]] = []
        for hook in self.command_hooks:
            for record in hook(event, subject, attempt):
                if isinstance(record, tuple):  # (aggregate, events): a follow-up command
                    uow.append(*record)
                    followups.append(record)
                else:
                    uow.put(record)
        return followups

    def notify(self, events: Sequence[Event], aggregate: Aggregate) -> None:
        """Call the subscribed listeners for ``events`` that were committed on
        ``aggregate`` (done by :meth:`execute` and :meth:`create` themselves)."""
        self._notify(events, aggregate)

    def notify_written(self, written: Written) -> None:
        """:meth:`notify` for everything a command wrote (as :meth:`execute_in` and
        :meth:`create_in` return it), in the order it was written."""
        for aggregate, events in written:
            self._notify(events, aggregate)

    def create(
        self,
        cls: type[A],
        command: Command,
        *,
        actor: str,
        aggregate_id: str | None = None,
        check: Check | None = None,
    ) -> A:
        """Create an aggregate of ``cls`` with its creating ``command``; return it.

        ``check(uow, actor)``, if given, runs inside the transaction before the command: it
        may raise to refuse, and may write aggregates the new one needs (returning them as
        ``(aggregate, events)`` pairs, which listeners then hear first, as when a client's
        first case starts their relationship).

        Raises:
            NotFound: the actor is not registered.
            NotPermitted: the actor may not run ``command``.
            ConcurrencyError: an aggregate of ``cls`` with ``aggregate_id`` exists already.
            RuleViolation: a care rule refused (:class:`RuleViolations` for several).
        """
        new = new_id(cls.KIND) if aggregate_id is None else text(aggregate_id, "id")
        with self.store.unit_of_work() as uow:
            uow.begin_write()
            written = self.create_in(uow, cls, command, actor=actor, aggregate_id=new, check=check)
            uow.commit()
        self.notify_written(written)
        subject: A = next(a for a, _ in written if a.KIND == cls.KIND and a.id == new)  # type: ignore[assignment]
        return subject

    def create_in(
        self,
        uow: UnitOfWork,
        cls: type[A],
        command: Command,
        *,
        actor: str | Staff | Party,
        aggregate_id: str | None = None,
        check: Check | None = None,
        now: pendulum.DateTime | None = None,
    ) -> Written:
        """:meth:`create` inside a unit of work the caller holds (and commits).

        Args:
            actor: a registered id, or an actor object (such as a sweep's service account).
            now: the time the creation is judged and stamped at; the clock's if omitted.

        Returns:
            What was written, in the order it was written: what ``check`` wrote, the new
            aggregate with its event, then what command hooks wrote.
        """
        workflow = self.workflow_for(cls)
        new = new_id(cls.KIND) if aggregate_id is None else text(aggregate_id, "id")
        actor_obj = self._actor(uow, actor) if isinstance(actor, str) else actor
        problem = authority_problem(None, command.NAME, actor_obj, self.config)
        if problem is not None:
            raise NotPermitted(
                f"refused: {command.NAME!r} a {cls.KIND} by {actor_obj.id!r}; {problem}.",
                actor_id=actor_obj.id,
                command=command.NAME,
            )
        if uow.find(cls, new) is not None:
            raise ConcurrencyError(cls.KIND, new, 0, None)
        before = list(check(uow, actor_obj) or ()) if check is not None else []
        attempt = self._attempt(uow, command.NAME, command, actor_obj)
        if now is not None:
            attempt = attrs.evolve(attempt, now=instant(now, "now"))
        subject, event = workflow.start(new, command, actor_obj.id, attempt.now)
        self.config.rulebook.enforce(subject, attempt)
        uow.append(subject, [event])
        return [*before, (subject, [event]), *self._run_hooks(uow, event, subject, attempt)]

    # --- cases -----------------------------------------------------------------------------

    def open_case(
        self,
        *,
        actor: str,
        client: str,
        subject: str,
        statement: str,
        escalated: bool = False,
        relationship: str | None = None,
        case_id: str | None = None,
        product: str | None = None,
        category: str | None = None,
        problem_key: str | None = None,
    ) -> Case:
        """Open a case for ``client`` with their first statement, in their words.

        Every case belongs to a relationship (see :mod:`relationkit.services.relationships`):
        the case joins ``relationship``, or the client's one relationship that is not ended;
        the first case of a client with no relationship starts one (opened and activated by
        ``actor`` in the same transaction, on the relationship's own timeline). An ended
        relationship takes no new case (:class:`~relationkit.exceptions.RelationshipEnded`)
        until a manager re-engages it. When ``product`` or ``problem_key`` is given and the
        same problem of this client was resolved within the recurrence window, the case is
        linked to it as a recurrence (``recurrence_of``).
        """
        case_id = new_id(Case.KIND) if case_id is None else text(case_id, "case_id")
        earlier = self.relationships.find_recurrence(
            client=client,
            subject=subject,
            product=product,
            category=category,
            problem_key=problem_key,
        )
        command = OpenCase(
            client_id=client,
            subject=subject,
            statement=statement,
            escalated=escalated,
            relationship_id=relationship,
            product=product,
            category=category,
            problem_key=problem_key,
            recurrence_of=None if earlier is None else earlier.id,
        )
        joining = self.relationships.joining(
            command.client_id,
            command.relationship_id,
            what="case",
            reason=f"started by case {case_id!r}, the client's first",
        )
        command = attrs.evolve(command, relationship_id=joining.relationship_id)

        def check(uow: UnitOfWork, actor_obj: Staff | Party) -> Written | None:
            if uow.find_record(Party, command.client_id) is None:
                raise NotFound(
                    "party", command.client_id, "register the client (Relations.register) first"
                )
            return joining.check(uow, actor_obj)

        return joining.run(
            lambda: self.create(Case, command, actor=actor, aggregate_id=case_id, check=check)
        )

    def handle(
        self, case_id: str, command: Command, *, actor: str, expected_version: int | None = None
    ) -> Case:
        """Run a case command (see :mod:`relationkit.domain.case`); return the new case."""
        return self.execute(Case, case_id, command, actor=actor, expected_version=expected_version)

    def case(self, case_id: str) -> Case:
        """The stored case."""
        with self.store.unit_of_work() as uow:
            return uow.get(Case, case_id)

    def cases(self, **where: Any) -> list[Case]:
        """Cases whose indexed attributes match, e.g. ``cases(state="heard")``."""
        with self.store.unit_of_work() as uow:
            return uow.select(Case, **where)

    def timeline(self, aggregate_id: str, cls: type[Aggregate] = Case) -> list[Event]:
        """The events of an aggregate, oldest first."""
        with self.store.unit_of_work() as uow:
            uow.get(cls, aggregate_id)
            return uow.events(cls, aggregate_id)

    # --- what may I do now -----------------------------------------------------------------

    def options(self, case_id: str, *, actor: str) -> list[Option]:
        """What ``actor`` may do on the case now; each refused command names its rule."""
        return self.options_for([self.case(case_id)], actor=actor)[case_id]

    def options_for(self, subjects: Iterable[A], *, actor: str) -> dict[str, list[Option]]:
        """:meth:`options` for many aggregates at once, without building a state machine.

        Every answer is the one :meth:`options` gives for that aggregate alone, judged at
        one time against one policy; the aggregates are judged together, a workflow and a
        state at a time (:meth:`~relationkit.workflows.engine.Workflow.options_many`).
        Returns the options by aggregate id, in the order given.
        """
        listed = list(subjects)
        by_kind: dict[str, list[A]] = {}
        if len(set(map(type, listed))) == 1:
            by_kind[listed[0].KIND] = listed
        else:
            for subject in listed:
                by_kind.setdefault(subject.KIND, []).append(subject)
        with self.store.unit_of_work() as uow:
            actor_obj = self._actor(uow, actor)
            base = self._attempt(uow, "", None, actor_obj)
            attempts: dict[str, Attempt] = {}

            def attempt_for(name: str) -> Attempt:
                found = attempts.get(name)
                if found is None:
                    found = attempts[name] = attrs.evolve(base, command_name=name)
                return found

            answers = [
                self.workflow_for(type(group[0])).options_many(group, attempt_for)
                for group in by_kind.values()
            ]
        if len(answers) == 1:
            return answers[0]
        merged: dict[str, list[Option]] = {}
        for answer in answers:
            merged.update(answer)
        return {s.id: merged[s.id] for s in listed}

    # --- integrity -------------------------------------------------------------------------

    def verify(self, aggregate_id: str, cls: type[Aggregate] = Case) -> None:
        """Check an aggregate's timeline and that its saved state matches it.

        Raises:
            TimelineBroken: naming the first altered, removed or reordered event.
            AggregateCorrupted: the saved state differs from what the timeline gives.
        """
        workflow = self.workflow_for(cls)
        with self.store.unit_of_work() as uow:
            subject = uow.get(cls, aggregate_id)
            events = uow.events(cls, aggregate_id)
        verify_timeline(aggregate_id, events, version=subject.version, head=subject.head)
        if workflow.replay(events, verify=False) != subject:
            raise AggregateCorrupted(
                cls.KIND, aggregate_id, "the saved state differs from what its timeline gives"
            )

    def verify_all(self) -> VerificationReport:
        """:meth:`verify` every aggregate of every workflow; collect the problems."""
        problems: list[RelationkitError] = []
        checked = 0
        for workflow in self.workflows.values():
            with self.store.unit_of_work() as uow:
                ids = uow.ids(workflow.aggregate)
            for aggregate_id in ids:
                checked += 1
                try:
                    self.verify(aggregate_id, workflow.aggregate)
                except RelationkitError as exc:
                    problems.append(exc)
        return VerificationReport(checked, tuple(problems))


def retry(operation: Callable[[], T], *, attempts: int = 3) -> T:
    """Run ``operation`` again when it raises :class:`ConcurrencyError`, up to ``attempts``
    times in all. ``operation`` must read fresh state each time (a command does).

    Example:
        >>> from relationkit import retry
        >>> retry(lambda: "done")
        'done'
    """
    if attempts < 1:
        raise InvalidInput(
            f"refused: attempts={attempts}; at least one attempt is needed; pass 1 or more.",
            field="attempts",
        )
    for remaining in range(attempts - 1, -1, -1):
        try:
            return operation()
        except ConcurrencyError:
            if remaining == 0:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
