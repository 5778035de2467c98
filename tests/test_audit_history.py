"""Auditor replay: a stream's history, the global log, and state as of any past time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.access import Viewer
from app.aggregates import Actor
from app.audit.payload import REDACTED
from app.audit.screen import PolicyScreen
from app.bootstrap import Services
from app.projections.replay import replay
from tests.conftest import GraphQLClient
from tests.domain_support import HR, LEARNER, Organisation, content
from tests.trust_support import NAME, Subject

HISTORY = """
query($id: ID!, $first: Int!, $after: String) {
  history(streamId: $id, first: $first, after: $after) {
    edges { cursor node { position streamId version type recordedAt actor { id role }
                          subjectId payload } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

EVENT_LOG = """
query($from: DateTime, $to: DateTime, $types: [String!], $first: Int!, $after: String) {
  eventLog(from: $from, to: $to, types: $types, first: $first, after: $after) {
    edges { node { position type streamId recordedAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

EMPLOYEE_AS_OF = """
query($id: ID!, $at: DateTime!) {
  employeeAsOf(id: $id, at: $at) {
    version name email roleId department managerId status weeklyMinutes goals
    skills { skill level }
  }
  employee(id: $id) {
    name email department status profile { weeklyMinutes goals }
    role { id }
    skills { skill level }
  }
}
"""

MODULE_AS_OF = """
query($id: ID!, $at: DateTime!) {
  moduleAsOf(id: $id, at: $at) { version title minutes status flagReason }
}
"""


def edges(body: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return [edge["node"] for edge in body[field]["edges"]]


async def test_history_gives_every_event_of_a_stream_in_order_with_actor_and_payload(
    services: Services, gql: GraphQLClient
) -> None:
    subject = Subject(services)

    first = await gql.data(HISTORY, id=str(subject.id), first=2)
    rest = await gql.data(
        HISTORY, id=str(subject.id), first=50, after=first["history"]["pageInfo"]["endCursor"]
    )

    events = edges(first, "history") + edges(rest, "history")
    assert first["history"]["pageInfo"]["hasNextPage"] is True
    assert rest["history"]["pageInfo"]["hasNextPage"] is False
    assert [e["type"] for e in events] == [
        "Employee.Hired", "Employee.ProfileUpdated", "Employee.AttributesSelfDeclared",
        "Employee.SkillAssessed",
    ]  # fmt: skip
    assert [e["version"] for e in events] == [1, 2, 3, 4]
    positions = [e["position"] for e in events]
    assert positions == sorted(positions)
    assert events[0]["payload"]["name"] == NAME and events[0]["subjectId"] == str(subject.id)
    assert events[0]["actor"] == {"id": HR.id, "role": HR.role}
    assert events[1]["actor"] == {"id": LEARNER.id, "role": LEARNER.role}
    assessed = events[3]["payload"]
    assert (assessed["skill"], assessed["level"], assessed["source"]) == ("sql", 3, "manager")


async def test_event_log_pages_the_global_log_by_type_and_recording_time(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    middle = datetime.now(UTC)
    later_id = org.hire("late@example.com", name="Late Comer")

    hires = await gql.data(EVENT_LOG, types=["Employee.Hired"], first=2)
    more = await gql.data(
        EVENT_LOG, types=["Employee.Hired"], first=2,
        after=hires["eventLog"]["pageInfo"]["endCursor"],
    )  # fmt: skip
    since_middle = await gql.data(EVENT_LOG, **{"from": middle.isoformat()}, first=50)
    until_middle = await gql.data(EVENT_LOG, to=middle.isoformat(), first=100)

    hired = edges(hires, "eventLog") + edges(more, "eventLog")
    assert [e["streamId"] for e in hired] == [
        str(org.manager_id),
        str(org.employee_id),
        str(later_id),
    ]
    assert {e["type"] for e in edges(since_middle, "eventLog")} == {
        "Employee.Hired",
        "EmailClaim.Claimed",
    }
    everything_before = edges(until_middle, "eventLog")
    assert len(everything_before) + len(edges(since_middle, "eventLog")) == (
        services.app.last_position()
    )
    assert all(e["recordedAt"] <= middle.isoformat() for e in everything_before)


async def test_event_log_refuses_an_unknown_type_naming_the_known_ones(
    services: Services, gql: GraphQLClient
) -> None:
    body = await gql(EVENT_LOG, types=["Employee.Promoted"], first=5)

    error = body["errors"][0]
    assert error["extensions"]["field"] == "types"
    assert "Employee.Hired" in error["message"] and "Enrollment.Completed" in error["message"]


async def test_employee_as_of_shows_the_past_and_now_equals_the_read_model_after_a_replay(
    services: Services, gql: GraphQLClient
) -> None:
    org = Organisation(services.app)
    # Ada shares her profile: the operator then reads it in the record and the directory.
    services.app.grant_consent(
        org.employee_id, purpose="profile_sharing", policy_version="v1", actor=LEARNER
    )
    before_move = datetime.now(UTC)
    services.app.change_role(
        org.employee_id, role_id=org.lead_role_id, department="Data", manager_id=None, actor=HR
    )
    services.app.assess_skill(org.employee_id, skill="sql", level=4, source="quiz", actor=HR)
    assert replay(services.runner).identical

    then = await gql.data(EMPLOYEE_AS_OF, id=str(org.employee_id), at=before_move.isoformat())
    now = await gql.data(EMPLOYEE_AS_OF, id=str(org.employee_id), at=datetime.now(UTC).isoformat())

    past = then["employeeAsOf"]
    assert (past["department"], past["roleId"], past["skills"]) == (
        "Engineering",
        str(org.role_id),
        [],
    )
    assert past["managerId"] == str(org.manager_id) and past["version"] == 1
    state, live = now["employeeAsOf"], now["employee"]
    same = ("name", "email", "department", "skills")
    assert {k: state[k] for k in same} == {k: live[k] for k in same}
    assert (state["weeklyMinutes"], state["goals"]) == (
        live["profile"]["weeklyMinutes"],
        live["profile"]["goals"],
    )
    assert state["status"] == live["status"].lower() == "active"
    assert state["roleId"] == live["role"]["id"] == str(org.lead_role_id)


async def test_employee_as_of_before_the_hire_is_null(
    services: Services, gql: GraphQLClient
) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=1)
    org = Organisation(services.app)

    body = await gql(EMPLOYEE_AS_OF, id=str(org.employee_id), at=long_ago.isoformat())

    assert body["data"]["employeeAsOf"] is None


async def test_module_as_of_shows_each_revision_in_its_time(
    services: Services, gql: GraphQLClient
) -> None:
    module_id = services.app.publish_module(content(minutes=30), actor=HR).id
    published = datetime.now(UTC)
    services.app.revise_module(module_id, changes={"minutes": 45}, actor=HR)
    services.app.retire_module(module_id, reason="superseded", actor=HR)

    then = await gql.data(MODULE_AS_OF, id=str(module_id), at=published.isoformat())
    now = await gql.data(MODULE_AS_OF, id=str(module_id), at=datetime.now(UTC).isoformat())

    assert (then["moduleAsOf"]["minutes"], then["moduleAsOf"]["status"]) == (30, "published")
    assert (now["moduleAsOf"]["minutes"], now["moduleAsOf"]["status"]) == (45, "retired")
    assert now["moduleAsOf"]["version"] == 3


def test_personal_fields_are_shown_to_the_subject_and_hr_but_redacted_for_an_auditor(
    services: Services,
) -> None:
    subject = Subject(services)
    auditor = Actor(id="dpo-1", role="auditor")
    history = services.audit.history

    def hired(actor: Actor) -> Any:
        screen = PolicyScreen(Viewer(actor.id, actor.role), services.subjects)
        page = history.stream(subject.id, first=1, screen=screen)
        return page.events[0].payload["name"] if page.events else None

    assert hired(auditor) == REDACTED
    assert hired(Actor(id=str(subject.id), role="employee")) == NAME
    # Another employee sees nothing of the subject: the event is not shown at all.
    assert hired(Actor(id=str(subject.org.employee_id), role="employee")) is None
    assert hired(HR) == NAME


def test_hr_reads_a_profile_event_only_while_the_subject_shares_their_profile(
    services: Services,
) -> None:
    subject = Subject(services)
    history = services.audit.history

    def profile_events() -> list[Any]:
        screen = PolicyScreen(Viewer(HR.id, HR.role), services.subjects)
        page = history.stream(subject.id, first=50, screen=screen)
        return [e for e in page.events if e.type in ("Employee.ProfileUpdated",
                                                      "Employee.SkillAssessed")]  # fmt: skip

    assert profile_events() == []
    services.app.grant_consent(
        subject.id, purpose="profile_sharing", policy_version="v1", actor=LEARNER
    )
    services.runner.catch_up()

    shown = profile_events()
    assert [e.type for e in shown] == ["Employee.ProfileUpdated", "Employee.SkillAssessed"]
    assert shown[1].payload["level"] == 3
