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

import ast
import importlib
import inspect
import os
import sys
import types
import typing
import zlib
from pathlib import Path
from typing import Any

from docutils.statemachine import StringList
from sphinx.errors import PycodeError
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.parsing import nested_parse_to_nodes

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
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "sphinxcontrib.mermaid",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
# _api/ held pages that earlier builds generated for every module; the reference is written
# by hand now (api.md and api/), so leftovers in an existing checkout are not read.
exclude_patterns = ["_build", "_api", "Thumbs.db", ".DS_Store"]

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


# --- the API reference: one name per object, any name resolves --------------------------------
#
# The API pages document each object once, under the name an application imports it by
# (``relationkit.promises.KeepPromise``; a facade under its home, such as
# ``relationkit.app.promises.PromiseService``). autodoc records a class's home name
# (``relationkit.domain.promise.KeepPromise``) as an alias of it. _resolve below lets a
# cross-reference use any name that leads to a documented object, for members too
# (``relationkit.app.relations.Relations.handle`` finds ``relationkit.Relations.handle``), and
# makes a reference to a relationkit name that leads nowhere a warning, which fails the ``-W``
# build: a renamed or removed name cannot leave a dead link behind.

_CHECKED_ROLES = {"class", "exc", "meth", "func", "attr", "data", "mod"}


def _import(path: str) -> object | None:
    """The object named by the dotted ``path`` (a module, or an attribute of one), or None."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for name in parts[cut:]:
                found = getattr(found, name)
        except AttributeError:
            return None
        return found
    return None


def _home_name(obj: object) -> str | None:
    """Where ``obj`` (a class, function or method) is defined: ``module.qualname``."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str) and "<" not in qualname:
        return f"{module}.{qualname}"
    return None


_HOMES: dict[str, str] = {}


def _homes(objects: dict[str, Any]) -> dict[str, str]:
    """Documented classes, functions and methods by their home name (built once, when the
    first reference is resolved: by then every page was read)."""
    if not _HOMES:
        for name, entry in objects.items():
            home = None if entry.aliased else _home_name(_import(name))
            if home is not None and home != name:
                _HOMES.setdefault(home, name)
        _HOMES.setdefault("", "")
    return _HOMES


def _documented(objects: dict[str, Any], name: str) -> str | None:
    """The name ``name`` is documented under: itself, the object defined there, or (for a
    member of a class documented under another name) that class's member."""
    entry = objects.get(name)
    if entry is not None and not entry.aliased:
        return name
    found = _homes(objects).get(name)
    if found is not None:
        return found
    head, tail = name, ""
    while "." in head:
        head, _, last = head.rpartition(".")
        tail = f".{last}{tail}"
        public = _homes(objects).get(head)
        if public is None and head in objects and objects[head].aliased:
            alias = objects[head]
            public = next(
                (
                    other
                    for other, e in objects.items()
                    if not e.aliased and (e.docname, e.node_id) == (alias.docname, alias.node_id)
                ),
                None,
            )
        if public is not None:
            return public + tail if public + tail in objects else None
    return None


def _ours(target: str, context: list[str | None]) -> bool:
    """True if ``target`` names something of relationkit's own (a misspelt or removed
    relationkit name included), seen from the module and class a reference is made in."""
    if target.startswith("relationkit"):
        return not isinstance(_import(target), typing.TypeVar)
    for where in filter(None, context):
        if where.startswith("relationkit"):
            found = _import(f"{where}.{target}")
            home = getattr(found, "__module__", None) or getattr(found, "__name__", "")
            if found is not None and str(home).startswith("relationkit"):
                return not isinstance(found, typing.TypeVar)
    return False


def _resolve(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    if node.get("refdomain") != "py" or node.get("reftype") not in _CHECKED_ROLES:
        return None
    target = node["reftarget"].lstrip("~.")
    domain = env.get_domain("py")
    context = [node.get("py:module"), node.get("py:class")]
    if node["reftype"] != "mod":
        tried = [".".join(filter(None, [*context[: n + 1], target])) for n in (1, 0)]
        for path in dict.fromkeys([*tried, target]):
            for name in (path, _home_name(_import(path))):
                found = _documented(domain.objects, name) if name else None
                if found is not None:
                    return domain.resolve_xref(
                        env, node["refdoc"], app.builder, node["reftype"], found, node, contnode
                    )
    if _ours(target, context):
        logging.getLogger(__name__).warning(
            "%s reference to %r leads to no documented object; point it at a name the API "
            "reference documents",
            node["reftype"],
            node["reftarget"],
            location=node,
            type="ref",
            subtype="relationkit",
        )
    return None


# Constants a namespace re-exports (``relationkit.cases.ACCEPT``) carry their documentation
# in their home module, where autodoc does not look for them; this directive lists them with
# it: ``.. namespace-constants:: relationkit.cases``.


def _imported_from(module: types.ModuleType) -> dict[str, tuple[str, str]]:
    """For each name ``module`` imports with ``from x import y as z``: z -> (x, y)."""
    source = inspect.getsource(module)
    homes: dict[str, tuple[str, str]] = {}
    for statement in ast.walk(ast.parse(source)):
        if isinstance(statement, ast.ImportFrom) and statement.module:
            for alias in statement.names:
                homes[alias.asname or alias.name] = (statement.module, alias.name)
    return homes


def _homes_of(modname: str) -> dict[str, tuple[str, str]]:
    return _imported_from(importlib.import_module(modname))


def _attr_docs(modname: str) -> dict[tuple[str, str], list[str]]:
    try:
        return dict(ModuleAnalyzer.for_module(modname).find_attr_docs())
    except PycodeError:
        return {}


def _shown_value(value: object) -> str | None:
    if isinstance(value, str | int | float):
        return repr(value)
    if isinstance(value, frozenset | tuple) and all(isinstance(v, str) for v in value):
        items = sorted(value) if isinstance(value, frozenset) else list(value)
        text = ", ".join(map(repr, items))
        shown = f"frozenset({{{text}}})" if isinstance(value, frozenset) else f"({text})"
        return shown if len(shown) <= 90 else None
    return None


class NamespaceConstants(SphinxDirective):
    """A ``py:data`` entry for every constant of a namespace module's ``__all__``."""

    required_arguments = 1

    def run(self) -> list[Any]:
        modname = self.arguments[0]
        module = importlib.import_module(modname)
        homes = _imported_from(module)
        lines: list[str] = []
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value) or inspect.isroutine(value) or name.startswith("__"):
                continue
            home, home_name = homes.get(name, (modname, name))
            docs = _attr_docs(home)
            while ("", home_name) not in docs and home_name in (further := _homes_of(home)):
                home, home_name = further[home_name]  # imported there in turn
                docs = _attr_docs(home)
            lines += [f".. py:data:: {name}", f"   :module: {modname}"]
            if (home, home_name) != (modname, name):
                lines.append(f"   :canonical: {home}.{home_name}")
            shown = _shown_value(value)
            if shown is not None:
                lines.append(f"   :value: {shown}")
            lines.append("")
            lines += [f"   {line}" for line in docs.get(("", home_name), [])]
            lines.append("")
        return nested_parse_to_nodes(self.state, StringList(lines, source=modname))


def setup(app: Any) -> None:
    """Register the hooks above."""
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("missing-reference", _resolve, priority=900)  # after intersphinx
    app.connect("builder-inited", lambda app: _HOMES.clear())  # one index per build
    app.add_directive("namespace-constants", NamespaceConstants)


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
