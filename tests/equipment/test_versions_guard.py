"""``versions.bump`` outside a transaction is a programming error: the version would change apart from
the rows it stands for. No database is needed to prove it (nothing is sent before the check)."""

from __future__ import annotations

import pytest

from maillage.equipment import versions


def test_a_version_is_bumped_only_inside_a_transaction():
    with pytest.raises(RuntimeError, match="transaction"):
        versions.bump(1)
    versions.bump(None)  # nothing to bump: nothing checked, nothing sent
