"""Read models built by following the event store's notification log."""

from app.projections.benefits import BenefitProjection
from app.projections.catalogue import ModuleCatalogue, ModuleCatalogueProjection
from app.projections.champions import ChampionProjection
from app.projections.consents import ConsentBook, ConsentProjection
from app.projections.decisions import DecisionBook, DecisionProjection
from app.projections.directory import EmployeeDirectory, EmployeeDirectoryProjection
from app.projections.engine import Projection, ProjectionRunner
from app.projections.enrollments import EnrollmentBook, EnrollmentProjection
from app.projections.erasure import ErasureProjection
from app.projections.fairness_attributes import FairnessAttributeProjection, FairnessAttributes
from app.projections.features import FeatureBook, FeatureProjection
from app.projections.interactions import InteractionBook, InteractionProjection
from app.projections.kpi_book import KpiBook
from app.projections.kpi_facts import KpiProjection
from app.projections.kpi_modules import ModuleInsightsBook
from app.projections.mentoring import MentoringProjection
from app.projections.onboarding import OnboardingProjection
from app.projections.opportunities import OpportunityProjection
from app.projections.pulse_results import PulseResultsProjection
from app.projections.reports import RecommendationReportProjection, ReportBook
from app.projections.roles import RoleCatalogue, RoleProjection
from app.projections.skill_profiles import SkillProfileProjection
from app.projections.subject_streams import SubjectStreamProjection
from app.projections.webhook_endpoints import WebhookEndpointProjection


def all_projections() -> list[Projection]:
    """Every read model of the product, in the order a replay rebuilds them."""
    return [
        RoleProjection(),
        EmployeeDirectoryProjection(),
        ModuleCatalogueProjection(),
        EnrollmentProjection(),
        ConsentProjection(),
        InteractionProjection(),
        FeatureProjection(),
        DecisionProjection(),
        RecommendationReportProjection(),
        FairnessAttributeProjection(),
        KpiProjection(),
        SkillProfileProjection(),
        OpportunityProjection(),
        PulseResultsProjection(),
        MentoringProjection(),
        OnboardingProjection(),
        BenefitProjection(),
        ChampionProjection(),
        SubjectStreamProjection(),
        WebhookEndpointProjection(),
        ErasureProjection(),  # last: it erases rows the others wrote in the same batch
    ]


__all__ = [
    "ConsentBook",
    "DecisionBook",
    "EmployeeDirectory",
    "EnrollmentBook",
    "FairnessAttributes",
    "FeatureBook",
    "InteractionBook",
    "KpiBook",
    "KpiProjection",
    "ModuleCatalogue",
    "ModuleInsightsBook",
    "Projection",
    "ProjectionRunner",
    "RecommendationReportProjection",
    "ReportBook",
    "RoleCatalogue",
    "all_projections",
]
