"""Looking for personal strings in raw bytes, the way someone holding the files would.

Not a dump: a dump shows live rows only, never free space, old page images in a
write-ahead log, or arrays inside a model artefact. Strings are looked for in the encodings
files hold text in (UTF-8; UTF-16 and UTF-32 little-endian, as numpy stores ``str``
arrays), without regard to case (feature names are lower-cased).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

ENCODINGS = ("utf-8", "utf-16-le", "utf-32-le")


def found_in(data: bytes, strings: Iterable[str]) -> list[str]:
    """Which of ``strings`` occur in ``data`` in any of the encodings, ignoring case."""
    folded = data.lower()  # ASCII letters only, which is what the markers are made of
    return sorted(
        {s for s in strings for encoding in ENCODINGS if s.lower().encode(encoding) in folded}
    )


def files_holding(folder: Path, strings: Iterable[str]) -> dict[str, list[str]]:
    """Every file under ``folder`` (relative name) that holds one of ``strings``."""
    wanted = list(strings)
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            hits = found_in(path.read_bytes(), wanted)
            if hits:
                found[str(path.relative_to(folder))] = hits
    return found


def all_found(found: dict[str, list[str]]) -> set[str]:
    """Every string found anywhere in a ``files_holding``-like answer."""
    return {s for hits in found.values() for s in hits}


def file_names(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
