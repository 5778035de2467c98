"""Batched projections: a replay in large batches writes exactly the read models a replay of
one event at a time writes, and a batch that fails is still reported at its event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from app.aggregates import Actor, Employee
from app.bootstrap import Services, build_services
from app.persistence import Transaction
from app.projections import KpiProjection
from app.projections.batching import BatchTransaction, Fold, tables_of
from app.projections.engine import Projection, ProjectionRunner, handles
from app.projections.replay import read_model_digest
from app.seed import DemoSpec, seed_demo
from app.settings import Settings
from tests.conftest import fresh_postgres_schema
from tests.domain_support import Organisation

SPEC = DemoSpec(employees=25, modules=15, seed=11, months=3)
ADMIN = Actor(id="test", role="admin")


def _services(engine: str, tmp_path: Any) -> Iterator[Services]:
    if engine == "postgres":
        with fresh_postgres_schema() as settings:
            services = build_services(settings, start_projections=False)
            try:
                yield services
            finally:
                services.close()
        return
    settings = Settings(
        persistence="sqlite", sqlite_path=str(tmp_path / "batches.sqlite3"), seed_if_empty=False
    )
    services = build_services(settings, start_projections=False)
    try:
        yield services
    finally:
        services.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Services]:
    for services in _services(request.param, tmp_path):
        seed_demo(services.app, SPEC)
        services.runner.catch_up()
        yield services


def _rebuild(services: Services, *, batch_size: int, batched: bool) -> dict[str, list[str]]:
    """Drop every read model, replay the whole log, and return every table's rows."""
    runner = ProjectionRunner(
        services.app, services.gateway, services.runner.projections,
        batch_size=batch_size, batched=batched,
    )  # fmt: skip
    with runner.quiet():
        runner.drop_tables()
        runner.create_tables()
        runner.catch_up()
    assert runner.failures() == []
    tables: dict[str, list[str]] = {}
    with services.gateway.transaction(write=False) as tx:
        for projection in runner.projections:
            for table in projection.tables:
                rows = tx.rows(f"SELECT * FROM {{{table}}}")
                tables[table] = sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)
        tables["projection_positions"] = sorted(
            json.dumps(r, sort_keys=True) for r in tx.rows("SELECT * FROM {projection_positions}")
        )
    return tables


def test_large_batches_write_the_same_rows_as_one_event_at_a_time(seeded: Services) -> None:
    one_by_one = _rebuild(seeded, batch_size=1, batched=False)
    batched = _rebuild(seeded, batch_size=5000, batched=True)
    assert sum(len(rows) for rows in one_by_one.values()) > 1000  # a real organisation
    assert sorted(batched) == sorted(one_by_one)
    for table, rows in one_by_one.items():
        assert batched[table] == rows, f"{table} differs after a batched replay"
    # And a batch of one through the batching transaction gives the same again.
    assert _rebuild(seeded, batch_size=1, batched=True) == one_by_one


def test_batched_replay_reports_read_models_identical(seeded: Services) -> None:
    before = read_model_digest(seeded.runner)
    _rebuild(seeded, batch_size=5000, batched=True)
    assert read_model_digest(seeded.runner) == before


class _Counting(Transaction):
    """A plain transaction that counts the statements it sends."""

    sent = 0

    def execute(self, sql: str, params: Any = ()) -> None:
        self.sent += 1
        super().execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> None:
        self.sent += 1
        super().executemany(sql, rows)


def test_kpi_facts_of_a_batch_are_sent_in_far_fewer_statements(seeded: Services) -> None:
    """The hot KPI writes (activity, history buckets, members) are folded per key."""
    kpis = next(p for p in seeded.runner.projections if isinstance(p, KpiProjection))
    notifications = seeded.app.recorder.select_notifications(start=1, limit=100_000)
    events = [(n.id, seeded.app.mapper.to_domain_event(n)) for n in notifications]
    events = [(position, e) for position, e in events if kpis.handles_event(e)]
    sent: dict[bool, int] = {}
    for batched in (False, True):
        with seeded.gateway.transaction(write=True) as plain:
            for table in kpis.tables:
                plain.execute(f"DELETE FROM {{{table}}}")
            counting = _Counting(plain._gateway, plain._cursor)
            if batched:
                tx = BatchTransaction(counting)
                kpis.apply_batch(events, tx)
                tx.flush()
                sent[batched] = tx.sent
            else:
                for _, event in events:
                    kpis.apply(event, counting)
                sent[batched] = counting.sent
    assert sent[True] * 3 < sent[False], sent


