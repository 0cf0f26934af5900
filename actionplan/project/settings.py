"""Settings for Actionplan.

Every value that differs between a laptop and production comes from an environment variable
(see .env.example). With nothing set, the app runs in development mode on a SQLite file.
"""

import hashlib
import ipaddress
import tempfile
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from actionplan.project.env import database_from_url, env_bool, env_int, env_list, env_str

# The checkout: this file is actionplan/project/settings.py.
BASE_DIR = Path(__file__).resolve().parents[2]

# DEBUG is off unless it is set: a deployment that forgets it is safe. Development turns it
# on for itself (./run.sh serve, and the tests through pyproject.toml's [tool.pytest_env]);
# then a development secret and local host names are the defaults. With DEBUG off the
# deployment must bring its own secret and host names (no production secret has a default).
DEBUG = env_bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-never-use-in-production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
else:
    SECRET_KEY = env_str("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS (comma-separated) when DEBUG is off.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_filters",
    "django_tables2",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "actionplan",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "actionplan.middleware.OwnerChangeNoticeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "actionplan.project.urls"
WSGI_APPLICATION = "actionplan.project.wsgi.application"

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
                "accounts.context_processors.permissions",
                "accounts.context_processors.session_timeout",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", ""), sqlite_default=BASE_DIR / "var" / "db.sqlite3"
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Tests use a file, not memory, so that a test can close the connection (database faults)
    # and live-server threads share it.
    checkout = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:12]
    shm = Path("/dev/shm")  # memory-backed where the OS has it: migrations stay fast
    test_dir = shm if shm.is_dir() else Path(tempfile.gettempdir())
    test_db = test_dir / f"actionplan-test-{checkout}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(test_db)}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Persistent connections: opening one per request costs a third of the throughput.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # Axes first, so that a locked-out username+IP is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Reset links live an hour. Requests are throttled per address and per client, an hour at a
# time (accounts/views.py), counted in the cache below.
PASSWORD_RESET_TIMEOUT = 60 * 60
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 3)
PASSWORD_RESET_LIMIT_PER_CLIENT = env_int("PASSWORD_RESET_LIMIT_PER_CLIENT", 10)

# The cache holds those counts, so it must be shared by every server process: the database
# (`manage.py createcachetable` makes its table; the test database gets it by itself), which
# needs no other service. A deployment with Redis may point CACHES at it instead.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "actionplan_cache",
    }
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: an absolute lifetime (SESSION_COOKIE_AGE) and an idle timeout enforced by
# accounts.middleware; both configurable.
SESSION_COOKIE_AGE = env_int("SESSION_MAX_AGE_SECONDS", 8 * 60 * 60)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_SECONDS", 30 * 60)
# Pages warn this long before the idle time-out, with a button to stay signed in.
SESSION_IDLE_WARNING = env_int("SESSION_WARNING_SECONDS", 5 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A form sent from a page whose session has changed (signed out, or in again, in another tab)
# gets a page that explains and shows the person's text back, never a bare 403.
CSRF_FAILURE_VIEW = "accounts.views.csrf_failure"

# Password guessing: lock a username+IP pair, never a whole IP (partner agencies share networks).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"

# The reverse proxies in front of the app (addresses or networks, e.g. 127.0.0.1 for nginx on
# the same machine) and how many there are in a row. Only a request from one of them has its
# X-Forwarded-For read (accounts/client_ip.py); with none, the client is REMOTE_ADDR.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
PROXY_COUNT = env_int("PROXY_COUNT", 1 if TRUSTED_PROXIES else 0)
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES must list IP addresses or networks, not {_proxy!r}."
        ) from None

# Two-factor sign-in (django-otp: TOTP from an authenticator app, and one-use recovery codes).
# Always required for business support, Board members and anyone with admin access
# (accounts.permissions.must_use_two_factor); for everyone when MFA_REQUIRED_FOR_ALL is on,
# which is the default unless DEBUG is on (the demo lets action owners try the app at once).
MFA_REQUIRED_FOR_ALL = env_bool("MFA_REQUIRED_FOR_ALL", default=not DEBUG)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Actionplan")
# A wrong code locks that device for 2^(n-1) seconds after the n-th failure in a row.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
# Seconds before a silent SMTP server counts as down (the round e-mail is then retried later).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "actionplan@localhost")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves hashed, compressed static files through WhiteNoise (run collectstatic).
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"

# Where the accessibility statement tells people to report a problem: Board business support.
# Falls back to the address the app sends from, which a deployment sets to a real mailbox.
ACCESSIBILITY_CONTACT_EMAIL = env_str("ACCESSIBILITY_CONTACT_EMAIL", DEFAULT_FROM_EMAIL)

# Shown in every Board pack page header and footer.
PROTECTIVE_MARKING = env_str("PROTECTIVE_MARKING", "OFFICIAL-SENSITIVE")

