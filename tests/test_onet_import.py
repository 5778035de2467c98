"""``skillpath import-onet``: real O*NET files become role events; a re-run revises only
what changed; a broken file is rejected with its line and column and imports nothing."""

from __future__ import annotations

import csv
import gzip
import shutil
from pathlib import Path

import pytest

from app.aggregates import SYSTEM, Role
from app.bootstrap import Services, build_services
from app.cli import main
from app.competence.importer import import_onet
from app.competence.model import AI_SKILLS, band_of, competence_model
from app.competence.onet import OnetFileError, importance_from_im, level_from_lv, read_onet
from app.seed.plan import DemoSpec, plan_for
from app.settings import Settings

ONET = Path(__file__).resolve().parents[2] / "shared" / "data" / "onet"
if not ONET.exists():
    ONET = Path("/work/shared/data/onet")
CODES = ("11-1011.00", "15-1132.00", "29-1141.00", "11-1031.00")


def _small_copy(target: Path, codes: tuple[str, ...] = CODES) -> Path:
    """The real files, cut to a few occupations (one of them, 11-1031.00, unrated)."""
    target.mkdir(parents=True, exist_ok=True)
    with open(ONET / "occupation_data.csv", encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    with open(target / "occupation_data.csv", "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([rows[0], *(r for r in rows[1:] if r[0] in codes)])
    with gzip.open(ONET / "skills.csv.gz", "rt", encoding="utf-8", newline="") as source:
        skills = list(csv.reader(source))
    with open(target / "skills.csv", "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([skills[0], *(r for r in skills[1:] if r[0] in codes)])
    return target


def _rewrite(path: Path, change: object) -> None:
    with open(path, encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    change(rows)  # type: ignore[operator]
    with open(path, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)


def test_levels_map_from_onet_0_7_onto_0_5_and_importance_stays_1_5() -> None:
    assert [level_from_lv(v) for v in (0, 1.4, 2.8, 3.5, 4.75, 6.12, 7)] == [0, 1, 2, 2, 3, 4, 5]
    assert [importance_from_im(v) for v in (1.0, 2.49, 3.62, 5.0)] == [1, 2, 4, 5]


def test_reading_leaves_out_not_relevant_and_suppressed_ratings(tmp_path: Path) -> None:
    reading = read_onet(_small_copy(tmp_path))
    roles = {r.soc_code: r for r in reading.roles}
    assert len(roles) == 4
    assert roles["11-1031.00"].skills == []
    chief = {s.skill: s for s in roles["11-1011.00"].skills}
    # Installation is rated not relevant for chief executives; equipment selection is
    # both suppressed and not relevant.
    assert "installation" not in chief and "equipment selection" not in chief
    assert chief["reading comprehension"].level == level_from_lv(4.75)
    assert chief["reading comprehension"].importance == 4
    assert reading.not_relevant > 0


def test_import_defines_roles_and_a_rerun_writes_nothing(
    services: Services, tmp_path: Path
) -> None:
    directory = _small_copy(tmp_path)
    first = import_onet(services.app, directory, actor=SYSTEM)
    assert (first.defined, first.revised, first.unchanged, first.unrated) == (4, 0, 0, 1)
    role = services.app.role(Role.id_for("onet-15-1132.00"))
    assert role.title == "Software Developers, Applications"
    assert role.source == "O*NET 23.x 15-1132.00"
    assert {s["skill"] for s in role.required_skills} >= {"programming", "critical thinking"}
    position = services.app.last_position()

    again = import_onet(services.app, directory, actor=SYSTEM)

    assert (again.defined, again.revised, again.unchanged) == (0, 0, 4)
    assert services.app.last_position() == position


def test_a_changed_file_revises_only_the_roles_that_changed(
    services: Services, tmp_path: Path
) -> None:
    directory = _small_copy(tmp_path)
    import_onet(services.app, directory, actor=SYSTEM)

    def retitle(rows: list[list[str]]) -> None:
        for row in rows:
            if row[0] == "29-1141.00":
                row[1] = "Registered Nurses (revised)"

    _rewrite(directory / "occupation_data.csv", retitle)
    report = import_onet(services.app, directory, actor=SYSTEM)
    assert (report.defined, report.revised, report.unchanged) == (0, 1, 3)
    assert services.app.role(Role.id_for("onet-29-1141.00")).title == "Registered Nurses (revised)"


@pytest.mark.parametrize(
    ("change", "line", "column"),
    [
        (lambda rows: [r.pop(6) for r in rows], 1, "Data Value"),
        (lambda rows: rows[5].__setitem__(6, "high"), 6, "Data Value"),
        (lambda rows: rows[3].__setitem__(6, "9.5"), 4, "Data Value"),
        (lambda rows: rows[2].__setitem__(4, "XX"), 3, "Scale ID"),
        (lambda rows: rows[7].__setitem__(0, "99-9999.99"), 8, "O*NET-SOC Code"),
        (lambda rows: rows[4].__setitem__(11, "maybe"), 5, "Recommend Suppress"),
    ],
    ids=["missing column", "not a number", "outside the scale", "unknown scale",
         "unknown role", "bad flag"],
)  # fmt: skip
def test_a_broken_skills_file_is_rejected_with_line_and_column_and_imports_nothing(
    services: Services, tmp_path: Path, change: object, line: int, column: str
) -> None:
    directory = _small_copy(tmp_path)
    _rewrite(directory / "skills.csv", change)
    before = services.app.last_position()
    with pytest.raises(OnetFileError) as raised:
        import_onet(services.app, directory, actor=SYSTEM)
    assert (raised.value.line, raised.value.column) == (line, column)
    assert services.app.last_position() == before


def test_the_command_shows_progress_and_reports_a_bad_file_without_importing(
    sqlite_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("SKILLPATH_PERSISTENCE", "sqlite")
    monkeypatch.setenv("SKILLPATH_SQLITE_PATH", sqlite_settings.sqlite_path)
    monkeypatch.setenv("SKILLPATH_SEED_IF_EMPTY", "false")
    good = _small_copy(tmp_path / "good")
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    _rewrite(bad / "occupation_data.csv", lambda rows: [r.pop(1) for r in rows])

    assert main(["import-onet", str(bad)]) == 2
    _, err = capsys.readouterr()
    assert "line 1, column 'Title'" in err and "nothing was imported" in err

    assert main(["import-onet", str(good)]) == 0
    out, err = capsys.readouterr()
    assert "4 roles defined" in out and "O*NET 23.x Database" in out
    assert "O*NET roles" in err  # the progress bar
    services = build_services(sqlite_settings, start_projections=False)
    try:
        services.runner.catch_up()
        assert len(services.roles.all()) == 4
    finally:
        services.close()


def test_every_skill_has_three_bands_with_anchors_and_the_ai_model_ships() -> None:
    model = competence_model()
    assert len([s for s in model if s.framework == "onet"]) == 35
    assert all([b.band for b in s.bands] == ["basic", "intermediate", "expert"] for s in model)
    assert all(b.anchor for s in model for b in s.bands)
    ai = {s.skill: s for s in model if s.framework == "ai"}
    assert set(ai) == AI_SKILLS
    assert ai["simple prompting"].introduced_in == "basic"
    assert ai["ai in work processes"].introduced_in == "intermediate"
    assert ai["ai roi measurement"].introduced_in == "expert"
    assert [band_of(level) for level in range(6)] == [
        None,
        "basic",
        "basic",
        "intermediate",
        "expert",
        "expert",
    ]


def test_the_demo_catalogue_has_modules_that_teach_the_ai_competence_model() -> None:
    plan = plan_for(DemoSpec(employees=300, modules=150, seed=42, months=6))
    taught = {skill for module in plan.modules for skill in module.content.skills}
    assert taught >= AI_SKILLS
