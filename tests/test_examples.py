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
        "Case case-1042: Annual plan renewed without warning",
        "Refused before the client was heard:",
        "[R1] the client's concern was not yet acknowledged",
        "[R3] declining an escalated case needs 1 consultation(s)",
        "Mon 2 Mar 09:12  Priya Nair       opened the case (marked escalated)",
        "Mon 2 Mar 09:21  Dana Whitfield   corrected the restatement",
        "Mon 2 Mar 09:26  Dana Whitfield   confirmed being heard",
        "asked for time, promising a reply by Tue 3 Mar 12:00",
        "Mon 2 Mar 13:11  Priya Nair       consulted Tomás Ferreira",
        "Tue 3 Mar 10:30  Priya Nair       declined, citing policy clause 'refunds-30d'",
        "Timeline verified: 8 events, hash chain intact",
    ),
}
"""Lines (or parts of lines) particular examples must print."""


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
    for expected in EXPECTED.get(script.name, ()):
        assert expected in done.stdout, f"{expected!r} missing from {script.name}'s output"


def test_saying_no_is_deterministic() -> None:
    script = EXAMPLES / "saying_no.py"
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
