"""Tell the roadmaps app which budget lines the funding applications keep (read-only there)."""

from __future__ import annotations

from django.urls import reverse

from maillage.roadmaps import managed_lines


@managed_lines.register
def application_lines(line_ids: list[int]) -> dict[int, managed_lines.LineSource]:
    from maillage.funding.models import Application

    rows = Application.objects.filter(budget_line_id__in=line_ids).values_list(
        "budget_line_id", "pk", "title"
    )
    return {
        line_id: managed_lines.LineSource(
            label=f"Dossier de financement « {title} »", url=reverse("funding:application", args=[pk])
        )
        for line_id, pk, title in rows
    }
