"""Per-subject encryption and erasure (crypto-shredding), on every engine.

Personal fields are stored sealed with the employee's key; erasing deletes the key, so a full
dump of the database holds none of the employee's personal strings while the events keep
their order, timestamps, ids and module references.
"""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid5

import pytest

from app.aggregates import Conflict, Employee, Enrollment
from app.aggregates.decision import RecommendationDecision
from app.bootstrap import Services, build_services
from app.consent.envelope import ERASED
from app.consent.ledger import ConsentLedger
from app.projections.replay import replay
from app.settings import Settings
from tests.conftest import GraphQLClient
from tests.domain_support import HR, LEARNER
from tests.trust_support import EMAIL, GOAL, NAME, OLD_EMAIL_NAMESPACE, PERSONAL_STRINGS, Subject


def stored_events(services: Services) -> list[Any]:
    return list(services.app.recorder.select_notifications(start=1, limit=10_000))


def events_of(services: Services, aggregate_id: UUID) -> list[Any]:
    return list(services.app.events.get(aggregate_id))


def sqlite_dump(settings: Settings) -> str:
    with sqlite3.connect(settings.sqlite_path) as connection:
        return "\n".join(connection.iterdump())


def postgres_dump(settings: Settings) -> str:
    pg = settings.postgres
    done = subprocess.run(
        ["pg_dump", "-h", pg.host, "-p", str(pg.port), "-U", pg.user, "-d", pg.dbname,
         "-n", pg.schema, "--no-owner"],
        capture_output=True, text=True, check=True, env={"PGPASSWORD": pg.password},
    )  # fmt: skip
    return done.stdout


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> Iterator[tuple[Settings, Services]]:
    settings: Settings = request.getfixturevalue(f"{request.param}_settings")
    services = build_services(settings, start_projections=False)
    try:
        yield settings, services
    finally:
        services.close()


def dump(settings: Settings) -> str:
    return sqlite_dump(settings) if settings.persistence == "sqlite" else postgres_dump(settings)


def test_personal_fields_are_sealed_in_storage_and_read_back_in_clear(
    database: tuple[Settings, Services],
) -> None:
    settings, services = database
    subject = Subject(services)

    raw = b"\n".join(bytes(n.state) for n in stored_events(services))
    assert not [s for s in PERSONAL_STRINGS if s.encode() in raw]
    hired = events_of(services, subject.id)[0]
    assert (hired.name, hired.email) == (NAME, EMAIL)
    row = services.directory.get(str(subject.id))
    assert row is not None and (row.name, row.email, row.goals) == (NAME, EMAIL, [GOAL, "sql"])
    assert NAME in dump(settings)  # the read models hold it until erasure


def test_after_erasure_a_full_database_dump_holds_none_of_the_personal_strings(
    database: tuple[Settings, Services],
) -> None:
    settings, services = database
    subject = Subject(services)

    services.app.request_erasure(subject.id, actor=HR)
    services.runner.catch_up()

    text = dump(settings)
    assert [s for s in PERSONAL_STRINGS if s in text] == []
    assert str(uuid5(OLD_EMAIL_NAMESPACE, EMAIL)) not in text
    assert str(uuid5(OLD_EMAIL_NAMESPACE, EMAIL)).replace("-", "") not in text


def test_erasure_keeps_every_event_with_its_order_timestamps_ids_and_module_references(
    services: Services,
) -> None:
    subject = Subject(services)
    before = stored_events(services)
    decoded_before = [services.app.mapper.to_domain_event(n) for n in before]

    erasure = services.app.request_erasure(subject.id, actor=HR)

    after = stored_events(services)
    assert after[: len(before)] == before  # byte for byte: only the key went
    decoded = [services.app.mapper.to_domain_event(n) for n in after[: len(before)]]
    assert [(e.originator_id, e.originator_version, e.timestamp) for e in decoded] == [
        (e.originator_id, e.originator_version, e.timestamp) for e in decoded_before
    ]
    enrolled = next(e for e in decoded if e.originator_id == subject.enrollment_id)
    assert isinstance(enrolled, Enrollment.Enrolled)
    assert (enrolled.employee_id, enrolled.module_id) == (subject.id, subject.org.module_id)
    recorded = {n.originator_id for n in after[len(before) :]}
    assert recorded == {ConsentLedger.id_for(subject.id)}
    assert erasure.position == after[-1].id


