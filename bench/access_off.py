"""Skillpath's server with the field-level access policy left out: the reference that
``bench/bench_access.py`` measures the policy against. Never served for real.

What is left out: the guards on every field and link (``app/schema/guard.py``), the check
the plain-field shortcut makes for a person's fields, and so the facts read per request.
The root-field operation table stays, as it was before the field-level policy existed.
"""

from __future__ import annotations

from typing import Any

import app.schema as schema_module
import app.schema.execution as execution
from app.main import create_app as create_skillpath_app


def _no_guards(_schema: Any) -> None:
    return None


def create_app() -> Any:
    schema_module.install_guards = _no_guards  # type: ignore[assignment]
    execution.PERSON_TYPES = {}  # type: ignore[assignment]
    return create_skillpath_app()
