"""The ``skillpath`` command: replay and export-schema on a small SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bootstrap import build_services
from app.cli import main
from app.projections.replay import read_model_digest
from app.schema import build_schema
from app.settings import Settings
from tests.domain_support import LEARNER, Organisation


def test_replay_rebuilds_identical_read_models_and_exits_0(
    sqlite_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    services = build_services(sqlite_settings, start_projections=False)
    org = Organisation(services.app)
    services.app.record_quiz_attempt(org.enrollment_id, score=70, actor=LEARNER)
    services.app.complete_enrollment(org.enrollment_id, actor=LEARNER)
    services.runner.catch_up()
    events = services.app.last_position()
    built = read_model_digest(services.runner)
    services.close()
    monkeypatch.setenv("SKILLPATH_PERSISTENCE", "sqlite")
    monkeypatch.setenv("SKILLPATH_SQLITE_PATH", sqlite_settings.sqlite_path)

    assert main(["replay"]) == 0

    out, err = capsys.readouterr()
    assert f"from {events} events" in out
    assert "identical to the read models before the replay" in out
    assert "replaying" in err  # the progress bar
    reopened = build_services(sqlite_settings, start_projections=False)
    try:
        assert read_model_digest(reopened.runner) == built
        assert set(reopened.runner.positions().values()) == {events}
    finally:
        reopened.close()


def test_export_schema_writes_the_sdl_to_the_given_path(tmp_path: Path) -> None:
    target = tmp_path / "exported.graphql"

    assert main(["export-schema", str(target)]) == 0

    sdl = target.read_text()
    assert sdl == build_schema().as_str() + "\n"
    # Described arguments put the field over several lines: the parts are what matters.
    field = sdl[sdl.index("  hireEmployee(") :]
    field = field[: field.index("Result!") + len("Result!")]
    assert "input: HireEmployeeInput!" in field and field.endswith("HireEmployeeResult!")


def test_migrate_creates_the_tables_of_an_empty_database_and_exits_0(
    sqlite_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SKILLPATH_PERSISTENCE", "sqlite")
    monkeypatch.setenv("SKILLPATH_SQLITE_PATH", sqlite_settings.sqlite_path)

    assert main(["migrate"]) == 0

    assert "read models ready (last event position 0)" in capsys.readouterr().out
    assert Path(sqlite_settings.sqlite_path).exists()
    reopened = build_services(sqlite_settings, start_projections=False)
    try:
        assert set(reopened.runner.positions().values()) == {0}
    finally:
        reopened.close()
