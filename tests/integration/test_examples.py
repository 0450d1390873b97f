"""The scripts in examples/: each runs, teaches through plain calls, prints what it says it
does (its refusals with their rule ids, its timelines), and leaves verifiable timelines; the
six stories also run one after another into one store, as ``relationkit demo`` plays them."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from relationkit import Relations, Staff, open_store
from relationkit.cli.examples import SCRIPTS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ALL_SCRIPTS = sorted(EXAMPLES.glob("*.py"))
STORY_SCRIPTS = [EXAMPLES / f"{name}.py" for name in SCRIPTS]

OPTIONAL = frozenset({"fastapi", "httpx", "uvicorn", "starlette", "psycopg", "psycopg_pool"})
"""Third-party modules only some extras install: an example that needs a missing one is
skipped, not failed."""

PUBLIC = frozenset(
    {
        "relationkit",
        "relationkit.cases",
        "relationkit.promises",
        "relationkit.calendars",
        "relationkit.relationships",
        "relationkit.liaison",
        "relationkit.feedback",
        "relationkit.health",
        "relationkit.policy",
        "relationkit.equality",
        "relationkit.directory",
        "relationkit.sweeps",
        "relationkit.service_levels",
    }
)
"""The namespaces a story may import from: the package and its per-area namespaces."""

REFUSALS: dict[str, list[tuple[str, ...]]] = {
    "saying_no": [("R1.case", "R3"), ("ROLE",), ("R2",), ("R7.close",)],
    "expectations_and_promises": [("R5.promise",), ("R4",)],
    "vendor_liaison": [("R8.relay",)],
    "feedback_during_and_at_the_end": [("R7.close",)],
    "ending_a_relationship": [
        ("R9.evidence",),
        ("R9.approvers",),
        ("R9.authority", "R9.quorum"),
        ("R9.approvers",),
        ("R9.authority", "R9.quorum"),
        ("R9.exit",),
        ("RelationshipEnded",),
    ],
    "service_levels": [("ROLE",)],
}
"""The rules that refuse each story's steps, in the order the story meets them."""

TIMELINES: dict[str, list[str]] = {
    "saying_no": ["case case-1042"],
    "expectations_and_promises": ["case case-2201", "promise promise-2201"],
    "vendor_liaison": ["case case-301", "vendor ticket ticket-302"],
    "feedback_during_and_at_the_end": ["feedback request survey-7", "relationship rel-dana"],
    "ending_a_relationship": ["relationship rel-marek"],
    "service_levels": ["case case-2207"],
}
"""The timelines each story prints at its end."""

SAYS: dict[str, tuple[str, ...]] = {
    "saying_no": (
        "R2: clause 'refund-policy' does not exist in policy version 1",
        "ROLE: 'confirm_heard' is the client's own answer",
        "5 Mon 2 Mar 2026 09:17 ClientConfirmedHeard by c-ana",
        "reply_by: 2026-03-03T12:00:00+00:00[Europe/London]",
        "colleague_id: s-mia",
        "clause_id: refunds-30d",
    ),
    "expectations_and_promises": (
        "R5.promise: promising on case 'case-2201' while the client's expectations A",
        "R4: limit hit: lead time; offering 'website-audit' needs 20 business days",
        "The earliest honest due time is Mon 30 Mar 10:00 in Berlin (04:00 in New York).",
        "the promise sweep warns that it falls due soon",
        "PromiseFallingDue by relationkit.sweep",
        "Jonas's promise-keeping record: 1 kept, 0 broken.",
    ),
    "vendor_liaison": (
        "R8.relay: vendor ticket 'ticket-301' is 'fix_provided'",
        "the liaison lists her ticket among those whose client is owed one",
        "relationkit links it to case-301 as a recurrence",
        "case-301 opened Mon 2 Feb 2026: Phone drops calls (closed)",
        "Altus's reliability figure falls from 100% to 0%; recurrence rate 100%.",
        "message: We are on your side",
    ),
    "feedback_during_and_at_the_end": (
        "the feedback sweep, run twice, asked Dana 1 time(s) how it goes",
        "health of rel-dana: 89.8/100, active (at risk below 75)",
        "A low answer opens a service-recovery follow-up, owned by s-tomas",
        "health of rel-dana: 73.0/100, at risk (at risk below 75)",
        "RelationshipAtRisk by s-tomas",
        "relationkit flags it on the record: s-priya acknowledged version 1, since replaced",
    ),
    "ending_a_relationship": (
        "R9.approvers: 's-olivia' proposed this severance and cannot approve it",
        "R9.quorum: ending needs 2 approvals in force",
        "RelationshipEnded: refused: 'open_case' for relationship 'rel-marek'",
        "acting_for: s-kofi",
        "amicable: True; conversation: We met Marek",
    ),
    "service_levels": (
        "ROLE: 'define_service_levels' needs one of the roles manager, partner",
        "first_reply: running, 1 hour of business time left, due Mon 9 Mar 10:00",
        "paged Elin hears ServiceLevelWarning on case-2207",
        "swept breached: [] (a breach is recorded once)",
        "first_reply: breached by 20 minutes",
        "resolution: paused, 14 hours 10 minutes of business time left",
        "resolution: met with 4 hours 10 minutes to spare",
        "ServiceLevelBreached by relationkit.sweep",
    ),
}
"""Facts particular stories must print (compared with whitespace collapsed)."""


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


