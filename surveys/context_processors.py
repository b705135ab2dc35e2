from django.utils.functional import SimpleLazyObject

from surveys import permissions
from surveys.scoping import units_managed_by
from surveys.selectors.integrity import alerts_to_acknowledge


def navigation(request):
    """Tell every page what the user may do, whether to show the accounts menu and how many alerts wait.

    Each is asked only when a template reads it.
    """
    can = SimpleLazyObject(lambda: permissions.flags(request.user))
    return {
        "can": can,
        "manages_accounts": SimpleLazyObject(lambda: units_managed_by(request.user).exists()),
        "unseen_alerts": SimpleLazyObject(
            lambda: alerts_to_acknowledge(user=request.user).count() if can["alerts"]["mark_seen"] else 0
        ),
    }
