"""Skill profiles, weighted gaps, team matrices, role readiness and heat maps, from the read
model on every engine; and the same questions over the API with the access policy."""

from __future__ import annotations

from app.aggregates import Actor
from app.bootstrap import Services
from tests.conftest import GraphQLClient
from tests.people_support import Team


def caught_up(services: Services) -> None:
    assert services.read_models_reach(services.app.last_position(), timeout=20)


def test_current_level_prefers_quiz_over_manager_over_self_and_newer_over_older(
    services: Services,
) -> None:
    team = Team(services.app, size=1)
    ada = team.reports[0]
    team.assess(ada, "sql", 5, "self", days_ago=1)
    team.assess(ada, "sql", 2, "manager", days_ago=9)
    team.assess(ada, "statistics", 1, "self", days_ago=5)
    team.assess(ada, "statistics", 3, "self", days_ago=2)
    team.assess(ada, "statistics", 2, "self", days_ago=8)  # older: does not win
    team.assess(ada, "python", 2, "manager", days_ago=3)
    team.assess(ada, "python", 4, "quiz", days_ago=30)
    caught_up(services)
    profile = services.skills.profile(str(ada))
    assert profile is not None
    levels = {s.skill: (s.level, s.source) for s in profile.skills}
    assert levels == {"sql": (2, "manager"), "statistics": (3, "self"), "python": (4, "quiz")}


def test_the_profile_shows_where_self_and_observed_differ_by_two_levels_or_more(
    services: Services,
) -> None:
    team = Team(services.app, size=1)
    ada = team.reports[0]
    team.assess(ada, "sql", 5, "self")
    team.assess(ada, "sql", 3, "quiz")
    team.assess(ada, "statistics", 3, "self")
    team.assess(ada, "statistics", 2, "manager")
    caught_up(services)
    profile = services.skills.profile(str(ada))
    assert profile is not None
    assert [(d.skill, d.self_level, d.observed_level, d.observed_source, d.difference)
            for d in profile.disagreements] == [("sql", 5, 3, "quiz", 2)]  # fmt: skip


def test_gaps_are_weighted_by_importance_and_readiness_counts_partial_levels(
    services: Services,
) -> None:
    team = Team(services.app, size=1)
    ada = team.reports[0]
    team.assess(ada, "sql", 3, "manager")
    team.assess(ada, "statistics", 0, "manager")
    caught_up(services)
    found = services.skills.gaps(str(ada))
    assert found is not None
    # sql: gap 1 x importance 5 = 5; statistics: gap 3 x importance 2 = 6.
    assert [(g.skill, g.gap, g.weighted) for g in found.gaps] == [
        ("statistics", 3, 6), ("sql", 1, 5)
    ]  # fmt: skip
    assert found.readiness == round((5 * 3 / 4 + 0) / 7, 4)
    against_lead = services.skills.gaps(str(ada), str(team.lead))
    assert against_lead is not None
    assert [g.skill for g in against_lead.gaps] == ["people leadership"]


def test_a_team_matrix_shows_sharing_members_and_only_counts_the_others(
    services: Services,
) -> None:
    team = Team(services.app, size=4)
    sharing = team.reports[:2]
    for person in sharing:
        team.share(person)
    team.assess(sharing[0], "sql", 4, "quiz")
    team.assess(team.reports[3], "sql", 5, "quiz")
    caught_up(services)
    matrix = services.skills.team_matrix(str(team.manager))
    assert [m.employee_id for m in matrix.members] == [str(p) for p in sharing]
    assert matrix.not_sharing == 2
    assert matrix.skills == ["sql", "statistics"]
    assert matrix.members[0].levels == [4, 0]
    # Withdrawing the consent takes the member out of the matrix.
    services.app.withdraw_consent(
        sharing[0], purpose="profile_sharing",
        actor=Actor(str(sharing[0]), "employee"),
    )  # fmt: skip
    caught_up(services)
    again = services.skills.team_matrix(str(team.manager))
    assert [m.employee_id for m in again.members] == [str(sharing[1])]
    assert again.not_sharing == 3


