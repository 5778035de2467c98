"""Following the log with tracking: restarts resume exactly once, concurrent runners apply each
event once, and a replay from zero gives the same read models (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.bootstrap import Services, build_services
from app.projections.replay import read_model_digest, replay
from app.settings import Settings
from tests.domain_support import HR, LEARNER, Organisation


@pytest.fixture(params=["sqlite", "postgres"])
def engine_settings(request: pytest.FixtureRequest) -> Settings:
    settings: Settings = request.getfixturevalue(f"{request.param}_settings")
    return settings


@pytest.fixture
def open_services() -> Iterator[Callable[..., Services]]:
    """Opens services without a follower thread (a "process"); closes them all at the end."""
    opened: list[Services] = []

    def open_(settings: Settings, **changes: Any) -> Services:
        services = build_services(dataclasses.replace(settings, **changes), start_projections=False)
        opened.append(services)
        return services

    yield open_
    for services in opened:
        services.close()


def busy_history(org: Organisation, rounds: int) -> None:
    """Events whose handlers count (quiz attempts, role changes): a re-applied one shows."""
    for i in range(rounds):
        org.app.record_quiz_attempt(org.enrollment_id, score=i, actor=LEARNER)
        role = org.lead_role_id if i % 2 == 0 else org.role_id
        org.app.change_role(
            org.employee_id, role_id=role, department=None, manager_id=org.manager_id, actor=HR
        )


def counters(services: Services, org: Organisation) -> tuple[int, int]:
    enrollment = services.enrollments.get(str(org.enrollment_id))
    employee = services.directory.get(str(org.employee_id))
    assert enrollment is not None and employee is not None
    return enrollment.quiz_attempts, employee.role_changes


def test_a_restarted_runner_resumes_from_its_stored_position_without_reapplying(
    engine_settings: Settings, open_services: Callable[..., Services]
) -> None:
    first = open_services(engine_settings)
    org = Organisation(first.app)
    busy_history(org, rounds=3)
    first.runner.catch_up()
    head = first.app.last_position()
    first.close()

    restarted = open_services(engine_settings)
    assert restarted.runner.position == head
    assert set(restarted.runner.positions().values()) == {head}
    assert restarted.runner.catch_up() == 0
    restarted.app.record_quiz_attempt(org.enrollment_id, score=99, actor=LEARNER)

    assert restarted.runner.catch_up() == 1
    assert counters(restarted, org) == (4, 3)


def test_a_runner_stopped_halfway_resumes_where_it_stopped(
    engine_settings: Settings, open_services: Callable[..., Services]
) -> None:
    first = open_services(engine_settings, projection_batch_size=4)
    org = Organisation(first.app)
    busy_history(org, rounds=5)
    first.runner.process_batch()
    first.runner.process_batch()
    assert set(first.runner.positions().values()) == {8}
    first.close()

    restarted = open_services(engine_settings, projection_batch_size=4)
    read = restarted.runner.catch_up()

    assert read == restarted.app.last_position() - 8
    assert counters(restarted, org) == (5, 5)


def test_two_runners_on_one_postgres_database_apply_every_event_exactly_once(
    postgres_settings: Settings, open_services: Callable[..., Services]
) -> None:
    writer = open_services(postgres_settings)
    org = Organisation(writer.app)
    busy_history(org, rounds=20)
    runners = [open_services(postgres_settings, projection_batch_size=3).runner for _ in range(2)]
    start = threading.Barrier(len(runners))
    failures: list[BaseException] = []

    def follow(runner: Any) -> None:
        start.wait()
        try:
            runner.catch_up()
        except BaseException as error:  # reported below, with the other runner's outcome
            failures.append(error)

    threads = [threading.Thread(target=follow, args=(r,)) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert counters(writer, org) == (20, 20)
    assert set(writer.runner.positions().values()) == {writer.app.last_position()}


def test_replay_rebuilds_identical_read_models_from_zero(
    engine_settings: Settings, open_services: Callable[..., Services]
) -> None:
    services = open_services(engine_settings)
    org = Organisation(services.app)
    busy_history(org, rounds=3)
    services.app.grant_consent(
        org.employee_id, purpose="benefits", policy_version="v1", actor=LEARNER
    )
    services.runner.catch_up()
    built = read_model_digest(services.runner)
    events = [0]

    report = replay(services.runner, progress=lambda n: events.__setitem__(0, events[0] + n))

    assert report.identical
    assert report.events == services.app.last_position() == events[0]
    assert read_model_digest(services.runner) == built
    assert counters(services, org) == (3, 3)


def test_replay_repairs_a_read_model_that_drifted_from_the_log(
    engine_settings: Settings, open_services: Callable[..., Services]
) -> None:
    services = open_services(engine_settings)
    org = Organisation(services.app)
    services.runner.catch_up()
    built = read_model_digest(services.runner)
    with services.gateway.transaction(write=True) as tx:
        tx.execute("UPDATE {employees} SET name = 'Tampered' WHERE id = %s", (str(org.manager_id),))

    report = replay(services.runner)

    assert not report.identical
    assert report.digest_after == built
    manager = services.directory.get(str(org.manager_id))
    assert manager is not None and manager.name == "Grace Hopper"
