"""Settings for sipas: every deploy-time value comes from the environment."""

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from sipas.env import env_bool, env_database, env_file_load, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# Settings come from the environment, else from this file (`make run` writes one with DEBUG=true
# for development; production points SIPAS_ENV_FILE at e.g. /etc/sipas/sipas.env, see deploy/).
env_file_load(os.environ.get("SIPAS_ENV_FILE") or BASE_DIR / ".env")

# Off unless turned on: a server started without settings is never a debugging server.
DEBUG = env_bool("DEBUG", False)
# Every *_FILE variant (SECRET_KEY_FILE, DATABASE_URL_FILE, …) reads the value from a file instead.
SECRET_KEY = env_secret("SECRET_KEY", "dev-only-not-secret" if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "surveys",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sipas.middleware.VietnameseFirstLocaleMiddleware",
    "sipas.middleware.RefuseNulBytesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Static files from the app server itself, compressed and cached for good under hashed names
    # (in development runserver serves them as they are).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

# Scripts and styles come only from our own static files: no inline <script>, no on…= handlers,
# no style attributes or <style> elements (tests/test_csp.py holds every page to this). Charts and
# QR codes are inline SVG; Bootstrap draws its icons from data: images. Documents are downloads,
# never framed, so nothing needs frame-src.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        # The counter tablet's offline service worker, /sw.js.
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

ROOT_URLCONF = "sipas.urls"
WSGI_APPLICATION = "sipas.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "surveys.context_processors.navigation",
            ],
        },
    },
]

# Behind PgBouncer in transaction mode (DATABASE_URL then names the pooler): see docs/scaling.md.
_transaction_pooler = env_bool("DATABASE_TRANSACTION_POOLER", False)
# A connection is kept this many seconds by the thread that opened it (gunicorn: one per worker
# thread). runserver starts a thread per request, so in development each would keep its own
# until it exhausted PostgreSQL: there connections close after each request.
_conn_max_age = env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 60, low=0, high=3600)
DATABASES = {
    "default": env_database(
        "DATABASE_URL", str(BASE_DIR / "db.sqlite3"), transaction_pooler=_transaction_pooler, conn_max_age=_conn_max_age
    )
}
# A hot standby of the PostgreSQL primary: the reads of reports and exports go to it (sipas/db_routing.py).
if env_secret("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = env_database(
        "DATABASE_REPLICA_URL", "", transaction_pooler=_transaction_pooler, conn_max_age=_conn_max_age
    )
    if {DATABASES["default"]["ENGINE"], DATABASES["replica"]["ENGINE"]} != {"django.db.backends.postgresql"}:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("DATABASE_REPLICA_URL and DATABASE_URL must both be postgres://")
    # Tests read the primary's test database through it rather than create one of its own.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["sipas.db_routing.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "sipas.passwords.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Throttle logins per account and address: after five wrong passwords that pair waits out the
