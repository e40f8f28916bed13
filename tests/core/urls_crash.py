"""The project's URLs plus a view that fails the way a dead database does."""

from django.db import OperationalError
from django.urls import path

from config.urls import handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns


def crash(request):  # type: ignore[no-untyped-def]
    raise OperationalError("database is down")


urlpatterns = [*project_urlpatterns, path("panne/", crash)]