def load(script: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"example_{script.stem}", script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def play(
    name: str, store: str | None, capsys: pytest.CaptureFixture[str], registrar: str | None = None
) -> str:
    """Run the story script's ``main(store, registrar)``; return what it printed."""
    load(EXAMPLES / f"{name}.py").main(store, registrar)
    return capsys.readouterr().out


def refusals(out: str) -> list[tuple[str, ...]]:
    """The rule ids printed under each ``refused`` line, in order."""
    found: list[tuple[str, ...]] = []
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.lstrip().startswith("refused "):
            ids = []
            for below in lines[i + 1 :]:
                match = re.match(r"^ {12}([A-Za-z0-9.]+): \S", below)
                if match is None:
                    break
                ids.append(match[1])
            found.append(tuple(ids))
    return found


def timelines(out: str) -> dict[str, list[int]]:
    """Each printed timeline's subject (``case case-1042``) and its event numbers."""
    shown: dict[str, list[int]] = {}
    current: list[int] | None = None
    for line in out.splitlines():
        title = re.search(r": the timeline of (.+) \(times in [\w/]+\)$", line)
        if title is not None:
            current = shown.setdefault(title[1], [])
        elif current is not None and (event := re.match(r"^ +(\d+)  \w{3} \d", line)):
            current.append(int(event[1]))
        elif current is not None and not line.strip():
            current = None
    return shown


def words(text: str) -> str:
    return " ".join(text.split())


# --- every script -------------------------------------------------------------------------------


def test_there_are_examples() -> None:
    assert {s.name for s in STORY_SCRIPTS} <= {s.name for s in ALL_SCRIPTS}
    assert sorted(REFUSALS) == sorted(SCRIPTS)


@pytest.mark.parametrize("script", ALL_SCRIPTS, ids=[s.name for s in ALL_SCRIPTS])
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
    if has_main_block(script):
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        assert len(lines) >= 3, f"{script.name} printed too little to follow:\n{done.stdout}"


# --- the stories --------------------------------------------------------------------------------


@pytest.mark.parametrize("script", STORY_SCRIPTS, ids=[s.stem for s in STORY_SCRIPTS])
def test_a_story_is_plain_calls_to_the_public_api(script: Path) -> None:
    """A story imports relationkit only from its public namespaces (no narration helper),
    says what it shows, and has ``main(store=None, registrar=None)`` for the demo."""
    tree = ast.parse(script.read_text(encoding="utf-8"))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.startswith("relationkit")
    }
    assert imported
    assert imported <= PUBLIC, f"{script.name} imports {sorted(imported - PUBLIC)}"
    docstring = ast.get_docstring(tree) or ""
    assert len(docstring.split()) > 60, "the docstring says what the story shows"
    main = load(script).main
    assert list(inspect.signature(main).parameters) == ["store", "registrar"]
    assert inspect.signature(main).parameters["store"].default is None
    assert inspect.signature(main).parameters["registrar"].default is None
    assert has_main_block(script)


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_story_prints_its_refusals_and_timelines(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = play(name, None, capsys)
    assert refusals(out) == REFUSALS[name], out
    shown = timelines(out)
    assert list(shown) == TIMELINES[name], out
    for subject, numbers in shown.items():
        assert numbers == list(range(1, len(numbers) + 1)), f"{subject}: {numbers}"
        assert numbers, f"the timeline of {subject} is empty"
    said = words(out)
    for expected in SAYS.get(name, ()):
        assert words(expected) in said, f"{expected!r} missing from {name}'s output:\n{out}"
    assert re.search(r"Timelines checked: \d+, all intact\.$", out.strip())


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_story_prints_the_same_on_every_run(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert play(name, None, capsys) == play(name, None, capsys)


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_story_leaves_timelines_that_verify(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'story.db'}"
    play(name, url, capsys)
    with open_store(url) as store:
        report = Relations(store).verify_all()
    assert report.ok, report.problems
    assert report.checked >= len(TIMELINES[name])


def what_the_stories_left(rk: Relations) -> None:
    assert rk.case("case-1042").state == "closed"
    assert rk.promises.get("promise-2201").state == "kept"
    assert rk.case("case-302").recurrence_of == "case-301"
    assert rk.relationships.get("rel-dana").state == "at_risk"
    assert rk.feedback.get("survey-7").recovery_owner_id == "s-tomas"
    ended = rk.relationships.get("rel-marek")
    assert ended.state == "ended"
    assert ended.exit is not None
    assert ended.exit.amicable
    assert sorted(ended.exit.approvers) == ["s-kofi", "s-lee"]
    clocks = {c.metric: c for c in rk.service_levels.clocks("case-2207")}
    assert (clocks["first_reply"].breached, clocks["resolution"].met) == (True, True)


@pytest.mark.parametrize("order", ["demo", "reversed"])
def test_the_stories_play_one_after_another_into_one_store(
    sql_url: str, order: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Their ids do not clash, in the demo's order or any other. As in the demo, a front
    office registers each story's people: after the first registrations of a store, someone
    who may must register (the setup acts only while nobody may)."""
    names = list(SCRIPTS) if order == "demo" else list(reversed(SCRIPTS))
    with open_store(sql_url) as store:
        Relations(store).register(Staff(id="s-office", name="Front office", roles={"manager"}))
    printed = {name: play(name, sql_url, capsys, "s-office") for name in names}
    for name, out in printed.items():
        assert refusals(out) == REFUSALS[name], out
    with open_store(sql_url) as store:
        rk = Relations(store)
        report = rk.verify_all()
        assert report.ok, report.problems
        assert report.checked >= 20
        what_the_stories_left(rk)
