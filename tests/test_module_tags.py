"""Suggested topics and skills for new modules: from the catalogue's own vocabulary and the
competence model, with a confidence and a reason; HR accepts or corrects them as an event;
bad input is a typed error naming the field; quality measured on held-out demo modules."""

from __future__ import annotations

from typing import Any

from app.aggregates import Actor, ModuleContent
from app.bootstrap import Services
from app.competence.model import competence_model
from app.seed.competence import ROLES
from app.seed.plan import DemoSpec, plan_for
from app.tagging.evaluation import evaluate
from app.tagging.suggest import CatalogueEntry, RoleEntry, SkillEntry, Vocabulary
from tests.conftest import GraphQLClient
from tests.kpi_support import Company

HR = Actor(id="hr@skillpath", role="hr")

CATALOGUE = [
    CatalogueEntry("1", "SQL joins in practice", "Inner and outer joins on real tables.",
                   ["data", "sql", "joins"], ["sql"]),
    CatalogueEntry("2", "Window functions in SQL", "Ranking and running totals in queries.",
                   ["data", "sql"], ["sql"]),
    CatalogueEntry("3", "Giving feedback that lands", "Feedback conversations with your team.",
                   ["leadership", "giving feedback"], ["giving feedback"]),
    CatalogueEntry("4", "Unit tests for Python code", "Write small tests with pytest fixtures.",
                   ["software engineering", "python", "unit tests"],
                   ["python", "software testing"]),
]  # fmt: skip


def vocabulary() -> Vocabulary:
    skills = [SkillEntry(s.skill, s.title, s.description, s.framework) for s in competence_model()]
    return Vocabulary(CATALOGUE, skills, [RoleEntry("Data Analyst", ["sql", "data analysis"])])


def test_a_skill_named_in_the_title_comes_first_with_its_reason() -> None:
    found = vocabulary().suggest("Subqueries in SQL", "Nested queries over our sales tables.")
    first = found["skill"][0]
    assert first.label == "sql"
    assert "title names 'sql'" in first.reason
    assert "catalogue" in first.sources
    assert found["topic"][0].label in ("sql", "data")
    assert all(
        a.confidence >= b.confidence
        for a, b in zip(found["skill"], found["skill"][1:], strict=False)
    )


def test_words_alone_point_to_the_tags_of_modules_that_use_them() -> None:
    found = vocabulary().suggest("Running totals and rankings", "Ranking rows in queries.")
    assert found["skill"][0].label == "sql"
    assert "catalogue module" in found["skill"][0].reason


def test_the_competence_model_and_roles_name_skills_no_module_carries() -> None:
    found = vocabulary().suggest("Simple prompting for support staff", "Write better prompts.")
    assert "simple prompting" in [s.label for s in found["skill"]]
    assert "competence" in next(s for s in found["skill"] if s.label == "simple prompting").sources
    analyst = vocabulary().suggest("A week as a data analyst", "What the job looks like.")
    reasons = {s.label: s.reason for s in analyst["skill"]}
    assert "Data Analyst" in reasons.get("data analysis", "")


def test_a_module_is_scored_without_its_own_tags() -> None:
    # "joins" is a topic only module 1 carries: asking about module 1 must not read it back.
    mine = vocabulary().suggest(CATALOGUE[0].title, CATALOGUE[0].description, leave_out="1")
    assert "joins" not in [s.label for s in mine["topic"]]
    other = vocabulary().suggest("Self joins explained", "Joins of a table with itself.")
    assert "joins" in [s.label for s in other["topic"]]


def test_held_out_demo_modules_get_their_skill_first_most_of_the_time() -> None:
    plan = plan_for(DemoSpec())
    entries = [
        CatalogueEntry(str(m.id), m.content.title, m.content.description, m.content.topics,
                       list(m.content.skills))
        for m in plan.modules
    ]  # fmt: skip
    skills = [SkillEntry(s.skill, s.title, s.description, s.framework) for s in competence_model()]
    roles = [RoleEntry(r.title, [s[0] for s in r.skills]) for r in ROLES]
    results = {(r.kind, r.k): r for r in evaluate(entries, (1, 3, 5), skills, roles)}
    assert results["skill", 1].modules == 30
    assert results["skill", 1].precision >= 0.7
    assert results["skill", 5].recall >= 0.6
    assert results["topic", 1].precision >= 0.6
    assert results["topic", 5].recall >= 0.45


SUGGESTIONS = """query($m: ID!, $limit: Int, $at: Int) {
  moduleTagSuggestions(moduleId: $m, limit: $limit, consistentWith: $at) {
  moduleId currentTopics currentSkills review { accepted rejected added }
  topics { label confidence sources reason status }
  skills { label confidence sources reason status } } }"""
REVIEW = """mutation($input: ReviewModuleTagsInput!) { reviewModuleTags(input: $input) {
  __typename ... on ModulePayload { position module { topics skills { skill level } } }
  ... on UserError { field message } } }"""
DRAFT = """query($t: String!, $d: String, $limit: Int) {
  suggestModuleTags(title: $t, description: $d, limit: $limit) {
  moduleId topics { label status } skills { label confidence status } } }"""


def publish(services: Services) -> list[str]:
    ids = []
    for entry in CATALOGUE:
        content = ModuleContent(
            title=entry.title, description=entry.description, topics=list(entry.topics),
            skills={s: 2 for s in entry.skills}, difficulty=2, media_type="video",
            minutes=20, language="en", prerequisite_ids=[],
        )  # fmt: skip
        ids.append(str(services.app.publish_module(content, actor=HR).id))
    return ids


