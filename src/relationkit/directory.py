"""The directory: people, contracts' entitlements and the written policy's versions, each on
a timeline of its own. Keep it through ``Relations.directory``
(:class:`DirectoryService`); entitlements through ``Relations.equality`` and the policy
through ``Relations.policy``.

Example:
    >>> from relationkit.directory import SETUP_ACTOR, GrantRole
    >>> SETUP_ACTOR, GrantRole(role="manager", reason="Leads the team.").NAME
    ('rk-setup', 'grant_role')
"""

from __future__ import annotations

from relationkit.app.directory import DirectoryService
from relationkit.domain.entries import (
    ACTIVE,
    INACTIVE,
    MIGRATION_ACTOR,
    SETUP_ACTOR,
    Change,
    ChangeDetails,
    Deactivate,
    DefineEntitlement,
    DirectoryEntry,
    EntitlementEntry,
    EntryHistory,
    GrantRole,
    PersonEntry,
    PolicyEntry,
    PublishPolicy,
    Reactivate,
    RegisterPerson,
    RevokeRole,
    SetTargets,
)
from relationkit.rules.directory import directory_rules
from relationkit.rules.settings import AUTHORITY_COMMANDS

__all__ = [
    "ACTIVE",
    "AUTHORITY_COMMANDS",
    "INACTIVE",
    "MIGRATION_ACTOR",
    "SETUP_ACTOR",
    "Change",
    "ChangeDetails",
    "Deactivate",
    "DefineEntitlement",
    "DirectoryEntry",
    "DirectoryService",
    "EntitlementEntry",
    "EntryHistory",
    "GrantRole",
    "PersonEntry",
    "PolicyEntry",
    "PublishPolicy",
    "Reactivate",
    "RegisterPerson",
    "RevokeRole",
    "SetTargets",
    "directory_rules",
]
