"""Every backend keeps the store contract shipped in relationkit.testing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from relationkit.store.base import Store
from relationkit.store.memory import MemoryStore
from relationkit.store.url import open_store
from relationkit.testing import StoreContract


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def make_store(self) -> Callable[[], Store]:
        store = MemoryStore()
        return lambda: store


class TestSqliteStore(StoreContract):
    @pytest.fixture
    def make_store(self, tmp_path: Path) -> Callable[[], Store]:
        return lambda: open_store(f"sqlite:///{tmp_path / 'relations.db'}")


@pytest.mark.postgres
class TestPostgresStore(StoreContract):
    @pytest.fixture
    def make_store(self, postgres_url: str) -> Callable[[], Store]:
        return lambda: open_store(postgres_url)
