import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Import every view now (the URLconf is otherwise imported by the first request, seconds on a
    loaded machine: long enough for gunicorn to kill a fresh worker before it answers). With
    ``preload_app`` (config/gunicorn_conf.py) this runs once in the master, before the workers fork."""
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — the import is the point
    connections.close_all()  # nothing opened here may be shared by forked workers


_warm_up()
