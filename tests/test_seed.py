"""The demo organisation: reproducible, realistic, and made of real events that replay."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from app.aggregates import Actor, Employee, Enrollment, RecommendationDecision, Role
from app.aggregates.base import utc_now
from app.bootstrap import Services, build_services
from app.cli import main
from app.consent.ledger import ConsentLedger
from app.projections.replay import replay
from app.seed import DemoSpec, SeedSummary, plan_for, seed_demo
from app.seed.competence import ROLE_BY_CODE, SKILL_BY_NAME
from app.settings import Settings

#: One end of history for the whole module, so two seeds of one spec are comparable.
UNTIL = utc_now().replace(hour=0, minute=0, second=0, microsecond=0)
SMALL = DemoSpec(employees=30, modules=20, seed=7, months=6, until=UNTIL)


@dataclass
class Seeded:
    """A demo organisation seeded into fresh services, with what seeding reported."""

    services: Services
    summary: SeedSummary
    progress_total: int
    saves: int
    #: The log position when seeding ended (read models may add their own commands later).
    position: int


def seed_into(settings: Settings, spec: DemoSpec) -> Seeded:
    services = build_services(settings, start_projections=False)
    saves: list[int] = []
    services.app.saved.callbacks.append(saves.append)
    reported: list[int] = []
    summary = seed_demo(services.app, spec, progress=reported.append)
    issued, position = len(saves), services.app.last_position()
    services.runner.catch_up()
    return Seeded(services, summary, sum(reported), issued, position)


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """One small organisation per engine, shared by the read-only checks of this module."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("seed") / "skillpath.sqlite3"
        settings = Settings(persistence="sqlite", sqlite_path=str(path), seed_if_empty=False)
    else:
        settings = Settings(persistence="memory", seed_if_empty=False)
    result = seed_into(settings, SMALL)
    try:
        yield result
    finally:
        result.services.close()


def rows(services: Services, table: str) -> list[dict[str, Any]]:
    with services.gateway.transaction(write=False) as tx:
        return tx.rows(f"SELECT * FROM {{{table}}}")


def stored_events(services: Services) -> list[Any]:
    """Every domain event in log order, read back from the event store."""
    app = services.app
    events: list[Any] = []
    while True:
        batch = app.recorder.select_notifications(start=len(events) + 1, limit=1000)
        if not batch:
            return events
        events += [app.mapper.to_domain_event(n) for n in batch]


class IdMap:
    """Replaces ids by the order they first appear in, so two stores compare by content."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, UUID) or (isinstance(value, str) and _is_uuid(value)):
            return self.ids.setdefault(str(value), f"id-{len(self.ids)}")
        if isinstance(value, list | tuple):
            return [self(item) for item in value]
        if isinstance(value, dict):
            return {self(k): self(v) for k, v in value.items()}
        if isinstance(value, Actor):
            return Actor(self(value.id), value.role)
        return value


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return len(text) == 36


def event_contents(services: Services) -> list[tuple[str, dict[str, Any]]]:
    """Each event's class and fields, ids mapped and the recording timestamp left out."""
    ids = IdMap()
    return [
        (type(e).__qualname__, {k: ids(v) for k, v in vars(e).items() if k != "timestamp"})
        for e in stored_events(services)
    ]


def test_same_seed_gives_the_same_company_and_the_same_events(
    memory_settings: Settings,
) -> None:
    first = seed_into(memory_settings, SMALL)
    second = seed_into(memory_settings, SMALL)
    try:
        assert event_contents(first.services) == event_contents(second.services)
        people = [
            (r["name"], r["email"], r["hire_date"]) for r in rows(first.services, "employees")
        ]
        assert sorted(people) == sorted(
            (r["name"], r["email"], r["hire_date"]) for r in rows(second.services, "employees")
        )
        assert (
            first.summary.describe().splitlines()[:4]
            == (second.summary.describe().splitlines()[:4])
        )
    finally:
        first.services.close()
        second.services.close()


def test_different_seeds_give_different_companies() -> None:
    one = plan_for(SMALL)
    other = plan_for(DemoSpec(employees=30, modules=20, seed=8, months=6, until=UNTIL))
    assert [p.identity.email for p in one.people] != [p.identity.email for p in other.people]
    assert [m.content.title for m in one.modules] != [m.content.title for m in other.modules]


def test_progress_reports_add_up_to_the_commands_issued(seeded: Seeded) -> None:
    # Commands are saved together (thousands of events per transaction), each save
    # announced once; progress counts commands.
    assert 1 <= seeded.saves < seeded.summary.commands / 100
    assert seeded.progress_total == seeded.summary.commands
    assert SMALL.estimated_commands() == seeded.summary.commands


