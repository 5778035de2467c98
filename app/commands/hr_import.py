"""Importing an HRIS export: new people are hired, changed details and moves recorded, and,
on request, people missing from a full export marked as left.

Every row is one atomic save (the employee, and the claim of a new email); a row that is
refused is reported with its line and reason and the others still land. The HR system's id
gives the Skillpath id (``uuid5``), so importing the same file again finds everyone as
they are and writes nothing. People hired before the import are found by their email.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError

from app.aggregates import Actor, Conflict, DomainError, EmailClaim, Employee, Role
from app.commands.base import CommandBase
from app.integration.hr_records import HrRecord, RowProblem, managers_first

HR_NAMESPACE = UUID("3c0b8f5e-7d4a-4b8e-9f3a-1e2d5c6b7a80")


def employee_id_for(hr_id: str) -> UUID:
    """The Skillpath id of the person the HR system knows as ``hr_id``."""
    return uuid5(HR_NAMESPACE, hr_id)


class RowRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    dry_run: bool
    hired: list[str] = field(default_factory=list)
    #: HR id -> the details that changed (schema names: name, email, role, ...).
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    #: Skillpath ids of the people marked as left.
    left: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    position: int = 0

    @property
    def written(self) -> int:
        return len(self.hired) + len(self.updated) + len(self.left)


class HrImportCommands(CommandBase):
    """The bulk import of employees, departments, managers and roles."""

    def import_hr_records(
        self,
        records: list[HrRecord],
        *,
        actor: Actor,
        problems: Iterable[RowProblem] = (),
        dry_run: bool = False,
        mark_missing_as_left: bool = False,
        active_employees: Iterable[UUID] = (),
        progress: Callable[[int], object] | None = None,
        left_on: date | None = None,
    ) -> ImportReport:
        """Apply checked records (app/integration/hr_records.py); ``problems`` are the rows
        refused before, reported with the others."""
        report = ImportReport(dry_run=dry_run, problems=list(problems))
        resolved: dict[str, UUID] = {}
        failed: dict[str, int] = {p.employee_id: p.line for p in report.problems if p.employee_id}
        for record in managers_first(records):
            try:
                resolved[record.employee_id] = self._import_row(record, resolved, failed, report,
                                                                 actor)  # fmt: skip
            except RowRefused as error:
                self._refuse(report, failed, record, error.reason)
            except DomainError as error:
                named = getattr(error, "field", None)
                where = f"{named}: " if named else ""
                self._refuse(report, failed, record, f"{where}{error.message}")
            if progress is not None:
                progress(1)
        report.problems.sort(key=lambda p: p.line)
        if mark_missing_as_left:
            self._mark_missing(report, set(resolved.values()), active_employees, actor, left_on)
        return report

    @staticmethod
    def _refuse(
        report: ImportReport, failed: dict[str, int], record: HrRecord, reason: str
    ) -> None:
        report.problems.append(RowProblem(record.line, record.employee_id, reason))
        failed[record.employee_id] = record.line

    def _existing(self, hr_id: str, email: str | None = None) -> Employee | None:
        found: Any
        try:
            found = self.repository.get(employee_id_for(hr_id))
            return found if isinstance(found, Employee) else None
        except AggregateNotFoundError:
            pass
        if email is None:
            return None
        try:
            claim: EmailClaim = self.repository.get(
                EmailClaim.id_for(email, self.email_claim_secret)
            )
            found = self.repository.get(claim.employee_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Employee) else None

    def _manager(
        self, record: HrRecord, resolved: dict[str, UUID], failed: dict[str, int]
    ) -> UUID | None:
        hr_id = record.manager_id
        if hr_id is None:
            return None
        if hr_id in failed:
            raise RowRefused(f"the manager {hr_id} (line {failed[hr_id]}) was not imported")
        if hr_id in resolved:
            return resolved[hr_id]
        manager = self._existing(hr_id)
        if manager is None:
            raise RowRefused(f"the manager {hr_id} is neither in the file nor in Skillpath")
        if manager.has_left:
            raise RowRefused(f"the manager {hr_id} has left the organisation")
        return manager.id

    def _role(self, code: str) -> UUID:
        try:
            role = self.role(Role.id_for(code))
        except DomainError:
            raise RowRefused(f"role {code!r} is not defined in Skillpath") from None
        if role.retired:
            raise RowRefused(f"role {code!r} is retired")
        return role.id

    def _import_row(
        self,
        record: HrRecord,
        resolved: dict[str, UUID],
        failed: dict[str, int],
        report: ImportReport,
        actor: Actor,
    ) -> UUID:
        manager_id = self._manager(record, resolved, failed)
        role_id = self._role(record.role)
        employee = self._existing(record.employee_id, record.email)
        if employee is None:
            return self._hire(record, role_id, manager_id, report, actor)
        if employee.has_left:
            raise RowRefused(f"the employee left on {employee.left_on}; rehiring is not supported")
        if self.subject_keys.for_writing(str(employee.id)) is None:
            raise RowRefused("the employee was erased")
        details: dict[str, Any] = {
            "name": record.name, "email": record.email, "location": record.location,
            "department": record.department, "manager_id": manager_id,
        }  # fmt: skip
        changed = employee.details_differ(**details)
        if role_id != employee.role_id:
            changed.append("role")
        if not changed:
            report.unchanged += 1
            return employee.id
        report.updated[record.employee_id] = changed
        if report.dry_run:
            return employee.id
        email_before = employee.email
        if "role" in changed:
            employee.change_role(
                role_id=role_id, department=record.department, manager_id=manager_id,
                actor=actor, occurred_at=None,
            )  # fmt: skip
        employee.change_details(**details, actor=actor)
        claims = []
        if employee.email != email_before:
            claim = self._claim_for(employee.email, employee.id)
            claims = [] if claim is None else [claim]
        position = self._store(
            employee, *claims, conflict="another employee has this email", field="email"
        )
        report.position = max(report.position, position)
        return employee.id

    def _claim_for(self, email: str, employee_id: UUID) -> EmailClaim | None:
        """A claim of ``email`` for the employee; None when they hold it already."""
        try:
            claim: EmailClaim = self.repository.get(
                EmailClaim.id_for(email, self.email_claim_secret)
            )
        except AggregateNotFoundError:
            return EmailClaim.claim(email, employee_id, self.email_claim_secret)
        if claim.employee_id != employee_id:
            raise Conflict("another employee has this email", field="email")
        return None

    def _hire(
        self,
        record: HrRecord,
        role_id: UUID,
        manager_id: UUID | None,
        report: ImportReport,
        actor: Actor,
    ) -> UUID:
        employee_id = employee_id_for(record.employee_id)
        command: dict[str, Any] = {
            "name": record.name, "email": record.email, "role_id": role_id,
            "department": record.department, "manager_id": manager_id,
            "location": record.location, "years_experience": record.years_experience,
            "hire_date": record.hire_date, "actor": actor, "employee_id": employee_id,
        }  # fmt: skip
        if report.dry_run:
            Employee.hire(**command)  # checked as the hire would be, not saved
            self._claim_for(record.email, employee_id)
        else:
            written = self.hire_employee(**command)  # type: ignore[attr-defined]
            report.position = max(report.position, written.position)
        report.hired.append(record.employee_id)
        return employee_id

    def _mark_missing(
        self,
        report: ImportReport,
        present: set[UUID],
        active: Iterable[UUID],
        actor: Actor,
        left_on: date | None,
    ) -> None:
        if report.problems:
            # A file with refused rows is no complete picture: nobody is taken for gone.
            report.notes.append(
                f"nobody was marked as left: {len(report.problems)} rows were not imported,"
                " so the file is not a complete export"
            )
            return
        day = left_on or datetime.now(UTC).date()
        for employee_id in active:
            if employee_id in present:
                continue
            if not report.dry_run:
                written = self.offboard_employee(employee_id, left_on=day, actor=actor)  # type: ignore[attr-defined]
                report.position = max(report.position, written.position)
            report.left.append(str(employee_id))
