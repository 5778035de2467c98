"""The composition root of the domain side: event store, read models and their follower."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from eventsourcing.persistence import PersistenceError

from app.application import Skillpath
from app.audit.service import Audit
from app.broadcast.live import Live
from app.integration.idempotency import IdempotencyKeys
from app.integration.mbox_index import MboxSha1Index
from app.integration.webhooks import WebhookStore
from app.keystore import MasterKeyError, development_master_key, resolve_master_key
from app.people.benefits import BenefitBook
from app.people.champions import ChampionBook
from app.people.mentors import MentorMatching
from app.people.mobility import Mobility
from app.people.onboarding import OnboardingBook
from app.people.pulse import PulseBook
from app.people.skill_index import SkillIndex
from app.people.skills import SkillBook
from app.persistence import SqlGateway, eventsourcing_env, sql_gateway
from app.programmes.book import ProgrammeBook
from app.projections import (
    ConsentBook,
    EmployeeDirectory,
    EnrollmentBook,
    KpiBook,
    ModuleCatalogue,
    ModuleInsightsBook,
    ProjectionRunner,
    RoleCatalogue,
    all_projections,
)
from app.projections.fairness_attributes import FairnessAttributes
from app.projections.kpi_revision import RevisionPolicy
from app.projections.kpi_trends import KpiTrendBook
from app.projections.opportunities import OpportunityBoard
from app.projections.reports import ReportBook
from app.recommend.audit import unmitigated_plan
from app.recommend.serving import RecommenderService
from app.settings import Settings
from app.subjects import Subjects
from app.tagging.book import ModuleTagBook


class StartupError(RuntimeError):
    """Skillpath cannot start; the message is one line naming the setting to fix."""


@dataclass
class Services:
    """Everything a request or a command-line tool needs, built once per process."""

    settings: Settings
    app: Skillpath
    gateway: SqlGateway
    runner: ProjectionRunner
    directory: EmployeeDirectory
    catalogue: ModuleCatalogue
    enrollments: EnrollmentBook
    roles: RoleCatalogue
    consents: ConsentBook
    kpis: KpiBook
    trends: KpiTrendBook
    programmes: ProgrammeBook
    module_insights: ModuleInsightsBook
    live: Live
    recommender: RecommenderService
    fairness_attributes: FairnessAttributes
    #: HR's review queue of WRONG reports with comments.
    reports: ReportBook
    audit: Audit
    subjects: Subjects
    idempotency: IdempotencyKeys
    webhooks: WebhookStore
    skills: SkillBook
    mobility: Mobility
    opportunities: OpportunityBoard
    pulse: PulseBook
    mentors: MentorMatching
    onboarding: OnboardingBook
    benefits: BenefitBook
    #: Suggested topics and skills for new modules.
    tagging: ModuleTagBook
    champions: ChampionBook

    def read_models_reach(self, position: int, timeout: float | None = None) -> bool:
        """Wait (bounded) until every read model includes the event at ``position``."""
        if position <= self.runner.position:
            return True
        limit = self.settings.consistency_timeout_seconds if timeout is None else timeout
        return self.runner.wait_for(position, limit)

    def close(self) -> None:
        self.runner.stop()
        self.gateway.close()
        self.app.close()


def _where(settings: Settings) -> str:
    if settings.persistence == "postgres":
        pg = settings.postgres
        return (
            f"cannot reach PostgreSQL at {pg.user}@{pg.host}:{pg.port}/{pg.dbname}; check"
            " SKILLPATH_POSTGRES_HOST, SKILLPATH_POSTGRES_PORT, SKILLPATH_POSTGRES_DB and"
            " SKILLPATH_POSTGRES_USER"
        )
    return f"cannot open the SQLite database {settings.sqlite_path!r}; check SKILLPATH_SQLITE_PATH"


#: Tries at opening the stores when another process creates the same tables at that moment.
_STARTUP_ATTEMPTS = 5


def _concurrent_ddl(error: BaseException) -> bool:
    """Whether PostgreSQL refused a table or schema creation that raced another process's."""
    text = f"{error} {error.__cause__ or ''}"
    return (
        "concurrently updated" in text
        or "pg_type_typname_nsp_index" in text
        or ("pg_namespace_nspname_index" in text)
    )


