"""What the deployment files and the operator's docs name exists: every ``skillpath`` command
line in compose.yaml, docs/operations.md and the README parses with the real command-line
parser, every SKILLPATH_* variable they name is read by app/settings.py, and every setting
app/settings.py reads is documented. The container image is checked by its content (it is
built where a Docker daemon and the base images are at hand): multi-stage, not root, the
command as entry point."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.cli import parser

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_SOURCE = (ROOT / "app" / "settings.py").read_text()
READ_BY_SETTINGS = set(re.findall(r'"(SKILLPATH_[A-Z0-9_]+)"', SETTINGS_SOURCE))
SETTING = re.compile(r"\bSKILLPATH_[A-Z0-9_]*[A-Z0-9]\b")
DOCS = ["README.md", "docs/operations.md"]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def skillpath_services() -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose()["services"].items()
        if service.get("image", "").startswith("skillpath")
    }


def subcommands() -> set[str]:
    actions = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return set(actions[0].choices)


def parses(arguments: list[str]) -> bool:
    """A full command line parses; a bare command name (`skillpath token`) exists."""
    if len(arguments) == 1:
        return arguments[0] in subcommands()
    try:
        parser().parse_args(arguments)
    except SystemExit:
        return False
    return True


def command_lines(text: str) -> list[list[str]]:
    """Every ``skillpath ...`` invocation in code spans and shell blocks of a document."""
    found = []
    for span in re.findall(r"`([^`\n]+)`", text) + text.splitlines():
        for match in re.finditer(
            r"(?:^|[\s/(=])skillpath ((?:[a-z][\w-]*)(?: [^`#|&;)<>]*)?)", span
        ):
            text = match.group(1).strip().rstrip("\\").strip()  # a continued shell line
            try:
                words = shlex.split(text)
            except ValueError:  # an unbalanced quote in prose
                words = text.split()
            # Placeholders in the docs (`--role ROLE`, `ID`, `[--follow]`) are not literal.
            if any(w.isupper() or w[:1] in "[$%" or "%" in w for w in words):
                words = words[:1]
            found.append(words)
    return found


def test_the_compose_file_runs_every_process_of_the_production_section() -> None:
    services = skillpath_services()
    commands = sorted(" ".join(s["command"]) for s in services.values())

    assert {"postgres", "redis"} <= set(compose()["services"])
    assert commands == [
        "migrate", "project", "serve --host 0.0.0.0 --port 8000",
        "serve --host 0.0.0.0 --port 8000", "train --follow",
    ]  # fmt: skip
    for name, service in services.items():
        env = service["environment"]
        assert env["SKILLPATH_PERSISTENCE"] == "postgres", name
        assert env["SKILLPATH_BROADCAST"] == "redis", name
        if service["command"][0] == "serve":
            assert env["SKILLPATH_RUN_PROJECTIONS"] == "false"
            assert env["SKILLPATH_RETRAIN_IN_BACKGROUND"] == "false"
        if service["command"][0] in ("serve", "train"):
            # Model versions written by the training worker are read by every API worker.
            assert "models:/var/lib/skillpath/models" in service["volumes"], name


def test_every_command_in_the_compose_file_parses() -> None:
    for name, service in skillpath_services().items():
        assert parses(service["command"]), f"{name}: skillpath {service['command']}"


def test_every_setting_in_the_compose_file_is_read_by_the_settings() -> None:
    for name, service in skillpath_services().items():
        named = {key for key in service["environment"] if key.startswith("SKILLPATH_")}
        assert named <= READ_BY_SETTINGS, f"{name}: {sorted(named - READ_BY_SETTINGS)}"


@pytest.mark.parametrize("document", DOCS)
def test_every_command_a_document_names_exists(document: str) -> None:
    lines = command_lines((ROOT / document).read_text())

    assert lines, f"{document} names no skillpath command"
    for words in lines:
        assert parses(words), f"{document}: skillpath {' '.join(words)}"


@pytest.mark.parametrize("document", DOCS)
def test_every_setting_a_document_names_is_read_by_the_settings(document: str) -> None:
    named = set(SETTING.findall((ROOT / document).read_text()))

    assert named - READ_BY_SETTINGS == set()


def test_every_setting_is_documented() -> None:
    documented: set[str] = set()
    for document in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        documented |= set(SETTING.findall(document.read_text()))

    assert READ_BY_SETTINGS - documented == set()


def test_the_image_is_multi_stage_not_root_with_the_command_as_entry_point() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", dockerfile, flags=re.M)[1:]
    final = stages[-1]

    assert len(stages) >= 2
    assert re.search(r"^COPY --from=\w+ /opt/skillpath /opt/skillpath$", final, re.M)
    user = re.findall(r"^USER (\S+)$", final, re.M)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert re.search(r'^ENTRYPOINT \["skillpath"\]$', final, re.M)
    assert "build-essential" not in final  # no compiler in the image that runs
    assert "pip install -e" not in dockerfile  # the package itself, static files included
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'skillpath = "app.cli:main"' in pyproject
    assert '"static/vendor/graphiql/*.*"' in pyproject
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "var", "skillpath.env", ".env"} <= set(ignored)


# -- what the image and the compose file name, checked without a Docker daemon ------------
# The image is not built and the compose file not run where the suite runs (no Docker
# daemon); every command, path, setting, port, probe and reference they name is checked
# against the repository and the app here instead (docs/operations.md says so).


def _routes() -> set[str]:
    from app.bootstrap import build_services
    from app.main import create_app
    from app.settings import Settings

    settings = Settings(persistence="memory", seed_if_empty=False)
    services = build_services(settings)
    try:
        return {getattr(route, "path", "") for route in create_app(settings, services).routes}
    finally:
        services.close()


def _instructions(dockerfile: str, name: str) -> list[str]:
    joined = dockerfile.replace("\\\n", " ")
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(name + " ")]


def test_every_path_the_dockerfile_copies_exists_and_its_extra_is_declared() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = [c for c in _instructions(dockerfile, "COPY") if not c.startswith("--from")]
    assert copied
    for instruction in copied:
        *sources, _target = instruction.split()
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is missing"
    pyproject = (ROOT / "pyproject.toml").read_text()
    for extra in re.findall(r"pip install [^\n]*'\.\[([\w,]+)\]'", dockerfile):
        for name in extra.split(","):
            assert re.search(rf"^{name} = \[", pyproject, re.M), f"extra {name} is not declared"


def test_the_images_settings_and_command_exist() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    named = set(SETTING.findall(" ".join(_instructions(dockerfile, "ENV"))))
    assert named and named <= READ_BY_SETTINGS, sorted(named - READ_BY_SETTINGS)
    [cmd] = _instructions(dockerfile, "CMD")
    assert parses(yaml.safe_load(cmd))
    [exposed] = _instructions(dockerfile, "EXPOSE")
    assert f"SKILLPATH_PORT={exposed}" in dockerfile


def test_the_compose_files_references_ports_and_probes_exist() -> None:
    file = compose()
    services, volumes = file["services"], set(file.get("volumes") or {})
    routes = _routes()
    for name, service in services.items():
        for dependency in service.get("depends_on") or {}:
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0]
            assert source in volumes or source.startswith((".", "/")), f"{name}: {volume}"
        for mapping in service.get("ports") or []:
            container_port = str(mapping).rsplit(":", 1)[-1]
            assert container_port == "8000" and service["command"][-1] == "8000", name
        probe = " ".join((service.get("healthcheck") or {}).get("test", []))
        for path in re.findall(r"http://127\.0\.0\.1:8000(/[a-z]+)", probe):
            assert path in routes, f"{name}'s health check asks for {path}"
    # The interpolated secrets are settings too (or PostgreSQL's own), and the API workers'
    # database is the one the postgres service creates.
    text = (ROOT / "compose.yaml").read_text()
    interpolated = set(re.findall(r"\$\{(\w+)", text))
    assert interpolated - READ_BY_SETTINGS <= {"POSTGRES_PASSWORD"}
    env = skillpath_services()["api-1"]["environment"]
    postgres = services["postgres"]["environment"]
    assert env["SKILLPATH_POSTGRES_DB"] == postgres["POSTGRES_DB"]
    assert env["SKILLPATH_POSTGRES_USER"] == postgres["POSTGRES_USER"]
    assert env["SKILLPATH_REDIS_URL"].startswith("redis://redis:")


@pytest.mark.parametrize("document", DOCS)
def test_every_endpoint_compose_service_and_make_target_a_document_names_exists(
    document: str,
) -> None:
    text = (ROOT / document).read_text()
    routes = _routes()
    for path in set(re.findall(r"`(/(?:livez|readyz|healthz|metrics|graphql))`", text)):
        assert path in routes, f"{document} names {path}"
    services = set(compose()["services"])
    for words in re.findall(r"docker compose (?:run --rm|stop|restart|logs) ([\w -]+)", text):
        for word in words.split():
            assert word in services, f"{document}: docker compose names {word}"
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.M))
    for target in set(re.findall(r"`make ([a-z-]+)`", text)):
        assert target in targets, f"{document} names make {target}"
