"""The recommender's commands: skillpath train, models list|activate, fairness."""

from __future__ import annotations

import json
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
        "SKILLPATH_MODEL_TOLERANCE": "1",  # the gate has its own test below
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


def test_a_version_worse_on_validation_is_refused_kept_and_listed_with_the_reason(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train"]) == 0
    current = (database / "CURRENT").read_text().strip()
    # Given a current version that did very well on its validation split:
    stored = database / current / "metadata.json"
    metadata = json.loads(stored.read_text())
    metadata["metrics"]["validation_ndcg_at_10"] = 0.999
    stored.write_text(json.dumps(metadata))
    capsys.readouterr()
    assert main(["train", "--epochs", "1", "--components", "1", "--tolerance", "0.01"]) == 3
    err = capsys.readouterr().err
    assert "refused, kept but not current: validation NDCG@10" in err
    assert f"below the current version {current}'s 0.9990 minus the tolerance 0.01" in err
    assert (database / "CURRENT").read_text().strip() == current
    assert main(["models", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 2 and "REFUSED: validation NDCG@10" in listed[1]
    assert "chosen on validation:" in listed[0]
    refused = listed[1].split()[0]
    assert main(["models", "activate", refused]) == 1
    assert "was refused at training" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "field"),
    [(["--epochs", "0"], "--epochs"), (["--components", "9999"], "--components"),
     (["--tolerance", "1.5"], "--tolerance"), (["--tolerance", "-0.1"], "--tolerance")],
)  # fmt: skip
def test_out_of_range_training_arguments_are_refused_naming_the_argument(
    database: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], field: str
) -> None:
    assert main(["train", *arguments]) == 2
    assert f"skillpath train: {field}: must be between" in capsys.readouterr().err
    assert not (database / "CURRENT").exists()


def test_fairness_from_the_command_line_follows_the_mitigation_setting(
    database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["train", "--epochs", "2", "--components", "4"]) == 0
    capsys.readouterr()
    assert main(["fairness"]) == 0
    assert "mitigation off (none)" in capsys.readouterr().out
    monkeypatch.setenv("SKILLPATH_FAIRNESS_MITIGATION", "true")
    assert main(["fairness"]) == 0
    assert "mitigation on (topic_exposure)" in capsys.readouterr().out
    assert main(["fairness", "--unmitigated"]) == 0
    assert "mitigation off (none)" in capsys.readouterr().out
