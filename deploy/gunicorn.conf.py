"""gunicorn settings for sipas (`make serve`, deploy/sipas-web.service); each can be overridden from the environment."""

import multiprocessing
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from sipas.env import env_file_load  # noqa: E402  (after the project is on the path)

# The same settings file Django reads, so that SIPAS_BIND and WEB_WORKERS may live there too.
env_file_load(os.environ.get("SIPAS_ENV_FILE") or ROOT / ".env")

bind = os.environ.get("SIPAS_BIND", "127.0.0.1:8000")
# Pages are CPU-bound Python plus database waits: two processes per core, one spare.
workers = int(os.environ.get("WEB_WORKERS", 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("WEB_THREADS", 1))
# Load Django once before forking: the workers share its memory (see gc.freeze() in sipas/wsgi.py).
preload_app = True
# A province-year report may take a while; the proxy in front waits as long (deploy/nginx-sipas.conf).
timeout = int(os.environ.get("WEB_TIMEOUT", 120))
graceful_timeout = 30
# A worker restarts after this many requests, so no slow leak outlives a day.
max_requests = 2000
max_requests_jitter = 200
# One line per request on standard output (journald keeps it): who, what, status, bytes, time in µs.
accesslog = "-"
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(B)s %(D)sus'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
