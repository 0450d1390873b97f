"""The machinery every care rule shares: the :class:`Attempt` a rule judges, the
:func:`rule` decorator for rules written as plain functions, and the :class:`Rulebook` that
runs them and reports every violation at once.

Example: a rule of your own, written as a function.

    >>> from relationkit.rules.base import rule
    >>> @rule("ACME-1", kind="case", commands={"decline"})
    ... def no_declines_on_fridays(case, attempt):
    ...     '''Declines wait for Monday: nobody should spend a weekend with a "no".'''
    ...     if attempt.now.day_of_week == 5:
    ...         yield "it is Friday; defer the answer to Monday instead"
    >>> no_declines_on_fridays.id, sorted(no_declines_on_fridays.commands)
    ('ACME-1', ['decline'])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar, runtime_checkable

import attrs
import pendulum

from relationkit.exceptions import InvalidInput, NotPermitted, RuleViolation, RuleViolations

if TYPE_CHECKING:
    from relationkit.domain.aggregate import Aggregate, Command
    from relationkit.domain.directory import Directory
    from relationkit.domain.events import Event
    from relationkit.domain.parties import Party, Staff
    from relationkit.domain.policy import Policy
    from relationkit.rules.settings import CareSettings

__all__ = [
    "ANY",
    "Attempt",
    "BulkRule",
    "CommandHook",
    "FunctionRule",
    "Refusals",
    "Rule",
    "Rulebook",
    "SubjectT",
    "as_rules",
    "batches",
    "each_subject",
    "governs",
    "is_gate",
    "raise_violations",
    "refusal_error",
    "rule",
]

ANY = "*"
"""In a rule's ``kind``: every kind of aggregate; in its ``commands``: every command."""

SubjectT = TypeVar("SubjectT", bound="Aggregate", contravariant=True)


@runtime_checkable
class Rule(Protocol[SubjectT]):
    """A care rule: a named, documented check run before a command is accepted.

    Attributes:
        id: a short stable id, unique in a rulebook (``"R2"``, ``"R1.case"``, or your own
            such as ``"ACME-3"``); a family of rules shares a prefix before a dot.
        kind: the aggregate kind it governs (``"case"``, ``"promise"`` …), or ``"*"``
            (:data:`relationkit.rules.base.ANY`) for every kind.
        commands: the command names it applies to; ``"*"`` among them for every command.

    Class attributes, frozen attrs fields or properties all do (the members are read-only).
    A rule may also have ``gate = True``: it then runs before the others and, when it
    refuses, is the whole answer (:class:`~relationkit.exceptions.NotPermitted`), as the
    authority rule ``ROLE`` does.
    """

    @property
    def id(self) -> str:
        """A short stable id, unique in a rulebook."""
        ...

    @property
    def kind(self) -> str:
        """The aggregate kind it governs (``"case"``, ``"promise"`` …), or ``"*"``."""
        ...

    @property
    def commands(self) -> frozenset[str]:
        """The command names it applies to (``"*"`` for all)."""
        ...

    def check(self, subject: SubjectT, attempt: Attempt) -> Iterable[str]:
        """Yield one reason per violation (what is wrong and what to do instead).

        ``attempt.command`` is ``None`` when relationkit only asks whether the command would
        be allowed now; check what the state of ``subject`` decides and skip what depends on
        the command's arguments.
        """
        ...


@runtime_checkable
class BulkRule(Rule[SubjectT], Protocol[SubjectT]):
    """A :class:`Rule` that can also judge many records in one go.

    Asking "what may I do now" for many records
    (:meth:`~relationkit.app.relations.Relations.options_for`) runs each rule on all of them. A
    plain rule is asked record by record; a rule with ``check_many`` is asked once, which
    matters when it queries the store (one query for the batch instead of one per record).
    """

    def check_many(
        self, subjects: Sequence[SubjectT], attempt: Attempt
    ) -> Iterable[tuple[int, str]]:
        """Yield ``(position, reason)`` for each violation, ``position`` being the
        subject's index in ``subjects``: for every subject, the same reasons in the same
        order as ``check(subject, attempt)`` would yield.

        It is only used while ``check`` is the one it was written with: a subclass that
        overrides ``check`` alone is asked through its ``check``.
        :func:`relationkit.rules.base.each_subject` runs ``check`` on each subject, for the
        attempts a ``check_many`` has no faster answer for.
        """
        ...


