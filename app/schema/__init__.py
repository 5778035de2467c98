"""The GraphQL schema, merged from one module per area."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types import ExecutionResult as StrawberryResult
from strawberry.types.execution import PreExecutionError

from app.schema.audit import AuditQuery
from app.schema.authorization import enforce
from app.schema.benefits import BenefitMutation, BenefitQuery
from app.schema.champions import ChampionMutation, ChampionQuery
from app.schema.competence import CompetenceQuery
from app.schema.consent import ConsentMutation, ConsentQuery
from app.schema.context import Context
from app.schema.descriptions import install_descriptions
from app.schema.employees import EmployeeMutation, EmployeeQuery
from app.schema.error_codes import with_code
from app.schema.execution import PlainFieldsExecutionContext, install_direct_resolvers
from app.schema.guard import install_guards
from app.schema.idempotency import make_idempotent
from app.schema.integration import HrImportMutation, IntegrationMutation
from app.schema.kpi_history import KpiHistoryQuery, KpiHistorySubscription
from app.schema.kpis import KpiMutation, KpiQuery
from app.schema.learning import LearningMutation, LearningQuery
from app.schema.limits import InputLimits, install_limits
from app.schema.masking import is_client_error, mask_internal
from app.schema.mentoring import MentoringMutation, MentoringQuery
from app.schema.mobility import MobilityMutation, MobilityQuery
from app.schema.module_tags import ModuleTagMutation, ModuleTagQuery
from app.schema.nodes import NodeQuery
from app.schema.offload import CostlyQueryOffloader
from app.schema.onboarding import OnboardingMutation, OnboardingQuery
from app.schema.preparation import Preparation
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

#: The most tokens an operation's text may have (the parser stops there).
MAX_TOKENS = 5_000

Query = merge_types(
    "Query",
    (
        NodeQuery,
        EmployeeQuery,
        LearningQuery,
        ModuleTagQuery,
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
        ModuleTagMutation,
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
    """Strawberry's schema with its per-operation steps built once (app/schema/preparation.py).

    Parsing, validation, the cost limit and masking run here instead of as extensions made
    afresh for every request. Only internal errors are logged: client mistakes are answered,
    not logged as faults.
    """

    preparation: Preparation
    observe: Callable[[Any, StrawberryResult, float, DocumentNode | None], None] | None = None
    #: Costly queries in a worker thread (SKILLPATH_OFFLOAD_COST): app/schema/offload.py.
    offloader: CostlyQueryOffloader | None = None

    async def _prepare_operation_async(
        self, context: ExecutionContext, extensions_runner: Any
    ) -> PreExecutionError | None:
        if not self.extensions:
            refused = self._prepare(context)
        else:  # an extension (tracing) that wants the parsing and validation steps gets them
            async with extensions_runner.parsing(), extensions_runner.validation():
                refused = self._prepare(context)
        if refused is not None and refused.errors:  # subscriptions send these as they are
            refused.errors = coded(refused.errors)
        return refused

    def _prepare_operation_sync(
        self, context: ExecutionContext, extensions_runner: Any
    ) -> StrawberryResult | None:
        with extensions_runner.parsing(), extensions_runner.validation():
            refused = self._prepare(context)
        if refused is None:
            return None
        errors = refused.errors or []
        self._process_errors(errors, context)
        return StrawberryResult(data=None, errors=coded(mask_internal(errors)))

    def _prepare(self, context: ExecutionContext) -> PreExecutionError | None:
        """Parse (cached), check the operation type, validate (cached) and cost."""
        document = context.graphql_document
        if document is None:
            if not context.query:
                raise MissingQueryError
            prepared = self.preparation.prepared(context.query)
            if prepared.document is None:
                context.pre_execution_errors = prepared.errors
                return PreExecutionError(data=None, errors=prepared.errors)
            document = context.graphql_document = prepared.document
            errors = prepared.errors
        else:  # a document given as it is: validated, not cached
            errors = self.preparation.validate(document)
        try:
            operation_type = context.operation_type
        except RuntimeError as error:
            raise CannotGetOperationTypeError(context.operation_name) from error
        if operation_type not in context.allowed_operations:
            raise InvalidOperationTypeError(operation_type)
        if errors:
            context.pre_execution_errors = errors
            return PreExecutionError(data=None, errors=errors)
        costly = self.preparation.too_costly(document, context.variables, context.operation_name)
        if costly is not None:
            context.pre_execution_errors = [costly]
            return PreExecutionError(data=None, errors=[costly])
        return None

    async def _handle_execution_result(
        self, context: ExecutionContext, result: Any, extensions_runner: Any, *,
        skip_process_errors: bool = False,
    ) -> StrawberryResult:  # fmt: skip
        handled = await super()._handle_execution_result(
            context, result, extensions_runner, skip_process_errors=skip_process_errors
        )
        for error in getattr(result, "errors", None) or ():
            release_traceback(error)  # logged by now, if it is to be (process_errors)
        if handled.errors:
            handled.errors = coded(mask_internal(handled.errors))
        return handled

    async def _execute_operation(  # as strawberry's own
        self, execution_context: ExecutionContext, extensions_runner: Any,
        middleware_manager: Any, execute_function: Callable[..., Any],
        custom_context_kwargs: dict[str, Any],
    ) -> Any:  # fmt: skip
        if self.offloader is not None:
            await self.offloader.run(execution_context, self.execution_context_class)
        return await super()._execute_operation(
            execution_context, extensions_runner, middleware_manager, execute_function,
            custom_context_kwargs,
        )  # fmt: skip

    async def execute(
        self, query: str | None, variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None, *args: Any, **kwargs: Any,
    ) -> StrawberryResult:  # fmt: skip
        started = time.perf_counter()
        result = await super().execute(query, variable_values, context_value, *args, **kwargs)
        if self.observe is not None:
            prepared = self.preparation.known(query)
            document = None if prepared is None else prepared.document
            self.observe(context_value, result, time.perf_counter() - started, document)
        if isinstance(context_value, Context):
            context_value.release()
        return result

    def execute_sync(self, *args: Any, **kwargs: Any) -> StrawberryResult:
        result = super().execute_sync(*args, **kwargs)
        if result.errors:
            result.errors = coded(mask_internal(result.errors))
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        internal = [e for e in errors if not is_client_error(e)]
        if internal:
            super().process_errors(internal, execution_context)


def release_traceback(error: BaseException) -> None:
    """Drop an answered error's tracebacks: each holds the finished frames of the resolvers
    it passed through, and those frames hold the error, a cycle only the garbage collector
    frees. A page refused field by field (``FORBIDDEN`` per row) left about 6,000 such
    objects per request, and collecting them paused the whole process."""
    seen: set[int] = set()
    found: BaseException | None = error
    while found is not None and id(found) not in seen:
        seen.add(id(found))
        found.__traceback__ = None
        original = getattr(found, "original_error", None)
        found = original if original is not None else (found.__cause__ or found.__context__)


def coded(errors: list[GraphQLError]) -> list[GraphQLError]:
    """Every error with an ``extensions.code`` (app/schema/error_codes.py)."""
    return [with_code(error) for error in errors]


def build_schema(
    max_depth: int = 12, limits: InputLimits | None = None, *, max_cost: int = 0,
    introspection: bool = True, tracing: bool = False, metrics: bool = False,
    offload_cost: int = 0,
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
    extensions: list[Any] = []
    if tracing:
        try:
            from strawberry.extensions.tracing import OpenTelemetryExtension
        except ImportError as missing:
            raise RuntimeError(
                "SKILLPATH_TRACING=true needs OpenTelemetry: pip install 'skillpath[tracing]'"
            ) from missing
        extensions.append(OpenTelemetryExtension)
    schema = SkillpathSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=PlainFieldsExecutionContext,
        scalar_overrides=SCALAR_OVERRIDES,
    )
    # Parser and validation caches, the token and cost limits, and masking: made once here.
    schema.preparation = Preparation(
        schema._schema, guards, max_tokens=MAX_TOKENS, max_cost=max_cost
    )
    if metrics:
        from app.observability.middleware import observe_operation

        schema.observe = observe_operation
    if offload_cost and not tracing:  # resolver spans need the request's own execution
        schema.offloader = CostlyQueryOffloader(offload_cost)  # app/schema/offload.py
    install_direct_resolvers(schema._schema)
    install_guards(schema._schema)  # the access policy on every field: app/schema/guard.py
    install_limits(schema._schema, limits or InputLimits())
    install_descriptions(schema._schema)  # the shared vocabulary: app/schema/descriptions.py
    return schema
