"""Validators shared by the forms that take a date from the query string (statistics periods).

A period is bounded: 9999-12-31 + 1 day overflows ``date``, 0001-01-01 in a local-time conversion
overflows ``datetime``. Both are refused with a French message instead of a 500.
"""

from __future__ import annotations

from datetime import date

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2099, 12, 31)


def period_validators() -> list[MinValueValidator | MaxValueValidator]:
    return [
        MinValueValidator(FIRST_DATE, message=_("Indiquez une date à partir du 1er janvier 2000.")),
        MaxValueValidator(LAST_DATE, message=_("Indiquez une date jusqu'au 31 décembre 2099 au plus tard.")),
    ]
