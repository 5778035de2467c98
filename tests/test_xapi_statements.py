"""xAPI statements over HTTP: the LRS rules of the subset (version header, codes, id lists),
statements becoming enrolment events, idempotency by statement id, consent at the door, and
every bad statement of a batch reported by index while the good ones land."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.aggregates import Actor
from app.bootstrap import Services
from app.integration.xapi import parse_statement
from app.main import create_app
from tests.conftest import token_for
from tests.domain_support import Organisation

ADL = "http://adlnet.gov/expapi/verbs/"
PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"
POSITION = "https://w3id.org/xapi/video/extensions/time"
VERSION = {"X-Experience-API-Version": "1.0.3"}


@pytest.fixture
async def lms(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """An LMS holding an integration token, talking to the real ASGI app."""
    token = token_for(services, "integration", "lms-1")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(services.settings, services)),
        base_url="http://skillpath.test",
        headers={"Authorization": f"Bearer {token}", **VERSION},
    ) as http:
        yield http


@pytest.fixture
def org(services: Services) -> Organisation:
    return Organisation(services.app, tag=f"-{uuid.uuid4().hex[:6]}")


def statement(org: Organisation, verb: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": f"mailto:ada{org.tag}@example.com"},
        "verb": {"id": ADL + verb, "display": {"en-US": verb}},
        "object": {"objectType": "Activity", "id": f"https://lms.example/modules/{org.module_id}"},
        "timestamp": datetime.now(UTC).isoformat(),
    }
    body.update(extra)
    return body


def enrolment_events(services: Services, org: Organisation) -> list[str]:
    return [
        type(e).__name__
        for e in (
            services.app.mapper.to_domain_event(s)
            for s in services.app.recorder.select_events(org.enrollment_id)
        )
    ]


async def test_a_batch_answers_the_list_of_statement_ids_and_becomes_enrolment_events(
    lms: httpx.AsyncClient, services: Services, org: Organisation
) -> None:
    services.app.grant_consent(
        org.employee_id, purpose="activity_tracking", policy_version="v1",
        actor=Actor(str(org.employee_id), "employee"),
    )  # fmt: skip
    batch = [
        statement(org, "progressed", result={"duration": "PT25M", "extensions": {PROGRESS: 40}}),
        statement(org, "passed", result={"score": {"scaled": 0.85}, "success": True}),
    ]
    response = await lms.post("/xapi/statements", json=batch)
    assert response.status_code == 200, response.text
    assert response.json() == [s["id"] for s in batch]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    assert enrolment_events(services, org)[-3:] == ["Progressed", "QuizAttempted", "Completed"]
    enrollment = services.app.enrollment(org.enrollment_id)
    assert enrollment.minutes == 25 and enrollment.status == "completed"


async def test_a_resent_batch_changes_nothing_and_changed_content_is_a_conflict(
    lms: httpx.AsyncClient, services: Services, org: Organisation
) -> None:
    batch = [statement(org, "progressed", result={"extensions": {PROGRESS: 30}})]
    first = await lms.post("/xapi/statements", json=batch)
    head = services.app.last_position()
    again = await lms.post("/xapi/statements", json=batch)
    assert first.status_code == again.status_code == 200
    assert services.app.last_position() == head
    changed = [{**batch[0], "result": {"extensions": {PROGRESS: 90}}}]
    conflict = await lms.post("/xapi/statements", json=changed)
    assert conflict.status_code == 409
    assert conflict.json()["rejected"][0]["index"] == 0
    assert services.app.last_position() == head


async def test_put_by_statement_id_answers_204_and_get_reads_it_back(
    lms: httpx.AsyncClient, org: Organisation
) -> None:
    body = statement(org, "launched")
    statement_id = body.pop("id")
    put = await lms.put("/xapi/statements", params={"statementId": statement_id}, json=body)
    assert put.status_code == 204, put.text
    again = await lms.put("/xapi/statements", params={"statementId": statement_id}, json=body)
    assert again.status_code == 204
    got = await lms.get("/xapi/statements", params={"statementId": statement_id})
    assert got.status_code == 200
    assert got.json()["id"] == statement_id
    assert got.json()["verb"]["id"] == ADL + "launched"
    assert got.json()["version"] == "1.0.3" and "stored" in got.json()


async def test_without_activity_tracking_durations_and_positions_are_dropped_at_the_door(
    lms: httpx.AsyncClient, services: Services, org: Organisation
) -> None:
    body = statement(
        org, "progressed",
        result={"duration": "PT40M", "extensions": {PROGRESS: 50, POSITION: 600}},
    )  # fmt: skip
    response = await lms.post("/xapi/statements", json=[body])
    assert response.status_code == 200
    progressed = [
        services.app.mapper.to_domain_event(s)
        for s in services.app.recorder.select_events(org.enrollment_id)
    ][-1]
    assert type(progressed).__name__ == "Progressed"
    assert progressed.minutes is None and progressed.position_minutes is None
    assert progressed.percent == 50
    stored = (await lms.get("/xapi/statements", params={"statementId": body["id"]})).json()
    assert "duration" not in stored["result"]
    assert POSITION not in stored["result"]["extensions"]


async def test_bad_statements_are_reported_by_index_while_the_good_ones_land(
    lms: httpx.AsyncClient, services: Services, org: Organisation
) -> None:
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    nobody = statement(org, "launched")
    nobody["actor"] = {"mbox": "mailto:nobody@example.com"}
    batch = [
        statement(org, "progressed", result={"extensions": {PROGRESS: 10}}),
        {"verb": {"id": ADL + "launched"}, "object": {"id": "https://lms.example/x"}},
        statement(org, "teleported"),
        statement(org, "launched", timestamp=future),
        nobody,
        statement(org, "launched", object={"id": "https://lms.example/unknown-course"}),
        statement(org, "answered", result={"score": {"scaled": 0.5}}),
    ]
    response = await lms.post("/xapi/statements", json=batch)
    assert response.status_code == 400
    report = response.json()
    assert [r["index"] for r in report["rejected"]] == [1, 2, 3, 4, 5]
    reasons = " | ".join(r["reason"] for r in report["rejected"])
    for expected in ("actor is required", "teleported", "future", "matches no employee",
                     "maps to no module"):  # fmt: skip
        assert expected in reasons
    assert report["statementIds"][0] == batch[0]["id"]
    assert report["statementIds"][6] == batch[6]["id"]
    assert services.app.statement(uuid.UUID(batch[6]["id"])) is not None


async def test_an_activity_mapped_by_hr_and_an_actor_by_sha1_or_account_are_recorded(
    lms: httpx.AsyncClient, services: Services, org: Organisation
) -> None:
    services.app.map_activity(
        "https://lms.example/course/sql-101", org.other_module_id, actor=Actor("hr", "hr")
    )
    services.read_models_reach(services.app.last_position())
    sha1 = hashlib.sha1(f"mailto:ada{org.tag}@example.com".encode()).hexdigest()
    by_sha1 = statement(org, "launched", object={"id": "https://lms.example/course/sql-101"})
    by_sha1["actor"] = {"mbox_sha1sum": sha1}
    by_account = statement(org, "launched")
    by_account["actor"] = {
        "account": {"homePage": "https://hr.example", "name": str(org.manager_id)}
    }
    response = await lms.post("/xapi/statements", json=[by_sha1, by_account])
    assert response.status_code == 200, response.text
    recorded = services.app.statement(uuid.UUID(by_sha1["id"]))
    assert recorded is not None and recorded.module_id == org.other_module_id
    assert recorded.employee_id == org.employee_id
    other = services.app.statement(uuid.UUID(by_account["id"]))
    assert other is not None and other.employee_id == org.manager_id


@pytest.mark.parametrize(
    ("headers", "content", "expected"),
    [
        ({"X-Experience-API-Version": ""}, b"[]", "X-Experience-API-Version"),
        ({"X-Experience-API-Version": "0.95"}, b"[]", "not supported"),
        ({"Content-Type": "text/plain"}, b"[]", "application/json"),
        ({"Content-Type": "application/json"}, b"[{not json", "not valid JSON"),
        ({"Content-Type": "application/json"}, b"[]", "no statements"),
    ],
)
async def test_malformed_requests_are_refused_with_400_and_the_server_keeps_serving(
    lms: httpx.AsyncClient, headers: dict[str, str], content: bytes, expected: str
) -> None:
    response = await lms.post("/xapi/statements", content=content, headers=headers)
    assert response.status_code == 400
    assert expected in response.json()["error"]["message"]
    health = await lms.get("/healthz")
    assert health.status_code == 200


async def test_an_integration_token_may_do_nothing_else(
    lms: httpx.AsyncClient, services: Services, org: Organisation
) -> None:
    graphql = await lms.post("/graphql", json={"query": "{ employees(first: 1) { totalCount } }"})
    assert "not allowed" in json.dumps(graphql.json())
    body = statement(org, "launched")
    await lms.post("/xapi/statements", json=[body])
    other = token_for(services, "integration", "lms-2")
    got = await lms.get(
        "/xapi/statements", params={"statementId": body["id"]},
        headers={"Authorization": f"Bearer {other}"},
    )  # fmt: skip
    assert got.status_code == 404
    hr = token_for(services, "hr")
    write = await lms.post(
        "/xapi/statements", json=[statement(org, "launched")],
        headers={"Authorization": f"Bearer {hr}"},
    )  # fmt: skip
    assert write.status_code == 403


def test_a_batch_reads_what_it_is_about_in_two_reads_of_the_event_store(
    services: Services, org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Employees, modules, consent ledgers and enrolments of a batch are read together,
    not one aggregate at a time; a re-sent batch adds the statements by id to those reads."""
    app = services.app
    manager = statement(org, "launched")
    manager["actor"] = {"mbox": f"mailto:grace{org.tag}@example.com"}
    other = f"https://lms.example/modules/{org.other_module_id}"
    batch = [statement(org, "progressed", result={"extensions": {PROGRESS: 10 * n}})
             for n in range(1, 6)]  # fmt: skip
    batch += [manager, statement(org, "launched", object={"id": other})]
    parsed = [parse_statement(s) for s in batch]
    reads: list[int] = []
    select_streams = app.recorder.select_streams  # type: ignore[attr-defined]
    monkeypatch.setattr(
        app.recorder, "select_streams", lambda ids: reads.append(len(ids)) or select_streams(ids)
    )
    gets: list[Any] = []
    get = app.repository.get
    monkeypatch.setattr(app.repository, "get", lambda *a, **k: gets.append(a) or get(*a, **k))
    lms = Actor("lms-1", "integration")
    outcomes, written = app.record_statements(parsed, actor=lms)
    assert [o.rejected for o in outcomes] == [None] * len(batch)
    assert written > 0
    assert len(reads) == 2 and gets == []
    progressed = app.enrollment(org.enrollment_id)
    assert progressed.percent == 50
    head = app.last_position()
    reads.clear()
    again, _ = app.record_statements(parsed, actor=lms)
    assert [o.rejected for o in again] == [None] * len(batch)
    assert app.last_position() == head
    assert len(reads) == 4  # the optimistic pass, then the one that looks the ids up


