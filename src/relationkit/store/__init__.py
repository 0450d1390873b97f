"""Stores: where aggregates, their timelines and plain records are kept.

:class:`~relationkit.store.memory.MemoryStore` (the default, for tests and trials),
:class:`~relationkit.store.sqlite.SqliteStore` (embedded, one file) and
:class:`~relationkit.store.postgres.PostgresStore` (needs the ``postgres`` extra); open one
from a URL with :func:`~relationkit.store.url.open_store`. A backend of your own subclasses
:class:`~relationkit.store.base.Store` and passes :class:`relationkit.testing.StoreContract`.
"""
