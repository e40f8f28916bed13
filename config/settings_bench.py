"""Benchmark settings: production settings on the PostgreSQL database named by BENCH_DATABASE_URL."""

import os

os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789-abcdefghijklmnopqrst")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/maillage_bench")
)

from config.settings import *  # noqa: E402,F403
from config.settings import DATABASES  # noqa: E402

DEBUG = False
SECURE_SSL_REDIRECT = False
ALLOWED_HOSTS = ["*"]
# Batch work: no web statement timeout.
DATABASES["default"].get("OPTIONS", {}).pop("options", None)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
