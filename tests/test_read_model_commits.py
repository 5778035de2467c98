"""Read-model commits may skip waiting for the disk; event commits never do."""

from __future__ import annotations

from typing import Any

import pytest

from app.bootstrap import Services, build_services
from app.settings import Settings


@pytest.fixture(params=["sqlite", "postgres"])
def stored_services(request: pytest.FixtureRequest) -> Any:
    settings: Settings = request.getfixturevalue(f"{request.param}_settings")
    built = build_services(settings, start_projections=False)
    try:
        yield built
    finally:
        built.close()


def _event_store_sync_level(services: Services) -> str:
    """The commit safety level a write transaction of the event store runs with now."""
    datastore = services.app.recorder.datastore
    if services.gateway.dialect == "postgres":
        with datastore.transaction(commit=True) as cursor:
            cursor.execute("SHOW synchronous_commit")
            return str(cursor.fetchone()["synchronous_commit"])
    with datastore.get_connection(commit=True) as connection:
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous")
        return str(cursor.fetchone()[0])


def test_relaxed_read_model_commit_keeps_its_rows_and_leaves_event_commits_synced(
    stored_services: Services,
) -> None:
    before = _event_store_sync_level(stored_services)
    gateway = stored_services.gateway
    with gateway.transaction(write=True) as tx:
        tx.execute("CREATE TABLE IF NOT EXISTS {relaxed_probe} (id INTEGER PRIMARY KEY)")
    with gateway.transaction(write=True, durable=False) as tx:
        tx.execute("INSERT INTO {relaxed_probe} (id) VALUES (%s)", (7,))

    with gateway.transaction(write=False) as tx:
        assert tx.scalar("SELECT id FROM {relaxed_probe}") == 7
    assert before in ("2", "3", "on")  # FULL or EXTRA on SQLite, on for PostgreSQL
    assert _event_store_sync_level(stored_services) == before


def test_failed_relaxed_commit_writes_nothing_and_restores_the_sync_level(
    stored_services: Services,
) -> None:
    before = _event_store_sync_level(stored_services)
    gateway = stored_services.gateway
    with gateway.transaction(write=True) as tx:
        tx.execute("CREATE TABLE IF NOT EXISTS {relaxed_probe} (id INTEGER PRIMARY KEY)")
    with pytest.raises(RuntimeError), gateway.transaction(write=True, durable=False) as tx:
        tx.execute("INSERT INTO {relaxed_probe} (id) VALUES (%s)", (8,))
        raise RuntimeError("handler failed")

    with gateway.transaction(write=False) as tx:
        assert tx.scalar("SELECT COUNT(*) AS n FROM {relaxed_probe}") == 0
    assert _event_store_sync_level(stored_services) == before


def test_a_relaxed_batch_reads_back_what_it_just_wrote(stored_services: Services) -> None:
    gateway = stored_services.gateway
    with gateway.transaction(write=True) as tx:
        tx.execute(
            "CREATE TABLE IF NOT EXISTS {relaxed_counts} (id INTEGER PRIMARY KEY, n INTEGER)"
        )
    seen = []
    with gateway.transaction(write=True, durable=False) as tx:
        # Enough repeats for the driver to prepare the statements, as a replay does.
        for i in range(12):
            tx.execute("INSERT INTO {relaxed_counts} (id, n) VALUES (%s, %s)", (i, i))
            tx.execute("UPDATE {relaxed_counts} SET n = n + 1 WHERE id = %s", (i,))
            seen.append(tx.scalar("SELECT n FROM {relaxed_counts} WHERE id = %s", (i,)))
    assert seen == [i + 1 for i in range(12)]
