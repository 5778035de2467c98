"""Read-model reads on SQLite use read-only connections of their own, one per thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from eventsourcing.persistence import PersistenceError

from app.bootstrap import Services, build_services
from app.persistence import SqlGateway
from app.settings import Settings


@pytest.fixture
def sqlite_services(sqlite_settings: Settings) -> Iterator[Services]:
    built = build_services(sqlite_settings, start_projections=False)
    try:
        yield built
    finally:
        built.close()


def _probe(gateway: SqlGateway) -> None:
    with gateway.transaction(write=True) as tx:
        tx.execute("CREATE TABLE IF NOT EXISTS {reader_probe} (id INTEGER PRIMARY KEY)")


def _ids(gateway: SqlGateway) -> list[int]:
    with gateway.transaction(write=False) as tx:
        return [row["id"] for row in tx.rows("SELECT id FROM {reader_probe} ORDER BY id")]


def test_a_read_sees_every_write_committed_before_it(sqlite_services: Services) -> None:
    gateway = sqlite_services.gateway
    _probe(gateway)
    assert gateway.reads_never_wait
    assert _ids(gateway) == []
    with gateway.transaction(write=True) as tx:
        tx.execute("INSERT INTO {reader_probe} (id) VALUES (%s)", (1,))
    assert _ids(gateway) == [1]
    with gateway.transaction(write=True, durable=False) as tx:
        tx.execute("INSERT INTO {reader_probe} (id) VALUES (%s)", (2,))
    assert _ids(gateway) == [1, 2]


def test_a_read_inside_a_read_of_the_same_thread_works(sqlite_services: Services) -> None:
    gateway = sqlite_services.gateway
    _probe(gateway)
    with gateway.transaction(write=True) as tx:
        tx.execute("INSERT INTO {reader_probe} (id) VALUES (%s)", (5,))
    with gateway.transaction(write=False) as outer:
        inner_ids = _ids(gateway)
        outer_count = outer.scalar("SELECT COUNT(*) AS n FROM {reader_probe}")
    assert (inner_ids, outer_count) == ([5], 1)


def test_reads_on_other_threads_see_the_same_rows(sqlite_services: Services) -> None:
    gateway = sqlite_services.gateway
    _probe(gateway)
    with gateway.transaction(write=True) as tx:
        tx.execute("INSERT INTO {reader_probe} (id) VALUES (%s)", (9,))
    seen: list[list[int]] = []
    threads = [threading.Thread(target=lambda: seen.append(_ids(gateway))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [[9], [9], [9]]


def test_a_read_transaction_cannot_write(sqlite_services: Services) -> None:
    gateway = sqlite_services.gateway
    _probe(gateway)
    with pytest.raises(PersistenceError), gateway.transaction(write=False) as tx:
        tx.execute("INSERT INTO {reader_probe} (id) VALUES (%s)", (3,))
    assert _ids(gateway) == []
