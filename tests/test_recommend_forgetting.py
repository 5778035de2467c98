"""Models forget: withdrawal and erasure take a subject out of every model at once."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from app.aggregates import SYSTEM, Conflict
from app.recommend.forgetting import ERASED, NO_CONSENT, WITHDRAWN
from app.recommend.model import ARTEFACT
from app.recommend.registry import ModelMetadata, ModelRegistry
from app.recommend.retraining import RetrainingWorker
from app.recommend.serving import RecommenderService
from tests.bytes_support import found_in
from tests.recommend_org import Org, analysts_and_engineers, memory_services

GOAL = "breed prize-winning quokkas"


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    services = memory_services(tmp_path)
    try:
        yield analysts_and_engineers(services, people=6)
    finally:
        services.close()


def withdraw(org: Org, employee: UUID) -> None:
    org.app.withdraw_consent(employee, purpose="personalisation", actor=SYSTEM)


def served_subjects(recommender: RecommenderService) -> set[str]:
    served = recommender.served()
    assert served is not None
    return set(served.model.user_ids)


def peer_reasons(org: Org, learner: UUID) -> dict[str, list[str]]:
    """Module name -> the modules a "people in your role took" reason would name for it
    (the served model's peer explainer, which the ``history`` reason reads)."""
    recommender = org.services.recommender
    served = recommender.served()
    assert served is not None
    person = recommender.learner(learner)
    explainer = served.peers.explainer(person.employee.role_id, sorted(person.completed))
    found: dict[str, list[str]] = {}
    for name, module in org.modules.items():
        if str(module) in person.completed:
            continue
        related = explainer.taken_before(str(module))
        if related is not None:
            found[name] = [org.name_of(related)]
    return found


def test_a_withdrawal_takes_the_subject_out_of_the_served_model_at_once(org: Org) -> None:
    org.train()
    recommender = org.services.recommender
    leaving = next(UUID(u) for u in recommender.active.model.user_ids)  # type: ignore[union-attr]
    assert str(leaving) in served_subjects(recommender)

    withdraw(org, leaving)  # the read models have not caught up: this process knows

    served = recommender.served()
    assert served is not None and str(leaving) not in served.model.user_ids
    assert f"user:{leaving}" not in served.model.user_vocabulary.index
    assert len(served.model.user_ids) == served.model.taken.shape[0]
    # What is stored is untouched: the version on disk still holds them until retrained.
    assert str(leaving) in recommender.active.model.user_ids  # type: ignore[union-attr]


def test_a_withdrawn_subject_no_longer_counts_in_people_in_your_role_took_reasons(
    tmp_path: Path,
) -> None:
    services = memory_services(tmp_path)
    try:
        org = Org(services)
        org.role("analyst", {"sql": 3})
        org.catalogue()
        first, second, learner = (org.hire("analyst") for _ in range(3))
        for peer in (first, second):
            org.complete(peer, "sql-1")
            org.complete(peer, "communication-1")
        org.complete(learner, "sql-1")
        org.train()
        # Three analysts took sql-1 (the learner among them), two of them communication-1.
        assert peer_reasons(org, learner).get("communication-1") == ["sql-1"]

        withdraw(org, first)

        assert "communication-1" not in peer_reasons(org, learner)
    finally:
        services.close()


def test_another_process_drops_the_subject_once_its_read_models_show_the_withdrawal(
    org: Org,
) -> None:
    org.train()
    services = org.services
    worker = RecommenderService.build(services.app, services.gateway, services.settings)
    leaving = UUID(worker.active.model.user_ids[0])  # type: ignore[union-attr]
    assert str(leaving) in served_subjects(worker)

    withdraw(org, leaving)
    org.settle()

    assert str(leaving) not in served_subjects(worker)
    assert worker.forgetting_due() == "withdrawal"


def test_without_a_model_a_withdrawn_subject_stops_counting_in_popularity(
    tmp_path: Path,
) -> None:
    services = memory_services(tmp_path)
    try:
        org = Org(services)
        org.role("analyst", {"sql": 3})
        org.module("joins", {"sql": 2})
        org.module("joins, again", {"sql": 2})
        fans = [org.hire("analyst") for _ in range(3)]
        for fan in fans:
            org.complete(fan, "joins")
        newcomer = org.hire("analyst")
        org.settle()
        recommender = services.recommender

        def scores() -> dict[str, float]:
            ranked = recommender.rank_for(recommender.learner(newcomer), 10)
            return {org.name_of(i.module_id): i.score for i in ranked.items}

        assert scores()["joins"] > scores()["joins, again"]

        for fan in fans:
            withdraw(org, fan)

        assert scores()["joins"] == scores()["joins, again"]
    finally:
        services.close()


def test_an_erasure_rebuilds_the_current_version_and_removes_older_ones_holding_them(
    org: Org,
) -> None:
    subject = org.hire("analyst")
    org.app.update_profile(subject, media_types=["video"], weekly_minutes=60, goals=[GOAL],
                           language="en", actor=SYSTEM)  # fmt: skip
    org.complete(subject, "sql-2")
    older = org.train()
    current = org.train()
    recommender = org.services.recommender
    registry = recommender.registry
    assert all(str(subject) in registry.subjects(m) for m in (older, current))
    assert found_in((registry.root / current.version / ARTEFACT).read_bytes(), [GOAL])

    org.app.request_erasure(subject, actor=SYSTEM)

    versions = {m.version: m for m in registry.versions()}
    assert older.version not in versions and current.version not in versions
    (rebuilt,) = versions.values()
    assert registry.current_version() == rebuilt.version
    assert rebuilt.extra["rebuilt_from"] == current.version
    assert (rebuilt.users, rebuilt.subjects_excluded) == (current.users - 1, 1)
    assert rebuilt.exclusions == {ERASED: 1}
    assert rebuilt.interactions == current.interactions - 1
    assert str(subject) not in registry.subjects(rebuilt)
    assert found_in((registry.root / rebuilt.version / ARTEFACT).read_bytes(), [GOAL]) == []
    served = recommender.served()
    assert served is not None and served.metadata.version == rebuilt.version
    assert [p.name for p in registry.root.iterdir() if p.name.startswith(".")] == []


def test_a_training_worker_prunes_versions_holding_someone_erased_in_another_process(
    org: Org, tmp_path: Path
) -> None:
    subject = org.hire("engineer")
    org.complete(subject, "python-1")
    org.train()
    services = org.services
    # The erasing process could not reach the model directory (it has a directory of its
    # own); the training worker, which shares the real one, learns from the read models.
    apart = dataclasses.replace(services.settings, model_dir=str(tmp_path / "elsewhere"))
    elsewhere = RecommenderService.build(services.app, services.gateway, apart)
    services.app.erased.remove(services.recommender.subject_erased)
    services.app.erased.append(elsewhere.subject_erased)
    org.app.request_erasure(subject, actor=SYSTEM)
    org.settle()
    registry = services.recommender.registry
    assert any(str(subject) in registry.subjects(m) for m in registry.versions())

    worker = RetrainingWorker(
        services.recommender, lambda: services.runner.position, min_interactions=0,
        check_seconds=3600,
    )  # fmt: skip
    retrained = worker.run_once(full=False)

    assert retrained is not None and retrained.trigger == "erasure"
    assert [m.version for m in registry.versions()] == [retrained.version]
    assert str(subject) not in registry.subjects(retrained)


def test_activating_a_version_holding_a_withdrawn_subject_is_refused_with_the_reason(
    org: Org,
) -> None:
    holding = org.train()
    recommender = org.services.recommender
    leaving = UUID(recommender.active.model.user_ids[0])  # type: ignore[union-attr]
    withdraw(org, leaving)
    without = org.train()

    with pytest.raises(Conflict) as refused:
        recommender.activate(holding.version)

    assert refused.value.field == "version"
    assert "1 withdrawn subject" in refused.value.message
    assert str(leaving) not in refused.value.message
    assert recommender.registry.current_version() == without.version
    assert recommender.active is not None
    assert recommender.active.metadata.version == without.version


def test_a_retrain_without_the_subject_starts_in_the_background_at_once(org: Org) -> None:
    org.train()
    recommender = org.services.recommender
    worker = RetrainingWorker(
        recommender, lambda: org.services.runner.position, min_interactions=0,
        check_seconds=3600,  # only the withdrawal can make it train within the test
    )  # fmt: skip
    leaving = UUID(recommender.active.model.user_ids[0])  # type: ignore[union-attr]
    worker.start()
    try:
        withdraw(org, leaving)
        org.settle()
        deadline = time.monotonic() + 60
        while not worker.trained:
            assert worker.last_error is None, worker.last_error
            assert time.monotonic() < deadline, "no retrain started after the withdrawal"
            time.sleep(0.02)
    finally:
        worker.stop()
    (retrained,) = worker.trained
    assert retrained.trigger == "withdrawal"
    assert str(leaving) not in recommender.registry.subjects(retrained)
    assert retrained.exclusions == {WITHDRAWN: 1}


def test_model_metadata_counts_the_excluded_subjects_by_reason(org: Org) -> None:
    org.hire("analyst", consent=False)
    withdrew = org.hire("analyst")
    erased = org.hire("engineer")
    withdraw(org, withdrew)
    org.app.request_erasure(erased, actor=SYSTEM)

    metadata = org.train()

    assert metadata.exclusions == {NO_CONSENT: 1, WITHDRAWN: 1, ERASED: 1}
    assert metadata.subjects_excluded == 3
    stored = json.loads((org.services.recommender.registry.root / metadata.version
                         / "metadata.json").read_text())  # fmt: skip
    assert stored["exclusions"] == metadata.exclusions


def test_metadata_written_before_exclusions_were_counted_still_loads(tmp_path: Path) -> None:
    services = memory_services(tmp_path)
    try:
        org = analysts_and_engineers(services, people=3)
        metadata = org.train()
    finally:
        services.close()
    path = ModelRegistry(tmp_path / "models").root / metadata.version / "metadata.json"
    old = json.loads(path.read_text())
    del old["exclusions"]
    path.write_text(json.dumps(old))

    loaded = ModelRegistry(tmp_path / "models").metadata(metadata.version)

    assert loaded.exclusions == {} and loaded.version == metadata.version
    assert ModelMetadata.from_json(path.read_text()).subjects_excluded == 0
