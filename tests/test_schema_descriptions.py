"""Every element of the schema is described, and the description table names only real ones."""

from __future__ import annotations

from app.schema import build_schema
from app.schema.descriptions import coordinates
from app.schema.descriptions_table import BY_COORDINATE


def test_every_type_field_argument_input_field_and_enum_value_has_a_description() -> None:
    found = coordinates(build_schema()._schema)
    missing = sorted(c for c, description in found.items() if not (description or "").strip())
    assert missing == [], f"{len(missing)} without a description: {missing}"


def test_the_description_table_names_only_elements_of_the_schema() -> None:
    found = coordinates(build_schema()._schema)
    stale = sorted(set(BY_COORDINATE) - set(found))
    assert stale == [], f"described but not in the schema: {stale}"


def test_a_description_written_beside_its_definition_wins_over_the_shared_vocabulary() -> None:
    found = coordinates(build_schema()._schema)
    assert found["Employee.name"] == "Identity facet."  # the shared `name` says otherwise
    assert found["HireEmployeeInput.name"] == "The person's full name."
    assert found["Query.employees(first)"].startswith("How many items to return")
