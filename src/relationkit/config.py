"""One object configures relationkit: :class:`CareConfig`.

It holds the rules in force (built-in ones and your own), the workflows, which staff roles
may run which command, which commands a party may run, each rule's settings and the health
model. It is frozen: derive a changed one with :meth:`CareConfig.evolve`,
:meth:`CareConfig.with_rule`, :meth:`CareConfig.without_rule` or
:meth:`CareConfig.with_workflow`, and hand it to
:class:`~relationkit.app.relations.Relations`.

Example:
    >>> import pendulum
    >>> from relationkit.config import CareConfig
    >>> config = CareConfig().evolve(consultations_for_escalated_decline=2,
    ...                              max_deferral=pendulum.duration(days=5))
    >>> config.consultations_for_escalated_decline, config.rulebook.ids()[:5]
    (2, ('ROLE', 'R1.case', 'R2', 'R3', 'R6'))
    >>> sorted(config.roles_for("reopen"))
    ['agent', 'manager', 'partner']
    >>> [r.id for r in config.without_rule("R1").rules if r.id.startswith("R1.")]
    []
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from relationkit.domain.aggregate import Sweep
from relationkit.domain.health import HealthModel, default_health_model
from relationkit.exceptions import InvalidInput
from relationkit.rules.authority import RoleAuthority
from relationkit.rules.base import Rule, Rulebook, as_rules
from relationkit.rules.case import case_rules
from relationkit.rules.directory import directory_rules
from relationkit.rules.feedback import feedback_rules
from relationkit.rules.liaison import liaison_rules
from relationkit.rules.policy import LapsedAcknowledgement
from relationkit.rules.promise import promise_rules
from relationkit.rules.relationship import relationship_rules
from relationkit.rules.service_levels import service_level_rules
from relationkit.rules.settings import CareSettings, instance_of
from relationkit.workflows.engine import Workflow
from relationkit.workflows.registry import default_workflows

__all__ = ["CareConfig", "default_rules"]


def default_rules() -> tuple[Rule[Any], ...]:
    """The built-in rules, in the order they run: the authority gate ``ROLE`` first, the
    written policy's ``R11`` last."""
    return (
        RoleAuthority(),
        *case_rules(),
        *relationship_rules(),
        *liaison_rules(),
        *feedback_rules(),
        *promise_rules(),
        *directory_rules(),
        *service_level_rules(),
        LapsedAcknowledgement(),
    )


def _sweeps(value: Iterable[Sweep]) -> tuple[Sweep, ...]:
    found = tuple(value)
    names: set[str] = set()
    for sweep in found:
        if not all(hasattr(sweep, a) for a in ("name", "aggregate", "actor", "due", "handle")):
            raise InvalidInput(
                f"refused: {sweep!r} as a sweep; a sweep has name, aggregate, actor, due() and "
                "handle(); build one with relationkit.sweeps.make_sweep.",
                field="sweeps",
            )
        if sweep.name in names:
            raise InvalidInput(
                f"refused: two sweeps named {sweep.name!r}; reports name sweeps, so names must "
                "be unique; rename one.",
                field="sweeps",
            )
        names.add(sweep.name)
    return found


def _workflows(value: Mapping[str, Workflow[Any]] | Iterable[Workflow[Any]]) -> Mapping[str, Any]:
    found = list(value.values()) if isinstance(value, Mapping) else list(value)
    for workflow in found:
        if not isinstance(workflow, Workflow):
            raise InvalidInput(
                f"refused: {workflow!r} as a workflow; build one with "
                "relationkit.workflows.Workflow(aggregate=..., machine=..., ...).",
                field="workflows",
            )
    return MappingProxyType({w.kind: w for w in found})


