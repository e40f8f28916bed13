"""Budget lines kept by another bounded context (a funding application's revenue line, for instance).

The other context is the one source of truth: it writes the line through
``roadmaps.services.write_managed_line`` and registers a provider here saying which lines it keeps.
The roadmaps pages then show those lines read-only, with a link to where they are changed; the edit,
delete and « réalisé » forms leave them alone. The roadmaps app never imports the other models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class LineSource:
    label: str  # « Dossier de financement FSE+ 2025 »
    url: str  # where the line is changed


Provider = Callable[[list[int]], dict[int, LineSource]]
_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def sources_for(line_ids: Iterable[int]) -> dict[int, LineSource]:
    """Which of these budget lines another context keeps (one query per provider, none when empty)."""
    ids = [pk for pk in line_ids if pk is not None]
    out: dict[int, LineSource] = {}
    if not ids:
        return out
    for provider in _PROVIDERS:
        out.update(provider(ids))
    return out


def is_managed(line_id: int | None) -> bool:
    return line_id is not None and line_id in sources_for([line_id])
