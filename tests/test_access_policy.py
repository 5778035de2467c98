"""The access policy as written down: every type and event declared, the rules as docs/design.md
states them, the table in docs/trust.md, and the schema layer kept behind services."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import strawberry
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType
from strawberry.types.base import StrawberryObjectDefinition

from app import access
from app.access import Facet, Sight, Subject, Viewer
from app.audit.history import event_classes
from app.consent.envelope import personal_fields
from app.projections.enrollments import EnrollmentCounts
from app.schema import build_schema
from app.schema.guard import install_guards

ROOT = Path(__file__).resolve().parent.parent
ADA, GRACE = "ada-id", "grace-id"


def named(graphql_type: object) -> object:
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


def object_types() -> dict[str, GraphQLObjectType]:
    schema = build_schema()._schema
    return {
        name: t
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and not name.startswith("__")
    }


def test_every_object_type_of_the_schema_is_declared_in_the_access_policy() -> None:
    assert sorted(n for n in object_types() if not access.declared(n)) == []


def test_every_field_of_a_persons_type_has_a_facet_and_no_declaration_is_stale() -> None:
    types = object_types()
    for name, person in access.PERSON_TYPES.items():
        fields = set(types[name].fields)
        assert sorted(fields - set(person.fields)) == [], f"{name}: fields without a facet"
        assert sorted(set(person.fields) - fields) == [], f"{name}: declared, not in schema"
        assert person.subject_field in fields


def test_parts_of_a_person_are_reached_only_through_fields_gated_by_their_facet() -> None:
    for holder, graphql_type in object_types().items():
        for field_name, field in graphql_type.fields.items():
            reached = getattr(named(field.type), "name", "")
            if reached not in access.PART_OF:
                continue
            if holder in access.PART_OF:
                continue  # inside a part already, gated further up
            person = access.PERSON_TYPES.get(holder)
            assert person is not None, f"{holder}.{field_name} reaches {reached} ungated"
            part = person.fields[field_name]
            assert part is not None and part.facet is access.PART_OF[reached], (
                f"{holder}.{field_name} reaches {reached} outside its facet"
            )


def test_every_view_of_a_persons_type_names_its_subject() -> None:
    schema = build_schema()
    for name in access.PERSON_TYPES:
        definition = schema.get_type_by_name(name)
        assert isinstance(definition, StrawberryObjectDefinition)
        origin = definition.origin
        has_subject = "subject_id" in getattr(origin, "__annotations__", {}) or isinstance(
            getattr(origin, "subject_id", None), property
        )
        assert has_subject, f"{name} has no subject_id"


@strawberry.type
class Secret:
    note: str = "a person's secret"


@strawberry.type(name="Query")
class SecretQuery:
    @strawberry.field
    def secret(self) -> Secret:
        return Secret()


def test_an_undeclared_type_is_refused_to_everyone() -> None:
    schema = strawberry.Schema(SecretQuery)
    install_guards(schema._schema)

    result = schema.execute_sync("{ secret { note } }")

    assert result.data is None
    assert result.errors and result.errors[0].extensions == {
        "code": "FORBIDDEN", "type": "Secret", "field": "note"
    }  # fmt: skip


def test_every_event_about_a_person_has_a_facet_and_sealed_fields_are_among_them() -> None:
    about_people = ("Employee.", "Enrollment.", "ConsentLedger.", "RecommendationDecision.",
                    "EmailClaim.")  # fmt: skip
    for name, cls in event_classes().items():
        if name.endswith((".Event", ".Created")):
            continue
        if name.startswith(about_people) or personal_fields(cls):
            assert access.event_facets(name) is not None, f"{name} has no facet"


def see(role: str, facet: Facet, *, viewer: str = "someone", shares: bool = False,
        manager: str | None = None, subject: str = ADA) -> Sight:  # fmt: skip
    purposes = frozenset({"profile_sharing"} if shares else set())
    return access.sight(Viewer(viewer, role), Subject(subject, manager, purposes), facet).sight


def test_the_design_table_managers_see_employment_and_profile_only_when_shared() -> None:
    assert see("manager", Facet.EMPLOYMENT, viewer=GRACE, manager=GRACE) is Sight.FULL
    for facet in (Facet.IDENTITY, Facet.PROFILE, Facet.LEARNING):
        assert see("manager", facet, viewer=GRACE, manager=GRACE) is Sight.NONE
        assert see("manager", facet, viewer=GRACE, manager=GRACE, shares=True) is Sight.FULL
    for facet in (Facet.LIFE_PHASE, Facet.WELLBEING, Facet.DECISIONS, Facet.SELF_DECLARED):
        assert see("manager", facet, viewer=GRACE, manager=GRACE, shares=True) is Sight.NONE
    # A manager is a stranger to someone else's report.
    assert see("manager", Facet.EMPLOYMENT, viewer=GRACE, manager="other") is Sight.NONE


def test_the_design_table_hr_sees_identity_and_employment_and_profile_only_when_shared() -> None:
    for facet in (Facet.IDENTITY, Facet.EMPLOYMENT, Facet.CONSENT):
        assert see("hr", facet) is Sight.FULL
    for facet in (Facet.PROFILE, Facet.LEARNING):
        assert see("hr", facet) is Sight.NONE
        assert see("hr", facet, shares=True) is Sight.FULL
    for facet in (Facet.LIFE_PHASE, Facet.WELLBEING, Facet.SELF_DECLARED):
        assert see("hr", facet, shares=True) is Sight.NONE


def test_the_design_table_aggregate_readers_and_integrations_see_no_person() -> None:
    for role in ("works_council", "leadership", "integration"):
        assert all(see(role, facet, shares=True) is Sight.NONE for facet in Facet)


def test_the_design_table_an_employee_sees_all_of_themselves_and_nothing_of_others() -> None:
    assert all(see("employee", f, viewer=ADA, subject=ADA) is Sight.FULL for f in Facet)
    assert all(see("employee", f, viewer="olga", shares=True) is Sight.NONE for f in Facet)


def test_auditors_read_the_record_redacted_and_operators_read_it_as_auditors_do() -> None:
    auditor = Viewer("dpo", "auditor")
    admin = Viewer("ops", "admin")
    ada = Subject(ADA)
    hired = "Employee.Hired"
    assert access.event_seen(auditor, ada, "Employee.PulseAnswered")
    assert not access.event_field_seen(auditor, ada, hired, "name", sealed=True)
    assert not access.event_field_seen(auditor, ada, hired, "location", sealed=False)
    assert access.event_field_seen(auditor, ada, hired, "department", sealed=False)
    assert access.event_field_seen(admin, ada, "Employee.SkillAssessed", "level", sealed=False)
    assert not access.event_field_seen(
        Viewer("hr-1", "hr"), ada, "Employee.SkillAssessed", "level", sealed=False
    )
    assert not access.event_field_seen(admin, ada, "Employee.ProfileUpdated", "goals", sealed=True)


def test_the_table_in_the_trust_document_is_the_one_the_policy_code_makes() -> None:
    text = (ROOT / "docs" / "trust.md").read_text()
    for marker, made in (("access-rules", access.rules_markdown()),
                         ("access-operations", access.operations_markdown())):  # fmt: skip
        found = re.search(rf"<!-- {marker}:begin -->\n(.*?)\n<!-- {marker}:end -->", text, re.S)
        assert found is not None, f"docs/trust.md has no {marker} block"
        assert found.group(1) == made, f"docs/trust.md's {marker} table is stale: make docs"


@pytest.mark.parametrize(
    ("counts", "k", "shown"),
    [
        # Every part on 5 or more people: all shown.
        (EnrollmentCounts(12, 5, 5, 2, 4.2, 6), 2, (12, 5, 5, 2, 4.2, False)),
        # Two people in all: nothing but the empty part.
        (EnrollmentCounts(2, 1, 1, 0, 3.5, 2), 5, (None, None, None, 0, None, True)),
        # One small part would follow from the total: the next smallest hides it.
        (EnrollmentCounts(20, 2, 10, 8, 4.0, 9), 5, (20, None, 10, None, 4.0, True)),
        # One small part and the other parts empty: the total goes instead.
        (EnrollmentCounts(3, 3, 0, 0, None, 0), 3, (3, 3, 0, 0, None, False)),
        (EnrollmentCounts(6, 2, 4, 0, None, 0), 3, (6, None, None, 0, None, True)),
    ],
)
def test_module_counts_hide_what_rests_on_fewer_than_k_learners_or_follows_from_the_rest(
    counts: EnrollmentCounts, k: int, shown: tuple[object, ...]
) -> None:
    d = counts.disclosed(k)
    assert (d.total, d.active, d.completed, d.dropped, d.average_rating, d.suppressed) == shown


def test_the_k_rule_is_one_function_used_wherever_people_are_counted() -> None:
    assert [access.too_few_to_show(n, 5) for n in (0, 1, 4, 5, 9)] == [
        False, True, True, False, False
    ]  # fmt: skip
    inline = re.compile(r"0 < [\w.()\[\] -]+ < (k|min_group_size)\b")
    users = []
    for path in (ROOT / "app").rglob("*.py"):
        text = path.read_text()
        if path.parent.name != "access":
            assert not inline.search(text), f"{path} counts people past too_few_to_show"
        if "too_few_to_show" in text:
            users.append(path.name)
    assert {"kpi_modules.py", "disclosure.py", "enrollments.py", "fairness.py"} <= set(users)


def test_the_schema_layer_reaches_data_only_through_application_services() -> None:
    offenders = []
    for path in (ROOT / "app" / "schema").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("eventsourcing"):
                offenders.append(f"{path.name}: imports {node.module}")
            if isinstance(node, ast.Import) and any(
                a.name.startswith("eventsourcing") for a in node.names
            ):
                offenders.append(f"{path.name}: imports eventsourcing")
            if isinstance(node, ast.Attribute) and node.attr in ("repository", "recorder"):
                offenders.append(f"{path.name}:{node.lineno} uses .{node.attr}")
    assert offenders == []


def test_every_mutation_error_implements_the_one_error_interface() -> None:
    schema = build_schema()._schema
    interface = schema.get_type("UserError")
    errors = [schema.get_type(n) for n in ("ValidationError", "NotFound", "Conflict",
                                           "NotAllowed")]  # fmt: skip
    for error in errors:
        assert isinstance(error, GraphQLObjectType) and interface in error.interfaces
        assert str(error.fields["field"].type) == "String"
        assert str(error.fields["message"].type) == "String!"
        assert str(error.fields["code"].type) == "ErrorCode!"
