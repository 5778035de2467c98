"""KPI history from the daily buckets: the same figures as a report over the same days,
the works council's k rule on every point, and a replay from zero writing the same rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.bootstrap import Services
from app.kpis.windows import custom
from app.projections.kpi_trends import TREND_KPIS, TrendReport
from app.projections.replay import replay
from tests.kpi_support import LEARNER, Company, days_ago, today


def settle(services: Services) -> None:
    assert services.read_models_reach(services.app.last_position(), timeout=20)


def history(services: Services, scope: str = "company", interval: str = "day") -> TrendReport:
    settle(services)
    start = today() - timedelta(days=60)
    return services.trends.history(TREND_KPIS, scope, interval, start, today())


def point(found: TrendReport, key: str, kpi: str, day: date) -> float | None:
    series = next(s for s in found.series if s.key == key and s.kpi == kpi)
    return next(p for p in series.points if p.period.start == day).figure.value


def study(company: Company) -> None:
    """Engineering: five enrol 20 days ago, two complete; five answer a pulse (9, 9, 9, 5, 7)
    12 days ago and rate the module 4 each. Sales: one person completes 20 days ago."""
    engineers = company.people["Engineering"][:5]
    for person in engineers:
        company.grant_tracking(person)
    enrolments = [company.enroll(p, 20) for p in engineers]
    for enrolment in enrolments[:2]:
        company.complete(enrolment, 15)
    for person, score in zip(engineers, (9, 9, 9, 5, 7), strict=True):
        company.app.answer_pulse(person, score=score, actor=LEARNER, occurred_at=days_ago(12))
    for enrolment in enrolments:
        company.app.give_feedback(
            enrolment, rating=4, comment="", actor=LEARNER, occurred_at=days_ago(12)
        )
    company.complete(company.enroll(company.people["Sales"][0], 20), 18)


def test_a_day_of_history_has_the_figures_of_a_report_over_that_day(services: Services) -> None:
    company = Company(services.app)
    study(company)
    found = history(services)
    enrolled, answered = today() - timedelta(days=20), today() - timedelta(days=12)
    assert point(found, "company", "completion_rate", enrolled) == pytest.approx(0.5)
    assert point(found, "company", "enps", answered) == pytest.approx(40.0)
    assert point(found, "company", "average_rating", answered) == pytest.approx(4.0)
    for day, kpi in ((enrolled, "completion_rate"), (answered, "enps")):
        report = services.kpis.report(custom(day, day))
        figure = getattr(report.groups[0].figures, kpi)
        assert point(found, "company", kpi, day) == figure.value


def test_a_month_of_history_adds_up_its_days(services: Services) -> None:
    company = Company(services.app)
    study(company)
    found = history(services, interval="month")
    month = (today() - timedelta(days=20)).replace(day=1)
    rows = next(s for s in found.series if s.kpi == "completion_rate").points
    this = next(p for p in rows if p.period.start == month)
    assert this.period.label == month.isoformat()[:7]
    assert this.figure.denominator is not None and this.figure.denominator >= 6
    assert this.group_size == 12


def test_a_department_with_fewer_than_k_people_behind_a_figure_is_hidden(
    services: Services,
) -> None:
    company = Company(services.app)
    study(company)
    found = history(services, scope="department")
    enrolled, answered = today() - timedelta(days=20), today() - timedelta(days=12)
    # Only five engineers answered the pulse: shown.
    assert point(found, "Engineering", "enps", answered) == pytest.approx(40.0)
    # One salesperson enrolled beside five engineers: Sales is hidden, and Engineering too,
    # since the company's figure minus Engineering's would give the salesperson away.
    sales = next(s for s in found.series if s.key == "Sales" and s.kpi == "completion_rate")
    hidden = next(p for p in sales.points if p.period.start == enrolled)
    assert hidden.figure.value is None and hidden.figure.suppressed
    assert point(found, "Engineering", "completion_rate", enrolled) is None


def test_headcount_and_adoption_follow_hires_and_learners(services: Services) -> None:
    company = Company(services.app)
    study(company)
    found = history(services, interval="month")
    adoption = next(s for s in found.series if s.kpi == "adoption").points
    month = (today() - timedelta(days=20)).replace(day=1)
    this = next(p for p in adoption if p.period.start == month)
    assert this.figure.denominator == 12
    assert this.figure.numerator is not None and this.figure.numerator >= 5


def test_replay_from_zero_writes_the_same_history(services: Services) -> None:
    company = Company(services.app)
    study(company)
    services.runner.stop()
    while services.runner.catch_up():
        pass
    before = history(services, scope="department")
    result = replay(services.runner)
    assert result.identical
    assert history(services, scope="department") == before
