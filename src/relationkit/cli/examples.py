"""The example stories ``relationkit demo`` plays: where their scripts are, and running one.

Each story is a script of the project's ``examples`` folder (``saying_no.py`` …) written in
plain calls to relationkit, with a ``main(store)`` that plays it into the store a URL names
(in memory without one). The demo does not tell the stories itself: it runs those scripts,
so what it shows is exactly what a reader of the scripts can copy.

Where the scripts are (:func:`examples_dir`) depends on how relationkit was installed:

1. From a wheel (``pip install relationkit`` or ``pip install .``), the scripts ship inside
   the package, in ``relationkit/examples`` (the wheel's ``force-include`` in
   ``pyproject.toml``).
2. From a source checkout, run in place or installed in editable mode (``pip install -e .``),
   they are the checkout's own ``examples`` folder. An editable install does not carry
   force-included files, so the package, at ``<checkout>/src/relationkit``, finds them at
   ``<checkout>/examples``; this is recognised only when ``<checkout>/pyproject.toml``
   exists beside ``src``.

Example:
    >>> [story.name for story in stories()][:2]
    ['saying-no', 'expectations-and-promises']
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from typing import Any

import attrs

__all__ = [
    "SCRIPTS",
    "ExamplesMissing",
    "Story",
    "UnknownStory",
    "examples_dir",
    "find_story",
    "stories",
]

SCRIPTS = (
    "saying_no",
    "expectations_and_promises",
    "vendor_liaison",
    "feedback_during_and_at_the_end",
    "ending_a_relationship",
    "service_levels",
)
"""The story scripts of the ``examples`` folder, in the order the demo plays them (the
folder holds other examples, such as a web service, that are not stories)."""

PACKAGE = Path(__file__).resolve().parent.parent
"""The installed ``relationkit`` package directory."""


class UnknownStory(LookupError):
    """No story has the name asked for; the message lists the known ones."""


class ExamplesMissing(FileNotFoundError):
    """The example scripts are not where an installation of relationkit keeps them (the
    command reports it as something the machine lacks, exit code 3)."""


@attrs.frozen
class Story:
    """One example story.

    Attributes:
        name: its name on the command line (``saying-no``): the script's, with hyphens.
        path: the script.
        title: the first line of the script's docstring.
    """

    name: str
    path: Path
    title: str

    def play(self, store: str | None, registrar: str | None = None) -> None:
        """Run the script's ``main(store, registrar)``: play the story into the store
        ``store`` names (a URL), or in memory if it is ``None``, its people registered by
        ``registrar`` (by relationkit's setup if ``None``: a new store's first
        registrations). What the story prints goes to stdout."""
        script = _load(self.path)
        if registrar is None:
            script.main(store)
        else:
            script.main(store, registrar)


def examples_dir(package: Path | None = None) -> Path:
    """The folder holding the story scripts (see the module's explanation).

    Args:
        package: the ``relationkit`` package directory (:data:`PACKAGE`, the installed
            one, if omitted).

    Raises:
        ExamplesMissing: neither place holds every story script.
    """
    package = PACKAGE if package is None else package
    bundled = package / "examples"
    checkout = package.parent.parent
    places = [bundled]
    if package.parent.name == "src" and (checkout / "pyproject.toml").is_file():
        places.append(checkout / "examples")
    for place in places:
        if all((place / f"{script}.py").is_file() for script in SCRIPTS):
            return place
    raise ExamplesMissing(
        f"the example scripts are not in {' or '.join(str(p) for p in places)}; an installed "
        "wheel of relationkit ships them in relationkit/examples, and a source checkout "
        "keeps them in its examples folder; reinstall relationkit from a wheel or a checkout"
    )


def stories(folder: Path | None = None) -> list[Story]:
    """Every story, in the order the demo plays them, from ``folder`` (the scripts'
    folder, :func:`examples_dir`, if omitted)."""
    where = examples_dir() if folder is None else folder
    return [_story(where / f"{script}.py") for script in SCRIPTS]


def find_story(name: str, folder: Path | None = None) -> Story:
    """The story called ``name`` (``saying-no``; ``saying_no`` and ``saying_no.py`` too).

    Raises:
        UnknownStory: no story has that name (the message lists the known ones).
    """
    known = stories(folder)
    wanted = name.strip().removesuffix(".py").replace("_", "-")
    for story in known:
        if story.name == wanted:
            return story
    raise UnknownStory(f"unknown story {name!r}; known stories: {', '.join(s.name for s in known)}")


def _story(path: Path) -> Story:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    title = docstring.strip().splitlines()[0] if docstring.strip() else path.stem
    return Story(name=path.stem.replace("_", "-"), path=path, title=title)


def _load(path: Path) -> Any:
    """Import the script at ``path`` as a module of its own (not kept in ``sys.modules``)."""
    spec = importlib.util.spec_from_file_location(f"relationkit_example_{path.stem}", path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has one
        raise ExamplesMissing(f"cannot load the example script {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
