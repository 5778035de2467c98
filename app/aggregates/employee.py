"""The Employee aggregate: hiring, profile, skills, moves, onboarding, pulse, leaving."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime
from typing import ClassVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from app.aggregates import base
from app.aggregates.base import Actor, PersonalData
from app.aggregates.errors import Conflict, ValidationFailed

SKILL_SOURCES = ("self", "manager", "quiz")
MEDIA_TYPES = ("video", "article", "course", "interactive", "podcast", "workshop")
MAX_WEEKLY_MINUTES = 40 * 60
#: Self-declared attributes, used only inside aggregate fairness reports.
GENDERS = ("female", "male", "diverse", "undisclosed")
AGE_BANDS = ("under_30", "30_44", "45_59", "60_plus", "undisclosed")


class Employee(Aggregate):
    """A person employed by the organisation, from hire to leaving."""

    class Hired(Aggregate.Created, PersonalData):
        personal_fields: ClassVar[frozenset[str]] = frozenset({"name", "email"})
        name: str
        email: str
        role_id: UUID
        department: str
        manager_id: UUID | None
        location: str
        years_experience: int
        hire_date: date
        actor: Actor

    class ProfileUpdated(Aggregate.Event, PersonalData):
        personal_fields: ClassVar[frozenset[str]] = frozenset({"goals"})
        media_types: list[str]
        weekly_minutes: int
        goals: list[str]
        language: str
        actor: Actor

    class SkillAssessed(Aggregate.Event):
        skill: str
        level: int
        source: str
        occurred_at: datetime
        actor: Actor

    class RoleChanged(Aggregate.Event):
        role_id: UUID
        department: str
        manager_id: UUID | None
        occurred_at: datetime
        actor: Actor

    class DetailsChanged(Aggregate.Event, PersonalData):
        """Who someone is and where they sit changed in the HR system (not an internal move:
        the role stays; ``RoleChanged`` is the move). Holds every detail as it now is."""

        personal_fields: ClassVar[frozenset[str]] = frozenset({"name", "email", "location"})
        name: str
        email: str
        location: str
        department: str
        manager_id: UUID | None
        actor: Actor

    class ProductivityReached(Aggregate.Event):
        reached_on: date
        actor: Actor

    class PulseAnswered(Aggregate.Event):
        score: int
        occurred_at: datetime
        actor: Actor

    class Left(Aggregate.Event):
        left_on: date
        actor: Actor

    class AttributesSelfDeclared(Aggregate.Event, PersonalData):
        personal_fields: ClassVar[frozenset[str]] = frozenset({"gender", "age_band"})
        gender: str
        age_band: str
        actor: Actor

    @event(Hired)
    def __init__(
        self,
        name: str,
        email: str,
        role_id: UUID,
        department: str,
        manager_id: UUID | None,
        location: str,
        years_experience: int,
        hire_date: date,
        actor: Actor,
    ) -> None:
        self.name = name
        self.email = email
        self.role_id = role_id
        self.department = department
        self.manager_id = manager_id
        self.location = location
        self.years_experience = years_experience
        self.hire_date = hire_date
        self.skills: dict[str, int] = {}
        self.media_types: list[str] = []
        self.weekly_minutes = 0
        self.goals: list[str] = []
        self.language = "en"
        self.productive_since: date | None = None
        self.left_on: date | None = None

    @classmethod
    def hire(
        cls,
        *,
        name: str,
        email: str,
        role_id: UUID,
        department: str,
        manager_id: UUID | None,
        location: str,
        years_experience: int,
        hire_date: date,
        actor: Actor,
        employee_id: UUID | None = None,
    ) -> Employee:
        """Validate a hire; the caller has checked that role and manager exist."""
        base.in_range(years_experience, "yearsExperience", 0, 70)
        return cls._create(
            cls.Hired,
            id=employee_id or uuid4(),
            name=base.text(name, "name"),
            email=base.email(email),
            role_id=role_id,
            department=base.text(department, "department"),
            manager_id=manager_id,
            location=base.text(location, "location"),
            years_experience=years_experience,
            hire_date=base.past_date(hire_date, "hireDate"),
            actor=actor,
        )

    @property
    def has_left(self) -> bool:
        return self.left_on is not None

    def _require_employed(self) -> None:
        if self.has_left:
            raise Conflict(f"employee {self.id} left on {self.left_on}", field="employeeId")

    def update_profile(
        self,
        *,
        media_types: list[str],
        weekly_minutes: int,
        goals: list[str],
        language: str,
        actor: Actor,
    ) -> None:
        self._require_employed()
        media = base.labels(media_types, "mediaTypes", max_items=len(MEDIA_TYPES))
        for medium in media:
            base.one_of(medium, "mediaTypes", MEDIA_TYPES)
        base.in_range(weekly_minutes, "weeklyMinutes", 0, MAX_WEEKLY_MINUTES)
        self._profile_updated(
            media_types=media,
            weekly_minutes=weekly_minutes,
            goals=base.labels(goals, "goals", max_items=20),
            language=_language(language),
            actor=actor,
        )

    @event(ProfileUpdated)
    def _profile_updated(
        self,
        media_types: list[str],
        weekly_minutes: int,
        goals: list[str],
        language: str,
        actor: Actor,
    ) -> None:
        self.media_types = media_types
        self.weekly_minutes = weekly_minutes
        self.goals = goals
        self.language = language

    def assess_skill(
        self, *, skill: str, level: int, source: str, actor: Actor, occurred_at: datetime | None
    ) -> None:
        self._require_employed()
        base.in_range(level, "level", 0, 5)
        self._skill_assessed(
            skill=base.skill_name(skill),
            level=level,
            source=base.one_of(source, "source", SKILL_SOURCES),
            occurred_at=base.business_time(occurred_at, "occurredAt"),
            actor=actor,
        )

    @event(SkillAssessed)
    def _skill_assessed(
        self, skill: str, level: int, source: str, occurred_at: datetime, actor: Actor
    ) -> None:
        self.skills[skill] = level

    def change_role(
        self,
        *,
        role_id: UUID,
        department: str | None,
        manager_id: UUID | None,
        actor: Actor,
        occurred_at: datetime | None,
    ) -> None:
        """An internal move; the caller has checked that the role and manager exist."""
        self._require_employed()
        if manager_id == self.id:
            raise ValidationFailed("managerId", "an employee cannot manage themselves")
        new_department = (
            self.department if department is None else base.text(department, "department")
        )
        if (role_id, new_department, manager_id) == (
            self.role_id,
            self.department,
            self.manager_id,
        ):
            raise Conflict("the employee already has this role, department and manager")
        self._role_changed(
            role_id=role_id,
            department=new_department,
            manager_id=manager_id,
            occurred_at=base.business_time(occurred_at, "occurredAt"),
            actor=actor,
        )

    @event(RoleChanged)
    def _role_changed(
        self,
        role_id: UUID,
        department: str,
        manager_id: UUID | None,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        self.role_id = role_id
        self.department = department
        self.manager_id = manager_id

    def details_differ(
        self, *, name: str, email: str, location: str, department: str, manager_id: UUID | None
    ) -> list[str]:
        """The details that differ from these (schema names), checked as a change would be."""
        given = {
            "name": base.text(name, "name"),
            "email": base.email(email),
            "location": base.text(location, "location"),
            "department": base.text(department, "department"),
            "managerId": manager_id,
        }
        current = {
            "name": self.name,
            "email": self.email,
            "location": self.location,
            "department": self.department,
            "managerId": self.manager_id,
        }
        return [field for field, value in given.items() if current[field] != value]

    def change_details(
        self,
        *,
        name: str,
        email: str,
        location: str,
        department: str,
        manager_id: UUID | None,
        actor: Actor,
    ) -> list[str]:
        """Record changed details; the caller has checked the manager. Returns what changed."""
        self._require_employed()
        if manager_id == self.id:
            raise ValidationFailed("managerId", "an employee cannot manage themselves")
        changed = self.details_differ(
            name=name, email=email, location=location, department=department,
            manager_id=manager_id,
        )  # fmt: skip
        if changed:
            self._details_changed(
                name=base.text(name, "name"),
                email=base.email(email),
                location=base.text(location, "location"),
                department=base.text(department, "department"),
                manager_id=manager_id,
                actor=actor,
            )
        return changed

    @event(DetailsChanged)
    def _details_changed(
        self,
        name: str,
        email: str,
        location: str,
        department: str,
        manager_id: UUID | None,
        actor: Actor,
    ) -> None:
        self.name = name
        self.email = email
        self.location = location
        self.department = department
        self.manager_id = manager_id

    def record_productivity_reached(self, *, reached_on: date, actor: Actor) -> None:
        self._require_employed()
        if self.productive_since is not None:
            raise Conflict(f"productivity was already reached on {self.productive_since}")
        base.past_date(reached_on, "reachedOn")
        if reached_on < self.hire_date:
            raise ValidationFailed("reachedOn", "must not be before the hire date")
        self._productivity_reached(reached_on=reached_on, actor=actor)

    @event(ProductivityReached)
    def _productivity_reached(self, reached_on: date, actor: Actor) -> None:
        self.productive_since = reached_on

    def answer_pulse(self, *, score: int, actor: Actor, occurred_at: datetime | None) -> None:
        self._require_employed()
        base.in_range(score, "score", 0, 10)
        self._pulse_answered(
            score=score, occurred_at=base.business_time(occurred_at, "occurredAt"), actor=actor
        )

    @event(PulseAnswered)
    def _pulse_answered(self, score: int, occurred_at: datetime, actor: Actor) -> None:
        pass

    def offboard(self, *, left_on: date, actor: Actor) -> None:
        self._require_employed()
        base.past_date(left_on, "leftOn")
        if left_on < self.hire_date:
            raise ValidationFailed("leftOn", "must not be before the hire date")
        self._left(left_on=left_on, actor=actor)

    @event(Left)
    def _left(self, left_on: date, actor: Actor) -> None:
        self.left_on = left_on

    def declare_attributes(self, *, gender: str, age_band: str, actor: Actor) -> None:
        """Self-declared gender and age band; the caller has checked fairness_audit consent."""
        self._require_employed()
        self._attributes_self_declared(
            gender=base.one_of(gender, "gender", GENDERS),
            age_band=base.one_of(age_band, "ageBand", AGE_BANDS),
            actor=actor,
        )

    @event(AttributesSelfDeclared)
    def _attributes_self_declared(self, gender: str, age_band: str, actor: Actor) -> None:
        # Deliberately not kept on the aggregate: only the fairness read model holds them.
        pass


def _language(value: str) -> str:
    value = base.text(value, "language", max_length=8).lower()
    if not value.replace("-", "").isalpha() or len(value) < 2:
        raise ValidationFailed("language", "must be a language code such as en or nb")
    return value


class EmailClaim(Aggregate):
    """Reserves an email address for one employee, so that emails stay unique.

    Its id is a keyed hash (HMAC-SHA256 with a server secret) of the address; saving a
    second claim for the same address in the same atomic save as a hire fails, so two hires
    can never share an email. Without the secret, the id tells nothing about the address,
    so the uniqueness index keeps no readable trace of an erased employee.
    """

    class Claimed(Aggregate.Created):
        employee_id: UUID

    @event(Claimed)
    def __init__(self, employee_id: UUID) -> None:
        self.employee_id = employee_id

    @staticmethod
    def id_for(address: str, secret: bytes) -> UUID:
        digest = hmac.new(secret, address.strip().lower().encode(), hashlib.sha256).digest()
        return UUID(bytes=digest[:16], version=5)

    @classmethod
    def claim(cls, address: str, employee_id: UUID, secret: bytes) -> EmailClaim:
        return cls._create(cls.Claimed, id=cls.id_for(address, secret), employee_id=employee_id)
