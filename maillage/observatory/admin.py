"""Admin: imports and indices read-only (they change through the commands); itinerant stops editable."""

from django.contrib import admin
from django.http import HttpRequest

from maillage.observatory.models import FragilityScore, IndicatorImport, ItinerantStop, ObservatorySettings


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(IndicatorImport)
class IndicatorImportAdmin(ReadOnlyAdmin):
    list_display = ("source", "vintage", "filename", "rows", "communes", "imported_at", "imported_by")
    list_filter = ("source",)


@admin.register(FragilityScore)
class FragilityScoreAdmin(ReadOnlyAdmin):
    list_display = ("territory", "method", "total", "available", "vintage", "computed_at")
    list_filter = ("method",)
    search_fields = ("territory__code", "territory__search_name")
    list_select_related = ("territory",)
    show_full_result_count = False


@admin.register(ItinerantStop)
class ItinerantStopAdmin(admin.ModelAdmin):
    list_display = ("place", "commune", "schedule", "created_at")
    search_fields = ("place__name", "commune__search_name", "commune__code")
    autocomplete_fields = ("commune",)
    raw_id_fields = ("place",)
    list_select_related = ("place", "commune")


@admin.register(ObservatorySettings)
class ObservatorySettingsAdmin(ReadOnlyAdmin):
    list_display = ("territory", "is_public", "updated_at")
