"""Verification: does everything a store holds agree with what relationkit wrote?

:meth:`Relations.verify_all <relationkit.app.relations.Relations.verify_all>` checks

- for every aggregate of every workflow: its timeline's hash chain (naming an altered,
  removed or reordered event as such), its snapshot against what its timeline replays to,
  and, in stores that show their rows, the table's ``version`` and indexed columns against
  the snapshot, and every timeline stored without its row (``"missing-row"``);
- every plain record (parties, staff, policies, acknowledgements …): that it can be read,
  is stored under its own id and, for types that keep a sort key, under the right key;
- the directory: every person, entitlement, policy version, business calendar and offering
  has a timeline of its own (:mod:`relationkit.app.directory`,
  :mod:`relationkit.app.calendars`), and the record lookups read is what that timeline
  gives (a role or a calendar's working hours changed in the table is named), with no such
  record stored around it;
- the database file itself, where the store has a check of its own (SQLite's
  ``PRAGMA quick_check``).

It reads a page of aggregates at a time, each page in a unit of work of its own, so its
cost grows with the store and its memory does not. Every problem becomes a typed error and
a :class:`Finding`; one damaged aggregate never hides the others. Verification only reads:
:meth:`Relations.repair_columns <relationkit.app.relations.Relations.repair_columns>` is
the separate, explicit repair of columns that can be derived from a sound snapshot.

Example:
    >>> from relationkit import Client, Relations, Staff
    >>> rk = Relations()
    >>> rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-sam", name="Sam", roles={"agent"}))
    >>> _ = rk.open_case(actor="s-sam", client="c-ana", subject="Late", statement="It is late.")
    >>> report = rk.verify_all()
    >>> report.ok, report.checked, report.records  # a case, a relationship, two people
    (True, 4, 3)
    >>> report.to_dict()["findings"]
    []
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from relationkit.domain.aggregate import Aggregate
from relationkit.domain.entries import DirectoryEntry, PersonEntry, entry_class
from relationkit.domain.events import verify_timeline
from relationkit.exceptions import (
    AggregateCorrupted,
    ColumnOutOfStep,
    DatabaseCorrupted,
    NotFound,
    RecordCorrupted,
    RelationkitError,
    StoreError,
    TimelineBroken,
)
from relationkit.store.codec import decode_aggregate, decode_record, record_type, record_types

if TYPE_CHECKING:
    from relationkit.app.pipeline import Pipeline
    from relationkit.store.base import Store, StoredAggregate, StoredRecord, UnitOfWork
    from relationkit.workflows.engine import Workflow

__all__ = ["FINDING_KINDS", "Finding", "Progress", "VerificationReport", "Verifier"]

FINDING_KINDS: Mapping[str, str] = {
    "altered": "an event's content, sequence number or hash was changed, or it was replaced",
    "removed": "an event is missing before later ones",
    "reordered": "the events are all stored, but not in the order they were chained",
    "truncated": "the latest events are missing",
    "added": "events follow the one the aggregate recorded as its last",
    "unreadable-event": "an event's stored data cannot be read",
    "unreadable-snapshot": "the aggregate's snapshot cannot be read",
    "snapshot": "the snapshot differs from what the timeline replays to",
    "unreplayable": "the timeline is intact, but its workflow cannot replay it",
    "missing-row": "an aggregate's timeline is stored, but its row (its snapshot and "
    "columns) is not, so it cannot be found or queried",
    "version-column": "the table's version column differs from the snapshot's version",
    "index-column": "an indexed column differs from the snapshot's attribute",
    "unreadable-record": "a plain record's data cannot be read",
    "record-id": "a plain record is stored under another id than its data gives",
    "sort-key": "a plain record is stored under another sort key than its data gives",
    "projection": "a record of the directory (a person, an entitlement, a policy version, a "
    "business calendar, an offering) differs from what its timeline gives",
    "no-record": "a directory entry's timeline has no record beside it, so lookups miss it",
    "no-timeline": "a record of a person, entitlement, policy, calendar or offering is on no "
    "timeline of the directory (it was written around it)",
    "database": "the database's own check found damage to its files",
    "store": "the store could not read part of what it holds",
}
"""Every kind of :class:`Finding`, with what it means."""

REPAIRABLE = frozenset({"version-column", "index-column"})
"""The kinds of finding :meth:`Relations.repair_columns
<relationkit.app.relations.Relations.repair_columns>` repairs."""

Progress = Callable[[int, int], object]
"""Told ``(aggregates checked, aggregates in the store)`` after each aggregate is checked."""


@attrs.frozen
class Finding:
    """One problem verification found, for a program or a person to act on.

    Attributes:
        kind: what is wrong, one of :data:`FINDING_KINDS` (``"reordered"``,
            ``"index-column"`` …).
        aggregate_kind: the kind of the aggregate (``"case"``) or record (``"staff"``)
            concerned; empty for the database as a whole.
        aggregate_id: its id; empty for the database as a whole.
        message: what is wrong and what to do, in words (the error's message).
        error: the typed error (a :class:`~relationkit.exceptions.TimelineBroken`,
            :class:`~relationkit.exceptions.AggregateCorrupted` or one of their kin).
        sequence: the event concerned, for problems of a timeline.
        column: the column concerned, for columns out of step.
    """

    kind: str
    aggregate_kind: str
    aggregate_id: str
    message: str
    error: RelationkitError = attrs.field(eq=False, repr=False)
    sequence: int | None = None
    column: str | None = None

    @property
    def repairable(self) -> bool:
        """True when :meth:`Relations.repair_columns
        <relationkit.app.relations.Relations.repair_columns>` can repair it (if the
        aggregate's snapshot and timeline are sound)."""
        return self.kind in REPAIRABLE

    @classmethod
    def of(
        cls,
        error: RelationkitError,
        kind: str | None = None,
        *,
        aggregate_kind: str | None = None,
        aggregate_id: str | None = None,
    ) -> Finding:
        """The finding an error stands for; ``kind`` when known, else judged from the
        error's type."""
        sequence = column = None
        if isinstance(error, TimelineBroken):
            kind, sequence = kind or error.problem, error.sequence
        elif isinstance(error, ColumnOutOfStep):
            column = error.column
            kind = kind or ("version-column" if column == "version" else "index-column")
        elif isinstance(error, RecordCorrupted):
            kind = kind or "unreadable-record"
        elif isinstance(error, AggregateCorrupted):
            kind = kind or "snapshot"
        elif isinstance(error, DatabaseCorrupted):
            kind = kind or "database"
        return cls(
            kind=kind or "store",
            aggregate_kind=_text(aggregate_kind, getattr(error, "kind", "")),
            aggregate_id=_text(aggregate_id, getattr(error, "aggregate_id", "")),
            message=str(error),
            error=error,
            sequence=sequence,
            column=column,
        )

    def to_dict(self) -> dict[str, Any]:
        """The finding as JSON-ready data (the error by its class name)."""
        return {
            "kind": self.kind,
            "aggregate_kind": self.aggregate_kind,
            "aggregate_id": self.aggregate_id,
            "message": self.message,
            "error": type(self.error).__name__,
            "sequence": self.sequence,
            "column": self.column,
            "repairable": self.repairable,
        }


def _text(given: str | None, found: object) -> str:
    if given is not None:
        return given
    return found if isinstance(found, str) else ""


@attrs.frozen
class VerificationReport:
    """What :meth:`Relations.verify_all <relationkit.app.relations.Relations.verify_all>`
    found.

    Attributes:
        checked: how many aggregates (timelines) were checked.
        problems: one typed error per problem found.
        findings: the same problems as :class:`Finding` objects, in the same order.
        records: how many plain records were checked.
        unchecked: what could not be checked, and why, in words (records of a type this
            process has not registered, columns of a store that does not show its rows).
    """

    checked: int
    problems: tuple[RelationkitError, ...]
    findings: tuple[Finding, ...] = attrs.field()
    records: int = 0
    unchecked: tuple[str, ...] = ()

    @findings.default
    def _findings_of_problems(self) -> tuple[Finding, ...]:
        return tuple(Finding.of(problem) for problem in self.problems)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data: ``ok``, ``checked``, ``records``, ``findings``
        (each as :meth:`Finding.to_dict` gives it) and ``unchecked``."""
        return {
            "ok": self.ok,
            "checked": self.checked,
            "records": self.records,
            "findings": [finding.to_dict() for finding in self.findings],
            "unchecked": list(self.unchecked),
        }


class Verifier:
    """Checks what a store holds, for :class:`~relationkit.app.relations.Relations`.

    Args:
        pipeline: the command pipeline (its store, and its configuration's workflows).
        page: how many aggregates or records to read at a time.
    """

    def __init__(self, pipeline: Pipeline, *, page: int = 500) -> None:
        self._pipeline = pipeline
        self._page = page

    # --- one aggregate ------------------------------------------------------------------------

    def verify(self, cls: type[Aggregate], aggregate_id: str) -> None:
        """Check one aggregate; raise the first problem found.

        Raises:
            NotFound: there is no such aggregate.
        """
        workflow = self._pipeline.workflow(cls)
        with self._pipeline.reading() as uow:
            try:
                row = uow.stored_aggregate(cls, aggregate_id)
            except NotImplementedError:  # a store that shows no rows: no columns to compare
                row = None
                if uow.find(cls, aggregate_id) is None and not uow.events(cls, aggregate_id):
                    raise NotFound(cls.KIND, aggregate_id) from None
            else:
                if row is None:
                    if uow.events(cls, aggregate_id):
                        raise missing_row(cls.KIND, aggregate_id)
                    raise NotFound(cls.KIND, aggregate_id)
            found = check_aggregate(uow, workflow, aggregate_id, row, projection=True)
        if found:
            raise found[0].error

    def repair_columns(
        self, cls: type[Aggregate], aggregate_id: str
    ) -> tuple[ColumnOutOfStep, ...]:
        """Rewrite the version and indexed columns of one aggregate from its snapshot, once
        its snapshot and timeline are checked to be sound; return what was out of step.

        Raises:
            NotFound: there is no such aggregate.
            TimelineBroken: its timeline is damaged, so its snapshot cannot be trusted.
            AggregateCorrupted: its snapshot cannot be read or differs from its timeline.
            StoreError: the store cannot rewrite columns.
            InsideBatch: called inside a batch.
        """
        self._pipeline.refuse_in_batch("repairing columns")
        workflow = self._pipeline.workflow(cls)
        store = self._pipeline.store
        cannot = StoreError(
            f"refused: repairing the columns of {cls.KIND} {aggregate_id!r}; the store "
            f"{_where(store)} does not show or rewrite its stored rows; restore it from a "
            "backup instead."
        )
        with store.unit_of_work() as uow:
            uow.begin_write()
            try:
                row = uow.stored_aggregate(cls, aggregate_id)
            except NotImplementedError:
                raise cannot from None
            if row is None:
                raise NotFound(cls.KIND, aggregate_id)
            found = check_aggregate(uow, workflow, aggregate_id, row)
            for finding in found:
                if not finding.repairable:
                    raise finding.error
            columns = tuple(f.error for f in found if isinstance(f.error, ColumnOutOfStep))
            if columns:
                try:
                    uow.rewrite_columns(cls, aggregate_id)
                except NotImplementedError:
                    raise cannot from None
                uow.commit()
        return columns

    # --- everything ---------------------------------------------------------------------------

    def verify_all(self, progress: Progress | None = None) -> VerificationReport:
        """Check the database, every aggregate of every workflow and every record."""
        findings: list[Finding] = []
        unchecked: list[str] = []
        findings.extend(self._database())
        workflows = list(self._pipeline.config.workflows.values())
        total = self._total(workflows) if progress is not None else 0
        checked = 0
        for workflow in workflows:
            for found, one in self._aggregates(workflow, unchecked):
                findings.extend(found)
                if one:
                    checked += 1
                    if progress is not None:
                        progress(checked, max(total, checked))
        records = self._records(findings, unchecked)
        return VerificationReport(
            checked,
            tuple(f.error for f in findings),
            tuple(findings),
            records,
            tuple(unchecked),
        )

    def _database(self) -> list[Finding]:
        store = self._pipeline.store
        try:
            damage = store.integrity_check()
        except StoreError as exc:
            return [Finding.of(exc, "store", aggregate_kind="", aggregate_id="")]
        if not damage:
            return []
        return [Finding.of(DatabaseCorrupted(_where(store), damage))]

    def _total(self, workflows: list[Workflow[Any]]) -> int:
        try:
            with self._pipeline.reading() as uow:
                return sum(uow.count(w.aggregate) for w in workflows)
        except StoreError:
            return 0

    def _aggregates(
        self, workflow: Workflow[Any], unchecked: list[str]
    ) -> Iterator[tuple[list[Finding], bool]]:
        """The findings of each aggregate of ``workflow`` with ``True``, and of each part of
        the store that could not be read at all with ``False``."""
        cls = workflow.aggregate
        after: str | None = None
        while True:
            rows: list[StoredAggregate] = []
            try:
                with self._pipeline.reading() as uow:
                    try:
                        rows = uow.stored_aggregates(cls, after=after, limit=self._page)
                    except NotImplementedError:
                        break
                    for row in rows:
                        after = row.id
                        try:
                            found = check_aggregate(uow, workflow, row.id, row, projection=True)
                        except StoreError as exc:  # this aggregate's events cannot be read
                            where = {"aggregate_kind": cls.KIND, "aggregate_id": row.id}
                            yield [Finding.of(exc, "store", **where)], True
                            break  # on with the next page, in a new unit of work
                        yield found, True
            except StoreError as exc:  # the page itself cannot be read
                where = {"aggregate_kind": cls.KIND, "aggregate_id": ""}
                yield [Finding.of(exc, "store", **where)], False
                return
            if not rows:
                yield from self._missing_rows(cls, unchecked)
                return
        # The store does not show its rows: check timelines and snapshots by id.
        unchecked.append(
            f"the version and indexed columns of {cls.KIND} were not compared with the "
            f"snapshots: the store {_where(self._pipeline.store)} does not show its stored rows"
        )
        with self._pipeline.reading() as uow:
            ids = uow.ids(cls)
        for start in range(0, len(ids), self._page):
            with self._pipeline.reading() as uow:
                for aggregate_id in ids[start : start + self._page]:
                    yield check_aggregate(uow, workflow, aggregate_id, None, projection=True), True

    def _missing_rows(
        self, cls: type[Aggregate], unchecked: list[str]
    ) -> Iterator[tuple[list[Finding], bool]]:
        """A ``"missing-row"`` finding for each aggregate of ``cls`` whose timeline is
        stored without its row (each counted as checked), a page at a time. If the events
        cannot be read for it (damage the other checks name), that is said in
        ``unchecked``."""
        after: str | None = None
        while True:
            try:
                with self._pipeline.reading() as uow:
                    try:
                        ids = uow.timelines_without_row(cls, after=after, limit=self._page)
                    except NotImplementedError:
                        return
            except StoreError as exc:
                unchecked.append(
                    f"timelines of {cls.KIND} stored without their row were not looked for: {exc}"
                )
                return
            if not ids:
                return
            for aggregate_id in ids:
                yield [Finding.of(missing_row(cls.KIND, aggregate_id), "missing-row")], True
            after = ids[-1]

    def _records(self, findings: list[Finding], unchecked: list[str]) -> int:
        known = {record.name: record for record in record_types()}
        unknown: dict[str, int] = {}
        checked = 0
        after: tuple[str, str] | None = None
        while True:
            try:
                with self._pipeline.reading() as uow:
                    page = uow.stored_records(after=after, limit=self._page)
            except NotImplementedError:
                unchecked.append(
                    "plain records were not checked: the store "
                    f"{_where(self._pipeline.store)} does not show its stored rows"
                )
                return checked
            except StoreError as exc:
                findings.append(Finding.of(exc, "store", aggregate_kind="", aggregate_id=""))
                return checked
            if not page:
                break
            sound = []
            for stored in page:
                if stored.kind in known:
                    checked += 1
                    found = check_record(stored)
                    findings.extend(found)
                    if not found:
                        sound.append(stored)
                else:
                    unknown[stored.kind] = unknown.get(stored.kind, 0) + 1
            try:
                with self._pipeline.reading() as uow:
                    findings.extend(check_entries(uow, sound))
            except StoreError as exc:
                findings.append(Finding.of(exc, "store", aggregate_kind="", aggregate_id=""))
            after = (page[-1].kind, page[-1].id)
        for kind, count in sorted(unknown.items()):
            unchecked.append(
                f"{count} record(s) of kind {kind!r} were not checked: no record type of that "
                "name is registered in this process (see register_record_type)"
            )
        return checked


def _where(store: Store) -> str:
    return store.url or type(store).__name__


# --- the checks -------------------------------------------------------------------------------


def missing_row(kind: str, aggregate_id: str) -> AggregateCorrupted:
    """The error of an aggregate whose timeline is stored without its row."""
    return AggregateCorrupted(
        kind,
        aggregate_id,
        "its timeline is stored but its row (its saved state and columns) is missing, so "
        "lookups and queries do not find it",
        fix="restore the aggregate's row from a backup",
    )


def check_aggregate(
    uow: UnitOfWork,
    workflow: Workflow[Any],
    aggregate_id: str,
    row: StoredAggregate | None,
    *,
    projection: bool = False,
) -> list[Finding]:
    """Every problem of one aggregate: its events and snapshot can be read, its timeline's
    chain holds and ends where its snapshot says, the snapshot is what the timeline
    replays to, and the row's columns (when ``row`` is given) agree with it; with
    ``projection``, for an entry of the directory, that its record is what it gives
    (:func:`check_projection`).

    Columns are compared with the snapshot, or with the replayed timeline when the snapshot
    differs from it (the columns were written from the snapshot before it was changed).
    """
    cls = workflow.aggregate
    kind = cls.KIND
    found: list[Finding] = []
    events = None
    try:
        events = uow.events(cls, aggregate_id)
    except AggregateCorrupted as exc:
        found.append(Finding.of(exc, "unreadable-event"))
    snapshot: Aggregate | None = None
    try:
        if row is not None:
            snapshot = decode_aggregate(cls, aggregate_id, row.snapshot)
        else:
            snapshot = uow.find(cls, aggregate_id)
    except AggregateCorrupted as exc:
        found.append(Finding.of(exc, "unreadable-snapshot"))
    if snapshot is not None and snapshot.id != aggregate_id:
        problem = f"its snapshot is the snapshot of {snapshot.id!r}"
        found.append(Finding.of(AggregateCorrupted(kind, aggregate_id, problem), "snapshot"))
        snapshot = None
    truth, source = snapshot, "snapshot"
    if events is not None:
        try:
            verify_timeline(
                aggregate_id,
                events,
                version=None if snapshot is None else snapshot.version,
                head=None if snapshot is None else snapshot.head,
                kind=kind,
            )
        except TimelineBroken as exc:
            found.append(Finding.of(exc))
        else:
            replayed = _replay(workflow, aggregate_id, events, found)
            if replayed is not None and replayed != snapshot:
                if snapshot is not None:
                    problem = (
                        "the saved state differs from what its timeline gives: "
                        + _differences(snapshot, replayed)
                    )
                    error = AggregateCorrupted(kind, aggregate_id, problem)
                    found.append(Finding.of(error, "snapshot"))
                truth, source = replayed, "timeline"
    if row is not None and truth is not None:
        found.extend(_columns(uow, kind, row, truth, source))
    if projection and isinstance(truth, DirectoryEntry):
        found.extend(check_projection(uow, truth))
    return found


def _replay(
    workflow: Workflow[Any], aggregate_id: str, events: list[Any], found: list[Finding]
) -> Aggregate | None:
    if not events:
        return None
    try:
        replayed: Aggregate = workflow.replay(events, verify=False)
    except RelationkitError as exc:
        problem = getattr(exc, "problem", str(exc))
        error = AggregateCorrupted(
            workflow.kind, aggregate_id, f"its timeline cannot be replayed: {problem}"
        )
        found.append(Finding.of(error, "unreplayable"))
        return None
    return replayed


def _differences(stored: Any, expected: Any, where: str = "snapshot", shown: int = 3) -> str:
    """The fields in which what is stored (in the ``where``) differs from what the timeline
    gives, the first ``shown`` of them."""
    differ = [
        f"{field.name} is {_short(_plain(getattr(stored, field.name)))} in the {where}, "
        f"{_short(_plain(getattr(expected, field.name)))} by the timeline"
        for field in attrs.fields(type(expected))
        if getattr(stored, field.name) != getattr(expected, field.name)
    ]
    more = f", and {len(differ) - shown} more" if len(differ) > shown else ""
    return ", ".join(differ[:shown]) + more


def _short(value: object, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _columns(
    uow: UnitOfWork, kind: str, row: StoredAggregate, truth: Aggregate, source: str
) -> list[Finding]:
    found: list[Finding] = []
    expected = uow.column_values(truth)
    stored = {"version": row.version, **row.columns}
    for name, value in stored.items():
        if name in expected and not _same(value, expected[name]):
            error = ColumnOutOfStep(kind, row.id, name, value, expected[name], source=source)
            found.append(Finding.of(error))
    return found


def _same(stored: Any, expected: Any) -> bool:
    """Whether a column holds ``expected``, as its database returns it (SQLite gives
    booleans back as 0 and 1, and keeps text written into a number column as text)."""
    if stored is None or expected is None:
        return stored is None and expected is None
    if isinstance(expected, bool):
        return type(stored) in (bool, int) and bool(stored == expected)
    if isinstance(expected, int):
        return type(stored) is int and bool(stored == expected)
    if isinstance(expected, float):
        return type(stored) in (int, float) and bool(stored == expected)
    if isinstance(expected, str):
        return isinstance(stored, str) and stored == expected
    return bool(stored == expected)


def check_record(stored: StoredRecord) -> list[Finding]:
    """Every problem of one stored plain record of a known kind: it can be read, its data
    gives the id it is stored under and, for types that keep a sort key, the key stored
    beside it.

    Records have no timeline: a change that leaves them readable, under their own id and
    key (another role in a staff member's row, say), is not seen here.
    """
    record = next(r for r in record_types() if r.name == stored.kind)
    try:
        found = decode_record(stored.kind, stored.id, stored.data)
    except AggregateCorrupted as exc:
        error = RecordCorrupted(stored.kind, stored.id, exc.problem)
        return [Finding.of(error, "unreadable-record")]
    problems: list[Finding] = []
    key = record.key(found)
    if key != stored.id:
        problem = f"its data is that of {key!r}, not of the id it is stored under"
        problems.append(Finding.of(RecordCorrupted(stored.kind, stored.id, problem), "record-id"))
    if record.sort_key is not None:
        expected = record.sort_key(found)
        if stored.sort_key != expected:
            problem = (
                f"its sort key is {stored.sort_key!r} where its data gives {expected!r}, so "
                "reading these records by sort key misplaces it"
            )
            error = RecordCorrupted(stored.kind, stored.id, problem)
            problems.append(Finding.of(error, "sort-key"))
    return problems


# --- the directory ------------------------------------------------------------------------------

_RESTORE = (
    "its timeline says what it should be: rewrite it from the timeline with "
    "Relations.directory.restore_record, or restore it from a backup"
)


def check_projection(uow: UnitOfWork, entry: DirectoryEntry) -> list[Finding]:
    """Whether the record of a directory entry (the party or staff member lookups read, the
    entitlement, the policy version, the calendar, the offering) is the one its timeline
    gives (``entry``: its snapshot, or what its timeline replays to when they differ)."""
    expected = entry.record()
    kind = record_type(expected).name
    try:
        stored = uow.find_record(record_type(expected).cls, entry.id)
    except AggregateCorrupted:
        return []  # the records' own check reports it unreadable
    if stored is None:
        problem = (
            f"the directory's timeline of {entry.KIND} {entry.id!r} has no {kind} record "
            "beside it, so lookups do not find it"
        )
        error = RecordCorrupted(kind, entry.id, problem, fix=_RESTORE)
        return [Finding.of(error, "no-record")]
    if stored == expected:
        return []
    problem = (
        f"the record differs from its timeline on the directory: "
        f"{_record_differences(stored, expected)}; it was changed around the directory"
    )
    return [Finding.of(RecordCorrupted(kind, entry.id, problem, fix=_RESTORE), "projection")]


def _record_differences(stored: Any, expected: Any, shown: int = 3) -> str:
    if type(stored) is not type(expected):
        return (
            f"it is a {type(stored).__name__} in the record, a {type(expected).__name__} by "
            "the timeline"
        )
    return _differences(stored, expected, "record", shown)


def _plain(value: object) -> object:
    return sorted(value) if isinstance(value, frozenset) else value


def check_entries(uow: UnitOfWork, page: Sequence[StoredRecord]) -> list[Finding]:
    """Every record of ``page`` that the directory keeps (people, entitlements, policy
    versions, business calendars, offerings) and whose timeline is missing: no entry under
    its id, or an entry of another kind (a staff record under a client's id)."""
    wanted: dict[type[DirectoryEntry], list[StoredRecord]] = {}
    known = {r.name: r for r in record_types()}
    for stored in page:
        record = known.get(stored.kind)
        cls = None if record is None else entry_class(record.cls)
        if cls is not None:
            wanted.setdefault(cls, []).append(stored)
    found: list[Finding] = []
    for cls, records in wanted.items():
        entries = {e.id: e for e in uow.select(cls, id__in=[r.id for r in records])}
        for stored in records:
            entry = entries.get(stored.id)
            if entry is None:
                problem = (
                    f"no timeline of the directory has {stored.id!r}: the record was written "
                    "around the directory"
                )
            elif isinstance(entry, PersonEntry) and (stored.kind == "staff") != entry.is_staff:
                problem = (
                    f"{stored.id!r} is a {entry.kind} on the directory's timeline, and this "
                    f"{stored.kind} record under the same id was written around it (one id "
                    "names one person)"
                )
            else:
                continue
            error = RecordCorrupted(
                stored.kind,
                stored.id,
                problem,
                fix="remove the record; if what it says is real, register it through the "
                "directory (rk.register, rk.equality, rk.policy, rk.calendars) under an id of "
                "its own",
            )
            found.append(Finding.of(error, "no-timeline"))
    return found
