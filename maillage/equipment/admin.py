from typing import Any

from django.contrib import admin
from django.db import transaction

from maillage.equipment import versions
from maillage.equipment.models import Allocation, Device, Donation, Donor, PriorityCriterion


class VersionedAdmin(admin.ModelAdmin):
    """A superuser's edit changes the figures too: it bumps the territory's data version in the
    admin's transaction, like the services do."""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        versions.bump(obj.territory_id)

    def delete_model(self, request: Any, obj: Any) -> None:
        territory_id = obj.territory_id
        super().delete_model(request, obj)
        versions.bump(territory_id)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        with transaction.atomic():  # the « delete selected » action may run outside a transaction
            territory_ids = set(queryset.values_list("territory_id", flat=True))
            super().delete_queryset(request, queryset)
            versions.bump(*territory_ids)


@admin.register(Donor)
class DonorAdmin(VersionedAdmin):
    list_display = ("name", "kind", "territory")
    search_fields = ("name",)
    raw_id_fields = ("territory", "organisation")


@admin.register(Donation)
class DonationAdmin(VersionedAdmin):
    list_display = ("donor", "received_on", "legal_frame", "reference", "declared_count")
    raw_id_fields = ("territory", "donor", "created_by")


@admin.register(Device)
class DeviceAdmin(VersionedAdmin):
    list_display = ("asset_tag", "kind", "brand", "model", "state")
    list_filter = ("state", "kind")
    search_fields = ("asset_tag", "serial_number")
    raw_id_fields = ("territory", "donation", "workshop_place", "erased_by")


@admin.register(Allocation)
class AllocationAdmin(VersionedAdmin):
    list_display = ("device", "status", "reserved_at", "given_at")
    raw_id_fields = (
        "device",
        "territory",
        "referral",
        "diagnostic",
        "commune",
        "reserved_by",
        "given_by",
        "training_activity",
    )


@admin.register(PriorityCriterion)
class PriorityCriterionAdmin(VersionedAdmin):
    list_display = ("label", "territory", "is_active")
    raw_id_fields = ("territory",)