def test_a_batch_reads_the_current_attempts_of_its_enrolments_in_one_query(
    seeded: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Progress, completion and feedback find their enrolment's attempt without a lookup
    per event (each of which would also send the table's held-back writes first)."""
    kpis = next(p for p in seeded.runner.projections if isinstance(p, KpiProjection))
    notifications = seeded.app.recorder.select_notifications(start=1, limit=100_000)
    events = [(n.id, seeded.app.mapper.to_domain_event(n)) for n in notifications]
    events = [(position, e) for position, e in events if kpis.handles_event(e)]
    half = len(events) // 2
    with seeded.gateway.transaction(write=True) as plain:
        for table in kpis.tables:
            plain.execute(f"DELETE FROM {{{table}}}")
        first = BatchTransaction(plain)
        kpis.apply_batch(events[:half], first)
        first.flush()
    reads: list[str] = []
    real_row = BatchTransaction.row

    def row(self: BatchTransaction, sql: str, params: Any = ()) -> Any:
        reads.append(sql)
        return real_row(self, sql, params)

    monkeypatch.setattr(BatchTransaction, "row", row)
    with seeded.gateway.transaction(write=True) as plain:
        second = BatchTransaction(plain)  # enrolments begun in the first batch go on here
        kpis.apply_batch(events[half:], second)
        second.flush()
    assert not [sql for sql in reads if "{kpi_attempts}" in sql]
    assert reads, "the batch still reads other lookups one by one"


class _Hires(Projection):
    """A projection written one event at a time, as other read models may be; the hire
    numbered ``fail_at`` repeats the number of the hire before it, which the table refuses."""

    name = "test_hires"
    tables = ("test_hires",)
    ddl = ("CREATE TABLE IF NOT EXISTS {test_hires} (n INTEGER PRIMARY KEY)",)

    def __init__(self, numbers: dict[Any, int], fail_at: int) -> None:
        self.numbers, self.fail_at = numbers, fail_at

    @handles(Employee.Hired)
    def hired(self, e: Any, tx: Transaction) -> None:
        number = self.numbers[e.originator_id]
        # Held back by a batch transaction: the error comes when the batch is sent.
        tx.execute(
            "INSERT INTO {test_hires} (n) VALUES (%s)",
            (number - 1 if number == self.fail_at else number,),
        )


def test_a_held_back_write_that_fails_is_reported_at_its_event(tmp_path: Any) -> None:
    for services in _services("sqlite", tmp_path):
        org = Organisation(services.app)
        for number in range(4):
            org.hire(f"p{number}@example.com")
        hires = [
            (n.id, n.originator_id)
            for n in services.app.recorder.select_notifications(start=1, limit=1000)
            if n.topic.endswith("Hired")
        ]
        assert len(hires) == 6
        projection = _Hires({hired: k for k, (_, hired) in enumerate(hires)}, fail_at=3)
        runner = ProjectionRunner(services.app, services.gateway, [projection], batch_size=500)
        runner.catch_up()
        # The batch rolls back; applied again one event at a time, the event is named.
        assert runner.behind == {projection.name: hires[3][0]}
        failure = runner.failures()[0]
        assert (failure.name, failure.position) == (projection.name, hires[3][0])
        assert "IntegrityError" in failure.error
        with services.gateway.transaction(write=False) as tx:
            stored = [r["n"] for r in tx.rows("SELECT n FROM {test_hires} ORDER BY n")]
        # Everything before the failing event is stored, nothing after it.
        assert stored == [0, 1, 2]
        assert runner.positions()[projection.name] == hires[3][0] - 1


def test_a_read_sees_the_writes_held_back_before_it(tmp_path: Any) -> None:
    class Counter(Fold):
        tables = frozenset({"test_counts"})

        def __init__(self) -> None:
            self.n = 0

        def flush(self, tx: BatchTransaction) -> None:
            tx.execute("UPDATE {test_counts} SET n = n + %s", (self.n,))

    for services in _services("sqlite", tmp_path):
        with services.gateway.transaction(write=True) as plain:
            plain.execute("CREATE TABLE {test_counts} (n INTEGER NOT NULL)")
            plain.execute("CREATE TABLE {test_other} (n INTEGER NOT NULL)")
            tx = BatchTransaction(plain)
            tx.execute("INSERT INTO {test_counts} (n) VALUES (%s)", (1,))
            tx.fold("c", Counter).n += 4
            tx.execute("INSERT INTO {test_other} (n) VALUES (%s)", (7,))
            assert tx.sent == 0  # nothing sent yet
            assert tx.scalar("SELECT n FROM {test_counts}") == 5
            # A read of a table with nothing held back does not send the other writes.
            sent = tx.sent
            assert tx.scalar("SELECT COUNT(*) AS c FROM {test_counts}") == 1
            assert tx.sent == sent + 1
            assert tx.scalar("SELECT n FROM {test_other}") == 7
            tx.fold("c", Counter).n += 2
            # A write naming the fold's table sends the fold first: order is kept.
            tx.execute("UPDATE {test_counts} SET n = n * 10")
            tx.flush()
            assert plain.scalar("SELECT n FROM {test_counts}") == 70


def test_tables_of_a_statement_are_its_braced_names() -> None:
    assert tables_of("INSERT INTO {a} (x) SELECT y FROM {b} WHERE z = '{}'") == frozenset(
        {"a", "b"}
    )
