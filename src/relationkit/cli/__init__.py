"""The ``relationkit`` command: play the demo stories, report, list what is due, verify
what a store holds, migrate it and draw workflow diagrams.

The commands live in :mod:`relationkit.cli.commands`, how they show things in
:mod:`relationkit.cli.render`, and where the demo finds its stories (the example scripts)
in :mod:`relationkit.cli.examples`. The console script ``relationkit`` runs :func:`main`.
"""

from __future__ import annotations

from relationkit.cli.commands import (
    DEFAULT_DB,
    EXIT_CODES,
    EXIT_ENVIRONMENT,
    EXIT_FOUND_PROBLEMS,
    EXIT_OK,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    cli,
    main,
    normalize_url,
    open_db,
)

__all__ = [
    "DEFAULT_DB",
    "EXIT_CODES",
    "EXIT_ENVIRONMENT",
    "EXIT_FOUND_PROBLEMS",
    "EXIT_OK",
    "EXIT_UNAVAILABLE",
    "EXIT_USAGE",
    "cli",
    "main",
    "normalize_url",
    "open_db",
]
