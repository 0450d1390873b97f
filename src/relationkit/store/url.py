"""One way to open a store: :func:`open_store` with a URL.

=====================================  ====================================================
URL                                    store
=====================================  ====================================================
``memory://``                          :class:`~relationkit.store.memory.MemoryStore`
``sqlite:///relations.db``             :class:`~relationkit.store.sqlite.SqliteStore`
                                       (relative path; ``sqlite:////srv/r.db`` is absolute)
``relations.db`` (a plain path)        the same
``postgresql://user@host:5432/db``     :class:`~relationkit.store.postgres.PostgresStore`
                                       (needs the ``postgres`` extra)
=====================================  ====================================================

SQLite URLs take ``?timeout=10&synchronous=normal``; PostgreSQL URLs take ``?schema=name``
(keep relationkit's tables in that schema) and ``?pool_size=20``, next to libpq's own
parameters.

Example:
    >>> import tempfile, os
    >>> from relationkit.store.url import open_store
    >>> open_store("memory://")
    <relationkit.store.memory.MemoryStore object at ...>
    >>> store = open_store(os.path.join(tempfile.mkdtemp(), "relations.db"))
    >>> store.url.startswith("sqlite:///")
    True
    >>> store.close()
"""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qsl, urlsplit

from relationkit.exceptions import InvalidInput
from relationkit.store.base import Store, redact

__all__ = ["open_store", "redact", "sqlite_file"]

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")

_KNOWN = (
    "relationkit opens 'memory://', 'sqlite:///path/to/file.db' (or a plain file path) and "
    "'postgresql://user@host:5432/database'"
)


def _refuse(url: str, why: str) -> InvalidInput:
    return InvalidInput(
        f"refused: opening a store from {redact(url)!r}; {why}; {_KNOWN}.", field="url"
    )


def sqlite_file(url: str | os.PathLike[str]) -> str | None:
    """The file an SQLite URL (or a plain path) names, without its query options; ``None``
    for other stores (and for what is no URL at all).

    Example:
        >>> sqlite_file("sqlite:///data/relations.db?timeout=10")
        'data/relations.db'
        >>> sqlite_file("relations.db"), sqlite_file("memory://")
        ('relations.db', None)
    """
    if isinstance(url, os.PathLike):
        url = os.fspath(url)
    if not isinstance(url, str) or not url.strip():
        return None
    url = url.strip()
    match = _SCHEME.match(url)
    if match is None:
        return None if url.startswith(("sqlite:", "memory:", "postgres")) else url
    if match.group(1).lower() != "sqlite" or not url[match.end() :].startswith("/"):
        return None
    return url[match.end() + 1 :].partition("?")[0] or None


def _sqlite(url: str, path: str, query: str, read_only: bool) -> Store:
    from relationkit.store.sqlite import SqliteStore

    options = dict(parse_qsl(query))
    unknown = set(options) - {"timeout", "synchronous"}
    if unknown:
        raise _refuse(url, f"SQLite does not take the option(s) {', '.join(sorted(unknown))}")
    if not path:
        raise _refuse(url, "it names no database file")
    try:
        timeout = float(options.get("timeout", 5.0))
    except ValueError:
        raise _refuse(url, f"timeout={options['timeout']!r} is not a number of seconds") from None
    return SqliteStore(
        path,
        timeout=timeout,
        synchronous=options.get("synchronous", "FULL"),
        read_only=read_only,
    )


def open_store(url: str | os.PathLike[str], *, read_only: bool = False) -> Store:
    """Open the store ``url`` names (see the module's table).

    Args:
        url: the store's URL, or an SQLite file's path.
        read_only: open it read-only (``Store.read_only``): nothing is created, migrated or
            written; the database must exist and hold this relationkit's schema.

    Raises:
        InvalidInput: the URL is not one relationkit understands.
        StoreError: the database cannot be opened or reached (read-only: an SQLite file
            that does not exist).
        SchemaError: the database was written by a newer relationkit.
        MigrationNeeded: read-only, and the database holds no schema yet, or an older one.
    """
    if isinstance(url, os.PathLike):
        url = os.fspath(url)
    if not isinstance(url, str) or not url.strip():
        raise _refuse(str(url), "it is empty or not text")
    url = url.strip()
    match = _SCHEME.match(url)
    if match is None:
        if url.startswith(("sqlite:", "memory:", "postgres")):
            raise _refuse(url, "a URL needs '://' after its scheme")
        return _sqlite(url, url, "", read_only)
    scheme = match.group(1).lower()
    rest = url[match.end() :]
    if scheme == "memory":
        if rest.strip("/"):
            raise _refuse(url, "an in-memory store takes no path")
        from relationkit.store.memory import MemoryStore

        return MemoryStore(read_only=read_only)
    if scheme == "sqlite":
        if not rest.startswith("/"):
            raise _refuse(url, "a SQLite URL has three slashes before the path")
        path, _, query = rest[1:].partition("?")
        return _sqlite(url, path, query, read_only)
    if scheme in ("postgresql", "postgres") or scheme.startswith("postgresql+"):
        from relationkit.store.postgres import PostgresStore

        parts = urlsplit(url)
        if not parts.hostname and not parts.path.strip("/"):
            raise _refuse(url, "a PostgreSQL URL names at least a host or a database")
        return PostgresStore(url, read_only=read_only)
    raise _refuse(url, f"the scheme {scheme!r} is not one it knows")
