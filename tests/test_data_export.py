"""Data export (GDPR Art. 20): everything held about one employee, decrypted, as one document."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from app.bootstrap import Services, build_services
from app.cli import main
from app.consent.envelope import ERASED
from app.main import create_app
from app.settings import Settings
from tests.conftest import GraphQLClient, auth_headers
from tests.domain_support import HR
from tests.trust_support import ANSWER, COMMENT, EMAIL, GOAL, NAME, REASON, Subject

EXPORT = """
query($id: ID!) { employeeDataExport(employeeId: $id) }
"""


def test_the_export_holds_profile_consents_enrolments_feedback_assessments_and_recommendations(
    services: Services,
) -> None:
    subject = Subject(services)

    document = services.audit.export_subject(subject.id)

    assert document["employeeId"] == str(subject.id) and document["erasure"] is None
    profile = document["profile"]
    assert (profile["name"], profile["email"], profile["goals"]) == (NAME, EMAIL, [GOAL, "sql"])
    assert profile["skills"] == {"sql": 3}
    consents = [(c["type"], c.get("purpose")) for c in document["consentHistory"]]
    assert consents == [
        ("ConsentLedger.Opened", None),
        ("ConsentLedger.Granted", "fairness_audit"),
        ("ConsentLedger.Granted", "personalisation"),
    ]
    (enrolment,) = document["enrolments"]
    assert enrolment["moduleTitle"] == "SQL for analysts"
    assert [e["type"] for e in enrolment["events"]] == [
        "Enrollment.Enrolled", "Enrollment.QuizAttempted", "Enrollment.FeedbackGiven",
    ]  # fmt: skip
    assert [(f["rating"], f["comment"]) for f in document["feedback"]] == [(2, COMMENT)]
    assert [q["score"] for q in document["assessments"]["quizzes"]] == [64]
    assert [(a["skill"], a["level"], a["source"]) for a in document["assessments"]["skills"]] == [
        ("sql", 3, "manager")
    ]
    (decision,) = document["recommendations"]
    (item,) = decision["items"]
    assert item["reasons"] == [{"kind": "goal", "text": REASON}]
    assert item["answer"]["answer"] == "dismissed" and item["answer"]["comment"] == ANSWER
    assert decision["goal"] == GOAL and decision["consentBasis"] == "personalised"
    declared = [e for e in document["profileHistory"]
                if e["type"] == "Employee.AttributesSelfDeclared"]  # fmt: skip
    assert [(d["gender"], d["age_band"]) for d in declared] == [("diverse", "30_44")]
    json.dumps(document)  # one JSON document, nothing that would not serialise


def test_the_export_of_someone_else_holds_none_of_the_subjects_data(services: Services) -> None:
    subject = Subject(services)

    other = json.dumps(services.audit.export_subject(subject.org.employee_id))

    assert [s for s in (NAME, EMAIL, GOAL, COMMENT, REASON, ANSWER) if s in other] == []


def test_the_export_of_an_erased_employee_shows_the_erasure_and_only_markers(
    services: Services,
) -> None:
    subject = Subject(services)
    services.app.request_erasure(subject.id, actor=HR)

    document = services.audit.export_subject(subject.id)

    assert document["erasure"]["erasedAt"] is not None
    assert (document["profile"]["name"], document["profile"]["goals"]) == (ERASED, [ERASED])
    assert [f["comment"] for f in document["feedback"]] == [ERASED]
    text = json.dumps(document)
    assert [s for s in (NAME, EMAIL, GOAL, COMMENT, REASON, ANSWER) if s in text] == []


async def test_hr_reads_an_employees_export_over_the_api_and_an_unknown_id_names_the_field(
    services: Services, gql: GraphQLClient
) -> None:
    subject = Subject(services)

    found = await gql.data(EXPORT, id=str(subject.id))
    missing = await gql(EXPORT, id="00000000-0000-4000-8000-000000000000")

    assert found["employeeDataExport"]["profile"]["email"] == EMAIL
    assert missing["data"] is None
    assert missing["errors"][0]["extensions"]["field"] == "employeeId"


def test_export_subject_command_prints_the_document(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    services = build_services(sqlite_settings, start_projections=False)
    subject = Subject(services)
    services.close()
    monkeypatch.setenv("SKILLPATH_PERSISTENCE", "sqlite")
    monkeypatch.setenv("SKILLPATH_SQLITE_PATH", sqlite_settings.sqlite_path)

    code = main(["export-subject", str(subject.id)])

    printed: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert code == 0
    assert printed["profile"]["name"] == NAME
    assert [f["comment"] for f in printed["feedback"]] == [COMMENT]


def test_export_subject_command_refuses_an_unknown_or_malformed_id(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SKILLPATH_PERSISTENCE", "sqlite")
    monkeypatch.setenv("SKILLPATH_SQLITE_PATH", sqlite_settings.sqlite_path)

    assert main(["export-subject", "not-an-id"]) == 2
    assert "not an employee id" in capsys.readouterr().err
    assert main(["export-subject", "00000000-0000-4000-8000-000000000000"]) == 1
    assert "does not exist" in capsys.readouterr().err


async def test_my_data_is_the_callers_own_export(services: Services) -> None:
    subject = Subject(services)
    app = create_app(services.settings, services)
    transport = httpx.ASGITransport(app=app)
    as_subject = auth_headers(services, "employee", str(subject.id))
    as_hr = auth_headers(services, "hr")
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        mine = await http.post("/graphql", json={"query": "{ myData }"}, headers=as_subject)
        hr = await http.post("/graphql", json={"query": "{ myData }"}, headers=as_hr)

    document = mine.json()["data"]["myData"]
    assert (document["employeeId"], document["profile"]["name"]) == (str(subject.id), NAME)
    # myData is the employee's own: HR asks for someone's export by id instead.
    assert hr.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
