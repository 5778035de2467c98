"""Decisions can be checked: each served list records its inputs and a hash of them."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from eventsourcing.persistence import StoredEvent

from app.aggregates import SYSTEM, NotFound, RecommendationDecision
from app.bootstrap import Services, build_services
from app.cli import main
from app.main import create_app
from app.settings import Settings
from tests.conftest import auth_headers
from tests.recommend_org import Org, analysts_and_engineers, memory_services


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    services = memory_services(tmp_path)
    try:
        yield analysts_and_engineers(services, people=4)
    finally:
        services.close()


def issued(services: Services, decision_id: UUID) -> RecommendationDecision.RecommendationIssued:
    event = next(iter(services.app.events.get(decision_id)))
    assert isinstance(event, RecommendationDecision.RecommendationIssued)
    return event


def documented_hash(inputs: dict[str, Any]) -> str:
    """The recipe docs/trust.md gives auditors, written out independently of the code."""
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(b"skillpath decision inputs v1\n" + canonical.encode()).hexdigest()


def test_a_served_list_records_the_features_consent_and_model_version_it_used(org: Org) -> None:
    trained = org.train()
    learner = org.hire("analyst")
    org.app.update_profile(learner, media_types=["article"], weekly_minutes=45,
                           goals=["window functions"], language="en", actor=SYSTEM)  # fmt: skip
    org.complete(learner, "sql-1", quiz=80)
    org.settle()

    served = org.services.recommender.recommend(learner, first=5, goal="joins", actor=SYSTEM)

    event = issued(org.services, served.decision_id)
    inputs = event.inputs
    assert inputs["model_version"] == trained.version == event.model_version
    assert inputs["consent"] == {"personalisation": True}
    assert inputs["basis"] == event.consent_basis == "personalised"
    assert inputs["goal"] == "joins" and inputs["first"] == 5
    assert inputs["history"]["completed"] == [str(org.modules["sql-1"])]
    assert inputs["features"]["goals"] == ["window functions"]
    assert inputs["features"]["weekly_minutes"] == 45
    assert inputs["features"]["recent_quizzes"] == [[str(org.modules["sql-1"]), 80]]
    assert inputs["role"]["required"] == {"sql": 3, "communication": 2}
    assert len(inputs["nonce"]) == 32
    assert event.inputs_hash == documented_hash(inputs)


def test_without_personalisation_only_the_role_and_history_are_recorded(org: Org) -> None:
    org.train()
    learner = org.hire("engineer", consent=False)
    org.settle()

    served = org.services.recommender.recommend(learner, first=5, goal=None, actor=SYSTEM)

    inputs = issued(org.services, served.decision_id).inputs
    assert inputs["consent"] == {"personalisation": False}
    assert inputs["basis"] == "role_based"
    assert "features" not in inputs
    assert set(inputs) == {
        "format", "model_version", "first", "relevance_floor", "topic_floors",
        "catalogue_version", "roles_version", "consent", "basis", "role", "history", "goal",
        "nonce",
    }  # fmt: skip


def test_the_audit_check_recomputes_the_hash_and_finds_it_matching(org: Org) -> None:
    org.train()
    learner = org.hire("analyst")
    org.settle()
    served = org.services.recommender.recommend(learner, first=3, goal=None, actor=SYSTEM)

    check = org.services.audit.check_decision(served.decision_id)

    assert check.outcome == "matches" and check.matches
    assert check.recomputed_hash == check.recorded_hash
    assert check.inputs == issued(org.services, served.decision_id).inputs
    with pytest.raises(NotFound) as missing:
        org.services.audit.check_decision(UUID(int=7))
    assert missing.value.field == "decisionId"


def test_a_hash_changed_in_storage_no_longer_matches_the_recorded_inputs(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    settings = Settings(**{**sqlite_settings.__dict__, "model_dir": str(tmp_path / "models")})
    services = build_services(settings, start_projections=False)
    try:
        org = analysts_and_engineers(services, people=4)
        org.train()
        learner = org.hire("analyst")
        org.settle()
        served = services.recommender.recommend(learner, first=3, goal=None, actor=SYSTEM)
        recorded = issued(services, served.decision_id).inputs_hash
    finally:
        services.close()
    with sqlite3.connect(settings.sqlite_path) as db:
        (state,) = db.execute(
            "SELECT state FROM stored_events WHERE originator_id = ? AND originator_version = 1",
            (served.decision_id.hex,),
        ).fetchone()
        assert recorded.encode() in state
        db.execute(
            "UPDATE stored_events SET state = ? WHERE originator_id = ?",
            (state.replace(recorded.encode(), b"0" * 64), served.decision_id.hex),
        )
    db.close()

    services = build_services(settings, start_projections=False)
    try:
        check = services.audit.check_decision(served.decision_id)
    finally:
        services.close()

    assert check.outcome == "differs"
    assert check.recorded_hash == "0" * 64 and check.recomputed_hash == recorded


def test_after_erasure_only_the_hash_remains_and_the_inputs_cannot_be_read(org: Org) -> None:
    org.train()
    learner = org.hire("analyst")
    org.settle()
    served = org.services.recommender.recommend(learner, first=3, goal=None, actor=SYSTEM)
    recorded = issued(org.services, served.decision_id).inputs_hash

    org.app.request_erasure(learner, actor=SYSTEM)

    check = org.services.audit.check_decision(served.decision_id)
    assert (check.outcome, check.recorded_hash, check.inputs) == ("unreadable", recorded, {})


def test_a_list_issued_before_inputs_were_recorded_still_loads_and_says_so(org: Org) -> None:
    app = org.app
    employee = org.hire("analyst")
    decision = RecommendationDecision.issue(
        employee_id=employee, module_ids=[org.modules["sql-1"]], scores=[0.5],
        reasons=[[{"kind": "role_based", "text": "for your role"}]], model_version=None,
        consent_basis="role_based", goal=None, actor=SYSTEM,
    )  # fmt: skip
    (event,) = decision.collect_events()
    stored = app.mapper.to_stored_event(event)
    state = json.loads(stored.state)
    assert state.pop("class_version") == 2
    del state["inputs"], state["inputs_hash"]  # as lists were stored before
    app.recorder.insert_events([StoredEvent(
        originator_id=stored.originator_id, originator_version=stored.originator_version,
        topic=stored.topic, state=json.dumps(state).encode(),
    )])  # fmt: skip

    loaded = app.repository.get(decision.id)
    assert isinstance(loaded, RecommendationDecision) and loaded.inputs_hash == ""
    old = issued(org.services, decision.id)
    assert (old.inputs, old.inputs_hash, old.module_ids) == ({}, "", [org.modules["sql-1"]])
    assert org.services.audit.check_decision(decision.id).outcome == "not_recorded"


async def test_an_auditor_checks_a_decision_over_the_api_and_sees_no_inputs(org: Org) -> None:
    learner = org.hire("analyst")
    org.settle()
    served = org.services.recommender.recommend(learner, first=3, goal=None, actor=SYSTEM)
    app = create_app(org.services.settings, org.services)
    query = """query($d: ID!) { checkDecision(decisionId: $d) {
        decisionId outcome recordedHash recomputedHash modelVersion } }"""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        as_auditor = await http.post(
            "/graphql", json={"query": query, "variables": {"d": str(served.decision_id)}},
            headers=auth_headers(org.services, "auditor"),
        )  # fmt: skip
        as_employee = await http.post(
            "/graphql", json={"query": query, "variables": {"d": str(served.decision_id)}},
            headers=auth_headers(org.services, "employee", str(learner)),
        )  # fmt: skip
        unknown = await http.post(
            "/graphql", json={"query": query, "variables": {"d": str(learner)}},
            headers=auth_headers(org.services, "auditor"),
        )  # fmt: skip

    check = as_auditor.json()["data"]["checkDecision"]
    recorded = issued(org.services, served.decision_id).inputs_hash
    assert check["outcome"] == "MATCHES"
    assert check["recordedHash"] == check["recomputedHash"] == recorded
    assert as_employee.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert unknown.json()["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT", "field": "decisionId"
    }  # fmt: skip


def test_the_check_decision_command_prints_the_inputs_and_exits_3_when_they_differ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(persistence="sqlite", sqlite_path=str(tmp_path / "d.sqlite3"),
                        model_dir=str(tmp_path / "models"), seed_if_empty=False)  # fmt: skip
    services = build_services(settings)
    try:
        world = analysts_and_engineers(services, people=3)
        learner = world.hire("analyst")
        world.settle()
        decision = services.recommender.recommend(learner, first=3, goal=None, actor=SYSTEM)
    finally:
        services.close()
    monkeypatch.setenv("SKILLPATH_PERSISTENCE", "sqlite")
    monkeypatch.setenv("SKILLPATH_SQLITE_PATH", settings.sqlite_path)
    monkeypatch.setenv("SKILLPATH_MODEL_DIR", settings.model_dir)

    assert main(["check-decision", str(decision.decision_id)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["outcome"] == "matches" and printed["inputs"]["first"] == 3
    assert main(["check-decision", "not-an-id"]) == 2
    assert main(["check-decision", str(learner)]) == 1
