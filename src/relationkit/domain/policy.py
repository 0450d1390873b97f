"""The business's written policy: numbered versions made of clauses with stable ids.

A decline cites a clause of the policy in force (care rule R2). Staff acknowledge versions
(care rule R11).

Example:
    >>> import pendulum
    >>> from relationkit.domain.policy import Clause, Policy
    >>> policy = Policy(
    ...     version=1,
    ...     published_at=pendulum.datetime(2026, 1, 1, tz="UTC"),
    ...     clauses=[Clause(id="refunds-30d", text="Refunds within 30 days of purchase.")],
    ... )
    >>> policy.clause("refunds-30d").text
    'Refunds within 30 days of purchase.'
"""

from __future__ import annotations

from typing import Any

import attrs
import pendulum

from relationkit.domain.values import aware, required, to_pendulum
from relationkit.exceptions import InvalidInput, OutOfRange

__all__ = ["Clause", "Policy"]


@attrs.frozen(kw_only=True)
class Clause:
    """One rule of the written policy: a stable id and its words."""

    id: str = attrs.field(validator=required)
    text: str = attrs.field(validator=required)


def _clauses(value: Any) -> tuple[Clause, ...]:
    clauses = tuple(value)
    if not clauses:
        raise InvalidInput(
            "refused: a policy with no clauses; a written policy must say something; "
            "give at least one Clause.",
            field="clauses",
        )
    ids = [c.id for c in clauses]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InvalidInput(
            f"refused: clause ids {duplicates} appear more than once; a decline must be able "
            "to cite exactly one clause; give every clause its own id.",
            field="clauses",
        )
    return clauses


def _version(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise OutOfRange("version", value, 1, "any larger whole number")
    return value


@attrs.frozen(kw_only=True)
class Policy:
    """A published version of the written policy.

    Attributes:
        version: 1, 2, 3 …; a larger number supersedes a smaller one.
        published_at: when it took effect.
        clauses: its clauses, each with a unique id.
        title: a name for it.
    """

    version: int = attrs.field(converter=_version)
    published_at: pendulum.DateTime = attrs.field(converter=to_pendulum, validator=aware)
    clauses: tuple[Clause, ...] = attrs.field(converter=_clauses)
    title: str = attrs.field(default="How we treat people", validator=required)

    @property
    def id(self) -> str:
        """The id it is stored under: its version number as text."""
        return str(self.version)

    def clause(self, clause_id: str) -> Clause | None:
        """The clause with that id, or ``None``."""
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        return None

    @property
    def clause_ids(self) -> tuple[str, ...]:
        """The ids of its clauses, in order."""
        return tuple(c.id for c in self.clauses)
