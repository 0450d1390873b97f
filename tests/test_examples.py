"""Every script in examples/ runs to completion and prints something a person can follow."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))

OPTIONAL = frozenset({"fastapi", "httpx", "uvicorn", "starlette", "psycopg", "psycopg_pool"})
"""Third-party modules only some extras install: an example that needs a missing one is
skipped, not failed."""

EXPECTED: dict[str, tuple[str, ...]] = {
    "saying_no.py": (
        "Saying no well: heard first, time bought, a colleague consulted",
        "REFUSED   Sam says no straight away",
        "R1: the client's concern was not yet acknowledged",
        "R3: declining an escalated case needs 1 consultation(s)",
        "R2: clause 'refund-policy' does not exist in policy version 1",
        "R7: the client was not asked for end-of-case feedback",
        "Ana's refund request: timeline of case case-1042",
        "Mon 2 Mar 2026 09:17  Ana Ruiz         ClientConfirmedHeard",
        "reply by: Tue 3 Mar 2026 12:00",
        "colleague: Mia Chen",
        "all intact.",
    ),
    "expectations_and_promises.py": (
        "R5: promising on case 'case-2201' while the client's expectations A",
        "R4: limit hit: lead time; offering 'website-audit' needs 20 business days",
        "The earliest honest due time is Mon 30 Mar 2026 10:00 in Berlin (Mon 30 Mar 2026 "
        "04:00 in New York).",
        "Jonas's promise-keeping record: 1 kept, 0 broken.",
        "relationkit.sweep PromiseFallingDue",
        "PromiseKept",
    ),
    "vendor_liaison.py": (
        "R8.relay: vendor ticket 'ticket-301' is 'fix_provided'",
        "the update promised to Rosa falls due, and the liaison sweep lists her",
        "case-301 opened Mon 2 Feb 2026 09:00: Phone drops calls (closed)",
        "Altus's reliability figure falls from 100% to 0%; recurrence rate 100%.",
        "The repeat ticket with Altus: timeline of vendor_ticket ticket-302",
        "message: We are on your side",
    ),
    "feedback_during_and_at_the_end.py": (
        "the feedback sweep asks Dana how it is going",
        "health of rel-dana: 89.8/100, active (at risk below 75)",
        "R7: the client was not asked for end-of-case feedback",
        "A low answer opens a service-recovery follow-up, owned by Tomás Ferreira",
        "health of rel-dana: 73.0/100, at risk (at risk below 75)",
        "RelationshipAtRisk",
        "relationkit flags it on the record:",
    ),
    "ending_a_relationship.py": (
        "R9.evidence: a severance proposal must cite the cases",
        "R9.approvers: 's-olivia' proposed this severance and cannot approve it",
        "R9.quorum: ending needs 2 approvals in force",
        "R9.exit: an amicable end records the exit conversation",
        "RelationshipEnded: refused: 'open_case' for relationship 'rel-marek'",
        "amicable: yes; conversation: We met Marek",
        "all intact.",
    ),
}
"""What particular examples must print (compared with whitespace collapsed, since long
lines are wrapped)."""


def missing_optional_modules(script: Path) -> list[str]:
    tree = ast.parse(script.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return sorted(n for n in names & OPTIONAL if importlib.util.find_spec(n) is None)


def has_main_block(script: Path) -> bool:
    """True if the script does something when run (``if __name__ == "__main__":``); a script
    without one is a module to serve or import (a web app), and only has to load cleanly."""
    tree = ast.parse(script.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) for node in tree.body
    )


def test_there_are_examples() -> None:
    assert "saying_no.py" in {s.name for s in SCRIPTS}


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_example_runs(script: Path) -> None:
    missing = missing_optional_modules(script)
    if missing:
        pytest.skip(f"{script.name} needs {', '.join(missing)} (an optional extra)")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        cwd=EXAMPLES.parent,
        env=env,
        check=False,
    )
    assert done.returncode == 0, f"{script.name} failed:\n{done.stdout}\n{done.stderr}"
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if has_main_block(script) or script.name in EXPECTED:
        assert len(lines) >= 3, f"{script.name} printed too little to follow:\n{done.stdout}"
    words = " ".join(done.stdout.split())  # lines are wrapped for reading
    for expected in EXPECTED.get(script.name, ()):
        assert " ".join(expected.split()) in words, (
            f"{expected!r} missing from {script.name}'s output:\n{done.stdout}"
        )


STORY_SCRIPTS = sorted(EXPECTED)


def test_every_story_has_its_script() -> None:
    """Each seed story is one script, and each script plays a different story."""
    from relationkit.stories import stories

    played = {
        script: ast.literal_eval(call.args[0])
        for script in STORY_SCRIPTS
        for call in ast.walk(ast.parse((EXAMPLES / script).read_text(encoding="utf-8")))
        if isinstance(call, ast.Call) and ast.unparse(call.func) == "tell"
    }
    assert sorted(played.values()) == sorted(s.name for s in stories())


@pytest.mark.parametrize("name", ["saying_no.py", "ending_a_relationship.py"])
def test_a_story_script_is_deterministic(name: str) -> None:
    script = EXAMPLES / name
    runs = {
        subprocess.run(
            [sys.executable, str(script)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=True,
        ).stdout
        for _ in range(2)
    }
    assert len(runs) == 1
