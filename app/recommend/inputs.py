"""What a served list was computed from, as its decision records it (and hashes it).

Everything :func:`app.recommend.ranking.rank` was given about the person, the consent that
decided what it could use, the model version and the rule settings, plus counters that
name the catalogue and competence model the ranking saw. The features are recorded as
ranking may use them: without personalisation only the role and the history that makes
modules ineligible (done, in progress, recently declined), since nothing else about the
person may be used then, nor should it be stored for that list.

Format 1 (``"format": 1``), as JSON::

    {"format": 1, "model_version": str | null, "first": int, "relevance_floor": float,
     "topic_floors": {topic: int},      # the fairness mitigation's floors ({} when off)
     "catalogue_version": int, "roles_version": int,
     "consent": {"personalisation": bool}, "basis": "personalised" | "role_based" | ...,
     "role": {"role_id": str, "required": {skill: level}},
     "history": {"completed": [module ids], "in_progress": [...], "declined": [...]},
     "goal": str | null,
     "features": {"department", "years_experience", "skills", "media_types",
                  "weekly_minutes", "goals", "language", "recent_quizzes"}  # personalised only
     "nonce": str}                      # added when the decision is recorded

The hash is ``app.aggregates.decision.inputs_digest`` of that object (docs/trust.md).
"""

from __future__ import annotations

from typing import Any

from app.recommend.ranking import Learner

FORMAT = 1


def decision_inputs(
    learner: Learner,
    *,
    basis: str,
    model_version: str | None,
    first: int,
    relevance_floor: float,
    versions: dict[str, int],
    topic_floors: dict[str, int] | None = None,
) -> dict[str, Any]:
    """The recorded inputs of one served list (JSON-ready, lists sorted)."""
    employee = learner.employee
    inputs: dict[str, Any] = {
        "format": FORMAT,
        "model_version": model_version,
        "first": first,
        "relevance_floor": float(relevance_floor),
        "topic_floors": dict(sorted((topic_floors or {}).items())),
        "catalogue_version": int(versions.get("modules", 0)),
        "roles_version": int(versions.get("roles", 0)),
        "consent": {"personalisation": learner.personalised},
        "basis": basis,
        "role": {
            "role_id": employee.role_id,
            "required": learner.role.levels() if learner.role else {},
        },
        "history": {
            "completed": sorted(learner.completed),
            "in_progress": sorted(learner.in_progress),
            "declined": sorted(learner.declined),
        },
        "goal": learner.goal,
    }
    if learner.personalised:
        inputs["features"] = {
            "department": employee.department,
            "years_experience": employee.years_experience,
            "skills": dict(sorted(employee.skills.items())),
            "media_types": list(employee.media_types),
            "weekly_minutes": employee.weekly_minutes,
            "goals": list(employee.goals),
            "language": employee.language,
            "recent_quizzes": [[module, score] for module, score in learner.recent_quizzes],
        }
    return inputs
