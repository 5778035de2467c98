"""The policy as Markdown tables, embedded in docs/trust.md (a test compares them)."""

from __future__ import annotations

from app.access.operations import ENDPOINTS, OPERATIONS
from app.access.rules import _PEOPLE, FACET_HELP, ROLES, RULES, Relation

# -- the table in docs/trust.md ---------------------------------------------------------

_SHOWN_RELATIONS = (
    Relation.SELF, Relation.MANAGER, Relation.HR, Relation.ADMIN, Relation.AUDITOR,
    Relation.WORKS_COUNCIL, Relation.LEADERSHIP, Relation.INTEGRATION, Relation.STRANGER,
)  # fmt: skip


def operations_markdown() -> str:
    """Who may call each root field, as a Markdown table (also embedded in docs/trust.md)."""

    def roles(names: frozenset[str]) -> str:
        return ", ".join(r for r in ROLES if r in names) or "-"

    rows = ["| operation | any subject | only for themselves | for their direct reports |",
            "| --- | --- | --- | --- |"]  # fmt: skip
    for name, operation in OPERATIONS.items():
        rows.append(
            f"| `{name}` | {roles(operation.roles)} | {roles(operation.own)}"
            f" | {roles(operation.team)} |"
        )
    return "\n".join(rows)


def endpoints_markdown() -> str:
    """Who may call each HTTP endpoint outside GraphQL (embedded in docs/trust.md)."""

    def roles(names: frozenset[str]) -> str:
        return ", ".join(r for r in ROLES if r in names) or "-"

    rows = ["| endpoint | any subject | only what they wrote themselves |", "| --- | --- | --- |"]
    for name, operation in ENDPOINTS.items():
        rows.append(f"| `{name}` | {roles(operation.roles)} | {roles(operation.own)} |")
    return "\n".join(rows)


def rules_markdown() -> str:
    """The rules as a Markdown table (docs/trust.md embeds it; a test compares them)."""
    head = "| relation | " + " | ".join(f.value.replace("_", " ") for f in _PEOPLE) + " |"
    rule = "| --- |" + " --- |" * len(_PEOPLE)
    rows = [
        f"| {r} | " + " | ".join(RULES[r][f].describe() for f in _PEOPLE) + " |"
        for r in _SHOWN_RELATIONS
    ]
    facets = [f"- **{f.value.replace('_', ' ')}**: {FACET_HELP[f]}" for f in _PEOPLE]
    return "\n".join([head, rule, *rows, "", *facets])


def webhooks_markdown() -> str:
    from app.access.webhooks import webhooks_markdown as table

    return table()


def embed(text: str) -> str:
    """``text`` (docs/trust.md) with its generated blocks replaced by the current tables."""
    for marker, table in (("access-rules", rules_markdown()),
                          ("access-operations", operations_markdown()),
                          ("access-endpoints", endpoints_markdown()),
                          ("access-webhooks", webhooks_markdown())):  # fmt: skip
        begin, end = f"<!-- {marker}:begin -->\n", f"\n<!-- {marker}:end -->"
        head, found, rest = text.partition(begin)
        if not found:
            raise ValueError(f"no {marker} block")
        _, found, tail = rest.partition(end)
        if not found:
            raise ValueError(f"the {marker} block has no end")
        text = head + begin + table + end + tail
    return text


def refresh(path: str = "docs/trust.md") -> None:
    """Rewrite the generated blocks of the file (``make docs``)."""
    from pathlib import Path

    file = Path(path)
    file.write_text(embed(file.read_text()))
