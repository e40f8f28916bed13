from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models

from maillage.accounts.forms import AdminLoginForm
from maillage.accounts.models import AccessRequest, Invitation, Membership, Organisation, User

# Territories and organisations are chosen by autocomplete: no admin page ships 36 000 options.


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("organisation", "territory")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_active", "is_superuser", "last_login")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name", "phone")}),
        ("Droits", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined", "terms_accepted_at")}),
    )
    readonly_fields = ("last_login", "date_joined", "terms_accepted_at")
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [MembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "siret", "territory")
    search_fields = ("name", "siret")
    list_filter = ("kind",)
    autocomplete_fields = ("territory",)
    list_select_related = ("territory",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "territory", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("user__email", "organisation__name", "territory__name")
    autocomplete_fields = ("user", "organisation", "territory")
    list_select_related = ("user", "organisation", "territory")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organisation", "role", "territory", "expires_at", "accepted_at", "revoked_at")
    search_fields = ("email", "organisation__name")
    autocomplete_fields = ("organisation", "territory", "invited_by", "accepted_by")
    readonly_fields = ("nonce",)
    list_select_related = ("organisation", "territory")


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    list_display = ("email", "organisation_name", "role", "territory", "status", "created_at")
    list_filter = ("status", "role")
    search_fields = ("email", "organisation_name", "last_name")
    autocomplete_fields = ("territory", "decided_by", "invitation")
    list_select_related = ("territory",)


# The admin's login goes through the same throttle as the site's.
admin.site.login_form = AdminLoginForm
