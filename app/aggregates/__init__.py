"""The domain: aggregates and their events. Imports only the standard library and eventsourcing."""

from app.aggregates.base import SYSTEM, Actor, PersonalData
from app.aggregates.decision import RecommendationDecision
from app.aggregates.employee import EmailClaim, Employee
from app.aggregates.enrollment import Enrollment
from app.aggregates.errors import Conflict, DomainError, NotFound, ValidationFailed
from app.aggregates.learning_module import LearningModule, ModuleContent
from app.aggregates.role import RequiredSkill, Role

__all__ = [
    "SYSTEM",
    "Actor",
    "Conflict",
    "DomainError",
    "EmailClaim",
    "Employee",
    "Enrollment",
    "LearningModule",
    "ModuleContent",
    "NotFound",
    "PersonalData",
    "RecommendationDecision",
    "RequiredSkill",
    "Role",
    "ValidationFailed",
]
