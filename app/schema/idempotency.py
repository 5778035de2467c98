"""``idempotencyKey`` on every mutation: a retry answers the first result and writes nothing.

The mechanism is generic: every mutation's input inherits ``IdempotentInput``, and the
``Idempotent`` field extension sits innermost on every mutation (after the access check, so
a refused caller reserves nothing). It keys the first result by caller and key
(app/integration/idempotency.py) and rebuilds it for a repeat from the payload's own
fields, so a repeat's read-back fields (``employee { ... }``) resolve as the first did.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import logging
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition

from app.integration.idempotency import (
    Clash,
    IdempotencyKeys,
    Replay,
    Reserved,
    input_hash,
    key_problem,
)
from app.schema.authorization import graphql_name
from app.schema.errors import Conflict, UserError, ValidationError

log = logging.getLogger("skillpath.idempotency")

KEY_HELP = (
    "Optional. A key of the caller's choosing (at most 255 characters) that makes a retry"
    " safe: a repeat with the same key by the same caller answers the first result and"
    " writes nothing; the same key with a different input is a Conflict. Keys are kept for"
    " SKILLPATH_IDEMPOTENCY_KEEP_HOURS (24 by default)."
)


@strawberry.input(description="What every mutation input accepts.")
class IdempotentInput:
    idempotency_key: str | None = strawberry.field(default=None, description=KEY_HELP)


def _plain(value: Any) -> Any:
    """An argument value as JSON-able data, for hashing what was asked."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "idempotency_key"
        }
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if value is strawberry.UNSET:
        return "<unset>"
    return value


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Enum):
        return {
            "$enum": f"{type(value).__module__}:{type(value).__qualname__}",
            "value": value.value,
        }
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return encode_result(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot keep a {type(value).__name__} as a first result")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
        if "$enum" in value:
            return _resolve(value["$enum"])(value["value"])
        return decode_result(value)
    return value


def _resolve(topic: str) -> Any:
    module, _, name = topic.partition(":")
    if not module.startswith("app."):
        raise ValueError(f"{topic} is not a Skillpath type")
    found: Any = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    return found


def encode_result(result: Any) -> dict[str, Any]:
    """A payload object as data: its class and the fields it was built with."""
    kind = type(result)
    return {
        "type": f"{kind.__module__}:{kind.__qualname__}",
        "fields": {
            f.name: _encode(getattr(result, f.name)) for f in dataclasses.fields(result) if f.init
        },
    }


def decode_result(data: dict[str, Any]) -> Any:
    kind = _resolve(data["type"])
    return kind(**{name: _decode(value) for name, value in data["fields"].items()})


def _key_of(kwargs: dict[str, Any]) -> str | None:
    given = kwargs.get("input")
    key = getattr(given, "idempotency_key", None) if given is not None else None
    return key if key is not None else kwargs.get("idempotency_key")


class Idempotent(FieldExtension):
    """Answers a repeated mutation from its first result (see the module docstring)."""

    def __init__(self, operation: str) -> None:
        self.operation = operation

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        raise TypeError(f"{self.operation} must be asynchronous to take an idempotency key")

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        key = _key_of(kwargs)
        if key is None:
            result = next_(source, info, **kwargs)
            return await result if inspect.isawaitable(result) else result
        problem = key_problem(key)
        if problem is not None:
            return ValidationError(field="idempotencyKey", message=problem)
        ctx = info.context
        keys: IdempotencyKeys = ctx.services.idempotency
        caller = f"{ctx.actor.role}:{ctx.actor.id}"
        arguments = {name: _plain(value) for name, value in kwargs.items()}
        digest = input_hash(self.operation, arguments)
        claim = await ctx.run(keys.claim, caller, key, digest)
        if isinstance(claim, Clash):
            return Conflict(field="idempotencyKey", message=claim.reason)
        if isinstance(claim, Replay):
            return decode_result(claim.result)
        assert isinstance(claim, Reserved)
        try:
            result = next_(source, info, **kwargs)
            result = await result if inspect.isawaitable(result) else result
        except BaseException:
            await ctx.run(keys.release, caller, key)
            raise
        if isinstance(result, UserError):
            await ctx.run(keys.release, caller, key)
        else:
            await ctx.run(keys.finish, caller, key, encode_result(result))
        return result


def make_idempotent(mutation: type) -> None:
    """Put the extension innermost on every mutation field (once)."""
    definition: StrawberryObjectDefinition = mutation.__strawberry_definition__  # type: ignore[attr-defined]
    for field in definition.fields:
        if any(isinstance(e, Idempotent) for e in field.extensions):
            continue
        field.extensions.insert(0, Idempotent(f"{definition.name}.{graphql_name(field)}"))
