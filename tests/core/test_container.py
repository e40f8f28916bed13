"""The container path stays valid without a container engine: compose file and Dockerfile."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_has_the_app_the_worker_and_postgresql():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"app", "worker", "db"}
    assert services["app"]["command"][0] == "gunicorn" and services["worker"]["command"][:2] == [
        "maillage",
        "worker",
    ]
    for name in ("app", "worker"):
        assert "postgres://" in services[name]["environment"]["DATABASE_URL"]
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["db"]["image"].startswith("postgres:")
    assert set(compose["volumes"]) == {"data", "pgdata"}


def test_the_image_runs_as_a_non_root_user_with_weasyprint_libraries():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "USER maillage" in dockerfile and "slim" in dockerfile.splitlines()[1]
    assert "libpango-1.0-0" in dockerfile and "python:config.gunicorn_conf" in dockerfile
    assert (ROOT / "config" / "gunicorn_conf.py").is_file()
