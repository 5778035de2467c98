"""The exported SDL at the repository root is the schema the code builds."""

from __future__ import annotations

from pathlib import Path

from app.schema import build_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_schema_graphql_matches_the_schema_the_code_builds() -> None:
    exported = SCHEMA_FILE.read_text()
    built = build_schema().as_str() + "\n"
    assert exported == built, (
        "schema.graphql is out of date with app/schema: run `make schema` and commit the result"
    )