def test_an_erased_subjects_events_read_back_with_the_erased_marker_never_an_error(
    services: Services,
) -> None:
    subject = Subject(services)
    services.app.request_erasure(subject.id, actor=HR)

    hired, profile, declared = (
        e for e in events_of(services, subject.id)
        if isinstance(e, Employee.Hired | Employee.ProfileUpdated
                      | Employee.AttributesSelfDeclared)
    )  # fmt: skip
    assert (hired.name, hired.email, hired.department) == (ERASED, ERASED, "Engineering")
    assert profile.goals == [ERASED] and profile.weekly_minutes == 90
    assert (declared.gender, declared.age_band) == (ERASED, ERASED)
    feedback = events_of(services, subject.enrollment_id)[-1]
    assert isinstance(feedback, Enrollment.FeedbackGiven)
    assert (feedback.comment, feedback.rating) == (ERASED, 2)
    issued, answered = events_of(services, subject.decision_id)
    assert isinstance(issued, RecommendationDecision.RecommendationIssued)
    assert (issued.reasons, issued.goal, issued.scores) == ([ERASED], ERASED, [0.9])
    assert answered.comment == ERASED
    assert services.app.employee(subject.id).name == ERASED


def test_read_models_after_erasure_equal_a_rebuild_from_the_first_event(
    services: Services,
) -> None:
    subject = Subject(services)
    services.app.request_erasure(subject.id, actor=HR)
    services.runner.catch_up()

    row = services.directory.get(str(subject.id))
    assert row is not None and (row.name, row.email, row.goals) == (ERASED, ERASED, [ERASED])
    enrolments = services.enrollments.of_employees([str(subject.id)])[str(subject.id)]
    assert [e.comment for e in enrolments] == [ERASED]
    other = services.directory.get(str(subject.org.employee_id))
    assert other is not None and other.name == "Ada Lovelace"

    assert replay(services.runner).identical


def test_erasure_tells_the_recommender_to_retrain_without_the_subject(
    services: Services,
) -> None:
    subject = Subject(services)
    assert services.recommender.retraining_due(min_interactions=0) is None

    services.app.request_erasure(subject.id, actor=HR)

    assert services.recommender.retraining_due(min_interactions=0) == "erasure"


def test_erasing_twice_changes_nothing_and_says_so(services: Services) -> None:
    subject = Subject(services)
    first = services.app.request_erasure(subject.id, actor=HR)
    head = services.app.last_position()

    again = services.app.request_erasure(subject.id, actor=LEARNER)

    assert not first.already_erased and again.already_erased
    assert again.erased_at == first.erased_at
    assert services.app.last_position() == head


def test_erasure_withdraws_every_purpose_and_nothing_can_be_granted_after(
    services: Services,
) -> None:
    subject = Subject(services)

    services.app.request_erasure(subject.id, actor=LEARNER)

    assert not services.app.policy.may_personalise(subject.id)
    assert not services.app.policy.may_use_fairness_attributes(subject.id)
    with pytest.raises(Conflict) as refused:
        services.app.grant_consent(
            subject.id, purpose="personalisation", policy_version="v2", actor=LEARNER
        )
    assert refused.value.field == "employeeId"
    kinds = [type(e).__name__ for e in events_of(services, ConsentLedger.id_for(subject.id))]
    assert kinds[-4:] == ["Withdrawn", "Withdrawn", "ErasureRequested", "Erased"]


def test_personal_data_sent_after_erasure_is_not_stored(
    database: tuple[Settings, Services],
) -> None:
    settings, services = database
    subject = Subject(services)
    services.app.request_erasure(subject.id, actor=HR)

    services.app.give_feedback(
        subject.enrollment_id, rating=5, comment="a late remark about Philippa", actor=LEARNER
    )
    services.runner.catch_up()

    assert "Philippa" not in dump(settings)
    assert events_of(services, subject.enrollment_id)[-1].comment == ERASED


REQUEST_ERASURE = """
mutation($id: ID!) {
  requestErasure(input: {employeeId: $id}) {
    __typename
    ... on ErasurePayload { employeeId erasedAt alreadyErased message position }
    ... on NotFound { field }
  }
}
"""


async def test_request_erasure_over_the_api_answers_clearly_the_second_time(
    services: Services, gql: GraphQLClient
) -> None:
    subject = Subject(services)

    first = (await gql.data(REQUEST_ERASURE, id=str(subject.id)))["requestErasure"]
    second = (await gql.data(REQUEST_ERASURE, id=str(subject.id)))["requestErasure"]
    unknown = await gql.data(REQUEST_ERASURE, id=str(uuid5(OLD_EMAIL_NAMESPACE, "x")))

    assert (first["__typename"], first["alreadyErased"]) == ("ErasurePayload", False)
    assert second["alreadyErased"] is True and second["erasedAt"] == first["erasedAt"]
    assert second["message"].startswith("already erased")
    assert unknown["requestErasure"] == {"__typename": "NotFound", "field": "employeeId"}
