"""Reading the O*NET database files (as in ``shared/data/onet``) into role definitions.

Everything is read and checked before anything is written: a file with a missing column
or a value of the wrong type is rejected with its line and column, and nothing is imported
from it. O*NET rates each skill of an occupation on two scales, Level (LV, 0-7) and
Importance (IM, 1-5); Skillpath's levels run 0-5, so LV is mapped linearly and rounded.
A skill rated *not relevant* for an occupation is not required by the role; a rating O*NET
recommends suppressing (an imprecise estimate) is not used either, and both are counted.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ONET_RELEASE = "O*NET 23.x"
ATTRIBUTION = (
    "This product includes information from the O*NET 23.x Database by the U.S. Department"
    " of Labor, Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0"
    " license. O*NET(R) is a trademark of USDOL/ETA. Skillpath has modified all or some of"
    " this information. USDOL/ETA has not approved, endorsed, or tested these modifications."
)
OCCUPATION_COLUMNS = ("O*NET-SOC Code", "Title")
SKILL_COLUMNS = (
    "O*NET-SOC Code", "Element ID", "Element Name", "Scale ID", "Data Value",
    "Recommend Suppress", "Not Relevant",
)  # fmt: skip
LV_MAX = 7.0
LEVEL_MAX = 5


class OnetFileError(Exception):
    """An O*NET file cannot be imported; names the file, line and column."""

    def __init__(self, path: str, line: int, column: str, message: str) -> None:
        super().__init__(f"{path}, line {line}, column {column!r}: {message}")
        self.path = path
        self.line = line
        self.column = column
        self.reason = message


@dataclass(frozen=True)
class OnetSkill:
    """One required skill of an occupation, on Skillpath's scales."""

    skill: str
    level: int
    importance: int


@dataclass
class OnetRole:
    """One occupation as a role: its code, title and the skills it requires."""

    soc_code: str
    title: str
    skills: list[OnetSkill] = field(default_factory=list)

    @property
    def code(self) -> str:
        return f"onet-{self.soc_code.lower()}"

    @property
    def source(self) -> str:
        return f"{ONET_RELEASE} {self.soc_code}"


@dataclass
class OnetReading:
    """The roles read from a directory, and what was left out and why."""

    roles: list[OnetRole]
    not_relevant: int = 0
    suppressed: int = 0
    below_scale: int = 0


def level_from_lv(value: float) -> int:
    """O*NET Level 0-7 onto Skillpath's 0-5."""
    return max(0, min(LEVEL_MAX, round(value * LEVEL_MAX / LV_MAX)))


def importance_from_im(value: float) -> int:
    """O*NET Importance is already 1-5; rounded to the whole steps roles use."""
    return max(1, min(5, round(value)))


def _open(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _find(directory: Path, stem: str) -> Path:
    for name in (f"{stem}.csv", f"{stem}.csv.gz"):
        if (directory / name).exists():
            return directory / name
    raise OnetFileError(str(directory / f"{stem}.csv"), 0, "", "the file is missing")


def _rows(path: Path, needed: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows with their line numbers (the header is line 1); checks the columns first."""
    with _open(path) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise OnetFileError(str(path), 1, "", "the file is empty")
        missing = [name for name in needed if name not in header]
        if missing:
            raise OnetFileError(str(path), 1, missing[0], "the column is missing")
        index = {name: header.index(name) for name in needed}
        for number, values in enumerate(reader, start=2):
            if len(values) != len(header):
                column = header[min(len(values), len(header) - 1)]
                raise OnetFileError(
                    str(path), number, column,
                    f"the row has {len(values)} values, the header {len(header)}",
                )  # fmt: skip
            yield number, {name: values[i] for name, i in index.items()}


def _number(path: Path, line: int, column: str, value: str, low: float, high: float) -> float:
    try:
        found = float(value)
    except ValueError:
        raise OnetFileError(str(path), line, column, f"{value!r} is not a number") from None
    if not low <= found <= high:
        raise OnetFileError(str(path), line, column, f"{found} is outside {low}-{high}")
    return found


def _flag(path: Path, line: int, column: str, value: str) -> bool:
    if value not in ("Y", "N", ""):
        raise OnetFileError(str(path), line, column, f"{value!r} is not Y, N or empty")
    return value == "Y"


def read_onet(directory: Path | str) -> OnetReading:
    """Every occupation of the directory as a role; raises ``OnetFileError`` on bad input."""
    directory = Path(directory)
    occupations = _find(directory, "occupation_data")
    roles: dict[str, OnetRole] = {}
    for line, row in _rows(occupations, OCCUPATION_COLUMNS):
        code, title = row["O*NET-SOC Code"].strip(), row["Title"].strip()
        if not code:
            raise OnetFileError(str(occupations), line, "O*NET-SOC Code", "is empty")
        if not title:
            raise OnetFileError(str(occupations), line, "Title", "is empty")
        roles[code] = OnetRole(code, title)
    reading = OnetReading(list(roles.values()))
    skills_path = _find(directory, "skills")
    ratings: dict[tuple[str, str], dict[str, float | bool | str]] = {}
    for line, row in _rows(skills_path, SKILL_COLUMNS):
        code = row["O*NET-SOC Code"].strip()
        if code not in roles:
            raise OnetFileError(
                str(skills_path), line, "O*NET-SOC Code", f"{code!r} is not in occupation_data"
            )
        scale = row["Scale ID"]
        if scale not in ("IM", "LV"):
            raise OnetFileError(str(skills_path), line, "Scale ID", f"{scale!r} is not IM or LV")
        high = 5.0 if scale == "IM" else LV_MAX
        low = 1.0 if scale == "IM" else 0.0
        value = _number(skills_path, line, "Data Value", row["Data Value"], low, high)
        suppressed = _flag(skills_path, line, "Recommend Suppress", row["Recommend Suppress"])
        not_relevant = _flag(skills_path, line, "Not Relevant", row["Not Relevant"])
        name = row["Element Name"].strip().lower()
        if not name:
            raise OnetFileError(str(skills_path), line, "Element Name", "is empty")
        entry = ratings.setdefault((code, name), {})
        entry[scale] = value
        if scale == "LV":
            entry["suppressed"] = suppressed
            entry["not_relevant"] = not_relevant
    for (code, name), entry in ratings.items():
        if "LV" not in entry or "IM" not in entry:
            continue
        if entry.get("not_relevant"):
            reading.not_relevant += 1
            continue
        if entry.get("suppressed"):
            reading.suppressed += 1
            continue
        level = level_from_lv(float(entry["LV"]))
        if level == 0:
            reading.below_scale += 1
            continue
        roles[code].skills.append(OnetSkill(name, level, importance_from_im(float(entry["IM"]))))
    return reading
