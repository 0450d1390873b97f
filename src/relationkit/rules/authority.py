"""Who may run which command: staff by role, parties only on what concerns them.

Authority is the rule ``ROLE`` (:class:`RoleAuthority`), the first rule of every rulebook:
a *gate*, so when it refuses, its refusal
(:class:`~relationkit.exceptions.NotPermitted`) is the whole answer. It depends on roles
configured in :class:`~relationkit.config.CareConfig`, never on a person's title or rank.

Example:
    >>> from relationkit.rules.authority import RoleAuthority
    >>> RoleAuthority().id, RoleAuthority().gate
    ('ROLE', True)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, ClassVar

import attrs

from relationkit.domain.parties import Staff
from relationkit.rules.base import ANY

if TYPE_CHECKING:
    from relationkit.domain.aggregate import Aggregate
    from relationkit.domain.parties import Party
    from relationkit.rules.base import Attempt
    from relationkit.rules.settings import CareSettings

__all__ = ["RoleAuthority", "authority_problem", "authority_problems"]


def authority_problem(
    subject: Aggregate | None, command: str, actor: Staff | Party, config: CareSettings
) -> str | None:
    """Why ``actor`` may not run ``command`` on ``subject``, or ``None`` if they may."""
    if not actor.active:
        return (
            f"{actor.id!r} was deactivated in the directory and cannot act; someone who may "
            "reactivate people can do so (rk.directory.reactivate), or ask a colleague"
        )
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
    subjects: Sequence[Aggregate], command: str, actor: Staff | Party, config: CareSettings
) -> str | list[str | None] | None:
    """:func:`authority_problem` for each of ``subjects``, worked out once when it cannot
    differ between them.

    Returns:
        ``None`` when ``actor`` may run ``command`` on every subject, one text when they may
        run it on none for the same reason (a member of staff's authority depends on their
        roles, never on the record), else a list with the answer for each subject in turn
        (a party may answer only for what concerns them).
    """
    if isinstance(actor, Staff) or not actor.active:
        return authority_problem(None, command, actor, config)
    found = [authority_problem(s, command, actor, config) for s in subjects]
    return found if any(p is not None for p in found) else None


@attrs.frozen
class RoleAuthority:
    """ROLE — who may run a command at all.

    A member of staff runs a command when one of their roles may
    (:meth:`CareConfig.roles_for <relationkit.config.CareConfig.roles_for>`), and never a
    command that is the client's own answer (``party_commands``); a party runs only its own
    answers, and only on what concerns it; nobody deactivated in the directory runs
    anything. Authority rests on configured roles, never on anyone's title.

    A gate: when it refuses, no other rule is asked. Replace it (``without_rule("ROLE")``
    then ``with_rule(...)``) to take authority from your own access control; keep
    ``gate = True`` on the replacement.
    """

    id: ClassVar[str] = "ROLE"
    kind: ClassVar[str] = ANY
    commands: ClassVar[frozenset[str]] = frozenset({ANY})
    gate: ClassVar[bool] = True

    def check(self, subject: Aggregate, attempt: Attempt) -> Iterator[str]:
        """Refuse a command the actor may not run on ``subject``."""
        problem = authority_problem(subject, attempt.command_name, attempt.actor, attempt.config)
        if problem is not None:
            yield problem

    def check_many(
        self, subjects: Sequence[Aggregate], attempt: Attempt
    ) -> Iterator[tuple[int, str]]:
        """:meth:`check` for each of ``subjects``: once for them all when the actor is
        staff (their authority depends on their roles, never on the record)."""
        found = authority_problems(subjects, attempt.command_name, attempt.actor, attempt.config)
        if found is None:
            return
        if isinstance(found, str):
            for position in range(len(subjects)):
                yield position, found
            return
        for position, problem in enumerate(found):
            if problem is not None:
                yield position, problem
