import pytest


@pytest.fixture(autouse=True)
def _catalogue(request):  # noqa: PT004
    """The modules seeded by a migration: a transactional test elsewhere may have flushed them."""
    names = request.fixturenames
    if request.node.get_closest_marker("django_db") or "db" in names or "transactional_db" in names:
        if "transactional_db" not in names and "db" not in names:
            request.getfixturevalue("db")
        from maillage.training.catalogue import ensure_catalogue

        ensure_catalogue()