def test_saving_together_writes_the_log_one_save_per_command_writes() -> None:
    logs = []
    saves = []
    for save_every in (None, 500):
        services = build_services(Settings(persistence="memory", seed_if_empty=False))
        try:
            announced: list[int] = []
            services.app.saved.callbacks.append(announced.append)
            seed_demo(services.app, SMALL, save_every=save_every)
            notifications = services.app.recorder.select_notifications(start=1, limit=10**6)
            logs.append([(n.topic, n.originator_version) for n in notifications])
            saves.append(len(announced))
        finally:
            services.close()
    assert logs[0] == logs[1]  # the same events in the same order
    assert saves[0] == SMALL.estimated_commands()
    assert saves[1] < saves[0] / 20


def test_every_employee_has_a_role_that_exists(seeded: Seeded) -> None:
    roles = {r["id"]: r for r in rows(seeded.services, "roles")}
    employees = rows(seeded.services, "employees")
    assert len(employees) == SMALL.employees
    for employee in employees:
        assert employee["role_id"] in roles
        assert roles[employee["role_id"]]["status"] == "active"


def test_the_hierarchy_has_one_top_and_no_cycles(seeded: Seeded) -> None:
    manager_of = {r["id"]: r["manager_id"] for r in rows(seeded.services, "employees")}
    tops = [e for e, m in manager_of.items() if m is None]
    assert len(tops) == 1
    for employee in manager_of:
        seen = {employee}
        boss = manager_of[employee]
        while boss is not None:
            assert boss not in seen, f"manager cycle through {boss}"
            seen.add(boss)
            boss = manager_of[boss]


def test_managers_were_hired_before_their_reports(seeded: Seeded) -> None:
    hired: dict[UUID, date] = {}
    for event in stored_events(seeded.services):
        if isinstance(event, Employee.Hired):
            if event.manager_id is not None:
                assert hired[event.manager_id] < event.hire_date
            hired[event.originator_id] = event.hire_date
        elif isinstance(event, Employee.RoleChanged) and event.manager_id is not None:
            assert hired[event.manager_id] < event.occurred_at.date()
    assert len(hired) == SMALL.employees


def test_prerequisites_are_earlier_easier_modules_of_the_same_area_without_cycles(
    seeded: Seeded,
) -> None:
    modules = {m["id"]: m for m in rows(seeded.services, "modules")}
    graph: dict[str, list[str]] = {}
    for module_id, module in modules.items():
        prerequisites = Module(module).prerequisites
        for required in prerequisites:
            before = Module(modules[required])
            assert before.row["seq"] < module["seq"]
            assert before.row["difficulty"] < module["difficulty"]
            assert before.area == Module(module).area
        graph[module_id] = prerequisites
    assert any(graph.values()), "the demo should have some prerequisites"
    TopologicalSorter(graph).prepare()  # raises CycleError on a cycle


@dataclass(frozen=True)
class Module:
    """A catalogue row; the first topic of a demo module is its skill area."""

    row: dict[str, Any]

    @property
    def prerequisites(self) -> list[str]:
        return list(json.loads(self.row["prerequisite_ids"]))

    @property
    def area(self) -> str:
        return str(json.loads(self.row["topics"])[0])


def test_business_times_run_forward_per_enrolment_and_stay_within_employment(
    seeded: Seeded,
) -> None:
    events = stored_events(seeded.services)
    hired: dict[UUID, datetime] = {}
    left: dict[UUID, datetime] = {}
    ledger_owner: dict[UUID, UUID] = {}
    enrolment_owner: dict[UUID, UUID] = {}
    last_time: dict[UUID, datetime] = {}
    now = utc_now()
    for event in events:
        if isinstance(event, Employee.Hired):
            hired[event.originator_id] = datetime.combine(event.hire_date, time(), tzinfo=UTC)
        elif isinstance(event, Employee.Left):
            left[event.originator_id] = datetime.combine(event.left_on, time.max, tzinfo=UTC)
        elif isinstance(event, ConsentLedger.Opened):
            ledger_owner[event.originator_id] = event.employee_id
        elif isinstance(event, Enrollment.Enrolled | RecommendationDecision.RecommendationIssued):
            enrolment_owner[event.originator_id] = event.employee_id
        when = getattr(event, "occurred_at", None)
        if when is None:
            continue
        owner = (
            event.originator_id if event.originator_id in hired
            else ledger_owner.get(event.originator_id)
            or enrolment_owner.get(event.originator_id)
        )  # fmt: skip
        assert owner is not None, event
        assert hired[owner] < when <= min(SMALL.until, now)
        assert owner not in left or when < left[owner]
        if isinstance(event, Enrollment.Event):
            assert last_time.get(event.originator_id, when) <= when, event
            last_time[event.originator_id] = when
    assert len(last_time) == seeded.summary.enrollments


