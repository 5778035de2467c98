"""Works-council views: a group smaller than k stays hidden even when two overlapping reports
are subtracted from each other (the company minus the groups that are shown, or the company
minus a filtered report)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields

import pytest

from app.bootstrap import Services, build_services
from app.kpis import windows
from app.kpis.figures import Figure
from app.projections.kpi_book import KpiFigures, KpiFilter, KpiReport
from app.settings import Settings
from tests.kpi_support import Company, today

K = 5


@pytest.fixture
def unequal_company() -> Iterator[tuple[Services, Company]]:
    """Engineering has 8 people, Sales 3 (fewer than k); everyone learns, some finish."""
    services = build_services(
        Settings(persistence="memory", seed_if_empty=False, min_group_size=K),
        start_projections=False,
    )
    company = Company(services.app, size=3)
    manager = company.people["Engineering"][0]
    company.people["Engineering"] += [
        company.hire("Engineering", manager, hired=200) for _ in range(5)
    ]
    for department, people in company.people.items():
        for n, person in enumerate(people):
            enrollment = company.enroll(person, 10)
            if n % 2 == 0 or department == "Sales":
                company.complete(enrollment, 5)
    services.runner.catch_up()
    try:
        yield services, company
    finally:
        services.close()


def report(services: Services, group_by: str, where: KpiFilter | None = None) -> KpiReport:
    return services.kpis.report(windows.last_days(30, today()), group_by, where)


def shown(figure: Figure | None) -> Figure | None:
    return None if figure is None or figure.suppressed or figure.value is None else figure


def revealed_by_difference(whole: KpiReport, parts: KpiReport) -> list[str]:
    """Figures where ``whole`` minus the shown groups of ``parts`` rests on 1..k-1 people."""
    (total,) = whole.groups
    if total.figures is None:
        return []  # the larger report is hidden itself: nothing to subtract from
    leaks = []
    for name in (f.name for f in fields(KpiFigures)):
        overall = shown(getattr(total.figures, name))
        if overall is None or overall.people is None:
            continue
        visible = [
            figure
            for group in parts.groups
            if not group.suppressed and (figure := shown(getattr(group.figures, name)))
        ]
        if any(figure.people is None for figure in visible):
            continue
        rest = overall.people - sum(figure.people or 0 for figure in visible)
        if 0 < rest < K:
            leaks.append(f"{name}: {rest} people")
    return leaks


def test_the_small_group_itself_is_suppressed(unequal_company: tuple[Services, Company]) -> None:
    services, _ = unequal_company
    by_department = {g.key: g for g in report(services, "department").groups}
    assert by_department["Sales"].suppressed and by_department["Sales"].figures is None
    filtered = report(services, "company", KpiFilter(department="Sales"))
    assert all(group.suppressed for group in filtered.groups)


def test_company_minus_the_shown_departments_reveals_no_suppressed_group(
    unequal_company: tuple[Services, Company],
) -> None:
    services, _ = unequal_company

    leaks = revealed_by_difference(report(services, "company"), report(services, "department"))

    assert leaks == []


def test_company_minus_a_filtered_department_reveals_no_suppressed_group(
    unequal_company: tuple[Services, Company],
) -> None:
    services, _ = unequal_company

    leaks = revealed_by_difference(
        report(services, "company"),
        report(services, "company", KpiFilter(department="Engineering")),
    )

    assert leaks == []


def test_company_minus_the_shown_teams_reveals_no_suppressed_team(
    unequal_company: tuple[Services, Company],
) -> None:
    """Managers belong to no team, so the company is more than its teams: that rest counts."""
    services, _ = unequal_company
    whole = report(services, "company")
    assert whole.groups[0].figures is not None  # something to subtract from

    leaks = revealed_by_difference(whole, report(services, "team"))

    assert leaks == []
