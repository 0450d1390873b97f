"""What rules and health signals read the store through: the :class:`Directory` protocol.

It is read-only: a rule judges, it never writes. The command pipeline gives each attempt a
directory over its unit of work (:meth:`relationkit.store.base.UnitOfWork.read_only`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

if TYPE_CHECKING:
    from relationkit.domain.aggregate import Aggregate
    from relationkit.domain.parties import Party, Staff

__all__ = ["Directory"]

AggregateT = TypeVar("AggregateT", bound="Aggregate")
RecordT = TypeVar("RecordT")


@runtime_checkable
class Directory(Protocol):
    """Read-only access to the store for rules: people, records and other aggregates."""

    def find_party(self, party_id: str) -> Party | None:
        """The party with that id, or ``None``."""
        ...

    def find_staff(self, staff_id: str) -> Staff | None:
        """The staff member with that id, or ``None``."""
        ...

    def find(self, cls: type[AggregateT], aggregate_id: str) -> AggregateT | None:
        """A stored aggregate, or ``None``."""
        ...

    def select(self, cls: type[AggregateT], **where: Any) -> list[AggregateT]:
        """Stored aggregates matching ``where`` (see ``UnitOfWork.select``)."""
        ...

    def count(self, cls: type[AggregateT], **where: Any) -> int:
        """How many stored aggregates match ``where``."""
        ...

    def find_record(self, cls: type[RecordT], record_id: str) -> RecordT | None:
        """A stored record (party, staff, policy …), or ``None``."""
        ...

    def records(self, cls: type[RecordT]) -> list[RecordT]:
        """Every stored record of ``cls``."""
        ...
