"""Bulk reads and bulk options pause the cyclic garbage collector, and give it back as found."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from relationkit import Client, MemoryStore, Relations, Staff
from relationkit._gc import collector_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_pause_nests_and_gives_the_collector_back(collector_on: None) -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_the_collector_comes_back_after_an_error(collector_on: None) -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_pauses_in_several_threads_end_with_the_last(collector_on: None) -> None:
    inside = threading.Barrier(3)
    leave = threading.Event()

    def worker() -> None:
        with collector_paused():
            inside.wait()
            leave.wait()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait()
    assert not gc.isenabled()
    leave.set()
    for t in threads:
        t.join()
    assert gc.isenabled()


def test_bulk_options_and_reads_leave_the_collector_on(collector_on: None) -> None:
    rk = Relations(MemoryStore())
    rk.register(Client(id="c-ana", name="Ana"), Staff(id="s-al", name="Al", roles={"agent"}))
    case = rk.open_case(actor="s-al", client="c-ana", subject="Refund", statement="Refund me.")
    assert list(rk.options_for(rk.cases(), actor="s-al")) == [case.id]
    assert gc.isenabled()
