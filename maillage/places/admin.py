"""Superuser admin for places data (day-to-day work happens on the real pages)."""

from django.contrib import admin

from maillage.places.models import DuplicateCandidate, ImportJob, Mediator, Place, PlaceManager


class PlaceManagerInline(admin.TabularInline):
    model = PlaceManager
    fk_name = "place"
    extra = 0
    raw_id_fields = ("user", "created_by")


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "commune_name",
        "postcode",
        "source",
        "source_id",
        "is_published",
        "data_updated_on",
    )
    list_filter = ("is_published",)
    search_fields = ("name", "commune_name", "postcode", "source_id", "pivot")
    raw_id_fields = ("commune", "organisation", "verified_by", "merged_into")
    inlines = [PlaceManagerInline]


@admin.register(Mediator)
class MediatorAdmin(admin.ModelAdmin):
    list_display = (
        "last_name",
        "first_name",
        "kind",
        "organisation",
        "aidants_connect_habilitated",
        "is_active",
    )
    list_filter = ("kind", "aidants_connect_habilitated", "is_active")
    search_fields = ("last_name", "first_name", "email")
    raw_id_fields = ("user", "organisation", "territory", "places")


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("started_at", "filename", "territory", "status", "rows", "created_count", "updated_count")
    list_filter = ("status",)
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(admin.ModelAdmin):
    list_display = ("place_a", "place_b", "reason", "status", "created_at", "decided_by")
    list_filter = ("status", "reason")
    raw_id_fields = ("place_a", "place_b", "import_job", "decided_by")
