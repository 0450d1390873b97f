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
from typing import TYPE_CHECKING, Any, TypeAlias

import attrs
import pendulum

from relationkit.exceptions import InvalidInput, RuleViolation, RuleViolations

if TYPE_CHECKING:
    from relationkit.config import CareConfig
    from relationkit.domain.aggregate import Aggregate, Command
    from relationkit.domain.parties import Party, Staff
    from relationkit.domain.policy import Policy
    from relationkit.typing import Directory, Rule

__all__ = [
    "Attempt",
    "FunctionRule",
    "Refusals",
    "Rulebook",
    "as_rules",
    "batches",
    "each_subject",
    "raise_violations",
    "rule",
]

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
    config: CareConfig
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


@attrs.frozen
class Rulebook:
    """An ordered set of rules, indexed by aggregate kind and command.

    Rules run in the order given; all of them run, and every violation is reported.
    """

    rules: tuple[Rule[Any], ...] = attrs.field(converter=as_rules)
    _index: dict[tuple[str, str], tuple[Rule[Any], ...]] = attrs.field(
        init=False, repr=False, eq=False
    )
    _many: dict[tuple[str, str], tuple[tuple[str, _ManyCheck], ...]] = attrs.field(
        init=False, repr=False, eq=False
    )

    def __attrs_post_init__(self) -> None:
        index: dict[tuple[str, str], list[Rule[Any]]] = {}
        for r in self.rules:
            for command in r.commands:
                index.setdefault((r.kind, command), []).append(r)
        object.__setattr__(self, "_index", {k: tuple(v) for k, v in index.items()})
        many = {k: tuple((r.id, _many_check(r)) for r in v) for k, v in index.items()}
        object.__setattr__(self, "_many", many)

    def __iter__(self) -> Iterator[Rule[Any]]:
        return iter(self.rules)

    def ids(self) -> tuple[str, ...]:
        """The ids of the rules, in order."""
        return tuple(r.id for r in self.rules)

    def for_command(self, kind: str, command: str) -> tuple[Rule[Any], ...]:
        """The rules that govern ``command`` on aggregates of ``kind``."""
        return self._index.get((kind, command), ())

    def violations(self, subject: Aggregate, attempt: Attempt) -> list[RuleViolation]:
        """Every violation of the rules governing ``attempt`` on ``subject``."""
        found: list[RuleViolation] = []
        for r in self._index.get((subject.KIND, attempt.command_name), ()):
            for reason in r.check(subject, attempt):
                found.append(
                    RuleViolation(
                        rule_id=r.id,
                        aggregate_id=subject.id,
                        actor_id=attempt.actor.id,
                        command=attempt.command_name,
                        reason=reason,
                    )
                )
        return found

    def refusals(self, kind: str, subjects: Sequence[Aggregate], attempt: Attempt) -> Refusals:
        """What the rules governing ``attempt`` say about each of ``subjects`` (all of
        ``kind``) at once: ``{position: ((rule id, reason), ...)}`` for the refused ones.

        The same reasons, in the same order, as :meth:`violations` run on each subject, but
        without building an exception for each, and letting rules that have a
        ``check_many`` (:class:`~relationkit.typing.BulkRule`) answer for all subjects
        together, with one store query instead of one per subject. This is how "what may I
        do now" is answered for many aggregates.

        Raises:
            InvalidInput: a rule's ``check_many`` named a position that is not one of
                ``subjects``.
        """
        found: Refusals = {}
        count = len(subjects)
        for rule_id, many in self._many.get((kind, attempt.command_name), ()):
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

    def enforce(self, subject: Aggregate, attempt: Attempt) -> None:
        """Raise if any rule objects: a :class:`RuleViolation` for one, a
        :class:`RuleViolations` group for several."""
        found = self.violations(subject, attempt)
        if found:
            raise_violations(found)


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
