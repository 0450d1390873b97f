"""Every Python code block of the documentation and of the README runs.

A page's ```python blocks run in order, in one namespace, in a fresh temporary working
folder, so a page can build on its earlier blocks exactly as a reader would. A block can opt
out only with a visible marker on the line right before its fence, giving the reason:

    % docs-test: skip (why this block cannot run here)

Blocks in other languages (``text``, ``console``, ``mermaid`` …) are not run.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

FENCE = re.compile(r"^(?P<indent>[ ]{0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$")
SKIP = re.compile(r"^%\s*docs-test:\s*skip\s*\((?P<reason>[^)]+)\)\s*$")


def python_blocks(text: str) -> list[tuple[int, str, str | None]]:
    """The page's ```python blocks: (line number, code, skip reason or None)."""
    blocks: list[tuple[int, str, str | None]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        fence, info = match["fence"], match["info"].strip()
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        language = info.split()[0] if info else ""
        if language in ("python", "py", "python3"):
            previous = lines[start - 1].strip() if start > 0 else ""
            skip = SKIP.match(previous)
            blocks.append((start + 1, "\n".join(body) + "\n", skip["reason"] if skip else None))
    return blocks


def shown_output(text: str) -> dict[int, str]:
    """For each ```python block followed (after blank lines only) by a ```text block: the
    text block's content, by the python block's line number. That is the output the page
    shows the reader, so the block's printed output must be exactly that."""
    lines = text.splitlines()
    shown: dict[int, str] = {}
    for line, _, _ in python_blocks(text):
        i = line  # the line after the opening fence (1-based line == 0-based next index)
        while i < len(lines) and not lines[i].strip().startswith("```"):
            i += 1
        i += 1  # past the closing fence
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i < len(lines) and lines[i].strip() == "```text":
            body: list[str] = []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            shown[line] = "\n".join(body)
    return shown


def pages() -> list[Path]:
    found = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)
    return [ROOT / "README.md", *found]


def page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_extractor_finds_python_blocks_and_skip_markers() -> None:
    text = (
        "# Title\n\n```python\nx = 1\n```\n\n```text\nnot code\n```\n\n"
        "% docs-test: skip (needs a real mail server)\n```python\nsend()\n```\n"
    )
    assert python_blocks(text) == [
        (3, "x = 1\n", None),
        (12, "send()\n", "needs a real mail server"),
    ]


def test_the_output_a_page_shows_is_the_text_block_right_after_the_code() -> None:
    text = (
        "```python\nprint(1)\n```\n\n```text\n1\n```\n\n"
        "```python\nx = 2\n```\nSome prose.\n\n```text\nnot output\n```\n"
    )
    assert shown_output(text) == {1: "1"}


def test_the_documentation_has_pages_with_code() -> None:
    with_code = pages_with_code()
    assert ROOT / "README.md" in with_code
    assert DOCS / "tutorial.md" in with_code


def pages_with_code() -> list[Path]:
    return [p for p in pages() if python_blocks(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page", pages_with_code(), ids=page_id)
def test_every_python_block_runs(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = page.read_text(encoding="utf-8")
    blocks = python_blocks(text)
    shown = shown_output(text)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    for line, code, skip in blocks:
        if skip is not None:
            continue
        compiled = compile(code, f"{page_id(page)}:{line}", "exec", dont_inherit=True)
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(compiled, namespace)
        except Exception as exc:  # report which block of which page failed
            raise AssertionError(
                f"the block at {page_id(page)} line {line} failed: {exc!r}"
            ) from exc
        if line in shown:
            assert printed.getvalue().rstrip() == shown[line].rstrip(), (
                f"the block at {page_id(page)} line {line} prints something else than the "
                "page shows after it"
            )


# --- the API reference ------------------------------------------------------------------------

PUBLIC_MODULES = [
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
    "relationkit.rules",
    "relationkit.workflows",
    "relationkit.typing",
    "relationkit.exceptions",
    "relationkit.testing",
    "relationkit.store.base",
    "relationkit.store.memory",
    "relationkit.store.sqlite",
    "relationkit.store.postgres",
    "relationkit.store.url",
]

DIRECTIVE = re.compile(r"^\.\. (?P<kind>auto\w+|namespace-constants):: (?P<name>\S+)$")
OPTION = re.compile(r"^   :(?P<option>[\w-]+):(?P<value>.*)$")


def import_name(dotted: str) -> object:
    """The object a dotted name leads to (a module, or an attribute of one)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            found = getattr(found, part)
        return found
    raise ImportError(dotted)


def documented_names() -> set[str]:
    """Every name the API pages document: what their autodoc directives name, and the
    members of the modules they document with ``:members:`` (less the excluded ones)."""
    names: set[str] = set()
    for page in sorted((DOCS / "api").glob("*.md")):
        lines = page.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            match = DIRECTIVE.match(line.strip())
            if match is None:
                continue
            options: dict[str, str] = {}
            for following in lines[i + 1 :]:
                option = OPTION.match(following)
                if option is None:
                    break
                options[option["option"]] = option["value"].strip()
            name = match["name"]
            names.add(name)
            every = match["kind"] == "namespace-constants" or (
                match["kind"] == "automodule" and "members" in options
            )
            if every:
                excluded = {n.strip() for n in options.get("exclude-members", "").split(",")}
                module = importlib.import_module(name)
                names.update(f"{name}.{n}" for n in module.__all__ if n not in excluded)
    return names


def test_the_api_reference_documents_every_public_name() -> None:
    documented = {id(import_name(name)) for name in documented_names()}
    missing = [
        f"{module}.{name}"
        for module in PUBLIC_MODULES
        for name in importlib.import_module(module).__all__
        if not name.startswith("__")
        and id(getattr(importlib.import_module(module), name)) not in documented
    ]
    assert missing == [], "add these to a page of docs/api"


def test_the_api_reference_lists_every_built_in_rule() -> None:
    from relationkit import CareConfig

    rules_page = (DOCS / "api" / "rules.md").read_text(encoding="utf-8")
    assert [i for i in CareConfig().rulebook.ids() if f"| `{i}` |" not in rules_page] == []
