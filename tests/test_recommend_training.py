"""Training from the read models, model versions on disk, and background retraining."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.aggregates import SYSTEM, ValidationFailed
from app.recommend.dataset import interaction_weight
from app.recommend.model import ARTEFACT, FitParameters, ModelFileError
from app.recommend.registry import ModelRegistry, UnknownModelVersion
from app.recommend.retraining import RetrainingWorker
from app.recommend.serving import RecommenderService
from app.recommend.training import collect_training_data
from tests.recommend_org import TINY, Org, analysts_and_engineers, memory_services


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    services = memory_services(tmp_path)
    try:
        yield analysts_and_engineers(services)
    finally:
        services.close()


def test_completed_outweighs_progressed_outweighs_enrolled() -> None:
    completed = interaction_weight("completed", 100, None, None, 0)
    progressed = interaction_weight("active", 60, None, None, 0)
    enrolled = interaction_weight("active", 0, None, None, 0)
    assert completed > progressed > enrolled > 0


def test_early_drops_low_ratings_and_age_weaken_the_signal() -> None:
    enrolled = interaction_weight("active", 0, None, None, 0)
    assert 0 < interaction_weight("dropped", 10, 10, None, 0) < enrolled
    assert interaction_weight("completed", 100, None, 1, 0) < interaction_weight(
        "completed", 100, None, 5, 0
    )
    assert interaction_weight("completed", 100, None, None, 180) == pytest.approx(0.5)


def test_employees_without_personalisation_consent_are_left_out_of_training(org: Org) -> None:
    opted_out = org.hire("engineer", consent=False)
    org.complete(opted_out, "python-2")
    org.settle()
    services = org.services
    data = collect_training_data(services.recommender.sources, _now())
    assert str(opted_out) not in data.user_ids
    assert data.subjects_excluded == 1
    metadata = org.train()
    assert metadata.subjects_excluded == 1
    assert metadata.consent_snapshot["subjects_allowing"] == len(data.user_ids)


def test_a_version_records_what_it_was_trained_on(org: Org) -> None:
    metadata = org.train()
    services = org.services
    assert metadata.trained_to_position == services.runner.position
    assert metadata.interactions == 72
    assert len(metadata.data_hash) == len(metadata.parameters_hash) == 64
    assert services.recommender.active is not None
    assert services.recommender.active.metadata.version == metadata.version
    again = org.train()
    assert again.data_hash == metadata.data_hash
    assert again.version != metadata.version


def test_activating_an_older_version_rolls_back(org: Org) -> None:
    first = org.train()
    second = org.train()
    recommender = org.services.recommender
    assert recommender.active is not None and recommender.active.metadata.version == second.version
    recommender.activate(first.version)
    assert recommender.active.metadata.version == first.version
    assert ModelRegistry(recommender.registry.root).current_version() == first.version
    with pytest.raises(UnknownModelVersion):
        recommender.activate("20990101T000000-abcdef")


def test_a_corrupt_model_file_is_refused_and_the_previous_version_stays(org: Org) -> None:
    first = org.train()
    second = org.train()
    recommender = org.services.recommender
    recommender.activate(first.version)
    artefact = recommender.registry.root / second.version / ARTEFACT
    artefact.write_bytes(artefact.read_bytes()[:-100] + b"\0" * 100)
    with pytest.raises(ModelFileError, match="corrupt"):
        recommender.activate(second.version)
    assert recommender.active is not None and recommender.active.metadata.version == first.version
    # A pointer moved behind the server's back is refused the same way.
    (recommender.registry.root / "CURRENT").write_text(second.version)
    recommender.load_current()
    assert recommender.active.metadata.version == first.version
    assert recommender.load_error is not None and "corrupt" in recommender.load_error


def test_a_new_hire_without_history_is_served_their_roles_skills_first(org: Org) -> None:
    org.train()
    newcomer = org.hire("engineer")
    org.settle()
    served = org.services.recommender.recommend(newcomer, first=10, goal=None, actor=SYSTEM)
    by_id = {m.module_id: m for m in org.services.recommender.features.modules()}
    main_skills = [next(iter(by_id[i.module_id].skills)) for i in served.ranking.items]
    assert served.ranking.basis == "personalised"
    # The role's skills lead (diversity lets at most three of each into the list).
    assert set(main_skills[:3]) <= {"python", "testing"}, main_skills
    assert sum(s in {"python", "testing"} for s in main_skills[:6]) >= 5, main_skills


def test_a_module_published_after_training_is_scored_from_its_content(org: Org) -> None:
    org.train()
    org.module("pytest in depth", {"testing": 4}, difficulty=2)
    engineer = org.hire("engineer")
    for name in ("testing-1", "testing-2", "testing-3"):  # leave room under the diversity cap
        org.complete(engineer, name)
    org.settle()
    served = org.services.recommender.recommend(engineer, first=30, goal=None, actor=SYSTEM)
    shown = [org.name_of(i.module_id) for i in served.ranking.items]
    assert "pytest in depth" in shown[:5], shown
    unrelated = [shown.index(n) for n in shown if n.split("-")[0] in ("communication",
                                                                       "leadership")]  # fmt: skip
    assert unrelated and shown.index("pytest in depth") < min(unrelated)


def test_retraining_runs_after_an_erasure_and_after_enough_new_interactions(org: Org) -> None:
    org.train()
    recommender = org.services.recommender
    worker = RetrainingWorker(
        recommender, lambda: org.services.runner.position, min_interactions=5, check_seconds=1
    )
    assert worker.run_once() is None
    erased = org.hire("analyst")
    recommender.subject_erased(erased)
    after_erasure = worker.run_once()
    assert after_erasure is not None
    assert (after_erasure.trigger, after_erasure.erasures_since_previous) == ("erasure", 1)
    assert worker.run_once() is None
    employee = org.hire("analyst")
    for name in ["sql-1", "sql-2", "sql-3", "sql-4", "leadership-1"]:
        org.complete(employee, name)
    org.settle()
    after_learning = worker.run_once()
    assert after_learning is not None and after_learning.trigger == "new_interactions"
    assert recommender.active is not None
    assert recommender.active.metadata.version == after_learning.version


def test_the_retraining_thread_stops_when_asked(org: Org) -> None:
    worker = RetrainingWorker(
        org.services.recommender, lambda: 0, min_interactions=0, check_seconds=0.01
    )
    worker.start()
    assert worker.running
    worker.stop()
    assert not worker.running
    assert worker.trained == []


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_erasing_an_employee_makes_the_next_version_leave_them_out(org: Org) -> None:
    org.train()
    leaving = org.hire("engineer")
    org.complete(leaving, "python-1")
    org.settle()
    recommender = org.services.recommender
    assert str(leaving) in collect_training_data(recommender.sources, _now()).user_ids
    org.app.request_erasure(leaving, actor=SYSTEM)
    org.settle()
    assert recommender.retraining_due(min_interactions=0) == "erasure"
    retrained = org.train()
    assert (retrained.trigger, retrained.erasures_since_previous) == ("manual", 1)
    assert recommender.active is not None
    assert str(leaving) not in recommender.active.model.user_ids


def test_large_organisations_get_fewer_epochs_but_never_too_few() -> None:
    params = FitParameters(epochs=20, max_updates=1_000_000, min_epochs=5)
    assert params.epochs_for(10_000) == 20
    assert params.epochs_for(100_000) == 10
    assert params.epochs_for(5_000_000) == 5
    assert FitParameters(epochs=2).epochs_for(5_000_000) == 2


def test_a_training_worker_in_another_process_sees_erasures_in_the_read_models(
    org: Org,
) -> None:
    org.train()
    services = org.services
    worker = RecommenderService.build(services.app, services.gateway, services.settings)
    assert worker.retraining_due(min_interactions=0) is None
    erased = org.hire("analyst")
    org.settle()
    org.app.request_erasure(erased, actor=SYSTEM)
    org.settle()
    assert worker.retraining_due(min_interactions=0) == "erasure"
    retrained = worker.train(services.runner.position, params=TINY)
    assert retrained.erasures_since_previous == 1
    assert worker.retraining_due(min_interactions=0) is None


def test_epochs_and_components_are_chosen_on_a_time_split_of_the_training_data(org: Org) -> None:
    params = FitParameters(epochs=30, threads=1)
    metadata = org.train(params)
    choices = metadata.extra["choices"]
    curve = {(c, e): ndcg for c, e, ndcg in choices["curve"]}
    assert {c for c, _ in curve} == {16, 32, 64}
    assert {e for _, e in curve} == {5, 10, 20, 30}
    best = max(curve.values())
    assert curve[(choices["components"], choices["epochs"])] == best
    assert (metadata.parameters["components"], metadata.parameters["epochs"]) == (
        choices["components"], choices["epochs"])  # fmt: skip
    assert metadata.metrics["validation_ndcg_at_10"] >= metadata.metrics[
        "validation_model_only_ndcg_at_10"] - 1e-9  # fmt: skip
    assert metadata.metrics["validation_users"] > 0


def test_a_retrain_that_forgets_someone_becomes_current_whatever_the_gate_says(
    org: Org,
) -> None:
    first = org.train()
    recommender = org.services.recommender
    stored = Path(org.services.settings.model_dir) / first.version / "metadata.json"
    metadata = json.loads(stored.read_text())
    metadata["metrics"]["validation_ndcg_at_10"] = 0.999
    stored.write_text(json.dumps(metadata))
    refused = recommender.train(org.services.runner.position, params=TINY, tolerance=0.0)
    assert refused.refused_reason and recommender.active is not None
    assert recommender.active.metadata.version == first.version
    forgetting = recommender.train(
        org.services.runner.position, params=TINY, tolerance=0.0, trigger="withdrawal"
    )
    assert forgetting.refused_reason is None
    assert recommender.active.metadata.version == forgetting.version


def test_a_tolerance_or_schedule_out_of_range_is_refused_naming_the_field(org: Org) -> None:
    recommender = org.services.recommender
    position = org.services.runner.position
    for params, tolerance, field in [
        (FitParameters(epochs=0), 0.02, "epochs"),
        (FitParameters(epochs=501), 0.02, "epochs"),
        (FitParameters(components=0), 0.02, "components"),
        (TINY, 1.01, "tolerance"),
        (TINY, -0.5, "tolerance"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            recommender.train(position, params=params, tolerance=tolerance)
        assert refused.value.field == field
    assert recommender.registry.versions() == []
