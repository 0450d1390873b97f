"""The entry point: :class:`Relations`.

A :class:`Relations` holds a store, a clock and a configuration, and the one command
pipeline (:class:`~relationkit.app.pipeline.Pipeline`) every command runs through. Cases,
the main workflow, are run from it directly (:meth:`Relations.open_case`,
:meth:`Relations.handle`, :meth:`Relations.options`); every other area has its own
facade, reached as an attribute: ``promises``, ``calendars``, ``relationships``,
``liaison``, ``feedback``, ``health``, ``policy``, ``equality`` and ``sweeps``.

Example:
    >>> import pendulum
    >>> from relationkit import Relations, MemoryStore, Client, ManualClock, Staff
    >>> from relationkit.cases import Acknowledge, ConfirmHeard
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

import contextlib
import random
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar, overload

import pendulum

from relationkit.app.calendars import CalendarService
from relationkit.app.cases import open_case_command
from relationkit.app.directory import DirectoryService
from relationkit.app.equality import EqualityService
from relationkit.app.feedback import FeedbackService
from relationkit.app.health import HealthService
from relationkit.app.liaison import LiaisonService
from relationkit.app.options import Option
from relationkit.app.pipeline import Check, Pipeline, check_version
from relationkit.app.policy import PolicyService
from relationkit.app.promises import PromiseService
from relationkit.app.relationships import RelationshipService
from relationkit.app.schedule import SweepService
from relationkit.app.service_levels import ServiceLevelService
from relationkit.app.verification import Progress, Verifier
from relationkit.app.verification import VerificationReport as VerificationReport  # its old home
from relationkit.clock import Clock, SystemClock
from relationkit.config import CareConfig
from relationkit.domain.aggregate import Aggregate, Command, History, Listener
from relationkit.domain.case import Case, CaseHistory
from relationkit.domain.events import Event
from relationkit.domain.liaison import VendorTicket, VendorTicketHistory
from relationkit.domain.parties import Party, Staff
from relationkit.domain.promise import Promise, PromiseHistory
from relationkit.domain.relationship import Relationship, RelationshipHistory
from relationkit.domain.values import ident
from relationkit.exceptions import (
    ColumnOutOfStep,
    InvalidInput,
    NotFound,
    RelationkitError,
)
from relationkit.rules.base import CommandHook
from relationkit.store.base import Store
from relationkit.store.memory import MemoryStore
from relationkit.workflows.engine import Workflow

__all__ = [
    "RETRY_ATTEMPTS",
    "RETRY_FIRST_DELAY",
    "RETRY_LONGEST_DELAY",
    "RETRY_WITHIN",
    "Relations",
    "retry",
]

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")


class Relations:
    """The entry point: people, cases, and every area of client care, against one store.

    Args:
        store: where everything is kept, or its URL for
            :func:`~relationkit.store.url.open_store` (``"sqlite:///relations.db"``); an
            in-memory store if omitted.
        clock: where "now" comes from; the system clock if omitted.
        config: the care rules, workflows and settings in force; extend relationkit through
            it (:meth:`CareConfig.with_rule <relationkit.config.CareConfig.with_rule>`,
            :meth:`~relationkit.config.CareConfig.with_workflow`, its ``health`` model) and
            through :meth:`subscribe` and :meth:`add_hook`.

    Attributes:
        directory: people, their details and roles, on the record, a
            :class:`~relationkit.app.directory.DirectoryService`.
        promises: promises and the promise sweep (R4, R5), a
            :class:`~relationkit.app.promises.PromiseService`.
        calendars: business calendars and the offerings promises are checked against, a
            :class:`~relationkit.app.calendars.CalendarService`.
        relationships: relationships and severance (R9), a
            :class:`~relationkit.app.relationships.RelationshipService`.
        liaison: vendor tickets, client updates and recurrences (R8), a
            :class:`~relationkit.app.liaison.LiaisonService`.
        feedback: feedback during and at the end (R7), a
            :class:`~relationkit.app.feedback.FeedbackService`.
        health: relationship health, explained signal by signal (R12), a
            :class:`~relationkit.app.health.HealthService`.
        policy: the written policy and staff's acknowledgements (R11), a
            :class:`~relationkit.app.policy.PolicyService`.
        equality: entitlements and the equal-treatment report (R10), an
            :class:`~relationkit.app.equality.EqualityService`.
        service_levels: service-level policies, live clocks on cases, their sweep and
            attainment, a :class:`~relationkit.app.service_levels.ServiceLevelService`.
        sweeps: time-driven work, run from any number of workers, a
            :class:`~relationkit.app.schedule.SweepService`.
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
        if config is not None and not isinstance(config, CareConfig):
            raise InvalidInput(
                f"refused: config={config!r}; relationkit is configured with a CareConfig; "
                "build one (CareConfig().evolve(...)).",
                field="config",
            )
        self._pipeline = Pipeline(
            store if store is not None else MemoryStore(),
            clock if clock is not None else SystemClock(),
            config if config is not None else CareConfig(),
        )
        pipeline = self._pipeline
        self.directory = DirectoryService(pipeline)
        self.policy = PolicyService(pipeline)
        self.health = HealthService(pipeline)
        self.relationships = RelationshipService(pipeline)
        self.liaison = LiaisonService(pipeline)
        self.calendars = CalendarService(pipeline)
        self.promises = PromiseService(pipeline, self.relationships)
        self.feedback = FeedbackService(pipeline)
        self.equality = EqualityService(pipeline)
        self.service_levels = ServiceLevelService(pipeline)
        self.sweeps = SweepService(
            pipeline, self.promises, self.relationships, self.feedback, self.service_levels
        )

    @property
    def store(self) -> Store:
        """Where everything is kept."""
        return self._pipeline.store

    @property
    def clock(self) -> Clock:
        """Where "now" comes from."""
        return self._pipeline.clock

    @property
    def config(self) -> CareConfig:
        """The configuration in force."""
        return self._pipeline.config

    @property
    def pipeline(self) -> Pipeline:
        """The command pipeline every command runs through (for application layers that run
        commands inside their own units of work)."""
        return self._pipeline

    def now(self) -> pendulum.DateTime:
        """The clock's time, checked to be time-zone aware."""
        return self._pipeline.now()

    # --- people ------------------------------------------------------------------------------

    def register(
        self, *people: Party | Staff, actor: str | None = None, reason: str | None = None
    ) -> None:
        """Register parties and staff members in the directory, all of them or none
        (:meth:`DirectoryService.register <relationkit.app.directory.DirectoryService.register>`):
        each gets a timeline starting with its registration by ``actor``.

        In a new store, leave ``actor`` out: while no active member of staff may register
        (or grant roles), the setup actor ``rk-setup`` does it, on the record. After that,
        name who registers. An id that names someone already, whatever their kind, is
        refused (:class:`~relationkit.exceptions.AlreadyRegistered`): change people through
        ``Relations.directory`` (``rename``, ``change``, ``grant_role`` …).
        """
        self.directory.register(*people, actor=actor, reason=reason)

    def party(self, party_id: str) -> Party:
        """The registered party with that id."""
        with self._pipeline.reading() as uow:
            return uow.get_record(Party, ident(party_id, "party_id"))

    def staff(self, staff_id: str) -> Staff:
        """The registered staff member with that id."""
        with self._pipeline.reading() as uow:
            return uow.get_record(Staff, ident(staff_id, "staff_id"))

    # --- extending -------------------------------------------------------------------------

    def subscribe(self, listener: Listener, *, events: Iterable[str] | None = None) -> None:
        """Call ``listener(event, aggregate)`` after each committed event (optionally only
        for the event names in ``events``). A listener runs after the commit: an exception
        it raises reaches the caller, but the command stays committed."""
        self._pipeline.subscribe(listener, events=events)

    def add_hook(self, hook: CommandHook) -> None:
        """Run ``hook(event, subject, attempt)`` for every command, after the workflow and
        the care rules accepted it and before it is committed: it may refuse by raising,
        return records to store with the event, or ask for follow-up commands (see
        :class:`~relationkit.typing.CommandHook`)."""
        self._pipeline.add_hook(hook)

    def workflow_for(self, cls: type[A]) -> Workflow[A]:
        """The workflow that runs aggregates of ``cls``."""
        return self._pipeline.workflow(cls)

    # --- running commands ------------------------------------------------------------------

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Run many commands in one transaction: every command inside the ``with`` block is
        stored when it ends, or none is.

        One commit instead of one per command: on SQLite with ``synchronous=FULL`` that is
        one fsync for the whole batch. Commands inside see what earlier ones wrote;
        listeners hear about all of it after the commit. If a command inside fails, the
        batch is rolled back whole: the error reaches you, and if you catch it inside the
        block, leaving the block raises :class:`~relationkit.app.pipeline.BatchRolledBack`.
        A batch holds the store's write lock until it ends, so keep it short (an import, a
        burst of commands). Batches do not nest: an inner ``batch()`` joins the outer one,
        and an error leaving the inner block rolls back the outer batch whole.

        Work that commits on its own is refused inside a batch with
        :class:`~relationkit.InsideBatch`, before it reads or writes anything (the batch
        goes on): the sweeps (``rk.sweeps.run``, ``rk.promises.run`` …), which commit
        a few aggregates at a time and retry or skip an item on their own, and
        :meth:`repair_columns`. Run them before or after the ``with`` block.

        Example:
            >>> from relationkit import Relations, Client, Staff
            >>> rk = Relations()
            >>> rk.register(Staff(id="s-sam", name="Sam", roles={"agent"}),
            ...             *(Client(id=f"c-{n}", name=f"Client {n}") for n in range(3)))
            >>> with rk.batch():
            ...     for n in range(3):
            ...         _ = rk.open_case(actor="s-sam", client=f"c-{n}", subject="Import",
            ...                          statement="Moved from the old system.")
            >>> len(rk.cases())
            3
        """
        with self._pipeline.batch():
            yield

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
            InvalidInput: ``expected_version`` is not a version (a whole number, 0 or more;
                not ``True``).
            ConcurrencyError: ``expected_version`` is stale, or another writer committed
                first.
            NotPermitted: the actor may not run this command (the gate ``ROLE``).
            InvalidTransition: the aggregate's state does not offer the command.
            RuleViolation: a care rule refused (:class:`RuleViolations` for several).
        """
        check_version(expected_version)
        return self._pipeline.execute(
            cls, aggregate_id, command, actor=actor, expected_version=expected_version
        )

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

        ``check(uow, actor)``, if given, runs inside the transaction once the command was
        judged: it may raise to refuse, and may write aggregates the new one needs
        (returning them as ``(aggregate, events)`` pairs, which listeners then hear first).

        Raises:
            NotFound: the actor is not registered.
            NotPermitted: the actor may not run ``command``.
            ConcurrencyError: an aggregate of ``cls`` with ``aggregate_id`` exists already.
            RuleViolation: a care rule refused (:class:`RuleViolations` for several).
        """
        return self._pipeline.create(
            cls, command, actor=actor, aggregate_id=aggregate_id, check=check
        )

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
        priority: str | None = None,
    ) -> Case:
        """Open a case for ``client`` with their first statement, in their words.

        Every case belongs to a relationship (see :mod:`relationkit.app.relationships`):
        the case joins ``relationship``, or the client's one relationship that is not ended;
        the first case of a client with no relationship starts one (opened and activated by
        ``actor`` in the same transaction, on the relationship's own timeline). An ended
        relationship takes no new case (:class:`~relationkit.exceptions.RelationshipEnded`)
        until a manager re-engages it. When ``product`` or ``problem_key`` is given and the
        same problem of this client was resolved within the recurrence window, the case is
        linked to it as a recurrence (``recurrence_of``). ``priority`` (or severity) picks
        the targets of the service-level policy of the client's contract, if it has one
        (:mod:`relationkit.service_levels`); the policy's default priority otherwise.
        """
        command, case_id, joining = open_case_command(
            self.liaison,
            self.relationships,
            client=client,
            subject=subject,
            statement=statement,
            escalated=escalated,
            relationship=relationship,
            case_id=case_id,
            product=product,
            category=category,
            problem_key=problem_key,
            priority=priority,
        )
        return joining.run(
            lambda: self._pipeline.create(
                Case, command, actor=actor, aggregate_id=case_id, check=joining.check
            )
        )

    def handle(
        self, case_id: str, command: Command, *, actor: str, expected_version: int | None = None
    ) -> Case:
        """Run a case command (see :mod:`relationkit.cases`); return the new case.

        Raises:
            InvalidInput: ``case_id`` is no id, or ``expected_version`` no version.
            ConcurrencyError: ``expected_version`` is stale, or another writer committed
                first.
        """
        check_version(expected_version)
        return self._pipeline.execute(
            Case, ident(case_id, "case_id"), command, actor=actor, expected_version=expected_version
        )

    def case(self, case_id: str) -> Case:
        """The stored case."""
        with self._pipeline.reading() as uow:
            return uow.get(Case, ident(case_id, "case_id"))

    def cases(self, **where: Any) -> list[Case]:
        """Cases whose indexed attributes match, e.g. ``cases(state="heard")``."""
        with self._pipeline.reading() as uow:
            return uow.select(Case, **where)

    def values(
        self,
        cls: type[Aggregate],
        *attributes: str,
        order_by: str | None = None,
        limit: int | None = None,
        **where: Any,
    ) -> list[tuple[Any, ...]]:
        """A list view: the named indexed attributes of the aggregates of ``cls`` matching
        ``where``, one tuple each, read from the store's columns without decoding a single
        snapshot (see :meth:`UnitOfWork.values <relationkit.store.base.UnitOfWork.values>`).

        Example:
            >>> from relationkit import MemoryStore, Relations, Client, Staff
            >>> from relationkit.cases import Case
            >>> rk = Relations(MemoryStore())
            >>> rk.register(Client(id="c-ana", name="Ana"),
            ...             Staff(id="s-sam", name="Sam", roles={"agent"}))
            >>> case = rk.open_case(actor="s-sam", client="c-ana", subject="Refund",
            ...                     statement="I was charged twice.", case_id="case-1")
            >>> rk.values(Case, "id", "state", "client_id", client_id="c-ana")
            [('case-1', 'opened', 'c-ana')]

        Raises:
            InvalidInput: no attribute is named, one is not indexed, or ``where`` asks
                what the store cannot (see :meth:`UnitOfWork.select
                <relationkit.store.base.UnitOfWork.select>`).
        """
        with self._pipeline.reading() as uow:
            return uow.values(cls, *attributes, order_by=order_by, limit=limit, **where)

    def timeline(self, aggregate_id: str, cls: type[Aggregate] = Case) -> list[Event]:
        """The events of an aggregate (a case unless ``cls`` says otherwise), oldest first."""
        aggregate_id = ident(aggregate_id, "id")
        with self._pipeline.reading() as uow:
            uow.get(cls, aggregate_id)
            return uow.events(cls, aggregate_id)

    @overload
    def history(self, aggregate_id: str) -> CaseHistory: ...
    @overload
    def history(self, aggregate_id: str, cls: type[Case]) -> CaseHistory: ...
    @overload
    def history(self, aggregate_id: str, cls: type[Promise]) -> PromiseHistory: ...
    @overload
    def history(self, aggregate_id: str, cls: type[VendorTicket]) -> VendorTicketHistory: ...
    @overload
    def history(self, aggregate_id: str, cls: type[Relationship]) -> RelationshipHistory: ...
    @overload
    def history(self, aggregate_id: str, cls: type[Aggregate]) -> History: ...

    def history(self, aggregate_id: str, cls: type[Aggregate] = Case) -> History:
        """Everything an aggregate's timeline holds beyond its current state (a case unless
        ``cls`` says otherwise), read from its events: for a case, every statement,
        paraphrase, deferral, consultation, decision and reopening
        (:class:`~relationkit.domain.case.CaseHistory`); for a promise, every renegotiation;
        for a vendor ticket, every update the client was given; for a relationship, every
        risk note, proposal, end, re-engagement and delegation. The aggregate itself keeps
        only the latest of each and how many, so that a command costs the same however
        long the timeline is.

        Raises:
            NotFound: there is no such aggregate.
            TimelineBroken: its timeline was altered.

        Example:
            >>> from relationkit import Client, Relations, Staff
            >>> from relationkit.cases import Acknowledge, CorrectParaphrase
            >>> rk = Relations()
            >>> rk.register(Client(id="c-ana", name="Ana"),
            ...             Staff(id="s-sam", name="Sam", roles={"agent"}))
            >>> case = rk.open_case(actor="s-sam", client="c-ana", subject="Refund",
            ...                     statement="I was charged twice for March.")
            >>> case = rk.handle(case.id, Acknowledge(paraphrase="You were charged twice."),
            ...                  actor="s-sam")
            >>> case = rk.handle(case.id, CorrectParaphrase(correction="Twice for March."),
            ...                  actor="c-ana")
            >>> case = rk.handle(case.id, Acknowledge(paraphrase="March was charged twice."),
            ...                  actor="s-sam")
            >>> case.paraphrase.text, case.pending_paraphrase is case.paraphrase
            ('March was charged twice.', True)
            >>> [(p.text, p.outcome) for p in rk.history(case.id).paraphrases]
            [('You were charged twice.', 'corrected'), ('March was charged twice.', None)]
        """
        events = self.timeline(aggregate_id, cls)
        return self._pipeline.workflow(cls).history(events)

    # --- what may I do now -----------------------------------------------------------------

    def options(self, case_id: str, *, actor: str) -> list[Option]:
        """What ``actor`` may do on the case now; each refused command names its rules.
        Commands only relationkit's service account runs (recording the service-level
        clocks) are not listed: nobody else may send them."""
        case = self.case(case_id)
        return self._pipeline.options_for([case], actor=actor)[case.id]

    def options_for(self, subjects: Iterable[A], *, actor: str) -> dict[str, list[Option]]:
        """:meth:`options` for many aggregates of any kind at once: for each, every command
        its state offers and whether ``actor`` may run it now. It asks exactly what running
        the command would ask (authority, every care rule, the workflow's own conditions),
        judged at one time against one policy. A workflow's ``internal`` commands, which
        only relationkit's service account runs, are left out. Returns the options by
        aggregate id, in the order given."""
        return self._pipeline.options_for(subjects, actor=actor)

    # --- integrity -------------------------------------------------------------------------

    def verify(self, aggregate_id: str, cls: type[Aggregate] = Case) -> None:
        """Check one aggregate: its timeline's hash chain, its saved state against what the
        timeline gives, and (in the SQL stores) its version and indexed columns against
        its saved state. :meth:`verify_all` checks everything and lists every problem.

        Raises:
            NotFound: there is no such aggregate.
            TimelineBroken: naming the first altered, removed or reordered event.
            AggregateCorrupted: the saved state cannot be read or differs from what the
                timeline gives; :class:`~relationkit.exceptions.ColumnOutOfStep` when a
                column differs from the saved state (the first problem found).
        """
        Verifier(self._pipeline).verify(cls, ident(aggregate_id, "aggregate_id"))

    def verify_all(self, *, progress: Progress | None = None) -> VerificationReport:
        """Check everything the store holds and list every problem, each as a typed error
        and a :class:`~relationkit.app.verification.Finding`: the database file (SQLite's
        own check), every aggregate of every workflow as :meth:`verify` does, and every
        plain record (parties, staff, policies …). It reads a page at a time and changes
        nothing.

        Args:
            progress: told ``(aggregates checked, aggregates in the store)`` after each
                aggregate, for a progress bar.
        """
        return Verifier(self._pipeline).verify_all(progress)

    def repair_columns(
        self, aggregate_id: str, cls: type[Aggregate] | str = Case
    ) -> tuple[ColumnOutOfStep, ...]:
        """Rewrite an aggregate's version and indexed columns from its saved state, when
        they went out of step with it (findings ``"version-column"`` and
        ``"index-column"``); return what was out of step (nothing when all was well).

        It first checks the aggregate as :meth:`verify` does, in the same transaction: it
        repairs only when the saved state is readable and is what the timeline gives, so it
        never spreads damage. Its snapshot and timeline are left as they are. Run it
        outside :meth:`batch`.

        Args:
            aggregate_id: the aggregate.
            cls: its class, or its kind (a finding's ``aggregate_kind``).

        Raises:
            NotFound: there is no such aggregate, or no workflow of that kind.
            TimelineBroken: its timeline is damaged: restore it from a backup.
            AggregateCorrupted: its saved state cannot be read or differs from its timeline:
                restore it from a backup.
            StoreError: the store cannot rewrite columns (stores other than relationkit's).
        """
        if isinstance(cls, str):
            workflow = self.config.workflows.get(cls)
            if workflow is None:
                raise NotFound("workflow", cls, f"known: {sorted(self.config.workflows)}")
            cls = workflow.aggregate
        return Verifier(self._pipeline).repair_columns(cls, ident(aggregate_id, "aggregate_id"))


RETRY_ATTEMPTS = 20
"""How many times :func:`retry` runs an operation at most, by default."""
RETRY_WITHIN = 10.0
"""How many seconds :func:`retry` keeps trying for at most, by default."""
RETRY_FIRST_DELAY = 0.01
"""The longest pause, in seconds, before :func:`retry`'s second attempt; it doubles with
each attempt after that."""
RETRY_LONGEST_DELAY = 0.5
"""The longest pause, in seconds, between two of :func:`retry`'s attempts."""


def _seconds(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise InvalidInput(
            f"refused: {field}={value!r}; it is a number of seconds; pass 0 or more.",
            field=field,
        )
    return float(value)


def retry(
    operation: Callable[[], T],
    *,
    attempts: int = RETRY_ATTEMPTS,
    within: float | None = RETRY_WITHIN,
    first_delay: float = RETRY_FIRST_DELAY,
    longest_delay: float = RETRY_LONGEST_DELAY,
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """Run ``operation`` and, while it raises an error that is ``retryable``
    (:class:`~relationkit.exceptions.ConcurrencyError`, among them
    :class:`~relationkit.exceptions.TransactionConflict`, and
    :class:`~relationkit.exceptions.ConnectionLost`), run it again after a pause, within a
    budget; any other error is raised at once. ``operation`` must read fresh state each
    time (a command does).

    The pauses grow exponentially and are jittered, so that writers racing on one
    aggregate spread out instead of colliding again: before attempt *n* + 1 it waits a
    random time between 0 and ``min(longest_delay, first_delay * 2 ** (n - 1))`` seconds.

    The budget is both a number of attempts and a time: it gives up, raising the last
    error (with a note saying so), once ``operation`` ran ``attempts`` times or when the
    next pause would end more than ``within`` seconds after the first attempt began.

    Args:
        operation: what to run, without arguments (a ``lambda`` around a command).
        attempts: how many times to run it at most (1 runs it once).
        within: seconds to keep trying for at most; ``None`` for no limit in time.
        first_delay: the longest pause before the second attempt, in seconds.
        longest_delay: the longest pause between two attempts, in seconds.
        sleep: how to pause (``time.sleep``; tests pass their own).

    Raises:
        InvalidInput: a budget that is not a number of attempts (1 or more) or of seconds
            (0 or more).

    Example:
        >>> from relationkit import retry
        >>> retry(lambda: "done")
        'done'
    """
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise InvalidInput(
            f"refused: attempts={attempts!r}; at least one attempt is needed; pass 1 or more.",
            field="attempts",
        )
    limit = None if within is None else _seconds(within, "within")
    first = _seconds(first_delay, "first_delay")
    longest = _seconds(longest_delay, "longest_delay")
    started = time.monotonic()
    deadline = None if limit is None else started + limit
    for attempt in range(1, attempts + 1):
        try:
            return operation()
        except RelationkitError as exc:
            if not exc.retryable:
                raise
            pause = random.uniform(0.0, min(longest, first * 2 ** (attempt - 1)))
            if attempt == attempts or (
                deadline is not None and time.monotonic() + pause > deadline
            ):
                exc.add_note(
                    f"relationkit.retry gave up after {attempt} attempt(s) in "
                    f"{time.monotonic() - started:.2f} s (budget: {attempts} attempts, "
                    f"{'no time limit' if limit is None else f'{limit:g} s'})."
                )
                raise
        sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover
