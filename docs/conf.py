"""Sphinx configuration for relationkit's documentation (MyST Markdown, furo, autodoc).

Build it with warnings as errors, as the continuous integration does::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

About the links to other projects (intersphinx)
-----------------------------------------------
intersphinx normally downloads each project's ``objects.inv`` at build time. The docs must
also build on machines without internet access, where such a download would fail (and, with
``-W``, fail the build). So by default the links come from small inventories written below
from :data:`_OFFLINE`: they list only the names these pages link to (attrs, pendulum,
python-statemachine and the Python standard library), each with its page on the project's
own site. They are hand-made, so a name missing from them is simply not linked.

Set ``RELATIONKIT_DOCS_ONLINE=1`` to fetch the projects' full inventories instead; a fetch
that fails then falls back to the small inventory, so the build still passes.
"""

from __future__ import annotations

import os
import shutil
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import relationkit  # noqa: E402

project = "relationkit"
author = "The relationkit developers"
copyright = "2026, The relationkit developers"
release = relationkit.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "sphinxcontrib.mermaid",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_templates", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]

# --- MyST --------------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
# ```mermaid fences render as diagrams in Sphinx (and on code hosts that show Mermaid).
myst_fence_as_directive = ["mermaid"]

# --- autodoc and napoleon (Google-style docstrings) --------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented"
autodoc_default_options = {"members": True, "show-inheritance": True}
autosummary_generate = True  # pages for every module, written to _api/ at each build
# _api/ holds only generated pages: start each build without them, so the page of a module
# that no longer exists does not linger (and fail the build, which treats warnings as errors).
shutil.rmtree(HERE / "_api", ignore_errors=True)
autosummary_imported_members = False
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_attr_annotations = True
# "Attributes:" sections become fields of the class's description, so an attribute that
# autodoc also documents (a property, an attrs slot) is not described twice.
napoleon_use_ivar = True
# The same class is re-exported by the package and documented at its home module; a short
# cross-reference such as ``Relations`` may therefore match more than one target.
suppress_warnings = ["ref.python"]


def _is_machine_metadata(value: object) -> bool:
    """True for python-statemachine's class metadata (states, events, transition lists),
    which its metaclass sets on every machine class; the machine's own docstring and the
    generated diagrams describe those better than their repeated base-class docs."""
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_is_machine_metadata(v) for v in value)
    if isinstance(value, dict):
        return bool(value) and all(_is_machine_metadata(v) for v in value.values())
    return type(value).__module__.split(".")[0] == "statemachine"


def _skip_member(
    app: object, what: str, name: str, obj: object, skip: bool, options: object
) -> bool | None:
    empty_metadata = name in ("states", "final_states", "states_map", "events") and not obj
    if what == "class" and (empty_metadata or _is_machine_metadata(obj)):
        return True
    return None


def setup(app: object) -> None:
    """Register the hooks above."""
    app.connect("autodoc-skip-member", _skip_member)  # type: ignore[attr-defined]


# --- HTML --------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"relationkit {release}"
html_static_path: list[str] = []

# --- intersphinx, offline by default (see the module docstring) -------------------------------
_OFFLINE: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "python": (
        "https://docs.python.org/3/",
        [
            ("datetime.datetime", "py:class", "library/datetime.html#datetime.datetime"),
            ("datetime.timedelta", "py:class", "library/datetime.html#datetime.timedelta"),
            ("ValueError", "py:exception", "library/exceptions.html#ValueError"),
            ("LookupError", "py:exception", "library/exceptions.html#LookupError"),
            ("PermissionError", "py:exception", "library/exceptions.html#PermissionError"),
            ("ExceptionGroup", "py:exception", "library/exceptions.html#ExceptionGroup"),
            ("AssertionError", "py:exception", "library/exceptions.html#AssertionError"),
            ("FileNotFoundError", "py:exception", "library/exceptions.html#FileNotFoundError"),
            ("ImportError", "py:exception", "library/exceptions.html#ImportError"),
            ("Exception", "py:exception", "library/exceptions.html#Exception"),
            ("str", "py:class", "library/stdtypes.html#str"),
            ("int", "py:class", "library/functions.html#int"),
            ("bool", "py:class", "library/functions.html#bool"),
            ("dict", "py:class", "library/stdtypes.html#dict"),
            ("list", "py:class", "library/stdtypes.html#list"),
            ("tuple", "py:class", "library/stdtypes.html#tuple"),
            ("frozenset", "py:class", "library/stdtypes.html#frozenset"),
            ("pathlib.Path", "py:class", "library/pathlib.html#pathlib.Path"),
            ("typing.Protocol", "py:class", "library/typing.html#typing.Protocol"),
            ("typing.Any", "py:data", "library/typing.html#typing.Any"),
            ("abc.ABC", "py:class", "library/abc.html#abc.ABC"),
            *(
                (f"collections.abc.{name}", "py:class", f"library/collections.abc.html#{name}")
                for name in ("Callable", "Iterable", "Iterator", "Mapping", "Sequence")
            ),
        ],
    ),
    "attrs": (
        "https://www.attrs.org/en/stable/",
        [
            ("attrs.define", "py:function", "api.html#attrs.define"),
            ("attrs.frozen", "py:function", "api.html#attrs.frozen"),
            ("attrs.field", "py:function", "api.html#attrs.field"),
            ("attrs.evolve", "py:function", "api.html#attrs.evolve"),
            ("attrs.Factory", "py:class", "api.html#attrs.Factory"),
        ],
    ),
    "statemachine": (
        "https://python-statemachine.readthedocs.io/en/latest/",
        [
            (
                "statemachine.statemachine.StateMachine",
                "py:class",
                "api.html#statemachine.statemachine.StateMachine",
            ),
            (
                "statemachine.StateMachine",
                "py:class",
                "api.html#statemachine.statemachine.StateMachine",
            ),
            ("StateMachine", "py:class", "api.html#statemachine.statemachine.StateMachine"),
            ("statemachine.state.State", "py:class", "api.html#statemachine.state.State"),
            ("statemachine.State", "py:class", "api.html#statemachine.state.State"),
        ],
    ),
    "pendulum": (
        # pendulum's documentation is one long page rather than a Sphinx site, so it has no
        # inventory of its own: these point at the sections of that page.
        "https://pendulum.eustace.io/docs/",
        [
            ("pendulum.DateTime", "py:class", "#instantiation"),
            ("pendulum.datetime", "py:function", "#instantiation"),
            ("pendulum.Duration", "py:class", "#duration"),
            ("pendulum.duration", "py:function", "#duration"),
            ("pendulum.Timezone", "py:class", "#timezones"),
        ],
    ),
}


def _write_inventory(name: str, entries: list[tuple[str, str, str]], path: Path) -> None:
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {name}\n"
        "# Version: \n"
        "# The remainder of this file is compressed using zlib.\n"
    ).encode()
    body = "".join(f"{obj} {role} 1 {uri} -\n" for obj, role, uri in entries).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + zlib.compress(body))


_INVENTORIES = HERE / "_build" / "inventories"
_ONLINE = os.environ.get("RELATIONKIT_DOCS_ONLINE", "") not in ("", "0")
intersphinx_mapping: dict[str, tuple[str, str | tuple[str | None, str]]] = {}
for _name, (_url, _entries) in _OFFLINE.items():
    _local = _INVENTORIES / f"{_name}.inv"
    _write_inventory(_name, _entries, _local)
    intersphinx_mapping[_name] = (_url, (None, str(_local)) if _ONLINE else str(_local))
intersphinx_timeout = 10
