"""The Employee aggregate: hiring, profile, skills, moves, onboarding, pulse, leaving."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from app.aggregates import base, benefit, champion
from app.aggregates.base import Actor, PersonalData
from app.aggregates.errors import Conflict, ValidationFailed
from app.aggregates.mentorship import MAX_MENTEES
from app.aggregates.onboarding import ModuleFacts, OnboardingTemplate, adapt
from app.aggregates.pulse_survey import PulseSurvey, period_of

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

    class PulseSurveyAnswered(Aggregate.Event, PersonalData):
        """The items of a pulse survey, recorded right after the eNPS answer it goes with."""

        personal_fields: ClassVar[frozenset[str]] = frozenset({"texts"})
        survey_id: UUID
        item_scores: dict[str, int]
        texts: dict[str, str]
        occurred_at: datetime
        actor: Actor

    class MentorOptedIn(Aggregate.Event):
        max_mentees: int
        actor: Actor

    class MentorOptedOut(Aggregate.Event):
        actor: Actor

    class MenteeTaken(Aggregate.Event):
        """A mentorship offered to this mentor counts against their limit until it ends."""

        mentorship_id: UUID
        actor: Actor

    class MenteeReleased(Aggregate.Event):
        mentorship_id: UUID
        actor: Actor

    class OnboardingStarted(Aggregate.Event):
        """A journey from the role's template, adapted to the hire (modules kept/skipped)."""

        template_id: UUID
        buddy_id: UUID | None
        module_ids: list[str]
        skipped: list[dict[str, str]]
        milestones: list[dict[str, Any]]
        check_in_weeks: list[int]
        target_days: int
        started_on: date
        actor: Actor

    class OnboardingMilestoneReached(Aggregate.Event):
        key: str
        reached_on: date
        actor: Actor

    class LifePhaseDeclared(Aggregate.Event, PersonalData):
        """Stored only with the benefits consent; sealed, and gone on erasure."""

        personal_fields: ClassVar[frozenset[str]] = frozenset({"life_phase", "conditions"})
        life_phase: str
        conditions: list[str]
        actor: Actor

    class BenefitTakenUp(Aggregate.Event):
        """The person took up a benefit; ``suggested`` says whether it was suggested to them."""

        benefit_id: UUID
        suggested: bool
        actor: Actor

    class ChampionOptedIn(Aggregate.Event):
        """The person joined the AI champion programme: from now on their self-assessment,
        their manager's input and their observed learning activity classify them for HR."""

        actor: Actor

    class ChampionOptedOut(Aggregate.Event):
        actor: Actor

    class ChampionInputGiven(Aggregate.Event):
        """Ratings (strong / medium / weak) of champion criteria from one source."""

        source: str
        ratings: dict[str, str]
        actor: Actor

    class ChampionTimeRecorded(Aggregate.Event):
        """The share of working time the champion spent on the programme in one month."""

        month: date
        share_percent: int
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
        #: Per pulse survey, when it was last answered (one answer per cadence period).
        self.survey_answered_at: dict[UUID, datetime] = {}
        #: How many open mentees the person takes as a mentor; None: not a mentor.
        self.mentor_capacity: int | None = None
        self.open_mentorships: set[UUID] = set()
        self.onboarding_milestones: list[str] | None = None
        self.milestones_reached: set[str] = set()

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

    def answer_pulse(
        self,
        *,
        score: int,
        actor: Actor,
        occurred_at: datetime | None,
        survey: PulseSurvey | None = None,
        item_scores: dict[str, int] | None = None,
        texts: dict[str, str] | None = None,
    ) -> None:
        """The eNPS answer, and with a survey its items (one answer per cadence period)."""
        self._require_employed()
        base.in_range(score, "score", 0, 10)
        when = base.business_time(occurred_at, "occurredAt")
        if survey is None:
            if item_scores or texts:
                raise ValidationFailed("surveyId", "item answers belong to a pulse survey")
            self._pulse_answered(score=score, occurred_at=when, actor=actor)
            return
        scores, cleaned = survey.checked_answers(item_scores or {}, texts or {})
        last = self.survey_answered_at.get(survey.id)
        if last is not None and period_of(last, survey.cadence) == period_of(when, survey.cadence):
            raise Conflict(
                f"this {survey.cadence} survey was already answered in this period",
                field="surveyId",
            )
        self._pulse_answered(score=score, occurred_at=when, actor=actor)
        self._survey_answered(
            survey_id=survey.id, item_scores=scores, texts=cleaned, occurred_at=when, actor=actor
        )

    @event(PulseAnswered)
    def _pulse_answered(self, score: int, occurred_at: datetime, actor: Actor) -> None:
        pass

    @event(PulseSurveyAnswered)
    def _survey_answered(
        self, survey_id: UUID, item_scores: dict[str, int], texts: dict[str, str],
        occurred_at: datetime, actor: Actor,
    ) -> None:  # fmt: skip
        # Only the moment is kept: the answers themselves live in the events alone.
        last = self.survey_answered_at.get(survey_id)
        self.survey_answered_at[survey_id] = occurred_at if last is None else max(last, occurred_at)

    def opt_in_as_mentor(self, *, max_mentees: int, actor: Actor) -> None:
        """Only employees who opted in are proposed as mentors."""
        self._require_employed()
        base.in_range(max_mentees, "maxMentees", 1, MAX_MENTEES)
        self._mentor_opted_in(max_mentees=max_mentees, actor=actor)

    @event(MentorOptedIn)
    def _mentor_opted_in(self, max_mentees: int, actor: Actor) -> None:
        self.mentor_capacity = max_mentees

    def opt_out_as_mentor(self, *, actor: Actor) -> None:
        if self.mentor_capacity is None:
            raise Conflict("the employee is not a mentor", field="employeeId")
        self._mentor_opted_out(actor=actor)

    @event(MentorOptedOut)
    def _mentor_opted_out(self, actor: Actor) -> None:
        self.mentor_capacity = None

    def take_mentee(self, *, mentorship_id: UUID, actor: Actor) -> None:
        """Refused unless the person opted in as a mentor and has room for one more."""
        self._require_employed()
        if self.mentor_capacity is None:
            raise ValidationFailed("mentorId", "the employee has not opted in as a mentor")
        if len(self.open_mentorships) >= self.mentor_capacity:
            raise Conflict(
                f"the mentor has {self.mentor_capacity} open mentees, their limit",
                field="mentorId",
            )
        self._mentee_taken(mentorship_id=mentorship_id, actor=actor)

    @event(MenteeTaken)
    def _mentee_taken(self, mentorship_id: UUID, actor: Actor) -> None:
        self.open_mentorships.add(mentorship_id)

    def release_mentee(self, *, mentorship_id: UUID, actor: Actor) -> None:
        if mentorship_id in self.open_mentorships:
            self._mentee_released(mentorship_id=mentorship_id, actor=actor)

    @event(MenteeReleased)
    def _mentee_released(self, mentorship_id: UUID, actor: Actor) -> None:
        self.open_mentorships.discard(mentorship_id)

    def start_onboarding(
        self, *, template: OnboardingTemplate, buddy_id: UUID | None,
        modules: list[ModuleFacts], started_on: date, actor: Actor,
    ) -> None:  # fmt: skip
        """The caller has loaded the template's modules and checked the buddy exists."""
        self._require_employed()
        if self.onboarding_milestones is not None:
            raise Conflict("the onboarding journey has already started", field="employeeId")
        if self.productive_since is not None:
            raise Conflict("productivity was already reached", field="employeeId")
        if template.buddy and buddy_id is None:
            raise ValidationFailed("buddyId", "this role's onboarding needs a buddy")
        if buddy_id == self.id:
            raise ValidationFailed("buddyId", "a hire cannot be their own buddy")
        base.past_date(started_on, "startedOn")
        if started_on < self.hire_date:
            raise ValidationFailed("startedOn", "must not be before the hire date")
        kept, skipped = adapt(modules, self.years_experience, self.skills)
        self._onboarding_started(
            template_id=template.id, buddy_id=buddy_id, module_ids=kept, skipped=skipped,
            milestones=template.milestones, check_in_weeks=template.check_in_weeks,
            target_days=template.target_days, started_on=started_on, actor=actor,
        )  # fmt: skip

    @event(OnboardingStarted)
    def _onboarding_started(
        self, template_id: UUID, buddy_id: UUID | None, module_ids: list[str],
        skipped: list[dict[str, str]], milestones: list[dict[str, Any]],
        check_in_weeks: list[int], target_days: int, started_on: date, actor: Actor,
    ) -> None:  # fmt: skip
        self.onboarding_milestones = [m["key"] for m in milestones]

    def reach_milestone(self, *, key: str, reached_on: date, actor: Actor) -> None:
        self._require_employed()
        if self.onboarding_milestones is None:
            raise Conflict("no onboarding journey has started", field="employeeId")
        key = base.text(key, "milestoneKey", max_length=40).lower()
        if key not in self.onboarding_milestones:
            raise ValidationFailed("milestoneKey", f"{key!r} is not a milestone of the journey")
        if key in self.milestones_reached:
            raise Conflict(f"milestone {key!r} was already reached", field="milestoneKey")
        base.past_date(reached_on, "reachedOn")
        self._milestone_reached(key=key, reached_on=reached_on, actor=actor)

    @event(OnboardingMilestoneReached)
    def _milestone_reached(self, key: str, reached_on: date, actor: Actor) -> None:
        self.milestones_reached.add(key)

    def declare_life_phase(self, *, phase: str, held: list[str], actor: Actor) -> None:
        """The caller has checked the benefits consent."""
        self._require_employed()
        self._life_phase_declared(
            life_phase=benefit.life_phase(phase), conditions=benefit.conditions(held),
            actor=actor,
        )  # fmt: skip

    @event(LifePhaseDeclared)
    def _life_phase_declared(self, life_phase: str, conditions: list[str], actor: Actor) -> None:
        # Sealed in the event; an erased one reads back as the marker, which fits nothing.
        self.life_phase: str | None = life_phase
        self.life_conditions: list[str] = conditions

    def take_up_benefit(self, *, benefit_id: UUID, suggested: bool, actor: Actor) -> None:
        self._require_employed()
        self._benefit_taken_up(benefit_id=benefit_id, suggested=suggested, actor=actor)

    @event(BenefitTakenUp)
    def _benefit_taken_up(self, benefit_id: UUID, suggested: bool, actor: Actor) -> None:
        pass

    # -- the AI champion programme --------------------------------------------------------

    @property
    def is_champion(self) -> bool:
        return bool(getattr(self, "champion_opted_in", False))

    def opt_in_as_champion(self, *, actor: Actor) -> None:
        """Only the person themselves joins the programme (the schema lets no one else)."""
        self._require_employed()
        if self.is_champion:
            raise Conflict("the employee is already in the champion programme",
                           field="employeeId")  # fmt: skip
        self._champion_opted_in(actor=actor)

    @event(ChampionOptedIn)
    def _champion_opted_in(self, actor: Actor) -> None:
        self.champion_opted_in = True

    def opt_out_as_champion(self, *, actor: Actor) -> None:
        if not self.is_champion:
            raise Conflict("the employee is not in the champion programme", field="employeeId")
        self._champion_opted_out(actor=actor)

    @event(ChampionOptedOut)
    def _champion_opted_out(self, actor: Actor) -> None:
        self.champion_opted_in = False

    def require_champion(self, field: str = "employeeId") -> None:
        if not self.is_champion:
            raise Conflict(
                "the employee has not opted into the AI champion programme: nothing about"
                " them is assessed or classified without it",
                field=field,
            )

    def give_champion_input(self, *, source: str, ratings: dict[str, str], actor: Actor) -> None:
        """The caller has checked who may give input from ``source``."""
        self._require_employed()
        self.require_champion()
        base.one_of(source, "source", ("self", "manager"))
        self._champion_input_given(source=source, ratings=champion.checked_ratings(ratings),
                                   actor=actor)  # fmt: skip

    @event(ChampionInputGiven)
    def _champion_input_given(self, source: str, ratings: dict[str, str], actor: Actor) -> None:
        pass

    def record_champion_time(self, *, month: date, share_percent: int, actor: Actor) -> None:
        self._require_employed()
        self.require_champion()
        base.in_range(share_percent, "sharePercent", 0, 100)
        first = base.past_date(month, "month").replace(day=1)
        if first < self.hire_date.replace(day=1):
            raise ValidationFailed("month", "must not be before the hire date")
        self._champion_time_recorded(month=first, share_percent=share_percent, actor=actor)

    @event(ChampionTimeRecorded)
    def _champion_time_recorded(self, month: date, share_percent: int, actor: Actor) -> None:
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
