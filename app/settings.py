"""Settings, read once from environment variables.

Every setting has a documented default that gives embedded mode (one process, a SQLite
file under ``./var/``). The README's "Settings" table lists the same names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Persistence = Literal["sqlite", "postgres", "memory"]
#: How live pushes reach subscribers: in this process, or across processes via Redis.
Broadcast = Literal["memory", "redis"]
#: How PostgreSQL tables are vacuumed after an erasure overwrote personal columns in them.
ErasureVacuum = Literal["plain", "full"]
LogFormat = Literal["json", "text"]
#: Which requests get an access log line: every one, failures and slow ones, or none.
AccessLog = Literal["all", "errors", "off"]


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on", "y"}:
        return True
    if raw in {"0", "false", "no", "off", "n"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _broadcast(env: Mapping[str, str]) -> Broadcast:
    raw = env.get("SKILLPATH_BROADCAST", "memory").strip().lower() or "memory"
    if raw not in ("memory", "redis"):
        raise SettingsError(f"SKILLPATH_BROADCAST must be memory or redis, got {raw!r}")
    return raw  # type: ignore[return-value]


def _log_format(env: Mapping[str, str]) -> LogFormat:
    raw = env.get("SKILLPATH_LOG_FORMAT", "json").strip().lower() or "json"
    if raw not in ("json", "text"):
        raise SettingsError(f"SKILLPATH_LOG_FORMAT must be json or text, got {raw!r}")
    return raw  # type: ignore[return-value]


def _access_log(env: Mapping[str, str]) -> AccessLog:
    raw = env.get("SKILLPATH_ACCESS_LOG", "errors").strip().lower() or "errors"
    if raw not in ("all", "errors", "off"):
        raise SettingsError(f"SKILLPATH_ACCESS_LOG must be all, errors or off, got {raw!r}")
    return raw  # type: ignore[return-value]


def _log_level(env: Mapping[str, str]) -> str:
    raw = env.get("SKILLPATH_LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if raw not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError(
            f"SKILLPATH_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {raw!r}"
        )
    return raw


def _erasure_vacuum(env: Mapping[str, str]) -> ErasureVacuum:
    raw = env.get("SKILLPATH_POSTGRES_ERASURE_VACUUM", "plain").strip().lower() or "plain"
    if raw not in ("plain", "full"):
        raise SettingsError(f"SKILLPATH_POSTGRES_ERASURE_VACUUM must be plain or full, got {raw!r}")
    return raw  # type: ignore[return-value]


@dataclass(frozen=True)
class PostgresSettings:
    """Where the event store and read models live in production."""

    host: str = "127.0.0.1"
    port: int = 5432
    dbname: str = "skillpath"
    user: str = "postgres"
    password: str = ""
    schema: str = "public"
    pool_size: int = 10
    connect_timeout: int = 5
    #: ``plain``: dead row versions are freed for reuse; ``full``: the tables are rewritten,
    #: so no data file keeps their bytes (an exclusive lock on each table while it runs).
    erasure_vacuum: ErasureVacuum = "plain"


@dataclass(frozen=True)
class Settings:
    """All runtime configuration of one Skillpath process."""

    persistence: Persistence = "sqlite"
    sqlite_path: str = "var/skillpath.sqlite3"
    postgres: PostgresSettings = field(default_factory=PostgresSettings)
    host: str = "127.0.0.1"
    port: int = 8000
    graphiql: bool = True
    run_projections: bool = True
    projection_poll_seconds: float = 0.2
    projection_batch_size: int = 500
    consistency_timeout_seconds: float = 5.0
    aggregate_cache_size: int = 10_000
    max_query_depth: int = 12
    model_dir: str = "var/models"
    retrain_min_interactions: int = 200
    retrain_check_seconds: float = 60.0
    fairness_mitigation: bool = False
    #: The quality gate: a new version becomes current only if its validation NDCG@10 is
    #: at least the current version's minus this (0 to 1).
    model_tolerance: float = 0.02
    retrain_in_background: bool = True
    seed_if_empty: bool = True
    broadcast: Broadcast = "memory"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_channel_prefix: str = "skillpath"
    min_group_size: int = 5
    #: AI champion coverage: one champion per this many active employees of a department
    #: (rounded up). 100 gives the champions article's "one or two per 50 to 150 employees".
    champion_employees_per_champion: int = 100
    #: The yearly cost of a full position, at which recorded champion time shares are
    #: costed; 75,000 is the article's 15,000 euro for a 20 % position.
    champion_annual_cost: float = 75_000.0
    push_interval_seconds: float = 0.25
    subscription_queue_size: int = 1000
    session_check_seconds: float = 5.0
    max_string_length: int = 5_000
    max_list_size: int = 100
    #: Objects one operation may return, computed before it runs (app/schema/cost.py); 0: off.
    max_query_cost: int = 10_000
    #: Queries of at least this cost run in a worker thread (app/schema/offload.py); 0: off.
    offload_cost: int = 1_000
    #: The largest request body accepted, in bytes.
    max_body_bytes: int = 1_000_000
    #: How long one HTTP request may take before it is answered with a timeout error.
    request_timeout_seconds: float = 15.0
    #: Requests per minute one token may make, across all API workers when Redis is
    #: configured (``broadcast`` redis), else per worker; 0: no limit.
    rate_limit_per_minute: int = 1_200
    #: GraphQL introspection (off by default in production).
    introspection: bool = True
    #: ``json`` (one object a line, with the request id) or ``text``.
    log_format: LogFormat = "json"
    log_level: str = "INFO"
    #: Access log lines: ``all`` requests, ``errors`` (status 400 and above, or slower than
    #: ``access_log_slow_ms``) or ``off``. Counts and latencies of all are in the metrics.
    access_log: AccessLog = "errors"
    access_log_slow_ms: int = 1_000
    #: The serving process is not ready while any read model is further behind than this.
    ready_max_lag_events: int = 10_000
    #: Prometheus metrics on /metrics.
    metrics: bool = True
    #: OpenTelemetry spans per operation and resolver (needs opentelemetry installed).
    tracing: bool = False
    #: How long a mutation's idempotency key and first result are kept.
    idempotency_keep_hours: int = 24
    xapi_max_batch: int = 500
    run_webhooks: bool = True
    webhook_poll_seconds: float = 0.2
    webhook_timeout_seconds: float = 5.0
    webhook_backoff_seconds: float = 1.0
    webhook_max_backoff_seconds: float = 300.0
    xapi_max_body_bytes: int = 5_000_000
    #: Base64 of 32 bytes; wraps every employee's data key. Required in production.
    master_key: str = field(default="", repr=False)
    #: HS256 secret for bearer tokens; embedded mode derives one from the master key.
    jwt_secret: str = field(default="", repr=False)
    #: Production: RS256 tokens checked against the identity provider's key set.
    jwks_url: str = ""
    jwt_audience: str = ""
    jwt_issuer: str = ""
    #: Which claim of an identity provider's token holds the role (dots reach into objects,
    #: e.g. ``realm_access.roles``; a list of values is searched for the first mapped one).
    jwt_role_claim: str = "role"
    #: ``idp-value=skillpath-role`` pairs, comma-separated; empty: values are Skillpath roles.
    jwt_role_map: str = ""
    #: ``sub`` (the subject is the Skillpath employee id) or ``email`` (the employee is
    #: found by the token's email claim).
    jwt_employee_claim: str = "sub"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every ``SKILLPATH_*`` variable (see the README's settings table)."""
        env = os.environ if env is None else env
        persistence = env.get("SKILLPATH_PERSISTENCE", "sqlite").strip().lower() or "sqlite"
        if persistence not in ("sqlite", "postgres", "memory"):
            raise SettingsError(
                "SKILLPATH_PERSISTENCE must be one of sqlite, postgres, memory;"
                f" got {persistence!r}"
            )
        postgres = PostgresSettings(
            host=env.get("SKILLPATH_POSTGRES_HOST", "127.0.0.1"),
            port=_int(env, "SKILLPATH_POSTGRES_PORT", 5432, minimum=1),
            dbname=env.get("SKILLPATH_POSTGRES_DB", "skillpath"),
            user=env.get("SKILLPATH_POSTGRES_USER", "postgres"),
            password=env.get("SKILLPATH_POSTGRES_PASSWORD", ""),
            schema=env.get("SKILLPATH_POSTGRES_SCHEMA", "public"),
            pool_size=_int(env, "SKILLPATH_POSTGRES_POOL_SIZE", 10, minimum=1),
            connect_timeout=_int(env, "SKILLPATH_POSTGRES_CONNECT_TIMEOUT", 5, minimum=1),
            erasure_vacuum=_erasure_vacuum(env),
        )
        trust = _trust(env, production=persistence == "postgres")
        return cls(
            persistence=persistence,  # type: ignore[arg-type]
            sqlite_path=env.get("SKILLPATH_SQLITE_PATH", "var/skillpath.sqlite3"),
            postgres=postgres,
            host=env.get("SKILLPATH_HOST", "127.0.0.1"),
            port=_int(env, "SKILLPATH_PORT", 8000, minimum=1),
            graphiql=_bool(env, "SKILLPATH_GRAPHIQL", persistence != "postgres"),
            run_projections=_bool(env, "SKILLPATH_RUN_PROJECTIONS", True),
            projection_poll_seconds=_float(env, "SKILLPATH_PROJECTION_POLL_SECONDS", 0.2),
            projection_batch_size=_int(env, "SKILLPATH_PROJECTION_BATCH_SIZE", 500, minimum=1),
            consistency_timeout_seconds=_float(env, "SKILLPATH_CONSISTENCY_TIMEOUT_SECONDS", 5.0),
            aggregate_cache_size=_int(env, "SKILLPATH_AGGREGATE_CACHE_SIZE", 10_000),
            max_query_depth=_int(env, "SKILLPATH_MAX_QUERY_DEPTH", 12, minimum=2),
            model_dir=env.get("SKILLPATH_MODEL_DIR", "var/models"),
            retrain_min_interactions=_int(env, "SKILLPATH_RETRAIN_MIN_INTERACTIONS", 200),
            retrain_check_seconds=_float(env, "SKILLPATH_RETRAIN_CHECK_SECONDS", 60.0),
            fairness_mitigation=_bool(env, "SKILLPATH_FAIRNESS_MITIGATION", False),
            model_tolerance=_tolerance(env),
            retrain_in_background=_bool(env, "SKILLPATH_RETRAIN_IN_BACKGROUND", True),
            # The demo company is fake: it never lands in a production database by default.
            seed_if_empty=_bool(env, "SKILLPATH_SEED_IF_EMPTY", persistence != "postgres"),
            broadcast=_broadcast(env),
            redis_url=env.get("SKILLPATH_REDIS_URL", "redis://127.0.0.1:6379/0"),
            redis_channel_prefix=env.get("SKILLPATH_REDIS_CHANNEL_PREFIX", "skillpath"),
            min_group_size=_int(env, "SKILLPATH_MIN_GROUP_SIZE", 5, minimum=1),
            champion_employees_per_champion=_int(
                env, "SKILLPATH_CHAMPION_EMPLOYEES_PER_CHAMPION", 100, minimum=1
            ),
            champion_annual_cost=_float(env, "SKILLPATH_CHAMPION_ANNUAL_COST", 75_000.0),
            push_interval_seconds=_float(env, "SKILLPATH_PUSH_INTERVAL_SECONDS", 0.25),
            subscription_queue_size=_int(env, "SKILLPATH_SUBSCRIPTION_QUEUE_SIZE", 1000, minimum=1),
            session_check_seconds=_float(env, "SKILLPATH_SESSION_CHECK_SECONDS", 5.0),
            max_string_length=_int(env, "SKILLPATH_MAX_STRING_LENGTH", 5_000, minimum=1),
            max_list_size=_int(env, "SKILLPATH_MAX_LIST_SIZE", 100, minimum=1),
            max_query_cost=_int(env, "SKILLPATH_MAX_QUERY_COST", 10_000),
            offload_cost=_int(env, "SKILLPATH_OFFLOAD_COST", 1_000),
            max_body_bytes=_int(env, "SKILLPATH_MAX_BODY_BYTES", 1_000_000, minimum=1_000),
            request_timeout_seconds=_float(env, "SKILLPATH_REQUEST_TIMEOUT_SECONDS", 15.0),
            rate_limit_per_minute=_int(env, "SKILLPATH_RATE_LIMIT_PER_MINUTE", 1_200),
            introspection=_bool(env, "SKILLPATH_INTROSPECTION", persistence != "postgres"),
            log_format=_log_format(env),
            log_level=_log_level(env),
            access_log=_access_log(env),
            access_log_slow_ms=_int(env, "SKILLPATH_ACCESS_LOG_SLOW_MS", 1_000),
            ready_max_lag_events=_int(env, "SKILLPATH_READY_MAX_LAG_EVENTS", 10_000, minimum=1),
            metrics=_bool(env, "SKILLPATH_METRICS", True),
            tracing=_bool(env, "SKILLPATH_TRACING", False),
            idempotency_keep_hours=_int(env, "SKILLPATH_IDEMPOTENCY_KEEP_HOURS", 24, minimum=1),
            xapi_max_batch=_int(env, "SKILLPATH_XAPI_MAX_BATCH", 500, minimum=1),
            run_webhooks=_bool(env, "SKILLPATH_RUN_WEBHOOKS", True),
            webhook_poll_seconds=_float(env, "SKILLPATH_WEBHOOK_POLL_SECONDS", 0.2),
            webhook_timeout_seconds=_float(env, "SKILLPATH_WEBHOOK_TIMEOUT_SECONDS", 5.0),
            webhook_backoff_seconds=_float(env, "SKILLPATH_WEBHOOK_BACKOFF_SECONDS", 1.0),
            webhook_max_backoff_seconds=_float(env, "SKILLPATH_WEBHOOK_MAX_BACKOFF_SECONDS", 300.0),
            xapi_max_body_bytes=_int(env, "SKILLPATH_XAPI_MAX_BODY_BYTES", 5_000_000, minimum=1),
            **trust,
        )


