"""The catalogue of what the business can actually deliver ("know your stuff").

An :class:`Offering` names the scope items it covers and the lead time it needs, counted in
business time on one :class:`~relationkit.domain.calendar.BusinessCalendar`. Promises are
checked against it (care rule R4), and a client's expectations are matched to its scope items
(care rule R5).

Example:
    >>> from relationkit.domain.calendar import BusinessTime
    >>> from relationkit.domain.offering import Offering
    >>> audit = Offering(id="site-audit", name="Website audit", calendar_id="berlin",
    ...                  scope=("accessibility review",), lead_time=BusinessTime(days=20))
    >>> audit.covers("accessibility review"), audit.covers("redesign")
    (True, False)
"""

from __future__ import annotations

from typing import Any

import attrs

from relationkit.domain.calendar import BusinessTime
from relationkit.domain.values import an_id, optional, required, text
from relationkit.exceptions import InvalidInput

__all__ = ["Offering"]


def _scope(value: Any) -> tuple[str, ...]:
    """attrs converter: scope items as a tuple of distinct, non-blank texts."""
    if isinstance(value, str):
        value = (value,)
    items = tuple(text(v, "scope") for v in value)
    if not items:
        raise InvalidInput(
            "refused: an offering without scope items; an offering says what it delivers; "
            "list at least one scope item.",
            field="scope",
        )
    if len(set(items)) != len(items):
        raise InvalidInput(
            f"refused: scope {items!r} repeats an item; each scope item is named once; "
            "remove the repetition.",
            field="scope",
        )
    return items


def _business_time(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, BusinessTime):
        raise InvalidInput(
            f"refused: lead_time = {value!r}; a lead time is counted in business time; pass "
            "BusinessTime(days=…, hours=…).",
            field=attribute.name,
        )


@attrs.frozen(kw_only=True)
class Offering:
    """Something the business delivers, with its scope and honest lead time.

    Attributes:
        id: a stable id that promises and matched expectations refer to.
        name: how people call it.
        scope: the items it covers, in words the client would recognise.
        lead_time: the business time it needs from the promise to delivery.
        calendar_id: the business calendar its lead time is counted on.
        description: anything else worth knowing about it.
    """

    id: str = attrs.field(validator=an_id)
    name: str = attrs.field(validator=required)
    scope: tuple[str, ...] = attrs.field(converter=_scope)
    lead_time: BusinessTime = attrs.field(validator=_business_time)
    calendar_id: str = attrs.field(validator=an_id)
    description: str | None = attrs.field(default=None, validator=optional)

    def covers(self, item: str) -> bool:
        """True if ``item`` is one of the offering's scope items."""
        return item in self.scope
