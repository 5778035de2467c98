"""GraphiQL in a real headless Chromium with every request outside the server refused: the
IDE loads from Skillpath's own files, its docs pane shows the schema once a token is pasted
into the Headers tab, and a query runs with that token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from app.bootstrap import Services
from tests.browser_support import chromium_page
from tests.conftest import token_for
from tests.live_server import push_services, serving

HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    with push_services(tmp_path) as services:
        yield services


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with chromium_page(tmp_path / "profile") as page:
        yield page


def _offline(page: Page, base: str) -> list[str]:
    """Refuse every request that leaves the server, and remember it."""
    refused: list[str] = []

    def route(request: Route) -> None:
        if request.request.url.startswith(base):
            request.continue_()
        else:
            refused.append(request.request.url)
            request.abort()

    page.route("**/*", route)
    return refused


def _paste_headers(page: Page, headers: dict[str, str]) -> None:
    page.get_by_role("button", name="Headers").click()
    page.locator(HEADERS_EDITOR).wait_for()
    page.evaluate(
        "([selector, text]) => document.querySelector(selector).CodeMirror.setValue(text)",
        [HEADERS_EDITOR, json.dumps(headers)],
    )


def test_graphiql_loads_offline_and_its_docs_appear_once_a_token_is_pasted(
    services: Services, page: Page
) -> None:
    with serving(services) as base:
        refused = _offline(page, base)
        introspections: list[int] = []
        page.on(
            "response",
            lambda r: (
                introspections.append(r.status)
                if "IntrospectionQuery" in (r.request.post_data or "")
                else None
            ),
        )
        page.goto(f"{base}/graphql")
        expect(page.locator(".graphiql-editors")).to_be_visible(timeout=20_000)
        assert "Loading…" not in page.locator("#graphiql").inner_text()
        assert introspections == []  # no schema request before there is a token

        _paste_headers(page, {"Authorization": f"Bearer {token_for(services)}"})
        page.get_by_role("button", name="Show Documentation Explorer").click()
        docs = page.locator(".graphiql-doc-explorer")
        expect(docs).to_contain_text("Root Types", timeout=20_000)
        expect(docs).to_contain_text("Query")
        assert introspections and introspections[-1] == 200

        page.locator(".graphiql-query-editor .CodeMirror").first.evaluate(
            "(node) => node.CodeMirror.setValue('{ roles { id } }')"
        )
        page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()
        expect(page.locator(".graphiql-response")).to_contain_text('"roles": []', timeout=20_000)
    assert refused == []


def test_a_wrong_token_shows_why_the_schema_is_missing(services: Services, page: Page) -> None:
    with serving(services) as base:
        page.goto(f"{base}/graphql")
        expect(page.locator(".graphiql-editors")).to_be_visible(timeout=20_000)
        _paste_headers(page, {"Authorization": "Bearer a.b.c"})
        page.get_by_role("button", name="Show Documentation Explorer").click()
        expect(page.locator(".graphiql-doc-explorer")).to_contain_text(
            "Error fetching schema", timeout=20_000
        )
        expect(page.locator(".graphiql-response")).to_contain_text("the token is malformed")
