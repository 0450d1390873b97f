"""The examples in relationkit's docstrings run and print what they say they print.

Every module under ``src/relationkit`` is imported and its doctests run, so ``python -m pytest``
alone covers them, with the ``doctest_optionflags`` of the project's pytest settings (as
``pytest --doctest-modules src`` would use). A module that needs an optional extra that is not
installed is skipped.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

import relationkit

OPTIONAL = frozenset({"fastapi", "httpx", "uvicorn", "starlette", "psycopg", "psycopg_pool"})
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def option_flags() -> int:
    """The doctest option flags configured for pytest (``doctest_optionflags``; pytest's
    default is ``ELLIPSIS``). pytest's own flags (``NUMBER`` …) are left out."""
    settings = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    ini = settings.get("tool", {}).get("pytest", {}).get("ini_options", {})
    names = ini.get("doctest_optionflags", "ELLIPSIS")
    if isinstance(names, str):
        names = names.split()
    flags = 0
    for name in names:
        flags |= doctest.OPTIONFLAGS_BY_NAME.get(name, 0)
    return flags


def module_names() -> list[str]:
    names = [relationkit.__name__]
    for info in pkgutil.walk_packages(relationkit.__path__, prefix=f"{relationkit.__name__}."):
        names.append(info.name)
    return sorted(names)


def load(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in OPTIONAL:
            pytest.skip(f"{name} needs {exc.name} (an optional extra)")
        raise


def test_every_module_is_found() -> None:
    names = module_names()
    assert "relationkit.domain.case" in names
    assert "relationkit.app.relations" in names


@pytest.mark.parametrize("name", module_names())
def test_doctests(name: str) -> None:
    module = load(name)
    result = doctest.testmod(module, verbose=False, report=True, optionflags=option_flags())
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest(s) failed in {name}"
