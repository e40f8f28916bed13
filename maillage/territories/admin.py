"""Read-only admin views of the reference data: it changes only through ``maillage load-territories``."""

from django.contrib import admin
from django.http import HttpRequest

from maillage.territories.models import Territory, TerritoryDataVintage


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Territory)
class TerritoryAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "code", "department", "epci", "population", "vintage")
    list_filter = ("kind", "vintage")
    search_fields = ("code", "search_name", "name")
    list_select_related = ("department", "epci")
    show_full_result_count = False


@admin.register(TerritoryDataVintage)
class TerritoryDataVintageAdmin(ReadOnlyAdmin):
    list_display = ("loaded_at", "source", "vintage", "scope", "sha256")
