from django.utils.functional import SimpleLazyObject

from surveys.scoping import units_managed_by
from surveys.selectors.integrity import alerts_unseen


def navigation(request):
    """Tell the base layout whether to show the accounts menu and how many alerts wait, asked only when drawn."""
    return {
        "manages_accounts": SimpleLazyObject(lambda: units_managed_by(request.user).exists()),
        "unseen_alerts": SimpleLazyObject(lambda: alerts_unseen(user=request.user).count()),
    }
