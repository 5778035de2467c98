"""The ``skillpath`` command: serve, seed, replay, project, export-schema, train, models..."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from app.access import ROLES
from app.aggregates import Actor
from app.bootstrap import Services, StartupError, build_services
from app.integration.hr_cli import add_command as add_hr_import
from app.recommend.console import add_commands as add_recommender_commands
from app.settings import Settings, SettingsError

if TYPE_CHECKING:
    from app.seed import DemoSpec


def _services(start_projections: bool = False) -> Services:
    return build_services(Settings.from_env(), start_projections=start_projections)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app

    settings = Settings.from_env()
    services = build_services(settings, start_projections=False)
    if settings.seed_if_empty and services.app.last_position() == 0 and not args.no_seed:
        print(
            "Empty database: seeding the demo organisation (SKILLPATH_SEED_IF_EMPTY=false to skip)"
        )
        _seed(services, _spec(employees=300, modules=150, seed=42, months=6))
    if settings.run_projections:
        services.runner.start()
    app = create_app(settings, services)
    host = args.host or settings.host
    port = args.port or settings.port
    print(f"Skillpath on http://{host}:{port}/graphql ({settings.persistence})")
    token = _embedded_admin_token(settings)
    if token is None:
        print("Every call needs a bearer token from the identity provider (see README)")
    else:
        # Embedded mode is a single-machine demo: hand the operator a working token at once.
        print("An admin token for the next 12 hours (skillpath token mints others):")
        print(f'  GraphiQL headers: {{"Authorization": "Bearer {token}"}}')
        print(f"  Dashboard: http://{host}:{port}/dashboard?token={token}")
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again under the
    # handler found at start: a quiet one lets the command return and exit 0.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: None)
    # Small JSON pushes gain nothing from per-message deflate, and every socket pays for it.
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower(),
                ws_per_message_deflate=False, log_config=None)  # fmt: skip
    return 0


class UsageError(Exception):
    """A command-line argument cannot be used; the message names it."""


def _spec(*, employees: int, modules: int, seed: int, months: int) -> DemoSpec:
    """The demo organisation asked for, or a usage error naming the argument."""
    from app.seed import DemoSpec

    try:
        return DemoSpec(employees=employees, modules=modules, seed=seed, months=months)
    except ValueError as error:
        raise UsageError(f"seed: {error}") from None


def _seed(services: Services, spec: DemoSpec) -> None:
    from app.seed import seed_demo

    with tqdm(total=spec.estimated_commands(), desc="seeding", unit="cmd") as bar:
        summary = seed_demo(services.app, spec, progress=bar.update)
    with tqdm(total=services.app.last_position(), desc="read models", unit="event") as bar:
        services.runner.catch_up(progress=bar.update)
    print(summary.describe())


def cmd_seed(args: argparse.Namespace) -> int:
    # Arguments are checked before anything is opened or created.
    spec = _spec(employees=args.employees, modules=args.modules, seed=args.seed,
                 months=args.months)  # fmt: skip
    services = _services()
    try:
        if services.app.last_position() and not args.force:
            print(
                "The database already holds events; seeding again adds a second organisation."
                " Use --force to do it anyway.",
                file=sys.stderr,
            )
            return 1
        _seed(services, spec)
    finally:
        services.close()
    return 0


def cmd_replay(_: argparse.Namespace) -> int:
    from app.projections.replay import replay

    services = _services()
    try:
        total = services.app.last_position()
        with tqdm(total=total, desc="replaying", unit="event") as bar:
            report = replay(services.runner, progress=bar.update)
    finally:
        services.close()
    verdict = "identical to" if report.identical else "DIFFERENT from"
    print(
        f"Rebuilt {len(services.runner.projections)} read models from {report.events} events in"
        f" {report.seconds:.2f}s ({report.events_per_second:,.0f} events/s);"
        f" the result is {verdict} the read models before the replay."
    )
    return 0 if report.identical else 2


def cmd_project(_: argparse.Namespace) -> int:
    """Follow the log in this process only (production: API workers set RUN_PROJECTIONS=false)."""
    from app.shutdown import wait_for_stop

    services = _services(start_projections=True)
    print("Following the event log; Ctrl-C or SIGTERM to stop.", flush=True)
    try:
        wait_for_stop(services.runner.following)
    finally:
        services.close()  # the batch in flight commits first
    return 0


def cmd_quarantine(args: argparse.Namespace) -> int:
    """Let one projection skip one event it cannot apply; the decision is recorded as an event."""
    from app.aggregates import SYSTEM, ValidationFailed

    services = _services()
    try:
        names = [p.name for p in services.runner.projections]
        if args.projection not in names:
            print(f"skillpath: no projection is named {args.projection!r}; the projections are"
                  f" {', '.join(names)}", file=sys.stderr)  # fmt: skip
            return 2
        try:
            services.app.quarantine_event(
                projection=args.projection, position=args.position, reason=args.reason,
                actor=SYSTEM if not args.operator else Actor(args.operator, "operator"),
            )  # fmt: skip
        except ValidationFailed as error:
            print(f"skillpath: --{error.field}: {error.reason}", file=sys.stderr)
            return 2
        services.runner.quarantine(args.projection, args.position)
    finally:
        services.close()
    print(f"{args.projection} skips the event at position {args.position} from its next batch on")
    return 0


def cmd_export_subject(args: argparse.Namespace) -> int:
    """Print everything held about one employee as JSON (GDPR Art. 20)."""
    import json
    from uuid import UUID

    from app.aggregates import NotFound

    try:
        employee_id = UUID(args.employee_id)
    except ValueError:
        print(f"skillpath: {args.employee_id!r} is not an employee id", file=sys.stderr)
        return 2
    services = _services()
    try:
        services.runner.catch_up()  # the index of the employee's streams is a read model
        document = services.audit.export_subject(employee_id)
    except NotFound as error:
        print(f"skillpath: {error.message}", file=sys.stderr)
        return 1
    finally:
        services.close()
    print(json.dumps(document, indent=2, ensure_ascii=False))
    return 0


def cmd_check_decision(args: argparse.Namespace) -> int:
    """Recompute the hash of a served list's recorded inputs; exit 3 when it differs."""
    import json
    from uuid import UUID

    from app.aggregates import NotFound

    try:
        decision_id = UUID(args.decision_id)
    except ValueError:
        print(f"skillpath: {args.decision_id!r} is not a decision id", file=sys.stderr)
        return 2
    services = _services()
    try:
        check = services.audit.check_decision(decision_id)
    except NotFound as error:
        print(f"skillpath: {error.message}", file=sys.stderr)
        return 1
    finally:
        services.close()
    print(json.dumps({
        "decisionId": str(check.decision_id), "outcome": check.outcome,
        "recordedHash": check.recorded_hash, "recomputedHash": check.recomputed_hash,
        "modelVersion": check.model_version, "inputs": check.inputs,
    }, indent=2, ensure_ascii=False))  # fmt: skip
    return 3 if check.outcome == "differs" else 0


