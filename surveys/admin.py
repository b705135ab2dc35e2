from django.contrib import admin

from surveys.models import AuditEntry, Membership, Unit
from surveys.permissions import holds

# The Django admin sees every unit in the country, so it is for system administrators only;
# scoped administrators manage accounts through the app's own pages.
admin.site.has_permission = lambda request: holds(request.user, "system.admin")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "valid_from", "valid_to", "successor"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "search_name"]
    raw_id_fields = ["parent", "successor"]
    readonly_fields = ["path"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a unit would have to move its subtree: load_units does that, the form does not.
        return ["path", "code", "parent"] if obj else ["path"]

    def save_model(self, request, obj, form, change):
        obj.set_derived_fields()
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "created"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "unit__name", "unit__code"]
    raw_id_fields = ["user", "unit"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created", "actor", "action", "unit", "target_type", "target_id"]
    list_filter = ["action"]
    readonly_fields = [field.name for field in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