async def test_hr_accepts_and_corrects_suggestions_and_the_review_is_an_event(
    gql: GraphQLClient, services: Services
) -> None:
    publish(services)
    new = services.app.publish_module(ModuleContent(
        title="Subqueries in SQL", description="Nested queries over our sales tables.",
        topics=["misc"], skills={"writing": 1}, difficulty=2, media_type="article", minutes=15,
        language="en", prerequisite_ids=[]), actor=HR)  # fmt: skip
    at = services.app.last_position()
    found = (await gql.data(SUGGESTIONS, m=str(new.id), at=at))["moduleTagSuggestions"]
    assert found["skills"][0]["label"] == "sql"
    assert found["skills"][0]["status"] == "SUGGESTED"
    assert 0 < found["skills"][0]["confidence"] <= 1
    assert found["currentTopics"] == ["misc"] and found["review"] is None
    topics = [*[t["label"] for t in found["topics"]][:1], "reporting"]
    reviewed = await gql.data(REVIEW, input={
        "moduleId": str(new.id), "topics": topics,
        "skills": [{"skill": "sql", "level": 2}]})  # fmt: skip
    payload = reviewed["reviewModuleTags"]
    assert payload["__typename"] == "ModulePayload"
    assert payload["module"]["topics"] == topics
    assert payload["module"]["skills"] == [{"skill": "sql", "level": 2}]
    after = await gql.data(SUGGESTIONS, m=str(new.id), at=payload["position"])
    review = after["moduleTagSuggestions"]["review"]
    assert "skill:sql" in review["accepted"]
    assert "topic:reporting" in review["added"]
    assert set(review["rejected"]) == {
        f"{kind}:{s['label']}" for kind in ("topic", "skill")
        for s in found[f"{kind}s"] if s["label"] not in topics and s["label"] != "sql"
    }  # fmt: skip
    statuses = {s["label"]: s["status"] for s in after["moduleTagSuggestions"]["skills"]}
    assert statuses["sql"] == "ACCEPTED"
    stored = [type(e).__qualname__ for e in services.app.events.get(new.id)]
    assert stored[-2:] == ["LearningModule.TagsReviewed", "LearningModule.Revised"]


async def test_a_draft_gets_suggestions_before_it_is_published(
    gql: GraphQLClient, services: Services
) -> None:
    publish(services)
    await gql.data(SUGGESTIONS, m=str(publish(services)[0]), at=services.app.last_position())
    found = await gql.data(DRAFT, t="Unit tests for data pipelines", d="pytest for ETL.")
    draft = found["suggestModuleTags"]
    assert draft["moduleId"] is None
    assert "software testing" in [s["label"] for s in draft["skills"]]
    assert {s["status"] for s in draft["skills"]} == {"SUGGESTED"}


async def field_of(gql: GraphQLClient, query: str, **variables: Any) -> str:
    body = await gql(query, **variables)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    return str(body["errors"][0]["extensions"]["field"])


async def test_bad_input_is_a_typed_error_naming_the_field_and_nothing_is_written(
    gql: GraphQLClient, services: Services
) -> None:
    module = publish(services)[0]
    assert await field_of(gql, SUGGESTIONS, m=module, limit=0) == "limit"
    assert await field_of(gql, SUGGESTIONS, m="not-an-id") == "moduleId"
    assert await field_of(gql, DRAFT, t="   ") == "title"
    assert await field_of(gql, DRAFT, t="SQL", d="bad\x01text") == "description"
    missing = await gql.data(SUGGESTIONS, m="00000000-0000-0000-0000-000000000001")
    assert missing["moduleTagSuggestions"] is None
    before = services.app.last_position()
    for value, field in (
        ({"skills": []}, "skills"),
        ({"skills": [{"skill": "sql", "level": 2}, {"skill": "SQL", "level": 3}]},
         "skills.skill"),
        ({"skills": [{"skill": "sql", "level": 9}]}, "skills.level"),
        ({"topics": [f"t{i}" for i in range(21)],
          "skills": [{"skill": "sql", "level": 2}]}, "topics"),
        ({"moduleId": "00000000-0000-0000-0000-000000000001",
          "skills": [{"skill": "sql", "level": 2}]}, "moduleId"),
    ):  # fmt: skip
        given = {"moduleId": module, "topics": ["sql"], **value}
        answer = (await gql.data(REVIEW, input=given))["reviewModuleTags"]
        assert answer.get("field") == field, (value, answer)
    assert services.app.last_position() == before


async def test_only_hr_asks_for_and_answers_suggestions(
    gql: GraphQLClient, services: Services
) -> None:
    module = publish(services)[0]
    employee = str(Company(services.app).people["Engineering"][0])
    for role in ("employee", "works_council", "leadership"):
        other = gql.acting_as(role, employee if role == "employee" else f"{role}@skillpath")
        body = await other(DRAFT, t="SQL basics")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (role, body)
        body = await other(REVIEW, input={"moduleId": module, "topics": [],
                                          "skills": [{"skill": "sql", "level": 1}]})  # fmt: skip
        answer = (body.get("data") or {}).get("reviewModuleTags")
        assert answer is None or answer["__typename"] == "NotAllowed", (role, body)
    hr = gql.acting_as("hr", "hr@skillpath")
    assert (await hr.data(DRAFT, t="SQL basics"))["suggestModuleTags"]["skills"]
