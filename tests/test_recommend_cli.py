"""The recommender's commands: skillpath train, models list|activate, fairness."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from app.aggregates import SYSTEM
from app.bootstrap import build_services
from app.cli import main
from app.settings import Settings
from tests.recommend_org import analysts_and_engineers


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small organisation in a SQLite file that the commands are pointed at."""
    path = tmp_path / "skillpath.sqlite3"
    models = tmp_path / "models"
    for name, value in {
        "SKILLPATH_PERSISTENCE": "sqlite",
        "SKILLPATH_SQLITE_PATH": str(path),
        "SKILLPATH_MODEL_DIR": str(models),
    }.items():
        monkeypatch.setenv(name, value)
    services = build_services(Settings.from_env(), start_projections=False)
    try:
        analysts_and_engineers(services, people=6)
    finally:
        services.close()
    return models


def test_train_then_list_and_roll_back_from_the_command_line(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--epochs", "2", "--components", "4"]) == 0
    assert main(["train", "--epochs", "2", "--components", "4"]) == 0
    capsys.readouterr()
    assert main(["models", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 2
    assert listed[1].startswith("*") and not listed[0].startswith("*")
    older = listed[0].split()[0]
    assert main(["models", "activate", older]) == 0
    assert (database / "CURRENT").read_text().strip() == older
    assert main(["models", "activate", "20990101T000000-abcdef"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_fairness_from_the_command_line_names_the_model_version(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--epochs", "2", "--components", "4"]) == 0
    capsys.readouterr()
    assert main(["fairness"]) == 0
    out = capsys.readouterr().out
    version = (database / "CURRENT").read_text().strip()
    assert f"model {version}" in out
    assert "0 people with fairness_audit consent" in out
    assert main(["fairness", "--model-version", "20990101T000000-abcdef"]) == 1


def test_activating_a_version_holding_a_withdrawn_subject_exits_non_zero_with_the_reason(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--epochs", "2", "--components", "4"]) == 0
    holding = (database / "CURRENT").read_text().strip()
    services = build_services(Settings.from_env(), start_projections=False)
    try:
        assert services.recommender.active is not None
        leaving = UUID(services.recommender.active.model.user_ids[0])
        services.app.withdraw_consent(leaving, purpose="personalisation", actor=SYSTEM)
    finally:
        services.close()
    assert main(["train", "--epochs", "2", "--components", "4"]) == 0
    retrained = (database / "CURRENT").read_text().strip()
    capsys.readouterr()

    assert main(["models", "activate", holding]) == 1

    error = capsys.readouterr().err
    assert "refused" in error and "1 withdrawn subject" in error
    assert (database / "CURRENT").read_text().strip() == retrained
