"""A PostgreSQL setting changed for a part of a transaction (``core.database.local_setting``)."""

import pytest
from django.db import DatabaseError, connection, transaction

from maillage.core.database import local_setting

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL settings"),
]


def _setting(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


def test_the_setting_holds_in_the_block_and_is_put_back_after_it():
    before = _setting("work_mem")
    with local_setting("work_mem", "7MB"):
        assert _setting("work_mem") == "7MB"
    assert _setting("work_mem") == before


def test_put_back_when_the_block_raises_with_the_transaction_still_usable():
    before = _setting("jit")
    with pytest.raises(ValueError, match="refus"), local_setting("jit", "off"):
        raise ValueError("refusé")
    assert _setting("jit") == before


def test_an_aborted_transaction_raises_the_block_error_not_a_second_one():
    with (
        pytest.raises(DatabaseError, match="division by zero"),
        transaction.atomic(),
        local_setting("enable_bitmapscan", "off"),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT 1 / 0")
    assert _setting("enable_bitmapscan") == "on"