# cool-off (429 with Retry-After). The address is the sender's, not the proxy's (SIPAS_PROXY_HOPS).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "sipas.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "surveys.throttle.client_ip"
# Attempts during the lock do not push its end further: Retry-After stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# dd/mm/yyyy in every language: see sipas/formats/.
FORMAT_MODULE_PATH = ["sipas.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # In production `collectstatic` writes hashed, compressed copies that pages link to;
    # in development files are served as they are.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# HTTPS only in production: secure cookies, redirect to https, HSTS for a year (preload included,
# which `check --deploy` asks for; SECURE_HSTS_PRELOAD=false leaves a domain off browsers' lists).
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# The health check answers on plain HTTP too, for a load balancer or monitor on the local network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, low=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
# Behind a proxy that ends TLS, the header it sets on HTTPS requests, e.g. X-Forwarded-Proto
# (it must overwrite, never pass on, a client's own header of that name: see deploy/nginx-sipas.conf).
_proxy_header = env_str("SECURE_PROXY_SSL_HEADER", "")
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")

# Shared counters for throttling. Several server processes need REDIS_URL to share them;
# the embedded default keeps them in each process.
REDIS_URL = env_secret("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # An unreachable Redis must fail fast: the throttle then counts per process.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background jobs (exports, batch notices; reports/jobs/): run by `run_worker` when REDIS_URL is set,
# else by threads of the web process. Their files go to SIPAS_JOB_DIR, which every web server and
# worker must see (one machine, or a shared mount).
SIPAS_JOB_DIR = env_str("SIPAS_JOB_DIR", str(BASE_DIR / "var" / "jobs"))
# Jobs made at once by each web process when there is no REDIS_URL.
SIPAS_JOB_THREADS = env_int("SIPAS_JOB_THREADS", 2, low=1, high=16)
# A running job writes its progress and a heartbeat this often; one silent for SIPAS_JOB_STALE_SECONDS
# has lost its process and is marked failed, as is one queued for SIPAS_JOB_QUEUE_SECONDS and one
# running longer than SIPAS_JOB_TIMEOUT_SECONDS.
SIPAS_JOB_HEARTBEAT_SECONDS = env_int("SIPAS_JOB_HEARTBEAT_SECONDS", 2, low=1, high=60)
SIPAS_JOB_STALE_SECONDS = env_int("SIPAS_JOB_STALE_SECONDS", 120, low=2, high=3600)
SIPAS_JOB_QUEUE_SECONDS = env_int("SIPAS_JOB_QUEUE_SECONDS", 3600, low=60, high=7 * 86400)
SIPAS_JOB_TIMEOUT_SECONDS = env_int("SIPAS_JOB_TIMEOUT_SECONDS", 3600, low=60, high=86400)
# Jobs and their files are deleted this many days after they were asked for.
SIPAS_JOB_KEEP_DAYS = env_int("SIPAS_JOB_KEEP_DAYS", 7, low=1, high=365)

# The address citizens reach sipas at, for links printed on slips and returned by the API
# (e.g. https://sipas.example.gov.vn). Empty: the host each request came to.
SITE_URL = env_str("SITE_URL", "")
# Survey links and kiosk keys are keyed hashes of this; rotating it invalidates open links.
SIPAS_TOKEN_KEY = env_secret("SIPAS_TOKEN_KEY", SECRET_KEY)
# How long an issued survey's link takes answers, unless the unit sets its own.
SIPAS_SURVEY_EXPIRY_DAYS = env_int("SIPAS_SURVEY_EXPIRY_DAYS", 7, low=1, high=90)
# Citizens' contact details are deleted this long after they were left (see purge_contacts).
SIPAS_CONTACT_RETENTION_DAYS = env_int("SIPAS_CONTACT_RETENTION_DAYS", 365, low=1)
# Responses a unit needs to be ranked when no resolved-dossier count gives it a sample size (docs/index.md).
SIPAS_MIN_RESPONSES = env_int("SIPAS_MIN_RESPONSES", 30, low=1, high=10_000)
# Data rows one XLSX import (ballots, dossiers, procedures) may hold; a longer sheet is refused
# before it is parsed. 100,000 ballots take about a minute and 200 MB to import.
SIPAS_IMPORT_MAX_ROWS = env_int("SIPAS_IMPORT_MAX_ROWS", 100_000, low=1, high=1_048_575)
# Behind a reverse proxy every request comes from the proxy: set how many proxies append to
# X-Forwarded-For, so throttling sees the citizen's address. 0 trusts no header.
SIPAS_PROXY_HOPS = env_int("SIPAS_PROXY_HOPS", 0, low=0, high=5)
# Submissions allowed per window: (count, seconds). Citizens, tablets and the one-stop software.
# An office's phones share its address, so the address limits leave room for a busy morning;
# paired tablets are counted by tablet, not by address.
SIPAS_THROTTLES = {
    "address": (env_int("THROTTLE_ADDRESS_COUNT", 60), env_int("THROTTLE_ADDRESS_SECONDS", 600)),
    "kiosk": (env_int("THROTTLE_KIOSK_COUNT", 120), env_int("THROTTLE_KIOSK_SECONDS", 600)),
    "token": (env_int("THROTTLE_TOKEN_COUNT", 10), env_int("THROTTLE_TOKEN_SECONDS", 600)),
    "rating": (env_int("THROTTLE_RATING_COUNT", 20), env_int("THROTTLE_RATING_SECONDS", 3600)),
    "pairing": (env_int("THROTTLE_PAIRING_COUNT", 5), env_int("THROTTLE_PAIRING_SECONDS", 600)),
    "api_key": (env_int("THROTTLE_API_KEY_COUNT", 600), env_int("THROTTLE_API_KEY_SECONDS", 60)),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