@runtime_checkable
class CommandHook(Protocol):
    """Called by the command pipeline for every command's event, after the workflow and the
    care rules accepted it and before it is committed. Register one with
    ``Relations.add_hook``.

    A hook sees every command on every aggregate (the written policy's flags and the last
    contact with a party are built-in hooks). It may raise a
    :class:`~relationkit.exceptions.RelationkitError` to refuse the command (nothing is
    stored), and returns what to do with it:

    * records to store in the same transaction (a record type every store knows, see
      :mod:`relationkit.store.codec`);
    * :class:`~relationkit.domain.aggregate.FollowUp` commands on other aggregates, which
      the pipeline runs as the same actor, through the same authority, care rules and
      workflow, committed with the event or not at all (a deferral makes its reply promise
      this way).
    """

    def __call__(self, event: Event, subject: Aggregate, attempt: Attempt) -> Iterable[Any]:
        """Judge ``event`` (``subject`` is the aggregate right after it); return records to
        store and follow-ups to run (or nothing)."""
        ...


Refusals: TypeAlias = "dict[int, tuple[tuple[str, str], ...]]"
"""What :meth:`Rulebook.refusals` finds: for the position of each refused subject, its
``(rule id, reason)`` pairs in the order the rules run."""

_ManyCheck: TypeAlias = "Callable[[Sequence[Any], Attempt], Iterable[tuple[int, str]]]"


@attrs.frozen(kw_only=True)
class Attempt:
    """Everything a rule may look at besides the aggregate itself.

    Attributes:
        command_name: the command being tried (``"decline"``).
        command: the command with its arguments, or ``None`` when relationkit only asks
            whether the command would be allowed now ("what may I do").
        actor: who is trying: a :class:`~relationkit.domain.parties.Staff` or a party.
        now: the current time, from the service's clock.
        config: the configuration in force.
        policy: the current written policy, if one was published.
        directory: looks up parties and staff.
    """

    command_name: str
    command: Command | None
    actor: Staff | Party
    now: pendulum.DateTime
    config: CareSettings
    policy: Policy | None
    directory: Directory

    @property
    def actor_id(self) -> str:
        """The actor's id."""
        return self.actor.id


@attrs.frozen
class FunctionRule:
    """A :class:`~relationkit.typing.Rule` made from a generator function by :func:`rule`."""

    id: str
    kind: str
    commands: frozenset[str]
    function: Callable[[Any, Attempt], Iterable[str]] = attrs.field(repr=False)
    __doc__: str | None = attrs.field(default=None, repr=False)

    def check(self, subject: Any, attempt: Attempt) -> Iterable[str]:
        """Run the function."""
        return self.function(subject, attempt) or ()


def rule(
    id: str, *, kind: str, commands: Iterable[str]
) -> Callable[[Callable[[Any, Attempt], Iterable[str]]], FunctionRule]:
    """Turn a function ``(subject, attempt) -> reasons`` into a rule.

    The function's docstring becomes the rule's documentation; it should say what the rule
    protects and why.
    """

    def wrap(function: Callable[[Any, Attempt], Iterable[str]]) -> FunctionRule:
        return FunctionRule(id, kind, frozenset(commands), function, function.__doc__)

    return wrap


def each_subject(
    rule: Rule[Any], subjects: Sequence[Any], attempt: Attempt
) -> Iterator[tuple[int, str]]:
    """``rule.check`` run on each of ``subjects`` in turn: ``(position, reason)`` pairs.

    This is what :meth:`Rulebook.refusals` does for a rule without a ``check_many`` of its
    own (see :class:`~relationkit.typing.BulkRule`), and what a ``check_many`` can return for
    the attempts it has no faster answer for.
    """
    check = rule.check
    for position, subject in enumerate(subjects):
        for reason in check(subject, attempt):
            yield position, reason


