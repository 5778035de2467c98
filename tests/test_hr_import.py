"""Bulk HR import: hires, details changes (sealed, gone on erasure), moves, people missing
from a full export marked as left, dry runs, and every bad row reported by line while the
good ones land; importing the same file again writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.aggregates import Actor, Employee
from app.bootstrap import Services, build_services
from app.cli import main
from app.commands.hr_import import employee_id_for
from app.integration.hr_records import HrFileError, read_csv
from app.settings import Settings
from tests.conftest import GraphQLClient
from tests.domain_support import Organisation

HR = Actor("hr-import", "hr")
HEADER = "employee_id,name,email,department,location,role,hire_date,manager_id\n"


@pytest.fixture
def world(any_settings: Settings) -> Iterator[tuple[Services, Organisation]]:
    services = build_services(any_settings, start_projections=False)
    try:
        yield services, Organisation(services.app, tag="-hr")
    finally:
        services.close()


def csv_of(*rows: str) -> bytes:
    return (HEADER + "".join(f"{r}\n" for r in rows)).encode()


def run(services: Services, data: bytes, **options: object):  # type: ignore[no-untyped-def]
    records, problems = read_csv(data)
    return services.app.import_hr_records(records, actor=HR, problems=problems, **options)


def test_an_export_hires_people_managers_first_and_a_second_run_writes_nothing(
    world: tuple[Services, Organisation],
) -> None:
    services, _ = world
    data = csv_of(
        "E2,Bob Report,bob@hr.example,Sales,Oslo,dev-hr,2024-02-01,E1",
        "E1,Alice Boss,alice@hr.example,Sales,Oslo,lead-hr,2023-01-01,",
    )
    first = run(services, data)
    assert sorted(first.hired) == ["E1", "E2"] and first.problems == []
    bob = services.app.employee(employee_id_for("E2"))
    assert bob.manager_id == employee_id_for("E1")
    head = services.app.last_position()
    again = run(services, data)
    assert again.written == 0 and again.unchanged == 2
    assert services.app.last_position() == head


def test_changed_details_are_one_event_with_sealed_personal_fields_gone_on_erasure(
    world: tuple[Services, Organisation],
) -> None:
    services, _ = world
    run(services, csv_of("E1,Alice Boss,alice@hr.example,Sales,Oslo,lead-hr,2023-01-01,"))
    report = run(services, csv_of("E1,Alice Chief,chief@hr.example,Ops,Bergen,lead-hr,2023-01-01,"))
    assert report.updated == {"E1": ["name", "email", "location", "department"]}
    alice_id = employee_id_for("E1")
    stored = services.app.recorder.select_events(alice_id)[-1]
    assert stored.topic.endswith("Employee.DetailsChanged")
    assert b"Alice Chief" not in stored.state and b"Bergen" not in stored.state
    alice = services.app.employee(alice_id)
    assert (alice.name, alice.email, alice.department) == ("Alice Chief", "chief@hr.example", "Ops")
    services.app.request_erasure(alice_id, actor=HR)
    changed = services.app.mapper.to_domain_event(services.app.recorder.select_events(alice_id)[1])
    assert isinstance(changed, Employee.DetailsChanged)
    assert changed.name == "[erased]" and changed.location == "[erased]"
    assert changed.department == "Ops"


def test_bad_rows_are_reported_with_line_and_reason_while_good_rows_land(
    world: tuple[Services, Organisation],
) -> None:
    services, _ = world
    data = csv_of(
        "E1,Alice Boss,alice@hr.example,Sales,Oslo,lead-hr,2023-01-01,",  # line 2: good
        "E3,Cy Cycle,cy@hr.example,Sales,Oslo,dev-hr,2024-01-01,E4",  # 3: cycle
        "E4,Di Cycle,di@hr.example,Sales,Oslo,dev-hr,2024-01-01,E3",  # 4: cycle
        "E5,Ed Twice,ed@hr.example,Sales,Oslo,dev-hr,2024-01-01,E1",  # 5: duplicate
        "E5,Ed Again,ed2@hr.example,Sales,Oslo,dev-hr,2024-01-01,E1",  # 6: duplicate
        "E6,No Role,norole@hr.example,Sales,Oslo,astronaut,2024-01-01,E1",  # 7
        "E7,Bad Date,date@hr.example,Sales,Oslo,dev-hr,31.01.2024,E1",  # 8
        "E8,No Boss,noboss@hr.example,Sales,Oslo,dev-hr,2024-01-01,E99",  # 9
        "E9,Good Report,good@hr.example,Sales,Oslo,dev-hr,2024-01-01,E1",  # 10: good
    )
    report = run(services, data)
    reasons = {p.line: p.reason for p in report.problems}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9]
    assert "manager cycle" in reasons[3] and "manager cycle" in reasons[4]
    assert "also on line 6" in reasons[5]
    assert "astronaut" in reasons[7] and "hire_date" in reasons[8]
    assert "neither in the file nor in Skillpath" in reasons[9]
    assert sorted(report.hired) == ["E1", "E9"]


def test_unreadable_files_are_refused_whole() -> None:
    with pytest.raises(HrFileError, match="not UTF-8"):
        read_csv(HEADER.encode() + "E1,Åse,a@x.no,S,O,dev,2024-01-01,\n".encode("latin-1"))
    with pytest.raises(HrFileError, match="no column role, hire_date"):
        read_csv(b"employee_id,name,email,department,location\nE1,A,a@x.no,S,O\n")


def test_a_full_export_marks_the_missing_as_left_and_a_dry_run_writes_nothing(
    world: tuple[Services, Organisation],
) -> None:
    services, org = world
    data = csv_of("E1,Alice Boss,alice@hr.example,Sales,Oslo,lead-hr,2023-01-01,")
    active = [org.manager_id, org.employee_id]
    head = services.app.last_position()
    dry = run(services, data, dry_run=True, mark_missing_as_left=True, active_employees=active)
    assert dry.hired == ["E1"] and sorted(dry.left) == sorted(str(i) for i in active)
    assert services.app.last_position() == head
    done = run(services, data, mark_missing_as_left=True, active_employees=active)
    assert len(done.left) == 2
    assert services.app.employee(org.employee_id).has_left


def test_the_command_line_imports_a_file_and_reports_refused_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SKILLPATH_PERSISTENCE", "sqlite")
    monkeypatch.setenv("SKILLPATH_SQLITE_PATH", str(tmp_path / "db.sqlite3"))
    settings = Settings.from_env()
    services = build_services(settings, start_projections=False)
    Organisation(services.app, tag="-hr")
    services.close()
    file = tmp_path / "export.csv"
    file.write_bytes(csv_of(
        "E1,Alice Boss,alice@hr.example,Sales,Oslo,lead-hr,2023-01-01,",
        "E2,Bad Mail,not-an-email,Sales,Oslo,dev-hr,2024-01-01,E1",
    ))  # fmt: skip
    assert main(["import-hr", str(file)]) == 1
    out = capsys.readouterr().out
    assert "1 hired" in out and "line 3: email is not a valid email address" in out
    assert main(["import-hr", str(file), "--dry-run"]) == 1
    assert "0 would be hired" in capsys.readouterr().out


async def test_a_batch_through_graphql_reports_rows_by_place_and_repeats_write_nothing(
    gql: GraphQLClient,
) -> None:
    assert gql.services is not None
    Organisation(gql.services.app, tag="-hr")
    rows = [
        {"employeeId": "G1", "name": "Gail Boss", "email": "gail@hr.example",
         "department": "Sales", "location": "Oslo", "role": "lead-hr", "hireDate": "2023-01-01"},
        {"employeeId": "G2", "name": "No Date", "email": "nodate@hr.example",
         "department": "Sales", "location": "Oslo", "role": "dev-hr", "hireDate": "soon",
         "managerId": "G1"},
    ]  # fmt: skip
    document = """mutation($input: ImportHrRecordsInput!) { importHrRecords(input: $input) {
        __typename ... on ImportHrRecordsPayload { hired unchanged problems { row reason } }
        ... on UserError { message } } }"""
    first = (await gql.data(document, input={"rows": rows}))["importHrRecords"]
    assert first["hired"] == ["G1"]
    assert first["problems"] == [
        {"row": 2, "reason": "hire_date 'soon' is not a date (YYYY-MM-DD)"}
    ]
    again = (await gql.data(document, input={"rows": rows[:1]}))["importHrRecords"]
    assert again["hired"] == [] and again["unchanged"] == 1
    too_many = (await gql.data(document, input={"rows": rows[:1] * 501}))["importHrRecords"]
    assert too_many["__typename"] == "ValidationError"


async def test_rows_with_a_nul_or_other_bad_text_are_reported_by_row_while_the_good_land(
    gql: GraphQLClient,
) -> None:
    assert gql.services is not None
    Organisation(gql.services.app, tag="-hr")

    def row(hr_id: str, **cells: str) -> dict[str, str]:
        return {"employeeId": hr_id, "name": f"Person {hr_id}", "email": f"{hr_id}@hr.example",
                "department": "Sales", "location": "Oslo", "role": "dev-hr",
                "hireDate": "2023-01-01", **cells}  # fmt: skip

    rows = [
        row("N1"),
        row("N2", name="Nul\x00Person"),
        row("N3", location="Os\x85lo"),
        row("N4", department="Sa\ud800les"),
        row("N5\x00"),
        row("N6", name="x" * 6_000),
        row("N7"),
    ]
    document = """mutation($input: ImportHrRecordsInput!) { importHrRecords(input: $input) {
        __typename ... on ImportHrRecordsPayload { hired problems { row employeeId reason } }
        ... on UserError { field message } } }"""
    # Escaped as JSON sends it: a lone surrogate is "\ud800" on the wire.
    sent = await gql.http.post(
        "/graphql", headers={**gql.headers, "Content-Type": "application/json"},
        content=json.dumps({"query": document, "variables": {"input": {"rows": rows}}}),
    )  # fmt: skip
    assert "errors" not in sent.json(), sent.text
    done = sent.json()["data"]["importHrRecords"]
    assert done["__typename"] == "ImportHrRecordsPayload", done
    assert done["hired"] == ["N1", "N7"]
    problems = done["problems"]
    assert [(p["row"], p["employeeId"]) for p in problems] == [
        (2, "N2"), (3, "N3"), (4, "N4"), (5, None), (6, "N6")
    ]  # fmt: skip
    assert "name" in problems[0]["reason"] and "control" in problems[0]["reason"]
    assert problems[1]["reason"].startswith("location must not contain the control character")
    assert problems[2]["reason"].startswith("department is not valid Unicode")
    assert "control characters" in problems[3]["reason"]  # its email holds the NUL too
    assert problems[4]["reason"].startswith("name is longer than")
    dry = await gql.data(document, input={"rows": rows[2:3], "dryRun": True})
    assert dry["importHrRecords"]["problems"][0]["row"] == 1  # refused in a dry run too
    other = await gql.data(document, input={"rows": rows[:1], "idempotencyKey": "k\x00"})
    assert other["importHrRecords"]["__typename"] == "ValidationError"  # other fields: as before


def test_the_command_line_reports_a_row_with_bad_text_by_line_and_imports_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SKILLPATH_PERSISTENCE", "sqlite")
    monkeypatch.setenv("SKILLPATH_SQLITE_PATH", str(tmp_path / "db.sqlite3"))
    services = build_services(Settings.from_env(), start_projections=False)
    Organisation(services.app, tag="-hr")
    services.close()
    file = tmp_path / "export.csv"
    file.write_bytes(csv_of(
        "C1,Nul\x00Name,c1@hr.example,Sales,Oslo,dev-hr,2023-01-01,",
        "C2,Carla Good,c2@hr.example,Sales,Oslo,dev-hr,2023-01-01,",
        "C3,Next\x85Line,c3@hr.example,Sales,Oslo,dev-hr,2023-01-01,",
    ))  # fmt: skip
    assert main(["import-hr", str(file), "--dry-run"]) == 1
    dry = capsys.readouterr().out
    assert "line 2: name contains control characters" in dry
    assert "line 4: name must not contain the control character U+0085" in dry
    assert main(["import-hr", str(file)]) == 1
    out = capsys.readouterr().out
    assert "1 hired" in out and "line 2:" in out and "line 4:" in out
