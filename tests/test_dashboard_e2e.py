"""The dashboard in a real headless Chromium: it shows the live KPIs, and a mutation changes
the figure on the page without a reload. A screenshot is kept under test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from app.bootstrap import Services
from tests.browser_support import ARTIFACTS, chromium_page
from tests.conftest import auth_headers, token_for
from tests.kpi_support import Company
from tests.live_server import push_services, serving


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    with push_services(tmp_path, min_group_size=5) as services:
        yield services


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with chromium_page(tmp_path / "profile") as page:
        yield page


def test_dashboard_figures_change_live_after_a_mutation(services: Services, page: Page) -> None:
    company = Company(services.app)
    people = company.people["Engineering"]
    for person in people[:5]:
        company.grant_tracking(person)
    enrollments = [company.enroll(person, 2) for person in people]
    for enrollment, minute in zip(enrollments[:5], (3, 4, 6, 9, 14), strict=True):
        company.drop(enrollment, 1, minute)
    assert services.read_models_reach(services.app.last_position(), 20)
    outside: list[str] = []
    with serving(services) as base:
        page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
        page.goto(f"{base}/dashboard?token={token_for(services)}&module={company.module_id}")
        completion = page.locator("#kpi-completionRate .value")
        expect(completion).to_have_text("0.0 %", timeout=15_000)
        expect(page.locator("#kpi-dropOffMinutes .value")).to_have_text("6.0 min")
        position = int(page.locator("#position").get_attribute("data-position") or 0)
        # The sixth learner completes their enrolment over the API.
        learner = auth_headers(services, "employee", str(people[5]))
        response = httpx.post(f"{base}/graphql", timeout=20, headers=learner, json={
            "query": "mutation($id: ID!) { completeEnrollment(input: {enrollmentId: $id})"
                     " { ... on EnrollmentPayload { position } } }",
            "variables": {"id": str(enrollments[5])},
        })  # fmt: skip
        written = response.json()["data"]["completeEnrollment"]["position"]
        expect(completion).to_have_text("16.7 %", timeout=15_000)
        expect(page.locator("#status")).to_have_text("live")
        assert (
            int(page.locator("#position").get_attribute("data-position") or 0) >= written > position
        )
        expect(page.locator("#module-summary")).to_contain_text(re.compile("SQL for analysts"))
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert outside == []
