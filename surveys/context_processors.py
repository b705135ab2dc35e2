from django.utils.functional import SimpleLazyObject

from surveys.scoping import units_managed_by


def navigation(request):
    """Tell the base layout whether to show the accounts menu, asked only when drawn."""
    return {"manages_accounts": SimpleLazyObject(lambda: units_managed_by(request.user).exists())}
