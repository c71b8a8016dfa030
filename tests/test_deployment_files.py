"""Docker cannot run here, so the container setup is checked against what `make run` runs."""

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_services_each_with_a_health_check():
    services = compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_compose_runs_web_worker_and_beat_with_the_commands_make_run_uses():
    services = compose()["services"]
    native = procfile()
    assert set(native) == {"web", "worker", "beat"}
    for name, command in native.items():
        assert services[name]["command"] == command, f"{name}: compose and Procfile differ"
    assert "--procfile Procfile" in (ROOT / "Makefile").read_text()


def test_the_image_starts_the_web_command_by_default():
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert cmd, "Dockerfile has no exec-form CMD"
    assert " ".join(json.loads(cmd.group(1))) == procfile()["web"]


def test_compose_services_use_postgresql_and_redis_and_wait_for_them():
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:" in env["DATABASE_URL"]
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
