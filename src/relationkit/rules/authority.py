"""Who may run which command: staff by role, parties only on what concerns them.

Authority depends on roles configured in :class:`~relationkit.config.CareConfig`, never on a
person's title or rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from relationkit.domain.parties import Staff

if TYPE_CHECKING:
    from relationkit.config import CareConfig
    from relationkit.domain.aggregate import Aggregate
    from relationkit.domain.parties import Party

__all__ = ["authority_problem", "authority_problems"]


def authority_problem(
    subject: Aggregate | None, command: str, actor: Staff | Party, config: CareConfig
) -> str | None:
    """Why ``actor`` may not run ``command`` on ``subject``, or ``None`` if they may."""
    if isinstance(actor, Staff):
        if command in config.party_commands:
            return (
                f"{command!r} is the client's own answer; staff cannot give it for them; "
                "ask the client to do it"
            )
        allowed = config.roles_for(command)
        if actor.roles.isdisjoint(allowed):
            held = ", ".join(sorted(actor.roles)) or "no role"
            return (
                f"{command!r} needs one of the roles {', '.join(sorted(allowed))} and "
                f"{actor.id!r} holds {held}; ask a colleague who holds one"
            )
        return None
    if command not in config.party_commands:
        return (
            f"{command!r} is a staff command and {actor.id!r} is a {actor.kind}; "
            f"a party may only: {', '.join(sorted(config.party_commands))}"
        )
    if subject is None or not subject.involves(actor.id):
        what = "this" if subject is None else f"{subject.KIND} {subject.id!r}"
        return f"{actor.id!r} is not a party to {what}; only its own client may answer for it"
    return None


def authority_problems(
    subjects: Sequence[Aggregate], command: str, actor: Staff | Party, config: CareConfig
) -> str | list[str | None] | None:
    """:func:`authority_problem` for each of ``subjects``, worked out once when it cannot
    differ between them.

    Returns:
        ``None`` when ``actor`` may run ``command`` on every subject, one text when they may
        run it on none for the same reason (a member of staff's authority depends on their
        roles, never on the record), else a list with the answer for each subject in turn
        (a party may answer only for what concerns them).
    """
    if isinstance(actor, Staff):
        return authority_problem(None, command, actor, config)
    found = [authority_problem(s, command, actor, config) for s in subjects]
    return found if any(p is not None for p in found) else None