def cmd_verify(_: argparse.Namespace) -> int:
    """Walk the hash chain over the event log; exit 3 when it was tampered with."""
    services = _services()
    try:
        with tqdm(total=services.app.last_position(), desc="verifying", unit="event") as bar:
            report = services.audit.verify(progress=bar.update)
    finally:
        services.close()
    print(report.describe())
    print(f"({report.checked} events in {report.seconds:.2f}s, {report.events_per_second:,.0f}/s)")
    return 0 if report.intact else 3


def _embedded_admin_token(settings: Settings) -> str | None:
    """A 12-hour admin token in embedded mode; None where tokens come from a provider."""
    from app.auth.tokens import mint_token, signing_secret
    from app.bootstrap import master_key_for

    if settings.persistence == "postgres":
        return None
    secret = signing_secret(settings, master_key_for(settings))
    if secret is None:
        return None
    return mint_token(secret, role="admin", subject="admin@skillpath", seconds=12 * 3600,
                      audience=settings.jwt_audience, issuer=settings.jwt_issuer)  # fmt: skip


def cmd_token(args: argparse.Namespace) -> int:
    """Print a development bearer token (HS256) for a role, acting as an employee or not."""
    from app.access import PERSONAL_ROLES
    from app.auth.tokens import mint_token, signing_secret
    from app.bootstrap import master_key_for

    settings = Settings.from_env()
    if args.role in PERSONAL_ROLES and not args.employee:
        print(f"skillpath: a {args.role} token acts as an employee: pass --employee ID",
              file=sys.stderr)  # fmt: skip
        return 2
    secret = signing_secret(settings, master_key_for(settings))
    if secret is None:
        print(
            "skillpath: tokens come from the identity provider (SKILLPATH_JWKS_URL);"
            " set SKILLPATH_JWT_SECRET to mint HS256 tokens",
            file=sys.stderr,
        )
        return 2
    subject = args.employee or f"{args.role}@skillpath"
    print(mint_token(secret, role=args.role, subject=subject, seconds=args.hours * 3600,
                     audience=settings.jwt_audience, issuer=settings.jwt_issuer))  # fmt: skip
    return 0


