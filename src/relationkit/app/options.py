"""The answer to "what may I do now": one :class:`Option` per command a record's state offers.

Options are made by the command pipeline (:meth:`Pipeline.options_for
<relationkit.app.pipeline.Pipeline.options_for>`), which asks the same questions as running
the command would: authority (the gate ``ROLE``), every care rule, and a workflow's own
conditions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from relationkit.exceptions import RuleViolation
from relationkit.rules.base import refusal_error

__all__ = ["Option", "Refusal"]

Refusal = tuple[str, str]
"""A refusal not yet turned into an exception: ``(rule id, reason)``."""

# An option's head: (command, allowed, refusals, actor id, gate). It is shared by the
# options of many records refused alike; refusals and the actor id are None unless the
# option was made by Option.refused(), which leaves blocked_by to be built when first read;
# gate is the aggregate kind when a gate refused, else None.
_Head = tuple[str, bool, "tuple[Refusal, ...] | None", "str | None", "str | None"]


class Option:
    """One answer to "what may I do now": a command, and whether it is allowed.

    Options are immutable. Two options are equal when their command, ``allowed`` and
    refusals (rule id and reason of each, in order) are.

    Attributes:
        command: the command name.
        allowed: True if it would be accepted now (arguments permitting).
        blocked_by: the refusals when it is not: a lone
            :class:`~relationkit.exceptions.NotPermitted` when the actor may not run it at
            all (rule id ``"ROLE"``), else one
            :class:`~relationkit.exceptions.RuleViolation` per care rule that refuses.

    Example:
        >>> from relationkit import Option
        >>> option = Option("accept", True)
        >>> option.allowed, option.blocked_by, option.rule_ids
        (True, (), ())
    """

    __slots__ = ("_aggregate_id", "_blocked_by", "_head")
    __match_args__ = ("command", "allowed", "blocked_by")

    _head: _Head
    _aggregate_id: str
    _blocked_by: tuple[RuleViolation, ...]

    def __init__(
        self, command: str, allowed: bool, blocked_by: Iterable[RuleViolation] = ()
    ) -> None:
        found = tuple(blocked_by)
        refusals = tuple((v.rule_id, v.reason) for v in found)
        _set_head(self, (command, allowed, refusals, None, None))
        _set_blocked_by(self, found)

    @classmethod
    def refused(
        cls,
        command: str,
        aggregate_id: str,
        actor_id: str,
        refusals: tuple[Refusal, ...],
        *,
        gate: str | None = None,
    ) -> Option:
        """A command that is not allowed, with its refusals as ``(rule id, reason)`` pairs
        (``gate`` is the aggregate's kind when a gate such as ``ROLE`` refused); the
        exceptions of ``blocked_by`` are only built when it is first read (listing options
        for many records mostly needs ``rule_ids``)."""
        option: Option = _new(cls)
        _set_head(option, (command, False, refusals, actor_id, gate))
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
        command, _, refusals, actor_id, gate = self._head
        aggregate_id = self._aggregate_id
        found = tuple(
            refusal_error(
                rule_id,
                reason,
                aggregate_id=aggregate_id,
                actor_id=actor_id or "",
                command=command,
                gate=gate,
            )
            for rule_id, reason in refusals or ()
        )
        _set_blocked_by(self, found)
        return found

    @property
    def refusals(self) -> tuple[Refusal, ...]:
        """``(rule id, reason)`` of each refusal, in order (empty when allowed)."""
        refusals = self._head[2]
        if refusals is not None:
            return refusals
        return tuple((v.rule_id, v.reason) for v in self.blocked_by)  # pragma: no cover

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The ids of what blocks it."""
        return tuple(rule_id for rule_id, _ in self.refusals)

    def _key(self) -> tuple[str, bool, tuple[Refusal, ...]]:
        return (self.command, self.allowed, self.refusals)

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
        return (Option, (self.command, self.allowed, self.blocked_by))


# Options are immutable to their users; these fill their slots when one is made.
_new = object.__new__
_slots: dict[str, Any] = dict(vars(Option))
_set_head = _slots["_head"].__set__
_set_aggregate_id = _slots["_aggregate_id"].__set__
_set_blocked_by = _slots["_blocked_by"].__set__
del _slots


def refused_option(head: _Head, aggregate_id: str) -> Option:
    """A refused option of ``aggregate_id`` whose head (shared) is ``head``."""
    option: Option = _new(Option)
    _set_head(option, head)
    _set_aggregate_id(option, aggregate_id)
    return option
