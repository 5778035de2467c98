"""Tamper evidence: every stored event is chained to the one before it; the walk names the
first position where the log was altered, thinned out, reordered or cut short."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import date
from typing import Any

import httpx
import psycopg
import pytest

from app.application import Skillpath
from app.audit.chain import IntegrityReport
from app.bootstrap import Services, build_services, master_key_for
from app.cli import main
from app.main import create_app
from app.persistence import eventsourcing_env
from app.settings import Settings
from tests.conftest import auth_headers
from tests.domain_support import HR, Organisation
from tests.trust_support import Subject

PG_TABLE = "skillpath_events"


def arrange(settings: Settings) -> int:
    """An organisation written and projected, then closed; returns the log's last position."""
    services = build_services(settings, start_projections=False)
    try:
        org = Organisation(services.app)
        for n in range(3):
            org.hire(f"person{n}@example.com", name=f"Person {n}")
        services.runner.catch_up()
        return services.app.last_position()
    finally:
        services.close()


def verify(settings: Settings) -> IntegrityReport:
    services = build_services(settings, start_projections=False)
    try:
        return services.audit.verify()
    finally:
        services.close()


def test_an_untouched_log_is_intact_and_its_head_hash_is_stable(services: Services) -> None:
    Organisation(services.app)
    services.runner.catch_up()

    first, again = services.audit.verify(), services.audit.verify()

    assert first.intact and first.first_break is None
    assert first.checked == first.head_position == services.app.last_position()
    assert first.head_hash == again.head_hash


def test_erasure_does_not_break_the_chain(services: Services) -> None:
    subject = Subject(services)
    before = services.audit.verify()

    services.app.request_erasure(subject.id, actor=HR)

    after = services.audit.verify()
    assert after.intact and after.checked == services.app.last_position()
    assert after.checked > before.checked


# -- tampering with the SQLite file -------------------------------------------------------

SqliteTamper = Callable[[sqlite3.Connection, int], None]


def sqlite_alter(db: sqlite3.Connection, _: int) -> None:
    state = db.execute("SELECT state FROM stored_events WHERE rowid = 5").fetchone()[0]
    db.execute(
        "UPDATE stored_events SET state = ? WHERE rowid = 5",
        (bytes(state).replace(b"Engineering", b"Marketing!!"),),
    )


def sqlite_alter_hash(db: sqlite3.Connection, _: int) -> None:
    db.execute("UPDATE stored_events SET chain_hash = zeroblob(32) WHERE rowid = 5")


def sqlite_remove(db: sqlite3.Connection, _: int) -> None:
    db.execute("DELETE FROM stored_events WHERE rowid = 5")


def sqlite_reorder(db: sqlite3.Connection, _: int) -> None:
    db.execute("UPDATE stored_events SET rowid = -1 WHERE rowid = 5")
    db.execute("UPDATE stored_events SET rowid = 5 WHERE rowid = 6")
    db.execute("UPDATE stored_events SET rowid = 6 WHERE rowid = -1")


def sqlite_truncate(db: sqlite3.Connection, last: int) -> None:
    db.execute("DELETE FROM stored_events WHERE rowid = ?", (last,))


@pytest.mark.parametrize(
    ("tamper", "kind", "position"),
    [
        (sqlite_alter, "altered", 5),
        (sqlite_alter_hash, "altered", 5),
        (sqlite_remove, "removed", 5),
        (sqlite_reorder, "reordered", 5),
        (sqlite_truncate, "truncated", None),
    ],
    ids=["alter", "alter-hash", "remove", "reorder", "truncate"],
)
def test_tampering_with_the_sqlite_file_is_caught_at_its_position(
    sqlite_settings: Settings, tamper: SqliteTamper, kind: str, position: int | None
) -> None:
    last = arrange(sqlite_settings)
    with closing(sqlite3.connect(sqlite_settings.sqlite_path)) as db, db:
        tamper(db, last)

    report = verify(sqlite_settings)

    assert report.first_break is not None
    assert (report.first_break.kind, report.first_break.position) == (kind, position or last)
    assert report.checked == (position or last) - 1


