from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList

from surveys.forms.accounts import AdminLoginForm
from surveys.models import AuditEntry, Membership, Unit
from surveys.permissions import holds

# The Django admin sees every unit in the country, so it is for system administrators only;
# scoped administrators manage accounts through the app's own pages.
admin.site.has_permission = lambda request: holds(request.user, "system.admin")
admin.site.login_form = AdminLoginForm


class DateSafeChangeList(ChangeList):
    """A list whose date drill-down takes any year in the address.

    Django turns ?attempt_time__year=99999999999999999999 (or 9999, whose next year does not
    exist) into a server error; this answers it as any other bad filter.
    """

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


# The login records django-axes registers (before us: it comes first in INSTALLED_APPS) are listed by date.
for model in (AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(model):
        admin.site.get_model_admin(model).get_changelist = lambda request, **kwargs: DateSafeChangeList


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
