"""WSGI entry point for sipas."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sipas.settings")

application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules) lives as long as the process: keep the
# garbage collector from walking through it again on every full collection, which otherwise pauses
# a page of a few hundred units for tens of milliseconds.
gc.freeze()
