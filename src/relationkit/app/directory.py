"""The directory: people, and what they may do, on the record. :class:`DirectoryService`,
reached as ``Relations.directory``.

Parties and staff are entries of the directory
(:class:`~relationkit.domain.entries.PersonEntry`), run through the command pipeline like
every command: registering someone, renaming them or changing their other details,
granting or revoking a role, deactivating and reactivating are each an event on the
person's timeline, with its actor, time and reason. Contracts' entitlements and the written
policy's versions are entries too (kept through ``rk.equality`` and ``rk.policy``), and so
are business calendars and offerings (kept through ``rk.calendars``).

* **One id names one person**: registering an id the directory holds already, whatever its
  kind, is refused with :class:`~relationkit.exceptions.AlreadyRegistered`; change an
  entry through its own commands.
* **Who may** is the gate ``ROLE``, configured in ``CareConfig.command_roles`` like every
  command; granting and revoking roles, deactivating and reactivating default to the
  authority roles of R9 (managers and partners). A deactivated person cannot act.
* **Setup**: a new store has nobody to act. While no active member of staff may run a
  directory command, it runs without an actor, as the setup actor
  (:data:`~relationkit.domain.entries.SETUP_ACTOR`, ``"rk-setup"``), whose id its events
  carry; as soon as someone may, the command needs an actor
  (:class:`~relationkit.exceptions.ActorRequired`). The setup actor never acts where a
  person could, and nobody can name it as an actor.
* **The records**: each entry's plain record (the :class:`~relationkit.domain.parties.Staff`
  or party every lookup reads) is stored with each of its events, in the same transaction;
  :meth:`Relations.verify_all <relationkit.app.relations.Relations.verify_all>` compares
  every record with its timeline.

Example:
    >>> import pendulum
    >>> from relationkit import Client, ManualClock, Relations, Staff
    >>> rk = Relations(clock=ManualClock(pendulum.datetime(2026, 3, 2, 9)))
    >>> rk.register(Client(id="c-ana", name="Ana"),
    ...             Staff(id="s-mia", name="Mia", roles={"manager"}))
    >>> rk.directory.rename("c-ana", "Ana Berg", actor="s-mia", reason="Married in May.")
    Client(id='c-ana', name='Ana Berg', contract='standard', segment=None, title=None, \
timezone='UTC', active=True)
    >>> [(c.what, c.by, c.reason) for c in rk.directory.changes("c-ana")]
    [('PersonRegistered', 'rk-setup', None), ('PersonDetailsChanged', 's-mia', 'Married in May.')]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

from relationkit.app.verification import check_aggregate
from relationkit.domain.entries import (
    ACTIVE,
    INACTIVE,
    RESERVED_IDS,
    SETUP_ACTOR,
    STAFF,
    Change,
    ChangeDetails,
    Deactivate,
    DirectoryEntry,
    EntryHistory,
    GrantRole,
    PersonEntry,
    Reactivate,
    RegisterPerson,
    RevokeRole,
)
from relationkit.domain.parties import Party, Staff
from relationkit.domain.values import ident
from relationkit.exceptions import ActorRequired, AlreadyRegistered, InvalidInput, NotFound
from relationkit.rules.policy import SWEEPER_ID

if TYPE_CHECKING:
    from relationkit.app.pipeline import Pipeline
    from relationkit.domain.aggregate import Aggregate, Command, Written
    from relationkit.domain.events import Event
    from relationkit.rules.base import Attempt
    from relationkit.store.base import UnitOfWork

__all__ = [
    "Acting",
    "DirectoryService",
    "acting",
    "entry_changes",
    "project_entry",
    "register_entries",
    "run_on_entry",
    "setup_actor",
]

E = TypeVar("E", bound=DirectoryEntry)

Acting = Callable[[str], "str | Staff"]
"""Who runs a command of the directory, by command name: the actor named, or the setup
actor (see :func:`acting`)."""

_RESERVED = RESERVED_IDS | {SWEEPER_ID}


def project_entry(event: Event, subject: Aggregate, attempt: Attempt) -> Iterable[Any]:
    """Command hook: the plain record of a directory entry, stored with each of its events
    in the same transaction (the party or staff member every lookup reads, the entitlement,
    the policy version)."""
    if isinstance(subject, DirectoryEntry):
        return (subject.record(),)
    return ()


def setup_actor(roles: Iterable[str]) -> Staff:
    """The setup actor (:data:`~relationkit.domain.entries.SETUP_ACTOR`) holding ``roles``:
    the roles the command it runs needs, so the gate judges it like anyone."""
    return Staff(id=SETUP_ACTOR, name="relationkit setup", roles=frozenset(roles))


def acting(pipeline: Pipeline, uow: UnitOfWork, actor: object, commands: Iterable[str]) -> Acting:
    """Who runs each of ``commands`` (names of the directory's commands) in ``uow``:
    ``actor`` when one is named; else the setup actor, which may run a command only while
    no active member of staff may (judged once, before anything is written, so a call that
    registers the first people is set up as a whole).

    Raises:
        InvalidInput: ``actor`` is not an id.
        ActorRequired: no actor is named and an active member of staff may run one of
            ``commands``.
    """
    if actor is not None:
        named = ident(actor, "actor")
        return lambda _: named
    config = pipeline.config
    wanted = {name: config.roles_for(name) for name in commands}
    staff = [s for s in uow.records(Staff) if s.active and s.id not in _RESERVED]
    for name, roles in wanted.items():
        holders = sorted(s.id for s in staff if not s.roles.isdisjoint(roles))
        if holders:
            raise ActorRequired(name, holders)
    actors = {name: setup_actor(roles) for name, roles in wanted.items()}
    return actors.__getitem__


def register_entries(
    pipeline: Pipeline,
    uow: UnitOfWork,
    cls: type[DirectoryEntry],
    commands: Sequence[tuple[str, Command]],
    actor: object,
) -> Written:
    """Start one entry of ``cls`` per ``(id, command)`` in ``uow``, all by one actor (see
    :func:`acting`); what was written, for the pipeline's ``write``."""
    names = sorted({command.NAME for _, command in commands})
    who = acting(pipeline, uow, actor, names)
    written: list[tuple[Any, Any]] = []
    for entry_id, command in commands:
        written += pipeline.start_in(
            uow, cls, command, actor=who(command.NAME), aggregate_id=entry_id
        )
    return written


def run_on_entry(
    pipeline: Pipeline, cls: type[E], entry_id: str, command: Command, actor: object
) -> E:
    """Run ``command`` on the entry ``entry_id`` of ``cls`` in a transaction of its own, by
    ``actor`` (see :func:`acting`); the entry as it is after.

    Raises:
        NotFound: no such entry.
    """
    entry_id = ident(entry_id, "id")

    def work(uow: UnitOfWork) -> Written:
        who = acting(pipeline, uow, actor, [command.NAME])
        return pipeline.run_in(uow, cls, entry_id, command, actor=who(command.NAME))

    entry = pipeline.write(work)[0][0]  # run_in puts it first
    assert isinstance(entry, cls)
    return entry


def entry_changes(
    pipeline: Pipeline,
    cls: type[DirectoryEntry],
    entry_id: str,
    *,
    what: str | None = None,
    fix: str = "",
) -> list[Change]:
    """Every change of an entry, oldest first, read from its timeline (its hash chain
    checked).

    Raises:
        NotFound: there is no such entry (named ``what``, its kind if omitted; ``fix``
            says what to do instead).
        TimelineBroken: its timeline was tampered with.
    """
    entry_id = ident(entry_id, "entry_id")
    with pipeline.reading() as uow:
        events = uow.events(cls, entry_id)
    if not events:
        raise NotFound(what or cls.KIND, entry_id, fix)
    history = pipeline.workflow(cls).history(events)
    assert isinstance(history, EntryHistory)
    return list(history.changes)


def refuse_taken(uow: UnitOfWork, entry_id: str, wanted: str, fix: str) -> None:
    """Refuse a person's id that names someone already (an entry of the directory, or a
    record stored around it)."""
    entry = uow.find(PersonEntry, entry_id)
    if entry is not None:
        raise AlreadyRegistered(entry_id, entry.kind, wanted, fix)
    found = uow.find_first_record((Staff, Party), entry_id)
    if found is not None:
        kind = STAFF if isinstance(found, Staff) else found.kind
        raise AlreadyRegistered(entry_id, kind, wanted, fix)


class DirectoryService:
    """The directory of people, reached as ``Relations.directory`` (see the module).

    Args:
        pipeline: the command pipeline every change runs through.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self._p = pipeline
        pipeline.add_hook(project_entry)

    # --- registering ---------------------------------------------------------------------------

    def register(
        self, *people: Party | Staff, actor: str | None = None, reason: str | None = None
    ) -> list[PersonEntry]:
        """Register parties and staff, all in one transaction or none: each gets an entry
        whose timeline starts with its registration by ``actor`` (the setup actor if
        omitted, while nobody may register; see the module), followed for staff by one
        ``RoleGranted`` per role, which ``grant_role``'s authority governs.

        Raises:
            InvalidInput: something else than a party or staff member, two with one id, a
                reserved id (``rk-setup`` …), or one marked inactive (register, then
                deactivate).
            AlreadyRegistered: an id names someone already, whatever their kind.
            ActorRequired: no actor, and someone may register now.
            NotPermitted: the actor may not register, or grant the roles given.
        """
        self._check_people(people)
        grants = any(isinstance(p, Staff) and p.roles for p in people)
        commands = ["register", *(["grant_role"] if grants else [])]

        def work(uow: UnitOfWork) -> Written:
            for person in people:
                kind = STAFF if isinstance(person, Staff) else person.kind
                refuse_taken(
                    uow,
                    person.id,
                    kind,
                    "choose another id for the new person; to change who is registered under "
                    "it, use rk.directory.change, grant_role or revoke_role",
                )
            who = acting(self._p, uow, actor, commands)
            written: list[tuple[Any, Any]] = []
            for person in people:
                command = RegisterPerson.of(person, reason)
                written += self._p.start_in(
                    uow, PersonEntry, command, actor=who("register"), aggregate_id=person.id
                )
                for role in sorted(getattr(person, "roles", ())):
                    entry = uow.get(PersonEntry, person.id)
                    grant = GrantRole(role=role, reason=reason or "granted on registration")
                    written += self._p.run_on(uow, entry, grant, actor=who("grant_role"))
            return written

        written = self._p.write(work)
        ids = {p.id for p in people}
        latest = {a.id: a for a, _ in written if isinstance(a, PersonEntry) and a.id in ids}
        return [latest[p.id] for p in people]

    @staticmethod
    def _check_people(people: Sequence[object]) -> None:
        seen: set[str] = set()
        for person in people:
            if not isinstance(person, Party | Staff):
                raise InvalidInput(
                    f"refused: registering a {type(person).__name__}; only parties "
                    "(Client, Vendor, Consultant) and Staff can be registered; build one "
                    "of those.",
                    field="people",
                )
            if person.id in _RESERVED:
                raise InvalidInput(
                    f"refused: registering someone as {person.id!r}; that id names one of "
                    "relationkit's own actors (the setup, the migration, the sweeps), so "
                    "nobody could tell them apart; choose another id.",
                    field="id",
                )
            if person.id in seen:
                raise InvalidInput(
                    f"refused: registering {person.id!r} twice in one call; one id names "
                    "one person; give each person an id of their own.",
                    field="id",
                )
            if not person.active:
                raise InvalidInput(
                    f"refused: registering {person.id!r} as inactive; a person is registered "
                    "active and deactivated afterwards, with the reason "
                    "(rk.directory.deactivate); register them with active=True.",
                    field="active",
                )
            seen.add(person.id)

    # --- changing -------------------------------------------------------------------------------

    def _run(self, person_id: str, command: Any, actor: str | None) -> Party | Staff:
        person_id = ident(person_id, "person_id")
        return run_on_entry(self._p, PersonEntry, person_id, command, actor).record()

    def change(
        self, person_id: str, *, reason: str, actor: str | None = None, **details: str | None
    ) -> Party | Staff:
        """Change details of a person: ``name``, ``contract``, ``segment``, ``title`` and
        ``timezone`` of a party, ``name`` and ``timezone`` of a member of staff (``None``
        clears a segment or a title). Returns the person as lookups now read them.

        Raises:
            NotFound: nobody is registered under ``person_id``.
            InvalidInput: a detail that is no detail, or a value it cannot take.
            RuleViolation: a detail the person's kind does not have, or nothing changes
                (``DIR.details``).
        """
        return self._run(person_id, ChangeDetails(changes=details, reason=reason), actor)

    def rename(
        self, person_id: str, name: str, *, reason: str, actor: str | None = None
    ) -> Party | Staff:
        """Give a person another name (see :meth:`change`)."""
        return self.change(person_id, name=name, reason=reason, actor=actor)

    def grant_role(
        self, staff_id: str, role: str, *, reason: str, actor: str | None = None
    ) -> Staff:
        """Give a member of staff a role (``grant_role``: managers and partners by default;
        nobody grants a role to themselves)."""
        found = self._run(staff_id, GrantRole(role=role, reason=reason), actor)
        assert isinstance(found, Staff)  # DIR.details refuses roles for parties
        return found

    def revoke_role(
        self, staff_id: str, role: str, *, reason: str, actor: str | None = None
    ) -> Staff:
        """Take a role from a member of staff (``revoke_role``: managers and partners by
        default)."""
        found = self._run(staff_id, RevokeRole(role=role, reason=reason), actor)
        assert isinstance(found, Staff)
        return found

    def deactivate(self, person_id: str, *, reason: str, actor: str | None = None) -> Party | Staff:
        """Deactivate a person: a member of staff can no longer act, a party takes no new
        case, relationship or promise; what they did stays on the record."""
        return self._run(person_id, Deactivate(reason=reason), actor)

    def reactivate(self, person_id: str, *, reason: str, actor: str | None = None) -> Party | Staff:
        """Make a deactivated person active again."""
        return self._run(person_id, Reactivate(reason=reason), actor)

    # --- reading --------------------------------------------------------------------------------

    @overload
    def entry(self, entry_id: str) -> PersonEntry: ...

    @overload
    def entry(self, entry_id: str, cls: type[E]) -> E: ...

    def entry(self, entry_id: str, cls: type[DirectoryEntry] = PersonEntry) -> DirectoryEntry:
        """The directory entry with that id: a person, unless ``cls`` names another kind
        (:class:`~relationkit.domain.entries.EntitlementEntry`,
        :class:`~relationkit.domain.entries.PolicyEntry`,
        :class:`~relationkit.domain.entries.CalendarEntry`,
        :class:`~relationkit.domain.entries.OfferingEntry`).

        Raises:
            NotFound: there is none.
        """
        with self._p.reading() as uow:
            return uow.get(cls, ident(entry_id, "entry_id"))

    def entries(self, *, kind: str | None = None, active: bool | None = None) -> list[PersonEntry]:
        """The people of the directory, by id: of one ``kind`` (``"client"``, ``"staff"``
        …) and only the active or inactive ones, if asked."""
        where: dict[str, Any] = {}
        if kind is not None:
            where["kind"] = kind
        if active is not None:
            where["state"] = ACTIVE if active else INACTIVE
        with self._p.reading() as uow:
            return uow.select(PersonEntry, **where)

    def changes(self, entry_id: str, cls: type[DirectoryEntry] = PersonEntry) -> list[Change]:
        """Who changed what, when and why: every change of an entry (a person unless ``cls``
        says otherwise), oldest first, read from its timeline (its hash chain checked).

        Raises:
            NotFound: there is no such entry.
            TimelineBroken: its timeline was tampered with.
        """
        return entry_changes(self._p, cls, entry_id)

    # --- repair ---------------------------------------------------------------------------------

    def restore_record(self, entry_id: str, cls: type[DirectoryEntry] = PersonEntry) -> Any:
        """Rewrite the record of an entry (the party or staff member lookups read, the
        entitlement, the policy version, the calendar, the offering) from its timeline, when
        verification found it changed or missing (findings ``"projection"`` and
        ``"no-record"``); return the record now stored. No event is written: the timeline
        already says what the record is.

        It first checks the entry as :meth:`Relations.verify
        <relationkit.app.relations.Relations.verify>` does, in the same transaction, and
        restores only from a sound timeline and snapshot. A record of another kind under
        the same id (a staff record under a client's id, finding ``"no-timeline"``) is not
        removed: remove it yourself.

        Raises:
            NotFound: there is no such entry.
            TimelineBroken: its timeline is damaged: restore it from a backup.
            AggregateCorrupted: its snapshot cannot be read or differs from its timeline.
        """
        entry_id = ident(entry_id, "entry_id")
        workflow = self._p.workflow(cls)
        restored: list[Any] = []

        def work(uow: UnitOfWork) -> Written:
            try:
                row = uow.stored_aggregate(cls, entry_id)
            except NotImplementedError:
                row = None
            entry = uow.find(cls, entry_id)
            if entry is None:
                raise NotFound(cls.KIND, entry_id)
            for finding in check_aggregate(uow, workflow, entry_id, row):
                if not finding.repairable:
                    raise finding.error
            record = entry.record()
            uow.put(record)
            restored.append(record)
            return []

        self._p.write(work)
        return restored[0]
