"""Seeding: run every step of the demo plan through the real Skillpath commands."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from app.aggregates import DomainError
from app.application import Skillpath
from app.seed.plan import DemoSpec, plan_for
from app.seed.steering import STEERING_COMMANDS
from app.seed.summary import SeedSummary

#: Commands the demo may issue: the application's own command methods, nothing else.
COMMANDS = frozenset({
    "define_role", "publish_module", "revise_module", "retire_module", "hire_employee",
    "update_profile", "assess_skill", "change_role", "record_productivity_reached",
    "answer_pulse", "offboard_employee", "grant_consent", "withdraw_consent",
    "declare_attributes", "enroll",
    "record_progress", "record_quiz_attempt", "complete_enrollment", "drop_enrollment",
    "give_feedback",
}) | STEERING_COMMANDS  # fmt: skip
#: Report progress every this many commands (a progress bar needs no more).
PROGRESS_EVERY = 100
#: Events per transaction while seeding (a few thousand commands' worth).
SAVE_EVERY = 5000


def seed_demo(
    app: Skillpath,
    spec: DemoSpec,
    progress: Callable[[int], None] | None = None,
    *,
    save_every: int | None = SAVE_EVERY,
) -> SeedSummary:
    """Create the demo organisation, one command per step.

    Steps are saved together, about ``save_every`` events per transaction, in the order
    they were issued (``Skillpath.saving_together``): the log is the one a save per command
    (``save_every=None``) would write, without a commit per command.

    ``progress(n)`` is called after every ``n`` commands; the calls add up to the number of
    commands issued. A refused command stops seeding with the step named in the error.
    """
    plan = plan_for(spec)
    before = app.last_position()
    started = time.perf_counter()
    pending = 0
    together = app.saving_together(save_every) if save_every else contextlib.nullcontext()
    with together:
        for number, step in enumerate(plan.steps, start=1):
            if step.command not in COMMANDS:
                raise ValueError(f"the demo plan names an unknown command {step.command!r}")
            try:
                getattr(app, step.command)(**step.args)
            except DomainError as error:
                error.add_note(f"demo seed step {number} ({step.command} at {step.at.isoformat()})")
                raise
            pending += 1
            if pending == PROGRESS_EVERY:
                _report(progress, pending)
                pending = 0
    _report(progress, pending)
    return plan.summary.after_run(
        events=app.last_position() - before, seconds=time.perf_counter() - started
    )


def _report(progress: Callable[[int], None] | None, count: int) -> None:
    if progress is not None and count:
        progress(count)
