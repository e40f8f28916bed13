"""Helpers shared by the observatory commands."""

from __future__ import annotations

from django.db import connection


def lift_time_limits() -> None:
    """Batch work: lift the web request time limits on PostgreSQL."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0; SET lock_timeout = '60s'")