def cmd_master_key(_: argparse.Namespace) -> int:
    """Print a fresh master key for SKILLPATH_MASTER_KEY (keep it in the secret store)."""
    from app.consent.cipher import new_key
    from app.keystore import encode_master_key

    print(encode_master_key(new_key()))
    return 0


def cmd_export_schema(args: argparse.Namespace) -> int:
    from app.schema import build_schema

    Path(args.path).write_text(build_schema().as_str() + "\n")
    print(f"wrote {args.path}")
    return 0


def cmd_import_hr(args: argparse.Namespace) -> int:
    from app.integration.hr_cli import run_import

    services = _services()
    try:
        return run_import(services, args)
    finally:
        services.close()


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="skillpath", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the GraphQL API (seeds the demo if empty)")
    serve.add_argument("--host", help="default: SKILLPATH_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: SKILLPATH_PORT or 8000")
    serve.add_argument("--no-seed", action="store_true", help="never seed the demo organisation")
    serve.set_defaults(run=cmd_serve)

    seed = sub.add_parser("seed", help="generate the demo organisation through real commands")
    seed.add_argument("--employees", type=int, default=300)
    seed.add_argument("--modules", type=int, default=150)
    seed.add_argument("--months", type=int, default=6, help="months of learning history")
    seed.add_argument("--seed", type=int, default=42, help="random seed (same seed, same company)")
    seed.add_argument("--force", action="store_true", help="seed even if events exist")
    seed.set_defaults(run=cmd_seed)

    sub.add_parser("replay", help="drop and rebuild all read models, and compare").set_defaults(
        run=cmd_replay
    )
    sub.add_parser("project", help="run the projections as a worker process").set_defaults(
        run=cmd_project
    )
    quarantine = sub.add_parser(
        "quarantine", help="let one projection skip an event it cannot apply (recorded as an event)"
    )
    quarantine.add_argument("--projection", required=True, help="the read model's name")
    quarantine.add_argument("--position", type=int, required=True, help="the event's position")
    quarantine.add_argument("--reason", default="", help="why it is skipped (kept in the history)")
    quarantine.add_argument("--operator", default="", help="who decides (default: system)")
    quarantine.set_defaults(run=cmd_quarantine)
    sub.add_parser(
        "master-key", help="print a new random master key for SKILLPATH_MASTER_KEY"
    ).set_defaults(run=cmd_master_key)
    token = sub.add_parser("token", help="print a development bearer token for the API")
    token.add_argument("--role", required=True, choices=ROLES)
    token.add_argument("--employee", help="the employee id the token acts as")
    token.add_argument("--hours", type=int, default=8, help="validity (default 8)")
    token.set_defaults(run=cmd_token)
    export_subject = sub.add_parser(
        "export-subject", help="print everything held about one employee as JSON"
    )
    export_subject.add_argument("employee_id")
    export_subject.set_defaults(run=cmd_export_subject)
    check = sub.add_parser(
        "check-decision",
        help="recompute the hash of a served list's recorded inputs (exit 3 when it differs)",
    )
    check.add_argument("decision_id")
    check.set_defaults(run=cmd_check_decision)
    sub.add_parser(
        "verify", help="check the event log's hash chain; exit 3 if it was tampered with"
    ).set_defaults(run=cmd_verify)
    export = sub.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("path", nargs="?", default="schema.graphql")
    export.set_defaults(run=cmd_export_schema)
    add_hr_import(sub, cmd_import_hr)
    add_recommender_commands(sub)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    from app.observability.logs import configure_logging

    try:
        configure_logging(Settings.from_env())
    except SettingsError:
        logging.basicConfig(level=logging.INFO)  # the command itself reports the setting
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (StartupError, SettingsError, UsageError) as error:
        print(f"skillpath: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