# Board packs are produced in the background: requests are queued in the database and run by
# `manage.py db_worker` (./run.sh serve starts one). A pack is laid out in one process. Only
# one of PACK_PARALLEL_MIN_ACTIONS actions or more, which one process would take a minute or
# more to lay out (bench/README.md), is laid out in parts in PACK_WORKERS parallel processes
# (0: one per core; 1: never in parallel) and joined (reports/parallel.py), where there are
# two cores or more.
#
# The queue is a setting (docs/production.md, "Background work"): TASK_BACKEND=database (the
# default: nothing else to run, `manage.py db_worker`) or TASK_BACKEND=rq, RQ on Redis at
# REDIS_URL, for several worker hosts (`manage.py rqworker --job-class django_tasks_rq.Job`).
TASK_BACKEND = env_str("TASK_BACKEND", "database")
if TASK_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
elif TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": env_str("REDIS_URL", "redis://127.0.0.1:6379/0")}}
else:
    raise ImproperlyConfigured(f"TASK_BACKEND must be 'database' or 'rq', not {TASK_BACKEND!r}.")
PACK_PARALLEL_MIN_ACTIONS = env_int("PACK_PARALLEL_MIN_ACTIONS", 1000)
PACK_WORKERS = env_int("PACK_WORKERS", 0)
# A pack rendering with no progress for this many seconds has lost its worker (killed, or the
# machine restarted): the pack list says it has stalled, and it is marked failed
# (reports.services.board_pack_requests_reap). Keep it well above the longest step of a render.
PACK_STALLED_AFTER = env_int("PACK_STALLED_AFTER", 600)
# The queue is bounded: one pending pack per plan and quarter, and at most this many pending
# requests per person. A preview shows only the first PACK_PREVIEW_ACTIONS rows of each list.
PACK_PENDING_PER_PERSON = env_int("PACK_PENDING_PER_PERSON", 3)
PACK_PREVIEW_ACTIONS = env_int("PACK_PREVIEW_ACTIONS", 50)

# Reporting rounds (docs/rounds.md): the default deadline for returns is this many working days
# (England and Wales) after the quarter ends, and sign-off this many after the deadline.
ROUND_DEADLINE_WORKING_DAYS = env_int("ROUND_DEADLINE_WORKING_DAYS", 10)
ROUND_SIGN_OFF_WORKING_DAYS = env_int("ROUND_SIGN_OFF_WORKING_DAYS", 10)
# Its e-mails: a reminder this many days before the deadline, a chaser the day after it and a
# second chaser (chairs copied) this many days after the deadline. An e-mail claimed by a sender
# that has not marked it sent after ROUND_EMAIL_CLAIM_SECONDS is taken to have crashed: retried.
ROUND_REMINDER_DAYS_BEFORE = env_int("ROUND_REMINDER_DAYS_BEFORE", 3)
ROUND_SECOND_CHASER_DAYS_AFTER = env_int("ROUND_SECOND_CHASER_DAYS_AFTER", 7)
ROUND_EMAIL_CLAIM_SECONDS = env_int("ROUND_EMAIL_CLAIM_SECONDS", 600)
# Importing a plan (docs/importing.md): the largest file, rows and columns accepted, all checked
# before the file is parsed; a zipped file (XLSX, DOCX) may hold at most IMPORT_MAX_ZIP_ENTRIES
# parts unzipping to at most IMPORT_MAX_UNZIPPED_BYTES and IMPORT_MAX_ZIP_RATIO times its size
# (else a zip bomb). An upload not confirmed is kept IMPORT_PENDING_HOURS, then deleted.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10_000_000)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 5000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 50)
IMPORT_MAX_ZIP_ENTRIES = env_int("IMPORT_MAX_ZIP_ENTRIES", 1000)
IMPORT_MAX_UNZIPPED_BYTES = env_int("IMPORT_MAX_UNZIPPED_BYTES", 200_000_000)
IMPORT_MAX_ZIP_RATIO = env_int("IMPORT_MAX_ZIP_RATIO", 100)
IMPORT_PENDING_HOURS = env_int("IMPORT_PENDING_HOURS", 24)
# The address e-mails link to (no trailing slash needed).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# How long an invitation link to set a password works (docs/people.md).
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preload by default; a deployment that cannot commit every subdomain to HTTPS opts out
    # explicitly, and then the deploy check's preload warning is a deliberate choice.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# No inline script and no remote origin: every script, style, font and image is our own.
# Style attributes are allowed (style-src-attr) for bar-chart widths; <style> elements are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Security events (sign-ins, lockouts, refusals, password changes) go to their own logger,
# timestamped in UTC; never with a password or a session id (accounts/security_log.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "utc": {
            "()": "accounts.logformat.UTCFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "utc"}},
    "loggers": {
        "actionplan.security": {"handlers": ["console"], "level": "INFO", "propagate": True},
    },
}