def batches(ids: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    """``ids`` in slices of at most ``size``: one ``__in`` query each, kept short enough
    for every store (SQLite limits the parameters of one statement)."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _many_check(r: Rule[Any]) -> _ManyCheck:
    """How :meth:`Rulebook.refusals` asks ``r`` about many subjects: its own ``check_many``
    when it has one that was written with its ``check`` (defined by the same class, or by a
    subclass of the one defining ``check``), else ``check`` for each subject. A subclass that
    overrides only ``check`` is asked through its ``check``, never through an inherited
    ``check_many`` that knows nothing of it."""
    mro = type(r).__mro__
    owner_of_check = next((c for c in mro if "check" in vars(c)), None)
    owner_of_many = next((c for c in mro if "check_many" in vars(c)), None)
    if (
        owner_of_check is not None
        and owner_of_many is not None
        and mro.index(owner_of_many) <= mro.index(owner_of_check)
    ):
        many: _ManyCheck = getattr(r, "check_many")  # noqa: B009 - an optional method
        return many

    def one_by_one(subjects: Sequence[Any], attempt: Attempt) -> Iterator[tuple[int, str]]:
        return each_subject(r, subjects, attempt)

    return one_by_one


def as_rules(rules: Iterable[Rule[Any]]) -> tuple[Rule[Any], ...]:
    """attrs converter: a tuple of rules, each checked to look like a rule."""
    found = tuple(rules)
    for r in found:
        if not all(hasattr(r, name) for name in ("id", "kind", "commands", "check")):
            raise InvalidInput(
                f"refused: {r!r} as a rule; a rule needs id, kind, commands and check(); "
                "write a class with those or use the @rule decorator.",
                field="rules",
            )
    return found


def _unique_ids(_: Any, __: Any, rules: tuple[Rule[Any], ...]) -> None:
    seen: set[str] = set()
    for r in rules:
        if r.id in seen:
            raise InvalidInput(
                f"refused: two rules with id {r.id!r}; rule ids must be unique so that a "
                "refusal names exactly one rule; give one of them another id (a family of "
                "rules shares a prefix: 'R1.case', 'R1.promise').",
                field="rules",
            )
        seen.add(r.id)


def is_gate(r: Rule[Any]) -> bool:
    """True if ``r`` is a gate: a rule that, when it refuses, is the only answer (see
    :class:`Rulebook`). A rule is a gate when it has a true ``gate`` attribute."""
    return bool(getattr(r, "gate", False))


def governs(r: Rule[Any], kind: str, command: str) -> bool:
    """True if ``r`` governs ``command`` on aggregates of ``kind`` (:data:`ANY` in a rule's
    ``kind`` or ``commands`` matches every kind or command)."""
    return (r.kind == kind or r.kind == ANY) and (command in r.commands or ANY in r.commands)


@attrs.frozen
class _Entry:
    """The rules governing one command on one kind: gates first, then the others."""

    gates: tuple[Rule[Any], ...]
    others: tuple[Rule[Any], ...]
    gates_many: tuple[tuple[str, _ManyCheck], ...]
    others_many: tuple[tuple[str, _ManyCheck], ...]
    gate_ids: frozenset[str]


def refusal_error(
    rule_id: str,
    reason: str,
    *,
    aggregate_id: str,
    actor_id: str,
    command: str,
    gate: str | None = None,
) -> RuleViolation:
    """The exception for one refusal: :class:`~relationkit.exceptions.NotPermitted` when a
    gate refused (the actor may not run the command at all; ``gate`` is then the aggregate's
    kind), else :class:`~relationkit.exceptions.RuleViolation`."""
    if gate is not None:
        return NotPermitted(
            rule_id=rule_id,
            aggregate_id=aggregate_id,
            actor_id=actor_id,
            command=command,
            reason=reason,
            kind=gate,
        )
    return RuleViolation(
        rule_id=rule_id,
        aggregate_id=aggregate_id,
        actor_id=actor_id,
        command=command,
        reason=reason,
    )


@attrs.frozen
class Rulebook:
    """An ordered set of rules with unique ids, looked up by aggregate kind and command.

    Rules run in the order given; all of them run, and every violation is reported, with one
    exception: *gates* (rules with ``gate = True``, such as the authority rule ``ROLE``) run
    first, and when a gate refuses, its refusal is the whole answer. Someone who may not run
    a command at all is told that, not what else they would have to fix first.

    A rule whose ``kind`` is :data:`ANY` governs every kind of aggregate; one whose
    ``commands`` hold :data:`ANY` governs every command (the written policy's R11 does both).

    Raises:
        InvalidInput: two rules share an id.
    """

    rules: tuple[Rule[Any], ...] = attrs.field(converter=as_rules, validator=_unique_ids)
    _index: dict[tuple[str, str], _Entry] = attrs.field(
        init=False, repr=False, eq=False, factory=dict
    )

    def __iter__(self) -> Iterator[Rule[Any]]:
        return iter(self.rules)

    def ids(self) -> tuple[str, ...]:
        """The ids of the rules, in order."""
        return tuple(r.id for r in self.rules)

    def _entry(self, kind: str, command: str) -> _Entry:
        found = self._index.get((kind, command))
        if found is None:
            matching = [r for r in self.rules if governs(r, kind, command)]
            gates = tuple(r for r in matching if is_gate(r))
            others = tuple(r for r in matching if not is_gate(r))
            found = _Entry(
                gates,
                others,
                tuple((r.id, _many_check(r)) for r in gates),
                tuple((r.id, _many_check(r)) for r in others),
                frozenset(r.id for r in gates),
            )
            self._index[(kind, command)] = found
        return found

    def for_command(self, kind: str, command: str) -> tuple[Rule[Any], ...]:
        """The rules that govern ``command`` on aggregates of ``kind``, gates first."""
        entry = self._entry(kind, command)
        return entry.gates + entry.others

    def violations(self, subject: Aggregate, attempt: Attempt) -> list[RuleViolation]:
        """Every violation of the rules governing ``attempt`` on ``subject``: a gate's
        refusal alone (as :class:`~relationkit.exceptions.NotPermitted`) if a gate refuses,
        else every other rule's (as :class:`~relationkit.exceptions.RuleViolation`)."""
        entry = self._entry(subject.KIND, attempt.command_name)
        for group, gate in ((entry.gates, subject.KIND), (entry.others, None)):
            found: list[RuleViolation] = []
            for r in group:
                for reason in r.check(subject, attempt):
                    found.append(
                        refusal_error(
                            r.id,
                            reason,
                            aggregate_id=subject.id,
                            actor_id=attempt.actor.id,
                            command=attempt.command_name,
                            gate=gate,
                        )
                    )
            if found:
                return found
        return []

    def refusals(self, kind: str, subjects: Sequence[Aggregate], attempt: Attempt) -> Refusals:
        """What the rules governing ``attempt`` say about each of ``subjects`` (all of
        ``kind``) at once: ``{position: ((rule id, reason), ...)}`` for the refused ones.

        The same reasons, in the same order, as :meth:`violations` run on each subject, but
        without building an exception for each, and letting rules that have a
        ``check_many`` (:class:`~relationkit.typing.BulkRule`) answer for all subjects
        together, with one store query instead of one per subject. This is how "what may I
        do now" is answered for many aggregates. :meth:`gate_ids` tells which refusals
        came from a gate.

        Raises:
            InvalidInput: a rule's ``check_many`` named a position that is not one of
                ``subjects``.
        """
        entry = self._entry(kind, attempt.command_name)
        if not entry.gates_many:
            return _ask(entry.others_many, subjects, attempt)
        found = _ask(entry.gates_many, subjects, attempt)
        if not found:
            return _ask(entry.others_many, subjects, attempt)
        open_positions = [p for p in range(len(subjects)) if p not in found]
        if open_positions and entry.others_many:
            rest = _ask(entry.others_many, [subjects[p] for p in open_positions], attempt)
            for index, refusals in rest.items():
                found[open_positions[index]] = refusals
        return found

    def gate_ids(self, kind: str, command: str) -> frozenset[str]:
        """The ids of the gates governing ``command`` on ``kind``: a refusal whose rule id is
        one of them came from a gate, and is the whole answer."""
        return self._entry(kind, command).gate_ids

    def enforce(self, subject: Aggregate, attempt: Attempt) -> None:
        """Raise if any rule objects: the refusal itself for one, a
        :class:`RuleViolations` group for several."""
        found = self.violations(subject, attempt)
        if found:
            raise_violations(found)


def _ask(
    checks: tuple[tuple[str, _ManyCheck], ...], subjects: Sequence[Any], attempt: Attempt
) -> Refusals:
    found: Refusals = {}
    count = len(subjects)
    for rule_id, many in checks:
        # Many subjects are refused for the same reason: keep each pair once.
        alike: dict[str, tuple[tuple[str, str]]] = {}
        for position, reason in many(subjects, attempt):
            if position < 0 or position >= count:
                raise InvalidInput(
                    f"refused: rule {rule_id!r} answered for subject {position!r} of "
                    f"{count}; check_many must name each subject by its position in the "
                    "sequence it was given (0 for the first); fix the rule.",
                    field="check_many",
                )
            one = alike.get(reason)
            if one is None:
                one = alike[reason] = ((rule_id, reason),)
            earlier = found.get(position)
            found[position] = one if earlier is None else earlier + one
    return found


def raise_violations(found: Sequence[RuleViolation]) -> None:
    """Raise ``found``: the lone violation itself, or a group of them."""
    if len(found) == 1:
        raise found[0]
    ids = ", ".join(v.rule_id for v in found)
    raise RuleViolations(
        f"{len(found)} care rules refused {found[0].command!r} on {found[0].aggregate_id!r} "
        f"({ids})",
        found,
    )
