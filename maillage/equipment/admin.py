from django.contrib import admin

from maillage.equipment.models import Allocation, Device, Donation, Donor, PriorityCriterion


@admin.register(Donor)
class DonorAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "territory")
    search_fields = ("name",)
    raw_id_fields = ("territory", "organisation")


@admin.register(Donation)
class DonationAdmin(admin.ModelAdmin):
    list_display = ("donor", "received_on", "legal_frame", "reference", "declared_count")
    raw_id_fields = ("territory", "donor", "created_by")


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("asset_tag", "kind", "brand", "model", "state")
    list_filter = ("state", "kind")
    search_fields = ("asset_tag", "serial_number")
    raw_id_fields = ("territory", "donation", "workshop_place", "erased_by")


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
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
class PriorityCriterionAdmin(admin.ModelAdmin):
    list_display = ("label", "territory", "is_active")
    raw_id_fields = ("territory",)
