"""Performance benchmarks: ``python -m maillage.bench NAME [options]``. Never asserted in tests.

Each module ``maillage/bench/<name>.py`` defines ``add_arguments(parser)`` (optional) and
``run(args) -> None`` that prints its figures. ``all`` runs every benchmark with default options.
They need a PostgreSQL ``DATABASE_URL`` they are allowed to fill (they create and drop their own rows
in a dedicated database named by ``--database-url`` or ``BENCH_DATABASE_URL``).
"""
