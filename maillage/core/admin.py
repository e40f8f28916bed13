from django.contrib import admin
from django.http import HttpRequest

from maillage.core.models import AuditLog


def _superuser_only(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_superuser)


# The Django admin is for superusers only: every day-to-day task has a real page.
admin.site.has_permission = _superuser_only  # type: ignore[method-assign]
admin.site.site_header = "Maillage — administration technique"
admin.site.site_title = "Maillage"


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "territory_code")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_id", "object_type")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