@attrs.frozen(kw_only=True)
class CareConfig(CareSettings):
    """Everything that is configurable about the care rules.

    Attributes:
        rules: the rules in force, in the order they run.
        staff_roles: roles that may run any staff command not listed in ``command_roles``
            (the directory's :data:`~relationkit.rules.settings.AUTHORITY_COMMANDS` excepted).
        command_roles: per command name, the roles that may run it (replaces
            ``staff_roles`` for that command); the directory's commands too (``register``,
            ``grant_role`` …), those that give or take authority defaulting to
            ``relationships.authority_roles``.
        party_commands: commands a party (the client of the case) may run; staff may not run
            these on a party's behalf, because only the client can say they were heard.
        consultations_for_decline: consultations with colleagues every decline needs (R3).
        consultations_for_escalated_decline: consultations a decline on an escalated case
            needs (R3).
        max_deferral: the longest time a reply may be deferred by (R3); ``None`` for no limit.
        relationships: settings of severance (R9), vendor liaison and recurrence (R8).
        feedback: settings of feedback (R7), equal treatment (R10), the written policy's
            acknowledgements (R11) and relationship health (R12).
        promises: settings of promises (R4: capacity, who approves a stretch) and of the
            promise sweep (when it warns).
        workflows: the workflow of each aggregate kind, by kind (the built-in ones unless
            replaced with :meth:`with_workflow`).
        health: the signals and weights relationship health is judged by (R12); add your
            own with ``default_health_model().with_signal(mine, 0.1)``.
        sweeps: the application's own sweeps, run after the built-in ones by
            ``Relations.sweeps.run`` (add one with :meth:`with_sweep`).
        rulebook: the rules in force, looked up by kind and command (derived).
    """

    rules: tuple[Rule[Any], ...] = attrs.field(factory=default_rules, converter=as_rules)
    workflows: Mapping[str, Workflow[Any]] = attrs.field(
        factory=default_workflows, converter=_workflows
    )
    health: HealthModel = attrs.field(
        factory=default_health_model, validator=instance_of(HealthModel)
    )
    sweeps: tuple[Sweep, ...] = attrs.field(default=(), converter=_sweeps)
    rulebook: Rulebook = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "rulebook", Rulebook(self.rules))

    def evolve(self, **changes: Any) -> CareConfig:
        """A copy with ``changes`` applied (any attribute of the constructor)."""
        return attrs.evolve(self, **changes)

    def with_rule(self, rule: Rule[Any]) -> CareConfig:
        """A copy that also enforces ``rule`` (after the existing ones)."""
        if rule.id in self.rulebook.ids():
            raise InvalidInput(
                f"refused: a rule with id {rule.id!r} is already in force; rule ids must be "
                "unique so a refusal names exactly one rule; give yours another id, or use "
                "without_rule first to replace the existing one.",
                field="rule",
            )
        return self.evolve(rules=(*self.rules, rule))

    def without_rule(self, rule_id: str) -> CareConfig:
        """A copy without the rule ``rule_id`` (to replace or switch off a rule).

        A rule family goes as a whole: ``without_rule("R1")`` removes ``R1.case`` and
        ``R1.promise`` (every rule whose id starts with ``"R1."``), unless a rule has
        exactly the id ``"R1"``, which is then the one removed.
        """
        ids = self.rulebook.ids()
        if rule_id in ids:
            return self.evolve(rules=tuple(r for r in self.rules if r.id != rule_id))
        family = f"{rule_id}."
        if not any(i.startswith(family) for i in ids):
            raise InvalidInput(
                f"refused: no rule {rule_id!r} is in force; nothing to remove; "
                f"rules in force: {', '.join(ids)}.",
                field="rule_id",
            )
        return self.evolve(rules=tuple(r for r in self.rules if not r.id.startswith(family)))

    def with_workflow(self, workflow: Workflow[Any]) -> CareConfig:
        """A copy that runs aggregates of ``workflow.kind`` with ``workflow`` (a new kind of
        your own, or a replacement for a built-in one with callbacks or conditions of its
        machine; see the workflows how-to)."""
        return self.evolve(workflows={**self.workflows, workflow.kind: workflow})

    def with_sweep(self, sweep: Sweep) -> CareConfig:
        """A copy that also runs ``sweep`` (after the built-in sweeps and those already
        configured); sweep names must be unique."""
        return self.evolve(sweeps=(*self.sweeps, sweep))
