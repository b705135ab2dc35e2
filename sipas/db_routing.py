"""Send the reads of reports to the read replica (DATABASE_REPLICA_URL); everything else to the primary.

A report reads much and writes nothing, so a hot standby a moment behind does it no harm. A screen
that shows what its user has just written (the typing screen, closing a batch, every POST, the
citizen's form) must read the primary, or the ballot just typed would be missing. So reads go to
the replica only inside `replica_reads()`, which `@reads_from_replica` turns on for the GET views
of reports. See docs/scaling.md.
"""

import contextlib
import functools
from collections.abc import Iterator
from contextvars import ContextVar

PRIMARY = "default"
REPLICA = "replica"
# Survey data: what reports count. Who is asking (users, sessions, login throttling) is always read
# from the primary, so a login made a moment ago is not mistaken for none on a lagging replica.
REPLICA_APPS = frozenset({"surveys", "reports"})

_on_replica: ContextVar[bool] = ContextVar("sipas_replica_reads", default=False)


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Read survey data from the replica inside this block (a report view, an export job)."""
    token = _on_replica.set(True)
    try:
        yield
    finally:
        _on_replica.reset(token)


def reads_from_replica(view):
    """Serve a report view's GET and HEAD from the replica; any other method stays on the primary."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapped


class ReplicaRouter:
    """Installed only when DATABASE_REPLICA_URL is set (sipas/settings.py)."""

    def db_for_read(self, model, **hints):
        if _on_replica.get() and model._meta.app_label in REPLICA_APPS:
            return REPLICA
        # Named, not left to Django: an object read from the replica would otherwise keep reading from it.
        return PRIMARY

    def db_for_write(self, model, **hints):
        # Named for the same reason: saving an object read from the replica must write to the primary.
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: a unit read from one may be set on a response for the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica replays the primary's migrations; it cannot run its own.
        return False if db == REPLICA else None