def build_services(settings: Settings, *, start_projections: bool | None = None) -> Services:
    """Open the event store and read models; start following the log if configured."""
    master_key = master_key_for(settings)
    for attempt in range(1, _STARTUP_ATTEMPTS + 1):
        app = None
        try:
            app = Skillpath(env=eventsourcing_env(settings), master_key=master_key)
            gateway = sql_gateway(app, settings)
            runner = ProjectionRunner(
                app,
                gateway,
                all_projections(),
                batch_size=settings.projection_batch_size,
                poll_seconds=settings.projection_poll_seconds,
            )
            break
        except (PersistenceError, OSError) as error:
            if app is not None:
                with contextlib.suppress(Exception):
                    app.close()
            if attempt < _STARTUP_ATTEMPTS and _concurrent_ddl(error):
                # Processes started together (API workers, projection and training workers)
                # create the same tables at once; PostgreSQL refuses all but one.
                time.sleep(0.2 * attempt)
                continue
            raise StartupError(f"{_where(settings)} ({_first_line(error)})") from error
        except MasterKeyError as error:
            raise StartupError(str(error)) from None
    assert app is not None  # the loop either broke with the stores open or raised
    app.saved.callbacks.append(runner.wake)
    services = Services(
        settings=settings,
        app=app,
        gateway=gateway,
        runner=runner,
        directory=EmployeeDirectory(gateway),
        catalogue=ModuleCatalogue(gateway),
        enrollments=EnrollmentBook(gateway),
        roles=RoleCatalogue(gateway),
        consents=ConsentBook(gateway),
        kpis=KpiBook(gateway, settings.min_group_size),
        trends=KpiTrendBook(gateway, settings.min_group_size),
        programmes=ProgrammeBook(app, gateway, settings.min_group_size),
        module_insights=ModuleInsightsBook(gateway, settings.min_group_size),
        recommender=RecommenderService.build(app, gateway, settings),
        fairness_attributes=FairnessAttributes(gateway),
        reports=ReportBook(gateway),
        audit=Audit.build(app, gateway, runner),
        live=Live(settings, app),
        subjects=Subjects(app, gateway),
        idempotency=IdempotencyKeys(gateway, timedelta(hours=settings.idempotency_keep_hours)),
        webhooks=WebhookStore(gateway, app.webhook_secrets),
        skills=(skills := SkillBook(gateway, RoleCatalogue(gateway), SkillIndex(gateway))),
        mobility=Mobility(gateway, skills, RoleCatalogue(gateway), OpportunityBoard(gateway)),
        opportunities=OpportunityBoard(gateway),
        pulse=PulseBook(gateway),
        mentors=MentorMatching(gateway, skills.index, RoleCatalogue(gateway)),
        onboarding=OnboardingBook(gateway),
        benefits=BenefitBook(gateway),
        tagging=ModuleTagBook(app, gateway),
        champions=ChampionBook(
            gateway,
            settings.min_group_size,
            settings.champion_employees_per_champion,
            settings.champion_annual_cost,
        ),
    )
    # xAPI actors named by the SHA-1 of their address are found in the directory.
    app.find_by_mbox_sha1 = MboxSha1Index(gateway).find
    # Erased and withdrawn employees leave the served model at once and a retrain without
    # them is asked for; other processes learn it from the consent read model.
    # The fairness mitigation serves the plan of the unmitigated report (computed lazily).
    services.recommender.plan_provider = lambda using: unmitigated_plan(
        services.recommender, services.fairness_attributes, settings.min_group_size, using
    )
    app.erased.append(services.recommender.subject_erased)
    app.withdrawn.append(services.recommender.consent_withdrawn)
    # Subscribers hear of a batch only once it is committed: they read what it wrote.
    # Told first, so the quality loop's queries never delay a push.
    runner.committed.append(services.live.publish)
    # The quality loop runs where the projections run, after each committed batch.
    runner.committed.append(RevisionPolicy(app, gateway).after_batch)
    run = settings.run_projections if start_projections is None else start_projections
    if run:
        runner.start()
    return services


def master_key_for(settings: Settings) -> bytes:
    """The master key these settings name (see app/keystore.py for where it comes from)."""
    try:
        if settings.persistence == "postgres" and not settings.master_key:
            # Only settings built in code get here (from_env refuses): tests and benchmarks.
            pg = settings.postgres
            return development_master_key(f"{pg.host}:{pg.port}/{pg.dbname}/{pg.schema}")
        local = None if settings.persistence == "memory" else Path(settings.sqlite_path).parent
        return resolve_master_key(settings.master_key, local_dir=local)
    except MasterKeyError as error:
        raise StartupError(str(error)) from None
    except OSError as error:  # the development key file lives beside the SQLite database
        raise StartupError(f"{_where(settings)} ({_first_line(error)})") from error


def _first_line(error: Any) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