def test_role_readiness_and_heat_maps_hide_groups_below_k(services: Services) -> None:
    big = Team(services.app, size=5, department="Data")
    small = Team(services.app, size=2, department="Sales")
    for person in big.reports:
        big.assess(person, "sql", 4, "quiz")
    big.assess(big.reports[0], "statistics", 3, "quiz")
    caught_up(services)
    ready = services.skills.role_readiness(str(big.analyst), k=5)
    assert ready is not None and not ready.suppressed
    assert ready.people == 5
    assert ready.ready_share == 0.2
    sql = next(c for c in ready.skills if c.skill == "sql")
    assert (sql.mean_level, sql.share_meeting) == (4.0, 1.0)
    hidden = services.skills.role_readiness(str(small.analyst), k=5)
    assert hidden is not None and hidden.suppressed and hidden.mean_readiness is None
    cells = {(c.department, c.skill): c for c in services.skills.heat_map(None, k=5)}
    # Five analysts at 4 and their lead (whose role also needs sql) unassessed.
    assert cells[("Data", "sql")].mean_level == round(20 / 6, 4)
    assert not cells[("Data", "sql")].suppressed
    assert cells[("Sales", "sql")].suppressed and cells[("Sales", "sql")].mean_level is None
    assert cells[("Sales", "sql")].people is None


PROFILE = """query($id: ID!) { skillProfile(employeeId: $id) {
  __typename ... on SkillProfile { employeeId skills { skill level source band }
  disagreements { skill difference } } ... on UserError { field message } } }"""
MATRIX = """query($id: ID!) { teamSkillMatrix(managerId: $id) { __typename
  ... on TeamSkillMatrix { skills membersNotSharing members { employeeId readiness
  levels required gaps } } ... on UserError { field } } }"""


async def test_the_api_shows_a_profile_to_the_manager_only_while_it_is_shared(
    gql: GraphQLClient, services: Services
) -> None:
    team = Team(services.app, size=2)
    ada, bea = team.reports
    team.share(ada)
    team.assess(ada, "sql", 4, "quiz")
    team.assess(bea, "sql", 2, "quiz")
    caught_up(services)
    manager = gql.acting_as("manager", str(team.manager))
    shared = await manager(PROFILE, id=str(ada))
    assert shared["data"]["skillProfile"]["skills"] == [
        {"skill": "sql", "level": 4, "source": "QUIZ", "band": "EXPERT"}
    ]
    private = await manager(PROFILE, id=str(bea))
    assert (private.get("data") or {}).get("skillProfile") is None
    assert private["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    matrix = (await manager.data(MATRIX, id=str(team.manager)))["teamSkillMatrix"]
    assert matrix["membersNotSharing"] == 1
    assert [m["employeeId"] for m in matrix["members"]] == [str(ada)]
    assert matrix["skills"] == ["sql", "statistics"]
    assert matrix["members"][0]["levels"] == [4, 0]
    assert matrix["members"][0]["required"] == [4, 3]
    assert matrix["members"][0]["gaps"] == [0, 3]
    other = await gql.acting_as("manager", str(ada))(MATRIX, id=str(team.manager))
    # Another manager's team is refused, and nothing of it is answered.
    assert other.get("data") is None
    assert [e["extensions"]["code"] for e in other["errors"]] == ["FORBIDDEN"]


async def test_unknown_people_and_roles_are_typed_errors(gql: GraphQLClient) -> None:
    unknown = "00000000-0000-4000-8000-000000000001"
    found = await gql.data(PROFILE, id=unknown)
    assert found["skillProfile"] == {"__typename": "NotFound", "field": "employeeId",
                                     "message": f"employee {unknown!r} does not exist"}  # fmt: skip
    bad = await gql.data(PROFILE, id="not-an-id")
    assert bad["skillProfile"]["__typename"] == "ValidationError"
    role = await gql.data(
        "query($r: ID!) { roleReadiness(roleId: $r) { __typename ... on UserError { field } } }",
        r=unknown,
    )
    assert role["roleReadiness"] == {"__typename": "NotFound", "field": "roleId"}


def test_a_team_matrix_follows_role_revisions_moves_and_leavers_after_it_was_read(
    services: Services,
) -> None:
    from datetime import date

    from app.aggregates import RequiredSkill
    from tests.domain_support import HR

    team = Team(services.app, size=3)
    first, second, third = team.reports
    for person in team.reports:
        team.share(person)
    caught_up(services)
    before = services.skills.team_matrix(str(team.manager))
    assert before.skills == ["sql", "statistics"] and len(before.members) == 3
    needs = [RequiredSkill("sql", 4, 5), RequiredSkill("python", 2, 3)]
    services.app.revise_role(team.analyst, title=None, skills=needs, actor=HR)
    services.app.change_role(second, role_id=team.analyst, department="Data", manager_id=None,
                             actor=HR)  # fmt: skip
    services.app.offboard_employee(third, left_on=date(2025, 1, 31), actor=HR)
    caught_up(services)
    after = services.skills.team_matrix(str(team.manager))
    assert after.skills == ["python", "sql"]
    assert [m.employee_id for m in after.members] == [str(first)]
    assert after.members[0].required == [2, 4]