def test_summary_counts_match_the_read_models(seeded: Seeded) -> None:
    services, summary = seeded.services, seeded.summary
    employees = rows(services, "employees")
    modules = rows(services, "modules")
    enrolments = Counter(r["status"] for r in rows(services, "enrollments"))
    consents = Counter(r["action"] for r in rows(services, "consent_history"))
    events = Counter(type(e).__qualname__ for e in stored_events(services)[: seeded.position])
    assert summary.roles == len(rows(services, "roles")) == len(ROLE_BY_CODE)
    assert summary.employees == len(employees)
    assert summary.left == sum(r["status"] == "left" for r in employees)
    assert summary.role_changes == sum(r["role_changes"] for r in employees)
    assert summary.departments == len({r["department"] for r in employees})
    assert summary.managers == len({r["manager_id"] for r in employees} - {None})
    assert summary.productivity_reached == sum(r["productive_since"] is not None for r in employees)
    assert summary.modules == len(modules)
    assert summary.retired_modules == sum(r["status"] == "retired" for r in modules)
    assert summary.revised_modules == sum(r["revision"] > 0 for r in modules)
    assert summary.enrollments == sum(enrolments.values())
    assert (summary.completed, summary.dropped, summary.active) == (
        enrolments["completed"], enrolments["dropped"], enrolments["active"],
    )  # fmt: skip
    assert summary.feedback == sum(r["rating"] is not None for r in rows(services, "enrollments"))
    assert (summary.consent_grants, summary.consent_withdrawals) == (
        consents["granted"], consents["withdrawn"],
    )  # fmt: skip
    assert summary.attribute_declarations == len(rows(services, "fairness_attributes"))
    assert summary.pulse_answers == events["Employee.PulseAnswered"]
    assert summary.assessments == events["Employee.SkillAssessed"]
    assert summary.progress_events == events["Enrollment.Progressed"]
    assert summary.quiz_attempts == events["Enrollment.QuizAttempted"]
    assert summary.events == seeded.position == sum(events.values())
    assert f"{summary.employees:,} employees" in summary.describe()


def test_a_seeded_organisation_replays_to_identical_read_models(seeded: Seeded) -> None:
    report = replay(seeded.services.runner)
    assert report.events == seeded.services.app.last_position() >= seeded.summary.events
    assert report.identical


def test_the_default_demo_has_the_shape_the_product_needs() -> None:
    plan = plan_for(DemoSpec(until=UNTIL))
    people, modules, summary = plan.people, plan.modules, plan.summary
    assert 15 <= summary.roles <= 25
    assert all(4 <= len(role.skills) <= 8 for role in ROLE_BY_CODE.values())
    needed = {skill for role in ROLE_BY_CODE.values() for skill, _, _ in role.skills}
    assert {m.skill for m in modules} <= needed
    assert 0.05 <= summary.role_changes / summary.employees <= 0.10
    assert 0 < summary.left < summary.employees * 0.1
    assert summary.retired_modules >= 2
    languages = Counter(m.content.language for m in modules)
    assert languages["en"] > len(modules) / 2 and languages["nb"] and languages["de"]
    recent = [p for p in people if p.hire_date >= (UNTIL - timedelta(days=183)).date()]
    assert recent and summary.productivity_reached > 0
    assert len({p.department for p in people}) >= 8


def test_the_demo_has_a_pilot_programme_and_recommendations_answered_over_its_history(
) -> None:  # fmt: skip
    plan = plan_for(DemoSpec(until=UNTIL))
    steps = Counter(step.command for step in plan.steps)
    assert steps["define_programme"] == 1 and steps["define_programme_phase"] == 1
    cohort = next(s for s in plan.steps if s.command == "confirm_pilot_cohort")
    assert len(cohort.args["employee_ids"]) == 15
    issued = [s for s in plan.steps if s.command == "issue_recommendation"]
    answers = Counter(s.args["answer"] for s in plan.steps
                      if s.command == "answer_recommendation")  # fmt: skip
    from_lists = [s for s in plan.steps if s.command == "enroll"
                  and s.args["source"] == "recommendation"]  # fmt: skip
    assert len(issued) > 200 and len(from_lists) == len(issued)
    assert 0 < answers["dismissed"] < 2 * len(issued)
    months = {s.at.strftime("%Y-%m") for s in issued}
    assert len(months) >= 6  # spread over the history, not all on the seeding day
    assert steps["record_programme_cost_line"] >= 3 and steps["record_programme_benefit"] >= 1


