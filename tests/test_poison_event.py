"""No poison event: text a read model cannot store never enters the event store, and an
event a projection still cannot apply is visible everywhere, leaves the other read models
going, and can be quarantined by an operator (the decision recorded as an event).

The unprojectable event is planted on PostgreSQL by saving an aggregate directly, as a
client of an older version (or a bug) could have: around every command's validation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from app.aggregates import ValidationFailed
from app.aggregates.quarantine import ProjectionQuarantine, quarantine_id
from app.bootstrap import Services, build_services
from app.cli import main
from app.commands.clean_text import text_fault
from app.keystore import encode_master_key
from app.settings import Settings
from tests.conftest import TEST_JWT_SECRET, fresh_postgres_schema
from tests.domain_support import HR, Organisation

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize(
    ("text", "found"),
    [("a\x00b", "NUL"), ("bell\x07", "U+0007"), ("\x9b", "U+009B"), ("\ud800", "surrogate")],
)
def test_unstorable_text_is_named_by_what_is_wrong_with_it(text: str, found: str) -> None:
    fault = text_fault(text)
    assert fault is not None and found in fault


def test_tabs_line_breaks_and_any_script_are_text() -> None:
    assert text_fault("Zeile 1\r\n\tZeile 2 — 学习 🎓") is None


def test_every_command_refuses_a_nul_naming_the_field_and_writes_nothing() -> None:
    services = build_services(Settings(persistence="memory", seed_if_empty=False))
    try:
        org = Organisation(services.app)
        head = services.app.last_position()
        with pytest.raises(ValidationFailed) as refused:
            services.app.flag_module_for_revision(
                org.module_id, reason="outdated\x00", figures={}, actor=HR
            )
        assert refused.value.field == "reason"
        with pytest.raises(ValidationFailed) as nested:
            org.hire("eve@example.com", department="Sales\ud800")
        assert nested.value.field == "department"
        assert services.app.last_position() == head
    finally:
        services.close()


@pytest.fixture
def on_postgres(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Services, Services]]:
    """The projection worker's services and an API worker's, on one PostgreSQL schema; the
    ``skillpath`` command reaches the same schema through its environment."""
    with fresh_postgres_schema() as settings:
        worker = build_services(settings, start_projections=False)
        api = build_services(replace(settings, run_projections=False), start_projections=False)
        pg = settings.postgres
        for name, value in {
            "PERSISTENCE": "postgres", "POSTGRES_HOST": pg.host, "POSTGRES_PORT": str(pg.port),
            "POSTGRES_DB": pg.dbname, "POSTGRES_USER": pg.user,
            "POSTGRES_PASSWORD": pg.password, "POSTGRES_SCHEMA": pg.schema,
            "MASTER_KEY": encode_master_key(worker.app.master_key),
            "JWT_SECRET": TEST_JWT_SECRET, "RUN_PROJECTIONS": "false",
        }.items():  # fmt: skip
            monkeypatch.setenv(f"SKILLPATH_{name}", value)
        try:
            yield worker, api
        finally:
            api.close()
            worker.close()


def _plant_nul_reason(services: Services, org: Organisation) -> int:
    """Save a flag whose reason holds a NUL, around the commands' validation."""
    module: Any = services.app.repository.get(org.module_id)
    module.flag_for_revision("broken\x00reason", {}, HR)
    recordings = services.app.save(module)
    return max(r.notification.id for r in recordings)


async def test_a_planted_unprojectable_event_fails_readiness_everywhere_until_quarantined(
    on_postgres: tuple[Services, Services],
) -> None:
    worker, api = on_postgres
    org = Organisation(worker.app)
    poison = _plant_nul_reason(worker, org)
    after = org.hire("later@example.com")
    worker.runner.catch_up()

    failures = {f.name: f for f in api.runner.failures()}  # seen from the other process
    assert "module_catalogue" in failures, failures
    assert {f.position for f in failures.values()} == {poison}
    assert all("NUL" in f.error for f in failures.values())
    stuck = set(failures)
    positions = api.runner.positions()
    head = worker.app.last_position()
    for name, position in positions.items():
        assert position == (poison - 1 if name in stuck else head), (name, position)
    assert api.directory.get(str(after)) is not None  # the others went on
    ready, metrics = await _probe(api)
    assert ready.status_code == 503
    found = ready.json()["checks"]["readModels"]["failures"]
    named = {f["readModel"]: f["position"] for f in found}
    assert named == dict.fromkeys(stuck, poison)
    assert f'skillpath_projection_failed_position{{read_model="module_catalogue"}} {poison}' in (
        metrics.replace(".0\n", "\n")
    )

    for name in sorted(stuck):
        assert main(["quarantine", "--projection", name, "--position", str(poison),
                     "--reason", "NUL in a reason, fixed by validation"]) == 0  # fmt: skip
    worker.runner.retry_failed()
    worker.runner.catch_up()
    assert api.runner.failures() == []
    assert min(api.runner.positions().values()) == worker.app.last_position()
    record = worker.app.repository.get(quarantine_id(sorted(stuck)[0]))
    assert isinstance(record, ProjectionQuarantine) and poison in record.positions
    ready, _ = await _probe(api)
    assert ready.status_code == 200, ready.json()


async def _probe(services: Services) -> tuple[Any, str]:
    """/readyz and /metrics of an API worker on these services."""
    import httpx

    from app.main import create_app

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(services.settings, services)),
        base_url="http://t",
    ) as http:
        return await http.get("/readyz"), (await http.get("/metrics")).text


def test_quarantine_refuses_an_unknown_projection_and_a_position_beyond_the_log(
    on_postgres: tuple[Services, Services], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["quarantine", "--projection", "nothing", "--position", "1"]) == 2
    assert "no projection is named 'nothing'" in capsys.readouterr().err
    assert main(["quarantine", "--projection", "module_catalogue", "--position", "99"]) == 2
    assert "no event is stored at position 99" in capsys.readouterr().err


async def test_the_api_answers_unstorable_text_with_a_validation_error_naming_the_field() -> None:
    import json

    import httpx

    from app.main import create_app
    from tests.conftest import auth_headers

    services = build_services(Settings(persistence="memory", seed_if_empty=False))
    try:
        org = Organisation(services.app)
        head = services.app.last_position()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(services.settings, services)),
            base_url="http://t", headers=auth_headers(services),
        ) as http:  # fmt: skip
            flagged = await http.post("/graphql", json={
                "query": "mutation($i: FlagModuleForRevisionInput!) { flagModuleForRevision("
                         "input: $i) { __typename ... on UserError { field message } } }",
                "variables": {"i": {"moduleId": str(org.module_id), "reason": "a\u0000b"}},
            })  # fmt: skip
            # As a client sends it: the lone surrogate as a JSON escape, in valid UTF-8.
            searched = await http.post("/graphql", content=json.dumps({
                "query": "query($s: String) { modules(search: $s) { totalCount } }",
                "variables": {"s": "\ud800"},
            }), headers={"Content-Type": "application/json"})  # fmt: skip
        answer = flagged.json()["data"]["flagModuleForRevision"]
        assert answer["__typename"] == "ValidationError" and answer["field"] == "reason"
        assert "NUL" in answer["message"]
        error = searched.json()["errors"][0]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "search"}
        assert services.app.last_position() == head
    finally:
        services.close()