@pytest.fixture
async def guarded(services: Services) -> AsyncIterator[Any]:
    """An LMS client on an app built with tighter request limits."""
    opened: list[httpx.AsyncClient] = []

    async def open_with(**limits: Any) -> httpx.AsyncClient:
        settings = replace(services.settings, **limits)
        limited = replace(services, settings=settings)  # the same stores, other limits
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(settings, limited)),
            base_url="http://skillpath.test",
            headers={"Authorization": f"Bearer {token_for(services, 'integration', 'lms-1')}",
                     **VERSION},
        )  # fmt: skip
        opened.append(http)
        return http

    yield open_with
    for http in opened:
        await http.aclose()


async def test_a_body_over_the_limit_gets_an_xapi_413_and_nothing_is_written(
    guarded: Any, services: Services, org: Organisation
) -> None:
    lms = await guarded(xapi_max_body_bytes=2_000)
    head = services.app.last_position()
    batch = [statement(org, "launched") for _ in range(20)]
    response = await lms.post("/xapi/statements", json=batch)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "BODY_TOO_LARGE"
    assert response.headers["X-Experience-API-Version"] == "1.0.3"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
        yield json.dumps(batch).encode()

    chunked = await lms.post(
        "/xapi/statements", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert chunked.status_code == 413
    assert services.app.last_position() == head
    small = await lms.post("/xapi/statements", json=[statement(org, "launched")])
    assert small.status_code == 200, small.text


async def test_an_xapi_body_that_is_not_utf8_gets_a_400_naming_the_offset(
    lms: httpx.AsyncClient,
) -> None:
    response = await lms.post(
        "/xapi/statements",
        content=b'[{"id": "\xff"}]',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BODY_NOT_UTF8"
    assert "offset 9" in response.json()["error"]["message"]


async def test_an_integration_token_over_its_rate_gets_an_xapi_429_with_retry_after(
    guarded: Any, org: Organisation
) -> None:
    lms = await guarded(rate_limit_per_minute=2)
    answers = [
        await lms.post("/xapi/statements", json=[statement(org, "launched")]) for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[-1].json()["error"]["code"] == "RATE_LIMITED"
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert answers[-1].headers["X-Experience-API-Version"] == "1.0.3"
    read = await lms.get("/xapi/statements", params={"statementId": str(uuid.uuid4())})
    assert read.status_code == 429  # reads count too


async def test_an_xapi_request_over_its_time_limit_gets_a_503(
    guarded: Any, org: Organisation
) -> None:
    lms = await guarded(request_timeout_seconds=1e-9)
    response = await lms.post("/xapi/statements", json=[statement(org, "launched")])
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "TIMEOUT"
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


async def test_a_statement_with_text_no_read_model_can_store_is_refused_alone(
    lms: httpx.AsyncClient, services: Services, org: Organisation
) -> None:
    c1 = statement(org, "launched")
    c1["verb"] = {"id": ADL + "launched", "display": {"en": "a\x85b"}}
    nul = statement(org, "launched", context={"extensions": {"https://x.example/e": "a\x00"}})
    good = statement(org, "launched")
    response = await lms.post("/xapi/statements", json=[c1, nul, good])
    assert response.status_code == 400, response.text
    rejected = response.json()["rejected"]
    assert [r["index"] for r in rejected] == [0, 1]
    assert "U+0085" in rejected[0]["reason"] and "NUL" in rejected[1]["reason"]
    assert services.app.statement(uuid.UUID(good["id"])) is not None