def _tolerance(env: Mapping[str, str]) -> float:
    name = "SKILLPATH_MODEL_TOLERANCE"
    raw = env.get(name, "").strip()
    if not raw:
        return 0.02
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not 0.0 <= value <= 1.0:
        raise SettingsError(f"{name} must be between 0 and 1 (NDCG@10), got {value}")
    return value


def _trust(env: Mapping[str, str], *, production: bool) -> dict[str, str]:
    """Keys and token settings; production refuses to start without its secrets."""
    found = {
        "master_key": env.get("SKILLPATH_MASTER_KEY", "").strip(),
        "jwt_secret": env.get("SKILLPATH_JWT_SECRET", "").strip(),
        "jwks_url": env.get("SKILLPATH_JWKS_URL", "").strip(),
        "jwt_audience": env.get("SKILLPATH_JWT_AUDIENCE", "").strip(),
        "jwt_issuer": env.get("SKILLPATH_JWT_ISSUER", "").strip(),
        "jwt_role_claim": env.get("SKILLPATH_JWT_ROLE_CLAIM", "role").strip() or "role",
        "jwt_role_map": env.get("SKILLPATH_JWT_ROLE_MAP", "").strip(),
        "jwt_employee_claim": env.get("SKILLPATH_JWT_EMPLOYEE_CLAIM", "sub").strip() or "sub",
    }
    if found["jwt_employee_claim"] not in ("sub", "email"):
        raise SettingsError(
            "SKILLPATH_JWT_EMPLOYEE_CLAIM must be sub or email,"
            f" got {found['jwt_employee_claim']!r}"
        )
    parse_role_map(found["jwt_role_map"])
    if production and not found["master_key"]:
        raise SettingsError(
            "SKILLPATH_MASTER_KEY is not set: production mode (SKILLPATH_PERSISTENCE=postgres)"
            " needs the master key that wraps every employee's data key"
            " (create one with `skillpath master-key`)"
        )
    if found["jwks_url"] and not (found["jwt_audience"] and found["jwt_issuer"]):
        raise SettingsError(
            "SKILLPATH_JWT_AUDIENCE and SKILLPATH_JWT_ISSUER must be set whenever"
            " SKILLPATH_JWKS_URL is: without them any token of that identity provider, meant for"
            " any application, would be accepted"
        )
    if production and not (found["jwks_url"] or found["jwt_secret"]):
        raise SettingsError(
            "SKILLPATH_JWKS_URL is not set: production mode needs the identity provider's key"
            " set to check bearer tokens (or SKILLPATH_JWT_SECRET for HS256 tokens)"
        )
    return found


def parse_role_map(raw: str) -> dict[str, str]:
    """``SKILLPATH_JWT_ROLE_MAP`` as identity-provider value -> Skillpath role."""
    from app.access.rules import ROLES

    mapping: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        value, sep, role = pair.rpartition("=")
        if not sep or not value.strip():
            raise SettingsError(f"SKILLPATH_JWT_ROLE_MAP entries read idp-value=role, got {pair!r}")
        if role.strip() not in ROLES:
            raise SettingsError(
                f"SKILLPATH_JWT_ROLE_MAP maps {value.strip()!r} to {role.strip()!r},"
                f" which is not one of {', '.join(ROLES)}"
            )
        mapping[value.strip()] = role.strip()
    return mapping
