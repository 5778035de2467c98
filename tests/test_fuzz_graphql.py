"""Operations generated from schema.graphql (hypothesis-graphql), valid and invalid, sent by
an admin, an HR and an employee token to the app: every answer is a GraphQL response, and
none is an internal error.

The documents are drawn first, in one seeded run of Hypothesis per round (no shrinking:
a failure is reported with its document, which the seed reproduces), then sent in batches
through the ASGI app in this process, so the run costs generation and execution and no
sockets. Ids are drawn from an arranged organisation (a fresh one every PER_WORLD
operations), so valid documents reach real employees, enrolments, modules, roles and
recommendation lists; dates and times include naive, out-of-range and malformed ones.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from app.main import create_app
from tests.access_world import PEOPLE, AccessWorld, access_world
from tests.conftest import auth_headers
from tests.test_schema_file import SCHEMA_FILE

OPERATIONS = 10_000
#: Share of documents with one schema violation (Mode.NEGATIVE).
INVALID_SHARE = 0.3
BATCH = 50
PER_WORLD = 2_000
CALLERS = ("admin", "hr", "employee")
ERASING = frozenset({"requestErasure"})


@dataclass(frozen=True)
class Operation:
    valid: bool
    field: str
    document: str


@dataclass(frozen=True)
class Answer:
    operation: Operation
    caller: str
    status: int
    body: Any
    seconds: float

    def fault(self) -> str | None:
        """Why this answer is not acceptable, or None."""
        if self.status >= 500:
            return f"HTTP {self.status}"
        body = self.body
        if not isinstance(body, dict) or not ({"data", "errors"} & body.keys()):
            return "not a GraphQL response"
        errors = body.get("errors") or []
        if not isinstance(errors, list) or not all(
            isinstance(e, dict) and isinstance(e.get("message"), str) for e in errors
        ):
            return "errors are not GraphQL errors"
        if any((e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR" for e in errors):
            return "internal error"
        return None

    def outcome(self) -> str:
        errors = self.body.get("errors") if isinstance(self.body, dict) else None
        if not errors:
            return "data"
        codes = {(e.get("extensions") or {}).get("code", "uncoded") for e in errors}
        return "errors " + ",".join(sorted(str(c) for c in codes))


def _strings(*values: str) -> st.SearchStrategy[graphql.ValueNode]:
    return st.sampled_from(values).map(lambda v: graphql.StringValueNode(value=v))


def placeholders(world: AccessWorld) -> dict[str, str]:
    """The ids of an arranged organisation, by the names documents are generated with
    (every world draws new ids, and documents outlive one world)."""
    found = {f"@person:{name}": person for name, person in world.ids.items()}
    found.update({f"@enrolment:{n}": e for n, e in world.enrollments.items()})
    found.update({f"@decision:{n}": d for n, d in world.decisions.items()})
    found.update({f"@open-decision:{n}": d for n, d in world.open_decisions.items()})
    found.update({"@module": world.module_id, "@other-module": world.other_module_id,
                  "@role": world.role_id})  # fmt: skip
    return found


def scalars() -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Values for the custom scalars, and ids: the arranged organisation's (by placeholder)
    and ids that name nothing or are no ids at all."""
    ids = [
        *(f"@person:{name}" for name in PEOPLE),
        *(f"@{kind}:{name}" for kind in ("enrolment", "decision", "open-decision")
          for name in PEOPLE),
        "@module", "@other-module", "@role",
        "00000000-0000-4000-8000-000000000000", "not-an-id", "",
    ]  # fmt: skip
    return {
        "ID": _strings(*ids),
        "Date": _strings("2024-01-02", "1900-01-01", "9999-12-31", "2024-02-30", "x", ""),
        "DateTime": _strings(
            "2024-01-02T10:00:00+00:00", "2024-06-01T12:00:00Z", "1900-01-01T00:00:00",
            "2024-01-02T10:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
            "2024-13-01T00:00:00Z", "tomorrow",
        ),
        "JSON": _strings("{}"),
    }


def generate(count: int) -> list[Operation]:
    """At least ``count`` documents: every root field in turn, a share of about
    INVALID_SHARE of them with one schema violation (fields with arguments only)."""
    schema = graphql.build_schema(SCHEMA_FILE.read_text())
    custom = scalars()
    roots = [
        (name, bool(field.args))
        for root in (schema.query_type, schema.mutation_type)
        if root is not None
        for name, field in root.fields.items()
    ]
    with_arguments = sum(1 for _, has in roots if has)
    found: list[Operation] = []
    round_ = 0
    while len(found) < count:
        missing = count - len(found)
        valid_each = int(missing * (1 - INVALID_SHARE) / len(roots)) + 1
        invalid_each = int(missing * INVALID_SHARE / with_arguments) + 1
        for name, has_arguments in roots:
            _draw(found, schema, custom, name, Mode.POSITIVE, valid_each, round_)
            if has_arguments:
                _draw(found, schema, custom, name, Mode.NEGATIVE, invalid_each, round_)
        round_ += 1
    random.Random(round_).shuffle(found)  # fields interleaved, in a fixed order
    return found


