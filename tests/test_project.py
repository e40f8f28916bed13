"""Consistency checks on the whole project."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import engines
from django.template.loader import get_template


@pytest.mark.django_db
def test_migrations_are_up_to_date():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_the_test_database_has_every_migration_applied():
    """Whether migrated here or copied from tests/sqlite_template.py's template, nothing is missing."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []


def test_every_template_compiles():
    from pathlib import Path

    from django.conf import settings

    engine = engines["django"]
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [Path(p) for p in Path(settings.BASE_DIR, "maillage").glob("*/templates")]
    names = sorted({str(path.relative_to(root)) for root in roots for path in root.rglob("*.html")})
    assert names
    for name in names:
        get_template(name, using=engine.name)


def test_maillage_command_accepts_dashed_names():
    from maillage.cli import _underscore

    assert _underscore("import-places") == "import_places"
    assert _underscore("--help") == "--help"


def test_accessibility_statement_has_date_contact_and_remedies(client, settings, db) -> None:
    settings.ACCESSIBILITY_CONTACT_EMAIL = "accessibilite@territoire.fr"
    html = client.get("/accessibilite/").content.decode()
    assert "Cette déclaration a été établie le" in html
    assert "mailto:accessibilite@territoire.fr" in html
    assert "Voies de recours" in html and "Défenseur des droits" in html


# Pinned only because the packages above need them: no module of Maillage imports them.
TRANSITIVE_PINS = {"django-stubs-ext", "typing-extensions", "packaging", "psycopg-binary"}


def _name(requirement: str) -> str:
    import re

    return re.split(r"[\[<>=!~; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_pip_install_declares_every_runtime_requirement():
    """`pip install .` must give a `maillage` that runs: every pinned runtime package has a range."""
    import tomllib

    root = settings.BASE_DIR
    declared = {
        _name(r) for r in tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    pinned = {
        _name(line)
        for line in (root / "requirements" / "base.txt").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "-"))
    }
    assert pinned - TRANSITIVE_PINS - declared == set()
    assert declared - pinned == set()  # and every range has its tested pin