def test_skillpath_verify_names_the_position_and_exits_non_zero(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    arrange(sqlite_settings)
    monkeypatch.setenv("SKILLPATH_PERSISTENCE", "sqlite")
    monkeypatch.setenv("SKILLPATH_SQLITE_PATH", sqlite_settings.sqlite_path)
    assert main(["verify"]) == 0
    assert "intact" in capsys.readouterr().out
    with closing(sqlite3.connect(sqlite_settings.sqlite_path)) as db, db:
        sqlite_alter(db, 0)

    code = main(["verify"])

    out = capsys.readouterr().out
    assert code == 3
    assert "tampered with at position 5" in out and "altered" in out


# -- tampering with the PostgreSQL table -----------------------------------------------------

PgTamper = Callable[[psycopg.Connection[Any], str, int], None]


def pg_alter(db: psycopg.Connection[Any], table: str, _: int) -> None:
    db.execute(
        f"UPDATE {table} SET state = replace(convert_from(state, 'UTF8'), 'Engineering',"
        " 'Marketing!!')::bytea WHERE notification_id = 5"
    )


def pg_remove(db: psycopg.Connection[Any], table: str, _: int) -> None:
    db.execute(f"DELETE FROM {table} WHERE notification_id = 5")


def pg_reorder(db: psycopg.Connection[Any], table: str, _: int) -> None:
    db.execute(f"UPDATE {table} SET notification_id = -1 WHERE notification_id = 5")
    db.execute(f"UPDATE {table} SET notification_id = 5 WHERE notification_id = 6")
    db.execute(f"UPDATE {table} SET notification_id = 6 WHERE notification_id = -1")


def pg_truncate(db: psycopg.Connection[Any], table: str, last: int) -> None:
    db.execute(f"DELETE FROM {table} WHERE notification_id = %s", (last,))


def pg_alter_version(db: psycopg.Connection[Any], table: str, _: int) -> None:
    db.execute(
        f"UPDATE {table} SET originator_version = originator_version + 100"
        " WHERE notification_id = 5"
    )


@pytest.fixture
def pg_admin(postgres_settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    pg = postgres_settings.postgres
    with psycopg.connect(
        host=pg.host, port=pg.port, dbname=pg.dbname, user=pg.user, password=pg.password,
        autocommit=True,
    ) as connection:  # fmt: skip
        yield connection


@pytest.mark.parametrize(
    ("tamper", "kind", "position"),
    [
        (pg_alter, "altered", 5),
        (pg_alter_version, "altered", 5),
        (pg_remove, "removed", 5),
        (pg_reorder, "reordered", 5),
        (pg_truncate, "truncated", None),
    ],
    ids=["alter", "alter-version", "remove", "reorder", "truncate"],
)
def test_tampering_with_the_postgres_table_is_caught_at_its_position(
    postgres_settings: Settings,
    pg_admin: psycopg.Connection[Any],
    tamper: PgTamper,
    kind: str,
    position: int | None,
) -> None:
    last = arrange(postgres_settings)
    tamper(pg_admin, f'"{postgres_settings.postgres.schema}".{PG_TABLE}', last)

    report = verify(postgres_settings)

    assert report.first_break is not None
    assert (report.first_break.kind, report.first_break.position) == (kind, position or last)


# -- several writers -----------------------------------------------------------------------


def hire_many(app: Skillpath, role_id: Any, worker: int, count: int) -> None:
    for n in range(count):
        app.hire_employee(
            name=f"Worker {worker} hire {n}", email=f"w{worker}-{n}@example.com",
            role_id=role_id, department="Ops", manager_id=None, location="Oslo",
            years_experience=1, hire_date=date(2024, 1, 1), actor=HR,
        )  # fmt: skip


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_concurrent_writers_on_one_database_keep_one_unbroken_chain(
    engine: str, request: pytest.FixtureRequest
) -> None:
    """Four application instances with their own connection pools, as four API workers."""
    settings: Settings = request.getfixturevalue(f"{engine}_settings")
    first = build_services(settings, start_projections=False)
    role_id = Organisation(first.app).role_id
    workers = [
        Skillpath(env=eventsourcing_env(settings), master_key=master_key_for(settings))
        for _ in range(4)
    ]
    threads = [
        threading.Thread(target=hire_many, args=(app, role_id, n, 15))
        for n, app in enumerate(workers)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        report = first.audit.verify()
        head = first.app.last_position()
    finally:
        for app in workers:
            app.close()
        first.close()

    assert report.intact, report.describe()
    assert report.checked == head >= 9 + 4 * 15 * 2


async def test_verify_integrity_over_the_api_names_the_altered_position(
    sqlite_settings: Settings,
) -> None:
    arrange(sqlite_settings)
    with closing(sqlite3.connect(sqlite_settings.sqlite_path)) as db, db:
        sqlite_alter(db, 0)
    services = build_services(sqlite_settings, start_projections=False)
    query = {"query": "{ verifyIntegrity { intact eventsChecked firstBreak { position kind } } }"}
    try:
        transport = httpx.ASGITransport(app=create_app(services.settings, services))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", headers=auth_headers(services, "auditor")
        ) as http:
            report = (await http.post("/graphql", json=query)).json()["data"]["verifyIntegrity"]
    finally:
        services.close()

    assert report == {
        "intact": False,
        "eventsChecked": 4,
        "firstBreak": {"position": 5, "kind": "altered"},
    }


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_a_log_written_before_the_chain_existed_is_chained_once_when_opened(
    engine: str, request: pytest.FixtureRequest
) -> None:
    settings: Settings = request.getfixturevalue(f"{engine}_settings")
    last = arrange(settings)
    if engine == "sqlite":
        with closing(sqlite3.connect(settings.sqlite_path)) as db, db:
            db.execute("ALTER TABLE stored_events DROP COLUMN chain_hash")
    else:
        pg = settings.postgres
        with psycopg.connect(host=pg.host, port=pg.port, dbname=pg.dbname, user=pg.user,
                             password=pg.password, autocommit=True) as db:  # fmt: skip
            db.execute(f'ALTER TABLE "{pg.schema}".{PG_TABLE} DROP COLUMN chain_hash')

    report = verify(settings)

    assert report.intact and report.checked == last
