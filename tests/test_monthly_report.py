"""The monthly leadership report: KPIs against targets, trends, the pilot against the rest,
ROI and the modules that need revision, as PDF pages that render and read back, and as
HTML; the works-council variant with departments under the k rule; bad months refused."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.aggregates.programme_phases import criterion
from app.bootstrap import Services
from app.cli import main
from app.report.content import gather
from app.report.render import to_html, to_pdf
from tests.domain_support import HR
from tests.kpi_support import LEARNER, Company, today


def arrange(services: Services) -> str:
    company = Company(services.app)
    people = company.people["Engineering"] + company.people["Sales"]
    for person in people:
        services.app.grant_consent(
            person, purpose="personalisation", policy_version="v1", actor=LEARNER
        )
    for person in company.people["Engineering"]:
        company.complete(company.enroll(person, 1), 0)
    for person in company.people["Sales"]:
        company.enroll(person, 1)
    app = services.app
    programme = app.define_programme(name="Personalised learning", department=None, actor=HR).id
    app.define_programme_phase(
        programme, kind="pilot", name="Pilot", starts_on=today() - timedelta(days=30),
        ends_on=today() + timedelta(days=150),
        success_criteria=[criterion("completion_rate", "at_least", 0.8, 6, "c")],
        exit_criteria=[], actor=HR,
    )  # fmt: skip
    app.confirm_pilot_cohort(
        programme, employee_ids=[str(p) for p in company.people["Engineering"]],
        suggested_ids=[], min_size=5, actor=HR,
    )  # fmt: skip
    app.record_programme_cost_line(
        programme, category="licences", amount=2000, incurred_on=today(), description="",
        actor=HR,
    )  # fmt: skip
    app.record_programme_benefit(
        programme, category="time_saved", amount=None, realised_on=today(), description="",
        actor=HR, minutes_per_day=30, employees=12, working_days=20, hourly_value=50,
    )  # fmt: skip
    assert services.read_models_reach(app.last_position(), timeout=20)
    return today().isoformat()[:7]


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_the_pdf_pages_render_and_say_what_leadership_needs(
    services: Services, tmp_path: Path
) -> None:
    month = arrange(services)
    report = gather(services, month)
    to_pdf(report, tmp_path / "report.pdf")
    rendered = subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(tmp_path / "report.pdf"), str(tmp_path / "page")],
        check=True, capture_output=True,
    )  # fmt: skip
    assert rendered.returncode == 0
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 1000 for p in pages)
    text = pdf_text(tmp_path / "report.pdf")
    for words in ("KPIs against targets", "Completion rate", "Pilot against the rest",
                  "Personalised learning", "ROI per programme", "Modules that need revision",
                  f"monthly report {month} (leadership)"):  # fmt: skip
        assert words in text, words
    assert "behind (80.0 % by" in text  # completion 50 % against the pilot's target
    assert "2,000" in text and "6,000" in text  # licences; 30 min x 12 x 20 days x 50 / 60
    page = to_html(report)
    assert "<h2>Pilot against the rest</h2>" in page and "Completion rate" in page


def test_the_works_council_variant_shows_departments_under_the_k_rule(
    services: Services, tmp_path: Path
) -> None:
    month = arrange(services)
    report = gather(services, month, "works_council")
    to_pdf(report, tmp_path / "council.pdf")
    text = pdf_text(tmp_path / "council.pdf")
    assert "(works council)" in text and "Departments (this month)" in text
    assert "Engineering" in text and "Person " not in text


def test_a_month_in_the_future_or_malformed_is_refused_naming_the_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    future = (today().replace(day=1) + timedelta(days=40)).isoformat()[:7]
    assert main(["report", "--month", future]) == 2
    assert "month:" in capsys.readouterr().err
    assert main(["report", "--month", "2026-13"]) == 2
    assert "month: must look like 2026-03" in capsys.readouterr().err