def test_most_enrolments_close_a_gap_of_the_learners_role() -> None:
    plan = plan_for(DemoSpec(until=UNTIL))
    role_of = {p.id: p.role_code for p in plan.people}
    modules = {m.id: m for m in plan.modules}
    enrolments = [s for s in plan.steps if s.command == "enroll"]
    for_role = [
        s for s in enrolments
        if set(modules[s.args["module_id"]].content.skills)
        & {skill for skill, _, _ in ROLE_BY_CODE[role_of[s.args["employee_id"]]].skills}
    ]  # fmt: skip
    assert len(for_role) > 0.6 * len(enrolments)
    assigned = Counter(s.args["source"] for s in enrolments)
    assert assigned["self"] > assigned["assigned"] > 0


def test_modules_people_abandon_lose_them_early() -> None:
    plan = plan_for(DemoSpec(until=UNTIL))
    modules = {m.id: m for m in plan.modules}
    module_of = {
        Enrollment.id_for(s.args["employee_id"], s.args["module_id"]): modules[s.args["module_id"]]
        for s in plan.steps if s.command == "enroll"
    }  # fmt: skip
    shares: dict[bool, list[float]] = defaultdict(list)
    for step in plan.steps:
        if step.command == "drop_enrollment":
            module = module_of[step.args["enrollment_id"]]
            share = step.args["position_minutes"] / module.minutes_at(step.at)
            shares[module.drop_prone].append(share)
    assert statistics.median(shares[True]) < 0.3 < statistics.median(shares[False])


def test_consent_is_mostly_granted_for_personalisation_and_sometimes_withdrawn() -> None:
    plan = plan_for(DemoSpec(until=UNTIL))
    grants = Counter(s.args["purpose"] for s in plan.steps if s.command == "grant_consent")
    employees = plan.summary.employees
    assert grants["personalisation"] > 0.7 * employees
    assert grants["activity_tracking"] > 0.6 * employees
    assert grants["personalisation"] > grants["profile_sharing"] > grants["fairness_audit"] > 0
    assert plan.summary.consent_withdrawals > 0
    # Attributes for fairness reports come only from people who opted in to them.
    assert 0 < plan.summary.attribute_declarations <= grants["fairness_audit"]


def test_feedback_mixes_praise_and_complaints_in_english() -> None:
    plan = plan_for(DemoSpec(until=UNTIL))
    feedback = [s.args for s in plan.steps if s.command == "give_feedback"]
    ratings = Counter(f["rating"] for f in feedback)
    assert ratings[5] and ratings[4] and ratings[2] and ratings[1]
    praised = {f["comment"] for f in feedback if f["rating"] >= 4 and f["comment"]}
    complaints = {f["comment"] for f in feedback if f["rating"] <= 2 and f["comment"]}
    assert praised and complaints and not praised & complaints
    assert all(f["comment"].isascii() for f in feedback)


def test_pulse_answers_are_enps_scores_and_leavers_are_less_happy() -> None:
    plan = plan_for(DemoSpec(until=UNTIL))
    leaving = {p.id for p in plan.people if p.leaves_on is not None}
    scores: dict[bool, list[int]] = defaultdict(list)
    for step in plan.steps:
        if step.command == "answer_pulse":
            assert 0 <= step.args["score"] <= 10
            scores[step.args["employee_id"] in leaving].append(step.args["score"])
    assert statistics.mean(scores[True]) < statistics.mean(scores[False])


def test_roles_and_modules_use_one_vocabulary_of_skills() -> None:
    plan = plan_for(SMALL)
    for module in plan.modules:
        assert set(module.content.skills) <= set(SKILL_BY_NAME)
    defined = [s.args["code"] for s in plan.steps if s.command == "define_role"]
    hired_roles = {s.args["role_id"] for s in plan.steps if s.command == "hire_employee"}
    assert hired_roles <= {Role.id_for(code) for code in defined}


@pytest.mark.parametrize("field, value", [("employees", 0), ("modules", 0), ("months", 0)])
def test_a_demo_spec_out_of_range_names_the_field(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=field):
        DemoSpec(**{field: value})  # type: ignore[arg-type]


def test_a_demo_cannot_end_in_the_future() -> None:
    with pytest.raises(ValueError, match="until"):
        DemoSpec(until=utc_now() + timedelta(days=1))


def test_the_seed_command_fills_an_empty_database_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SKILLPATH_PERSISTENCE", "sqlite")
    monkeypatch.setenv("SKILLPATH_SQLITE_PATH", str(tmp_path / "cli.sqlite3"))
    arguments = ["seed", "--employees", "12", "--modules", "8", "--months", "2", "--seed", "3"]
    assert main(arguments) == 0
    assert "12 employees" in capsys.readouterr().out
    assert main(arguments) == 1
    assert "--force" in capsys.readouterr().err
    services = build_services(Settings.from_env(), start_projections=False)
    try:
        assert len(rows(services, "employees")) == 12
    finally:
        services.close()
