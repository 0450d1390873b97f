"""Recognising the same problem when it comes back, and what that says about a vendor.

A *problem signature* identifies a problem: the product, the category, and a key. The key is
one the application supplies (its own fault code, say) or, failing that, the case's subject
normalised (lower case, punctuation and filler words removed). A case has a signature only
when it names a product or a key: a subject alone is too loose to call two problems the same.

A new case whose signature matches a resolved (or closed) case of the same client, resolved
within a configured window, is a *recurrence* of it. Vendor reliability figures (how often a
vendor's fixes come back, how long its fixes take) are computed from those links.

Example:
    >>> from relationkit.domain.recurrence import normalize_summary, signature_of
    >>> normalize_summary("The phone DROPS calls!")
    'phone drops calls'
    >>> signature_of(product="Nova 5", category="calls", problem_key=None,
    ...              subject="Phone drops calls").key
    'phone drops calls'
    >>> signature_of(product=None, category=None, problem_key=None, subject="Hello") is None
    True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs
import pendulum

if TYPE_CHECKING:
    from relationkit.domain.case import Case
    from relationkit.domain.liaison import VendorTicket

__all__ = [
    "Signature",
    "VendorReliability",
    "case_signature",
    "find_recurrence",
    "normalize_summary",
    "resolved_at",
    "signature_of",
    "vendor_reliability",
]

_FILLER = frozenset(
    {"a", "an", "the", "my", "our", "your", "is", "are", "was", "it", "its", "of", "again"}
)
_RESOLVED_STATES = frozenset({"resolved", "closed"})


def normalize_summary(summary: str) -> str:
    """A summary reduced to its words: lower case, no punctuation, no filler words."""
    words = re.findall(r"[0-9a-z]+", summary.casefold())
    return " ".join(w for w in words if w not in _FILLER)


def _norm(value: str | None) -> str | None:
    if value is None:
        return None
    return normalize_summary(value) or None


@attrs.frozen
class Signature:
    """What identifies a problem: product, category and key (all normalised)."""

    product: str | None
    category: str | None
    key: str


def signature_of(
    *, product: str | None, category: str | None, problem_key: str | None, subject: str
) -> Signature | None:
    """The signature of a problem, or ``None`` when neither a product nor a key is given."""
    if product is None and problem_key is None:
        return None
    key = problem_key.strip().casefold() if problem_key is not None else None
    return Signature(_norm(product), _norm(category), key or normalize_summary(subject))


def case_signature(case: Case) -> Signature | None:
    """The signature of a case's problem, or ``None``."""
    return signature_of(
        product=case.product,
        category=case.category,
        problem_key=case.problem_key,
        subject=case.subject,
    )


def resolved_at(case: Case) -> pendulum.DateTime | None:
    """When the case was last resolved, if it is resolved or closed."""
    if case.state not in _RESOLVED_STATES:
        return None
    if case.resolution is not None:
        return case.resolution.at
    return case.closed_at


def find_recurrence(
    candidates: Iterable[Case],
    signature: Signature | None,
    *,
    client_id: str,
    now: pendulum.DateTime,
    window: pendulum.Duration,
) -> Case | None:
    """The most recently resolved case among ``candidates`` that a new problem with
    ``signature`` repeats: same client, same signature, resolved within ``window`` of
    ``now``. ``None`` if there is none."""
    if signature is None:
        return None
    best: tuple[pendulum.DateTime, Case] | None = None
    for case in candidates:
        when = resolved_at(case)
        if (
            when is None
            or case.client_id != client_id
            or case_signature(case) != signature
            or when > now
            or now - when > window
        ):
            continue
        if best is None or when > best[0]:
            best = (when, case)
    return None if best is None else best[1]


@attrs.frozen(kw_only=True)
class VendorReliability:
    """How a vendor's fixes hold up.

    Attributes:
        vendor_id: the vendor.
        tickets: tickets escalated to it.
        fixed: tickets for which it provided a fix.
        recurred: fixed tickets whose case came back as a recurrence.
        mean_time_to_fix: mean time from escalation to the vendor's fix (``None`` before
            the first fix).
        acknowledged_within_target: acknowledgements that met their target.
        acknowledged: acknowledgements recorded.
    """

    vendor_id: str
    tickets: int
    fixed: int
    recurred: int
    mean_time_to_fix: pendulum.Duration | None
    acknowledged: int = 0
    acknowledged_within_target: int = 0

    @property
    def recurrence_rate(self) -> float:
        """The share of fixes that did not last (0.0 with no fixes yet)."""
        return self.recurred / self.fixed if self.fixed else 0.0

    @property
    def reliability(self) -> float:
        """The share of fixes that lasted: ``1 - recurrence_rate``."""
        return 1.0 - self.recurrence_rate


def vendor_reliability(
    vendor_id: str, tickets: Iterable[VendorTicket], recurred_case_ids: Iterable[str]
) -> VendorReliability:
    """Reliability figures for ``vendor_id`` from its ``tickets`` and the ids of cases that
    came back as recurrences (cases some later case names in ``recurrence_of``)."""
    recurred_ids = set(recurred_case_ids)
    mine = [t for t in tickets if t.vendor_id == vendor_id]
    fixed = [t for t in mine if t.fix_provided_at is not None]
    times = [t.fix_provided_at - t.sent_at for t in fixed if t.fix_provided_at is not None]
    mean: pendulum.Duration | None = None
    if times:
        seconds = sum(d.total_seconds() for d in times) / len(times)
        mean = pendulum.duration(seconds=seconds)
    acks = [r for t in mine for r in t.responses if r.kind == "acknowledged"]
    return VendorReliability(
        vendor_id=vendor_id,
        tickets=len(mine),
        fixed=len(fixed),
        recurred=sum(1 for t in fixed if t.case_id in recurred_ids),
        mean_time_to_fix=mean,
        acknowledged=len(acks),
        acknowledged_within_target=sum(1 for r in acks if r.within_target),
    )
