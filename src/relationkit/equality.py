"""Equal treatment (care rule R10): entitlements of contracts, the only source of targets,
and the report that compares what each kind of party got. Through ``Relations.equality``
(:class:`EqualityService`).

Example:
    >>> from relationkit.equality import DIMENSIONS
    >>> sorted(DIMENSIONS)
    ['contract', 'kind', 'segment']
"""

from __future__ import annotations

from relationkit.app.equality import (
    EqualityService,
)
from relationkit.domain.equality import (
    DIMENSIONS,
    ContractDisparity,
    Disparity,
    Entitlement,
    EqualityReport,
    GroupTreatment,
    Targets,
)

__all__ = [
    "DIMENSIONS",
    "ContractDisparity",
    "Disparity",
    "Entitlement",
    "EqualityReport",
    "EqualityService",
    "GroupTreatment",
    "Targets",
]
