"""The dashboard in a real headless Chromium: trends drawn from the server's history at first
load, the previous period and the target beside each value, live updates after a mutation,
no event positions, no token field, the works council's view of aggregates only, and no
request leaving the server. Screenshots are kept under test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from app.aggregates.programme_phases import criterion
from app.bootstrap import Services
from tests.browser_support import ARTIFACTS, chromium_page
from tests.conftest import auth_headers, token_for
from tests.domain_support import HR, content
from tests.kpi_support import Company, today
from tests.live_server import push_services, serving


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    with push_services(tmp_path, min_group_size=5) as services:
        yield services


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with chromium_page(tmp_path / "profile") as page:
        yield page


def history(company: Company) -> list[object]:
    """Everyone enrolled 70 and 40 days ago (the later ones completed) and again 2 days ago,
    five of them giving up early; a pilot programme with a completion target."""
    people = company.people["Engineering"] + company.people["Sales"]
    older = [
        company.app.publish_module(content(title=title, minutes=30), actor=HR).id
        for title in ("Excel basics", "Feedback talks")
    ]
    for person in people:
        company.grant_tracking(person)
        company.enroll(person, 70, older[0])
        company.complete(company.enroll(person, 40, older[1]), 35)
    now = [company.enroll(person, 2) for person in people]
    for enrollment, minute in zip(now[:5], (3, 4, 6, 9, 14), strict=True):
        company.drop(enrollment, 1, minute)
    app = company.app
    programme = app.define_programme(name="Personalised learning", department=None, actor=HR).id
    app.define_programme_phase(
        programme, kind="pilot", name="Pilot", starts_on=today() - timedelta(days=60),
        ends_on=today() + timedelta(days=120),
        success_criteria=[criterion("completion_rate", "at_least", 0.8, 6, "c")],
        exit_criteria=[], actor=HR,
    )  # fmt: skip
    return now


def test_trends_targets_and_live_updates_on_the_dashboard(services: Services, page: Page) -> None:
    company = Company(services.app)
    now = history(company)
    assert services.read_models_reach(services.app.last_position(), 20)
    outside: list[str] = []
    with serving(services) as base:
        page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
        page.goto(f"{base}/dashboard?token={token_for(services, 'hr')}")
        completion = page.locator("#kpi-COMPLETION_RATE")
        expect(completion.locator(".value")).to_have_text("0.0 %", timeout=15_000)
        # History at first load: the months of earlier enrolments are points already.
        assert int(completion.get_attribute("data-points") or 0) >= 3
        expect(completion.locator(".target")).to_have_text(re.compile(r"target 80\.0 % by"))
        expect(completion.locator(".previous")).to_contain_text("previous period")
        assert "token" not in page.url
        assert page.locator("input[type=password]").count() == 0
        expect(page.locator("#module-list li").first).to_contain_text(
            re.compile(r"most who stop leave after \d+ of 60 minutes"), timeout=15_000
        )
        expect(page.locator("#department-table tbody tr")).to_have_count(2)
        learner = auth_headers(services, "employee", str(company.people["Sales"][5]))
        response = httpx.post(f"{base}/graphql", timeout=20, headers=learner, json={
            "query": "mutation($id: ID!) { completeEnrollment(input: {enrollmentId: $id})"
                     " { ... on EnrollmentPayload { position } } }",
            "variables": {"id": str(now[11])},
        })  # fmt: skip
        assert "errors" not in response.json()
        expect(completion.locator(".value")).to_have_text("8.3 %", timeout=15_000)
        expect(page.locator("#status")).to_have_text("live")
        body = page.locator("body").inner_text()
        assert "position" not in body.lower()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert outside == []


def test_the_works_council_sees_the_same_page_with_aggregates_only(
    services: Services, page: Page
) -> None:
    company = Company(services.app)
    history(company)
    assert services.read_models_reach(services.app.last_position(), 20)
    with serving(services) as base:
        page.goto(f"{base}/dashboard#token={token_for(services, 'works_council')}")
        expect(page.locator("#kpi-COMPLETION_RATE .value")).to_have_text("0.0 %", timeout=15_000)
        expect(page.locator("#department-table tbody tr")).to_have_count(2, timeout=15_000)
        body = page.locator("body").inner_text()
        assert "Person " not in body and "@example.com" not in body
        assert page.locator("#error").is_hidden()
        page.screenshot(path=str(ARTIFACTS / "dashboard-works-council.png"), full_page=True)


def test_without_a_token_the_page_asks_to_sign_in(services: Services, page: Page) -> None:
    with serving(services) as base:
        page.goto(f"{base}/dashboard")
        expect(page.locator("#signin")).to_be_visible()
        expect(page.locator("#status")).to_have_text("not signed in")


def test_an_identity_provider_redirect_signs_the_page_in_without_a_token_field(
    services: Services, page: Page
) -> None:
    company = Company(services.app)
    history(company)
    assert services.read_models_reach(services.app.last_position(), 20)
    with serving(services) as base:
        # An OAuth 2.0 / OpenID Connect implicit response: the token in the fragment.
        page.goto(f"{base}/dashboard#access_token={token_for(services, 'hr')}&token_type=Bearer")
        expect(page.locator("#kpi-COMPLETION_RATE .value")).to_have_text("0.0 %", timeout=15_000)
        assert page.locator("#signin").is_hidden()
        assert page.locator("input[type=password], input[name*=token i]").count() == 0
        assert "access_token" not in page.url
