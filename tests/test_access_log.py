"""Access logging is a setting: every request, failures and slow ones (the default), or none;
whatever it is, every request keeps its id and its place in the metrics."""

from __future__ import annotations

import logging
from dataclasses import replace

import httpx
import pytest

from app.bootstrap import build_services
from app.main import create_app
from app.settings import Settings, SettingsError

BASE = Settings(persistence="memory", seed_if_empty=False)


async def _access_lines(settings: Settings, caplog: pytest.LogCaptureFixture) -> list[str]:
    services = build_services(settings, start_projections=False)
    try:
        app = create_app(settings, services)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            with caplog.at_level(logging.INFO, logger="skillpath.access"):
                ok = await http.get("/healthz", headers={"X-Request-ID": "fine-0123456789"})
                missing = await http.get("/nowhere", headers={"X-Request-ID": "gone-0123456789"})
        assert ok.status_code == 200 and missing.status_code == 404
        assert ok.headers["x-request-id"] == "fine-0123456789"
        assert missing.headers["x-request-id"] == "gone-0123456789"
    finally:
        services.close()
    return [r.getMessage() for r in caplog.records if r.name == "skillpath.access"]


async def test_by_default_only_failed_requests_get_an_access_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert Settings.from_env({}).access_log == "errors"
    lines = await _access_lines(BASE, caplog)
    assert [line.split()[:3] for line in lines] == [["GET", "/nowhere", "404"]]


async def test_access_log_all_writes_a_line_for_every_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lines = await _access_lines(replace(BASE, access_log="all"), caplog)
    assert [line.split()[:3] for line in lines] == [
        ["GET", "/healthz", "200"], ["GET", "/nowhere", "404"],
    ]  # fmt: skip


async def test_access_log_off_writes_none(caplog: pytest.LogCaptureFixture) -> None:
    assert await _access_lines(replace(BASE, access_log="off"), caplog) == []


async def test_with_errors_a_slow_request_gets_its_line_too(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lines = await _access_lines(replace(BASE, access_log_slow_ms=0), caplog)
    assert [line.split()[:3] for line in lines] == [
        ["GET", "/healthz", "200"], ["GET", "/nowhere", "404"],
    ]  # fmt: skip


def test_an_unknown_access_log_setting_is_refused_by_name() -> None:
    with pytest.raises(SettingsError, match="SKILLPATH_ACCESS_LOG"):
        Settings.from_env({"SKILLPATH_ACCESS_LOG": "verbose"})
