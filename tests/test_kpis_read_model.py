"""KPI figures from the read model on every engine: definitions, business time, groupings,
works-council suppression, and a replay from zero giving identical figures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.aggregates import RequiredSkill
from app.bootstrap import Services
from app.kpis.windows import Window, build
from app.projections.kpi_book import KpiGroup, KpiReport
from app.projections.replay import replay
from tests.domain_support import HR
from tests.kpi_support import LEARNER, Company, days_ago, today


def approx(expected: float) -> object:
    """KPI figures are rounded to four decimals."""
    return pytest.approx(expected, abs=1e-4)


def window(kind: str = "last_30_days") -> Window:
    return build(kind, today())


def report(services: Services, group_by: str = "company", kind: str = "last_30_days") -> KpiReport:
    assert services.read_models_reach(services.app.last_position(), timeout=20)
    return services.kpis.report(window(kind), group_by)


def group(found: KpiReport, key: str) -> KpiGroup:
    return next(g for g in found.groups if g.key == key)


def value(found: KpiReport, key: str, name: str) -> float | None:
    figures = group(found, key).figures
    assert figures is not None, f"group {key} is suppressed"
    figure = getattr(figures, name)
    return None if figure is None else figure.value


def learn(company: Company) -> None:
    """Six engineers enrolled 10 days ago: five gave up at minutes 4-50, one completed.
    One salesperson enrolled and completed 40 days ago."""
    for person, minute in zip(company.people["Engineering"], (4, 6, 8, 30, 50), strict=False):
        company.grant_tracking(person)
        company.drop(company.enroll(person, 10), 9, minute)
    company.complete(company.enroll(company.people["Engineering"][5], 10), 8)
    company.complete(company.enroll(company.people["Sales"][0], 40), 38)


def test_completion_rate_counts_enrolments_started_in_the_window(services: Services) -> None:
    company = Company(services.app)
    learn(company)
    assert value(report(services), "company", "completion_rate") == approx(1 / 6)
    assert value(report(services, kind="last_90_days"), "company", "completion_rate") == (
        approx(2 / 7)
    )


def test_drop_off_is_the_median_minute_where_dropped_enrolments_stopped(services: Services) -> None:
    company = Company(services.app)
    learn(company)
    by_module = report(services, "module")
    assert value(by_module, str(company.module_id), "drop_off_minutes") == 8
    insights = services.module_insights.insights(str(company.module_id), window(), 10)
    assert insights is not None
    assert [(b.start, b.count) for b in insights.drop_off_distribution] == [
        (0, 3),
        (10, 0),
        (20, 0),
        (30, 1),
        (40, 0),
        (50, 1),
    ]


def test_figures_are_split_by_the_department_of_the_time(services: Services) -> None:
    company = Company(services.app)
    sales = company.people["Sales"]
    for person, score in zip(sales, (10, 10, 9, 7, 3, 0), strict=True):
        services.app.answer_pulse(person, score=score, actor=LEARNER, occurred_at=days_ago(3))
    # Moving to Engineering afterwards does not carry the answer along.
    services.app.change_role(
        sales[0],
        role_id=company.role_id,
        department="Engineering",
        manager_id=company.people["Engineering"][0],
        actor=HR,
        occurred_at=days_ago(1),
    )
    by_department = report(services, "department")
    assert value(by_department, "Sales", "enps") == approx(100 * (3 - 2) / 6)
    assert value(by_department, "Engineering", "enps") is None


def test_hiring_share_and_time_to_productivity_use_hire_dates(services: Services) -> None:
    company = Company(services.app)
    hires = [company.hire("Engineering", None, hired=20) for _ in range(5)]
    for person, days in zip(hires, (10, 12, 14), strict=False):
        services.app.record_productivity_reached(
            person, reached_on=today() - timedelta(days=20 - days), actor=HR
        )
    analyst = services.app.define_role(
        code="analyst", title="Analyst", source="", skills=[RequiredSkill("sql", 4)], actor=HR
    ).id
    services.app.change_role(
        company.people["Sales"][1],
        role_id=analyst,
        department="Engineering",
        manager_id=None,
        actor=HR,
        occurred_at=days_ago(2),
    )
    found = report(services)
    assert value(found, "company", "time_to_productivity_days") == 12
    assert value(found, "company", "internal_hiring_share") == approx(1 / 6)


def test_a_change_of_manager_or_department_alone_is_not_an_internal_move(
    services: Services,
) -> None:
    company = Company(services.app)
    for _ in range(5):
        company.hire("Engineering", None, hired=20)
    services.app.change_role(
        company.people["Sales"][1],
        role_id=company.role_id,
        department="Engineering",
        manager_id=company.people["Engineering"][0],
        actor=HR,
        occurred_at=days_ago(2),
    )
    services.app.change_role(
        company.people["Sales"][2],
        role_id=company.role_id,
        department=None,
        manager_id=company.people["Sales"][3],
        actor=HR,
        occurred_at=days_ago(2),
    )
    found = report(services)
    assert value(found, "company", "internal_hiring_share") == approx(0.0)


def test_adoption_and_learning_hours_count_active_employees(services: Services) -> None:
    company = Company(services.app)
    for person in company.people["Engineering"][:5]:
        company.grant_tracking(person)
        enrollment = company.enroll(person, 5)
        services.app.record_progress(
            enrollment,
            percent=50,
            minutes=90,
            position_minutes=30,
            actor=LEARNER,
            occurred_at=days_ago(4),
        )
        services.app.record_progress(
            enrollment,
            percent=60,
            minutes=30,
            position_minutes=40,
            actor=LEARNER,
            occurred_at=days_ago(4),
        )
    found = report(services)
    assert value(found, "company", "adoption") == approx(5 / 12)
    assert value(found, "company", "learning_hours_per_employee") == approx(10 / 12)


def test_recommendation_acceptance_counts_items_enrolled_from_the_list(services: Services) -> None:
    company = Company(services.app)
    other = services.app.publish_module(company_content("Python"), actor=HR).id
    for index, person in enumerate(company.people["Sales"][:5]):
        decision = services.app.issue_recommendation(
            employee_id=person,
            module_ids=[company.module_id, other],
            scores=[0.9, 0.5],
            reasons=[[], []],
            model_version=None,
            consent_basis="role_based",
            goal=None,
            actor=LEARNER,
        ).id
        if index < 3:
            company.enroll(person, 0, source="recommendation", recommendation=decision)
    assert value(report(services), "company", "recommendation_acceptance") == approx(3 / 10)


def company_content(title: str) -> object:
    from tests.domain_support import content

    return content(title=title, skills={"python": 2})


def test_roi_compares_estimated_benefit_with_recorded_cost(services: Services) -> None:
    programme = services.app.define_programme(name="Data literacy", department="Sales", actor=HR).id
    services.app.record_programme_cost(
        programme, amount=10_000, incurred_on=today(), description="licences", actor=HR
    )
    services.app.estimate_time_saved(
        programme, hours=100, hourly_value=150, estimated_for=today(), description="", actor=HR
    )
    Company(services.app)
    assert value(report(services), "company", "roi_percent") == approx(50.0)
    assert value(report(services, "department"), "Sales", "roi_percent") == approx(50.0)


def test_groups_smaller_than_k_are_suppressed_and_marked(services: Services) -> None:
    company = Company(services.app, size=3)
    for person in company.people["Engineering"] + company.people["Sales"]:
        services.app.answer_pulse(person, score=10, actor=LEARNER, occurred_at=days_ago(1))
    by_department = report(services, "department")
    assert {g.key: (g.suppressed, g.size, g.figures) for g in by_department.groups} == {
        "Engineering": (True, None, None),
        "Sales": (True, None, None),
    }
    assert value(report(services), "company", "enps") == 100.0


def test_business_time_decides_the_window_not_the_recording_time(services: Services) -> None:
    company = Company(services.app)
    for person in company.people["Sales"]:
        services.app.answer_pulse(person, score=0, actor=LEARNER, occurred_at=days_ago(45))
    assert value(report(services), "company", "enps") is None
    assert value(report(services, kind="last_90_days"), "company", "enps") == -100.0


def test_replay_from_zero_gives_identical_figures(services: Services) -> None:
    company = Company(services.app)
    learn(company)
    for person in company.people["Sales"]:
        services.app.answer_pulse(person, score=9, actor=LEARNER, occurred_at=days_ago(2))
    services.runner.stop()
    # The quality loop may still append flags after the last batch: settle them first.
    while services.runner.catch_up():
        pass
    before = {g: report(services, g) for g in ("company", "department", "team", "module")}
    result = replay(services.runner)
    after = {g: report(services, g) for g in ("company", "department", "team", "module")}
    assert result.identical
    assert after == before
    assert value(after["company"], "company", "completion_rate") == approx(1 / 6)
