"""The recommender's ``skillpath`` subcommands: train, models list|activate, fairness."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tqdm import tqdm

from app.recommend.model import FitParameters, ModelFileError
from app.recommend.registry import ModelMetadata, UnknownModelVersion


def _services() -> Any:
    from app.bootstrap import build_services
    from app.settings import Settings

    return build_services(Settings.from_env(), start_projections=False)


def cmd_train(args: argparse.Namespace) -> int:
    if args.follow:
        return _follow()
    services = _services()
    try:
        with tqdm(total=services.app.last_position(), desc="read models", unit="event") as bar:
            services.runner.catch_up(progress=bar.update)
        params = FitParameters(epochs=args.epochs, components=args.components)
        with tqdm(total=params.epochs, desc="training", unit="epoch") as bar:
            metadata = services.recommender.train(
                services.runner.position, params=params, progress=bar.update
            )
    finally:
        services.close()
    print(_describe(metadata, active=True))
    return 0


def _follow() -> int:
    """A training worker: retrain whenever it is due, until interrupted."""
    from app.recommend.retraining import RetrainingWorker
    from app.shutdown import wait_for_stop

    services = _services()
    settings = services.settings
    worker = RetrainingWorker(
        services.recommender,
        lambda: min(services.runner.positions().values(), default=0),
        min_interactions=settings.retrain_min_interactions,
        check_seconds=settings.retrain_check_seconds,
    )
    print(
        f"Retraining when {settings.retrain_min_interactions} interactions changed or someone"
        f" was erased (checked every {settings.retrain_check_seconds:g}s); Ctrl-C to stop.",
        flush=True,
    )
    worker.start()
    try:
        wait_for_stop()
    finally:  # a training run in flight finishes first
        worker.stop()
        services.close()
    return 0


def _describe(m: ModelMetadata, *, active: bool) -> str:
    metrics = ", ".join(f"{k}={v:g}" for k, v in sorted(m.metrics.items()))
    why = ", ".join(f"{reason} {n}" for reason, n in sorted(m.exclusions.items()))
    rebuilt = f"; rebuilt from {m.extra['rebuilt_from']}" if "rebuilt_from" in m.extra else ""
    return (
        f"{'*' if active else ' '} {m.version}  trained {m.trained_at[:19]} to position"
        f" {m.trained_to_position}; {m.users} users, {m.items} modules, {m.interactions}"
        f" interactions; {m.subjects_excluded} excluded{f' ({why})' if why else ''};"
        f" trigger {m.trigger}{rebuilt}; {metrics}"
    )


def cmd_models(args: argparse.Namespace) -> int:
    from app.recommend.registry import ModelRegistry
    from app.settings import Settings

    registry = ModelRegistry(Settings.from_env().model_dir)
    if args.action == "activate":
        if not args.version:
            print("skillpath models activate: name the VERSION", file=sys.stderr)
            return 2
        return _activate(args.version)
    current = registry.current_version()
    versions = registry.versions()
    if not versions:
        print(f"no model versions in {registry.root} (run `skillpath train`)")
    for metadata in versions:
        print(_describe(metadata, active=metadata.version == current))
    return 0


def _activate(version: str) -> int:
    """Switch versions through the recommender, which knows who may no longer be in one."""
    from app.aggregates import Conflict

    services = _services()
    try:
        services.runner.catch_up()  # the consent read model decides what may be activated
        metadata = services.recommender.activate(version)
    except UnknownModelVersion as error:
        print(f"skillpath: {error}", file=sys.stderr)
        return 1
    except (ModelFileError, Conflict) as error:
        print(f"skillpath: refused, the current version stays: {error}", file=sys.stderr)
        return 1
    finally:
        services.close()
    print(f"active: {metadata.version} (servers switch within a second)")
    return 0


def cmd_fairness(args: argparse.Namespace) -> int:
    from app.aggregates import DomainError
    from app.recommend.audit import fairness_report

    services = _services()
    try:
        services.runner.catch_up()
        report = fairness_report(
            services.recommender,
            services.fairness_attributes,
            version=args.model_version,
            mitigated=args.mitigated,
            min_group_size=services.settings.min_group_size,
        )
    except DomainError as error:
        print(f"skillpath: {error.message}", file=sys.stderr)
        return 1
    finally:
        services.close()
    print(
        f"model {report.model_version or '(none: popularity)'}; mitigation"
        f" {'on' if report.mitigated else 'off'}; {report.subjects} people with fairness_audit"
        f" consent in {report.strata} role/skill strata; groups under {report.min_group_size}"
        " suppressed"
    )
    flagged = 0
    for topic in report.topics:
        groups = ", ".join(
            f"{g.group} {'-' if g.exposure is None else f'{g.exposure:.3f}'} (n={g.members})"
            for g in topic.groups
        )
        ratio = "-" if topic.ratio is None else f"{topic.ratio:.2f}"
        mark = "  FLAGGED" if topic.flagged else ""
        flagged += topic.flagged
        print(f"{topic.topic:<20} {topic.attribute:<9} ratio {ratio:>5}  {groups}{mark}")
    return 3 if flagged else 0


def add_commands(sub: Any) -> None:
    """Register the recommender's subcommands on the ``skillpath`` parser."""
    train = sub.add_parser("train", help="train a recommender model version from the read models")
    train.add_argument("--epochs", type=int, default=FitParameters.epochs)
    train.add_argument("--components", type=int, default=FitParameters.components)
    train.add_argument(
        "--follow", action="store_true", help="run as a training worker (retrain when due)"
    )
    train.set_defaults(run=cmd_train)
    models = sub.add_parser("models", help="list model versions or activate one (roll back)")
    models.add_argument("action", choices=["list", "activate"])
    models.add_argument("version", nargs="?")
    models.set_defaults(run=cmd_models)
    fairness = sub.add_parser("fairness", help="top-10 exposure by gender and age band")
    fairness.add_argument("--model-version", help="default: the active version")
    fairness.add_argument("--mitigated", action="store_true", help="with the re-ranking on")
    fairness.set_defaults(run=cmd_fairness)
