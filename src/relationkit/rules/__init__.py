"""The care rules as named, documented, individually testable objects, and what they share.

Write a rule of your own as a function with :func:`rule` or as a class with the
:class:`~relationkit.typing.Rule` attributes, and put it in force with
``CareConfig().with_rule(...)``. The built-in rules live in the modules of this package, one
per area: :mod:`~relationkit.rules.authority` (``ROLE``), :mod:`~relationkit.rules.case`
(R1, R2, R3, R6, W1), :mod:`~relationkit.rules.promise` (R1, R4, R5, P1),
:mod:`~relationkit.rules.relationship` (R9), :mod:`~relationkit.rules.liaison` (R8),
:mod:`~relationkit.rules.feedback` (R7) and :mod:`~relationkit.rules.policy` (R11).

Example:
    >>> from relationkit.rules import rule
    >>> @rule("ACME-1", kind="case", commands={"decline"})
    ... def no_declines_on_fridays(case, attempt):
    ...     '''Declines wait for Monday: nobody should spend a weekend with a "no".'''
    ...     if attempt.now.day_of_week == 5:
    ...         yield "it is Friday; defer the answer to Monday instead"
    >>> no_declines_on_fridays.id
    'ACME-1'
"""

from __future__ import annotations

from relationkit.rules.base import ANY, Attempt, FunctionRule, Rulebook, each_subject, rule

__all__ = ["ANY", "Attempt", "FunctionRule", "Rulebook", "each_subject", "rule"]