def _draw(
    found: list[Operation],
    schema: graphql.GraphQLSchema,
    custom: dict[str, st.SearchStrategy[graphql.ValueNode]],
    name: str,
    mode: Mode,
    examples: int,
    round_: int,
) -> None:
    """One seeded Hypothesis run for one root field: documents only, no shrinking."""
    strategy = from_schema(schema, fields=[name], custom_scalars=custom, mode=mode)

    @seed(round_)
    @settings(
        max_examples=examples, database=None, deadline=None, phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(strategy)
    def collect(document: object) -> None:
        found.append(Operation(mode is Mode.POSITIVE, name, str(document)))

    collect()


async def send(world: AccessWorld, operations: list[Operation]) -> list[Answer]:
    app = create_app(world.services.settings, world.services)
    ids = {f'"{name}"': f'"{value}"' for name, value in placeholders(world).items()}

    def with_ids(document: str) -> str:
        for placeholder, value in ids.items():
            document = document.replace(placeholder, value)
        return document

    tokens = {
        "admin": auth_headers(world.services, "admin"),
        "hr": auth_headers(world.services, "hr"),
        "employee": auth_headers(world.services, "employee", world.ids["ada"]),
    }
    answers: list[Answer] = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://skillpath.test", timeout=60
    ) as http:

        async def one(index: int, operation: Operation) -> Answer:
            caller = CALLERS[index % len(CALLERS)]
            started = time.perf_counter()
            response = await http.post(
                "/graphql", json={"query": with_ids(operation.document)}, headers=tokens[caller]
            )
            seconds = time.perf_counter() - started
            try:
                body = response.json()
            except json.JSONDecodeError:
                body = response.text
            return Answer(operation, caller, response.status_code, body, seconds)

        for start in range(0, len(operations), BATCH):
            batch = operations[start : start + BATCH]
            answers += await asyncio.gather(
                *(one(start + i, op) for i, op in enumerate(batch))
            )
    return answers


def _erasing(operation: Operation) -> bool:
    return operation.field in ERASING


def report(answers: list[Answer], generated: float, sent: float) -> str:
    kinds = Counter("valid" if a.operation.valid else "invalid" for a in answers)
    fields = Counter(a.operation.field for a in answers)
    outcomes = Counter(a.outcome() for a in answers)
    callers = Counter(a.caller for a in answers)
    unique = len({a.operation.document for a in answers})
    cost: Counter[str] = Counter()
    for answer in answers:
        cost[answer.operation.field] += answer.seconds
    lines = [
        f"fuzz: {len(answers)} operations ({unique} distinct) from schema.graphql:"
        f" {kinds['valid']} valid, {kinds['invalid']} invalid; callers {dict(callers)}",
        f"fuzz: generated in {generated:.1f}s, sent in {sent:.1f}s",
        f"fuzz: {len(fields)} root fields tried; least tried:"
        f" {', '.join(f'{n} {c}' for n, c in fields.most_common()[-5:])}",
        "fuzz: most time (summed over concurrent requests): "
        + ", ".join(f"{n} {c:.1f}s" for n, c in cost.most_common(5)),
        "fuzz: outcomes " + "; ".join(f"{o}: {c}" for o, c in outcomes.most_common()),
    ]
    return "\n".join(lines)


async def test_generated_operations_get_graphql_answers_and_no_internal_error(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    started = time.perf_counter()
    operations = generate(OPERATIONS)
    generated = time.perf_counter() - started
    answers: list[Answer] = []
    with caplog.at_level(logging.ERROR, logger="skillpath.errors"):
        started = time.perf_counter()
        for start in range(0, len(operations), PER_WORLD):
            # A fresh organisation every PER_WORLD operations: what the generated mutations
            # add would otherwise make each later read slower than the one before.
            # consistentWith holds a query until the read models reach a position;
            # generated positions lie far ahead, so the wait is kept short (a setting).
            with access_world(consistency_timeout_seconds=0.01) as world:
                # Erasures last: an erased employee's token is refused from then on.
                chunk = sorted(operations[start : start + PER_WORLD], key=_erasing)
                answers += await send(world, chunk)
        sent = time.perf_counter() - started
    with capsys.disabled():
        print("\n" + report(answers, generated, sent))
    faults = [(a, a.fault()) for a in answers if a.fault() is not None]
    shown = "\n\n".join(
        f"{why} for {a.caller} ({'valid' if a.operation.valid else 'invalid'}):\n"
        f"{a.operation.document}\n-> {a.status} {str(a.body)[:500]}"
        for a, why in faults[:10]
    )
    assert len(answers) >= 10_000
    assert faults == [], f"{len(faults)} unacceptable answers, the first ones:\n{shown}"
    assert [r.getMessage() for r in caplog.records] == []
    # Both kinds reached the app: answers with data and refusals of invalid documents.
    outcomes = Counter(a.outcome() for a in answers)
    assert outcomes["data"] > 0
    assert any(o.startswith("errors") for o in outcomes)
