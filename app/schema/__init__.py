"""The GraphQL schema, merged from one module per area."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from app.schema.audit import AuditQuery
from app.schema.authorization import enforce
from app.schema.benefits import BenefitMutation, BenefitQuery
from app.schema.champions import ChampionMutation, ChampionQuery
from app.schema.competence import CompetenceQuery
from app.schema.consent import ConsentMutation, ConsentQuery
from app.schema.cost import cost_limit
from app.schema.descriptions import install_descriptions
from app.schema.employees import EmployeeMutation, EmployeeQuery
from app.schema.execution import PlainFieldsExecutionContext, install_direct_resolvers
from app.schema.guard import install_guards
from app.schema.idempotency import make_idempotent
from app.schema.integration import HrImportMutation, IntegrationMutation
from app.schema.kpi_history import KpiHistoryQuery, KpiHistorySubscription
from app.schema.kpis import KpiMutation, KpiQuery
from app.schema.learning import LearningMutation, LearningQuery
from app.schema.limits import InputLimits, install_limits
from app.schema.masking import MaskInternalErrors, is_client_error
from app.schema.mentoring import MentoringMutation, MentoringQuery
from app.schema.mobility import MobilityMutation, MobilityQuery
from app.schema.nodes import NodeQuery
from app.schema.onboarding import OnboardingMutation, OnboardingQuery
from app.schema.programme_roi import ProgrammeRoiMutation, ProgrammeRoiQuery
from app.schema.programmes import ProgrammeMutation, ProgrammeQuery
from app.schema.pulse import PulseMutation, PulseQuery
from app.schema.recommend import RecommendMutation, RecommendQuery
from app.schema.reports import ReportMutation, ReportQuery
from app.schema.roles import RoleMutation, RoleQuery
from app.schema.scalars import SCALAR_OVERRIDES
from app.schema.skills import SkillQuery
from app.schema.status import StatusQuery
from app.schema.subscriptions import Subscription as LiveSubscription
from app.schema.webhooks import WebhookMutation, WebhookQuery

Query = merge_types(
    "Query",
    (
        NodeQuery,
        EmployeeQuery,
        LearningQuery,
        RoleQuery,
        CompetenceQuery,
        SkillQuery,
        MobilityQuery,
        PulseQuery,
        MentoringQuery,
        OnboardingQuery,
        BenefitQuery,
        ChampionQuery,
        ConsentQuery,
        StatusQuery,
        KpiQuery,
        KpiHistoryQuery,
        ProgrammeQuery,
        ProgrammeRoiQuery,
        RecommendQuery,
        ReportQuery,
        AuditQuery,
        WebhookQuery,
    ),
)
Subscription = merge_types("Subscription", (LiveSubscription, KpiHistorySubscription))
Mutation = merge_types(
    "Mutation",
    (
        EmployeeMutation,
        LearningMutation,
        RoleMutation,
        MobilityMutation,
        PulseMutation,
        MentoringMutation,
        OnboardingMutation,
        BenefitMutation,
        ChampionMutation,
        ConsentMutation,
        KpiMutation,
        ProgrammeMutation,
        ProgrammeRoiMutation,
        RecommendMutation,
        IntegrationMutation,
        HrImportMutation,
        WebhookMutation,
        ReportMutation,
    ),
)


class SkillpathSchema(strawberry.Schema):
    """Logs only internal errors: client mistakes are answered, not logged as faults."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        internal = [e for e in errors if not is_client_error(e)]
        if internal:
            super().process_errors(internal, execution_context)


def build_schema(
    max_depth: int = 12, limits: InputLimits | None = None, *, max_cost: int = 0,
    introspection: bool = True, tracing: bool = False, metrics: bool = False,
) -> strawberry.Schema:  # fmt: skip
    """The schema with its guards (depth, tokens, aliases, cost, input sizes, the access
    policy) and document caches; ``max_cost`` 0 leaves the cost unlimited."""
    # The guard rules are classes made once per schema: the validation cache is keyed by the
    # rule classes, and limiters built per request would make a new class, and a miss, each time.
    enforce(Query, Mutation, Subscription)  # default deny: app/schema/authorization.py
    make_idempotent(Mutation)  # idempotencyKey on every mutation: app/schema/idempotency.py
    guards = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=50).validation_rules,
    ]
    if not introspection:
        guards.append(NoSchemaIntrospectionCustomRule)
    extensions: list[Any] = [
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        lambda: AddValidationRules(guards),
        lambda: MaxTokensLimiter(max_token_count=5_000),
    ]
    if max_cost:
        extensions.append(cost_limit(max_cost))
    if metrics:
        from app.observability.middleware import operation_metrics

        extensions.append(operation_metrics())
    if tracing:
        try:
            from strawberry.extensions.tracing import OpenTelemetryExtension
        except ImportError as missing:
            raise RuntimeError(
                "SKILLPATH_TRACING=true needs OpenTelemetry: pip install 'skillpath[tracing]'"
            ) from missing
        extensions.append(OpenTelemetryExtension)
    extensions.append(MaskInternalErrors)
    schema = SkillpathSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=PlainFieldsExecutionContext,
        scalar_overrides=SCALAR_OVERRIDES,
    )
    install_direct_resolvers(schema._schema)
    install_guards(schema._schema)  # the access policy on every field: app/schema/guard.py
    install_limits(schema._schema, limits or InputLimits())
    install_descriptions(schema._schema)  # the shared vocabulary: app/schema/descriptions.py
    return schema
