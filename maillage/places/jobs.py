"""Background jobs of the directory (imported by the worker)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from maillage.core import jobs


@jobs.job("places.freshness_campaign", label=_("Campagne de mise à jour des lieux"), atomic=False)
def freshness_campaign(ctx: jobs.JobContext, *, campaign_id: int, base_url: str = "") -> dict[str, Any]:
    """Send a campaign's reminders (idempotent: a retry never reminds a place twice)."""
    from maillage.places import campaigns

    campaign = campaigns.run_campaign(
        campaign_id,
        base_url=base_url,
        progress=lambda done, total: ctx.progress(_("Envoi des relances"), done=done, total=total),
    )
    return {
        "campagne": campaign.pk,
        "lieux": campaign.places_count,
        "relances": campaign.places_count - campaign.skipped_count,
        "sans_destinataire": campaign.skipped_count,
    }
