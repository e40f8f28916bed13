"""Single environment-driven settings module.

Every variable is documented in ``.env.example``. Without ``DATABASE_URL`` Maillage runs on SQLite.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        file_path = os.environ.get(f"{name}_FILE")
        if file_path:
            return Path(file_path).read_text(encoding="utf-8").strip()
        if default is None:
            raise ImproperlyConfigured(f"La variable d'environnement {name} est obligatoire.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} doit valoir true ou false, pas {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return default if value is None else int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} doit être un nombre entier, pas {value!r}.") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


# Where the SQLite database, media files and backups live by default: the checkout, or the current
# folder when Maillage is installed with `pip install .` (site-packages is no place for data).
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR if (BASE_DIR / "manage.py").exists() else Path.cwd())))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str(
    "SECRET_KEY", "insecure-dev-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz" if DEBUG else None
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "maillage.core",
    "maillage.accounts",
    "maillage.territories",
    "maillage.places",
    "maillage.roadmaps",
    "maillage.activities",
    "maillage.pathways",
    "django_tasks",
    "django_tasks_db",
    "maillage.equipment",
    "maillage.observatory",
    "maillage.funding",
    "maillage.training",
    "maillage.events",
]

MIDDLEWARE = [
    "maillage.core.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "maillage.core.middleware.PublicGZipMiddleware",
    "maillage.core.middleware.SecurityHeadersMiddleware",
    "maillage.core.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "maillage.core.middleware.RevokedMemberMiddleware",
    "maillage.core.middleware.AtomicWritesMiddleware",  # last: it calls write views itself on SQLite
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "maillage" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "maillage.core.context_processors.site",
            ],
            "string_if_invalid": os.environ.get("TEMPLATE_STRING_IF_INVALID", ""),
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default holds a team (docs/operations.md): WAL lets readers work while one writer
    # writes; write transactions take the lock up front (BEGIN IMMEDIATE) and wait for it up to the
    # busy timeout instead of failing at once with « database is locked ». Safe requests (GET, HEAD)
    # run outside a request-wide transaction (maillage.core.middleware.AtomicWritesMiddleware), so
    # readers never queue behind the lock; their few writes (audit rows) are single statements.
    DATABASES["default"]["ATOMIC_REQUESTS"] = False
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT_S", 30),
            "init_command": (
                # WAL itself is switched on once per file (maillage.core.sqlite.ensure_wal), not here.
                "PRAGMA synchronous=NORMAL; "
                "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-20000; PRAGMA mmap_size=134217728"
            ),
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Web requests never wait forever: batch commands raise these limits themselves.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={env_int('DB_STATEMENT_TIMEOUT_MS', 10000)} "
        f"-c lock_timeout={env_int('DB_LOCK_TIMEOUT_MS', 5000)}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 15}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français"))]
LOCALE_PATHS = [BASE_DIR / "maillage" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "maillage" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)

# Every e-mail goes through the job queue (maillage.core.mail), then through the delivery backend:
# EMAIL_BACKEND names the delivery (SMTP in production; the demo keeps them in its outbox page).
EMAIL_DELIVERY_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_BACKEND = (
    "maillage.core.mail.QueuedEmailBackend" if env_bool("EMAIL_QUEUE", True) else EMAIL_DELIVERY_BACKEND
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Maillage <ne-pas-repondre@maillage.invalid>")

# Security: production values by default, relaxed only by DEBUG for local work.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 3600
X_FRAME_OPTIONS = "DENY"

# Map tiles: a setting, so that an instance can use its own tile server or none at all.
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "© contributeurs OpenStreetMap")

# Shown on every page when the fictitious demo data is loaded (make demo sets it).
DEMO_MODE = env_bool("DEMO_MODE", False)

# Retention of personal data (days). Activities: 12 months after the last activity; pathways: 730 days.
BENEFICIARY_RETENTION_DAYS = env_int("BENEFICIARY_RETENTION_DAYS", 365)
REFERRAL_IDENTITY_RETENTION_DAYS = env_int("REFERRAL_IDENTITY_RETENTION_DAYS", 730)

# Imports: size limits, documented in the import pages.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 100_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024

# Logs: JSON lines in production (LOG_FORMAT=json), readable text in development; each record carries
# the request id and the user's numeric id (maillage.core.logs), never names, e-mails or paths.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "maillage.core.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "maillage.core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # one line per request from maillage.requests instead (route pattern, no path, no query string)
        "django.server": {"level": "WARNING"},
        "maillage.requests": {"level": env_str("REQUEST_LOG_LEVEL", "INFO" if not DEBUG else "WARNING")},
    },
}

# Accounts (issue 9): login throttling in a cache shared by every worker, trusted proxies, two-factor,
# ProConnect. The throttle cache is the database (table created by the accounts migrations) unless
# REDIS_URL is set. TRUSTED_PROXIES: addresses or networks of the reverse proxies whose
# X-Forwarded-For is believed (empty: REMOTE_ADDR is the client).
REDIS_URL = env_str("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "maillage_throttle_cache",
            # Never cull live counters (Django's default culls a third of the table past 300 entries).
            "OPTIONS": {"MAX_ENTRIES": 10_000_000},
        }
    ),
}
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
LOGIN_THROTTLE_WINDOW_SECONDS = env_int("LOGIN_THROTTLE_WINDOW_SECONDS", 15 * 60)
INVITATION_MAX_AGE_DAYS = env_int("INVITATION_MAX_AGE_DAYS", 7)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600)
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    "maillage.accounts.middleware.TwoFactorMiddleware",
)
# Two-factor authentication for superusers and roles that read beneficiaries' data: on in production,
# off for local development and the demo (said on the login page) unless TWO_FACTOR_REQUIRED=1.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", not DEBUG and not DEMO_MODE)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Maillage")
# Wrong codes are counted by the shared throttle (5 lock the step); django-otp's own per-device delay
# would answer « code incorrect » to a right code typed within a second of a wrong one.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# ProConnect (OpenID Connect, mozilla-django-oidc): off unless the three variables are set. Endpoints come
# from the issuer's discovery document (maillage/accounts/proconnect.py).
PROCONNECT_ISSUER = env_str("PROCONNECT_ISSUER", "")
PROCONNECT_CLIENT_ID = env_str("PROCONNECT_CLIENT_ID", "")
PROCONNECT_CLIENT_SECRET = env_str("PROCONNECT_CLIENT_SECRET", "")
PROCONNECT_ENABLED = bool(PROCONNECT_ISSUER and PROCONNECT_CLIENT_ID and PROCONNECT_CLIENT_SECRET)
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "maillage.accounts.proconnect.ProConnectBackend",
]
OIDC_RP_CLIENT_ID = PROCONNECT_CLIENT_ID
OIDC_RP_CLIENT_SECRET = PROCONNECT_CLIENT_SECRET
OIDC_RP_SIGN_ALGO = env_str("PROCONNECT_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("PROCONNECT_SCOPES", "openid email given_name usual_name siret")
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:proconnect_callback"
OIDC_CREATE_USER = True  # only with a pending invitation: ProConnectBackend.create_user
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # for the logout at ProConnect (id_token_hint)
OIDC_TIMEOUT = 10
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": "eidas1"}
LOGIN_REDIRECT_URL_FAILURE = "accounts:login"

# Background jobs (maillage.core.jobs): django-tasks' database queue, run by `maillage worker`.
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# A running job with no sign of life for this long is taken as interrupted by the next worker.
JOB_HEARTBEAT_TIMEOUT_S = env_int("JOB_HEARTBEAT_TIMEOUT_S", 3600)
# `maillage purge` (maillage.core.housekeeping): finished jobs, and the demo outbox's e-mails, kept this long.
JOB_RETENTION_DAYS = env_int("JOB_RETENTION_DAYS", 90)
EVENTS_RETENTION_DAYS = env_int("EVENTS_RETENTION_DAYS", 365)  # outsiders' registrations to sessions
DEMO_OUTBOX_RETENTION_DAYS = env_int("DEMO_OUTBOX_RETENTION_DAYS", 14)
# /sante/ (maillage.core.health): thresholds that make the probe answer 503.
HEALTH_MAX_QUEUE_LAG_S = env_int("HEALTH_MAX_QUEUE_LAG_S", 600)
HEALTH_MIN_FREE_DISK_MB = env_int("HEALTH_MIN_FREE_DISK_MB", 500)
# Backups (maillage backup / restore, docs/operations.md): where, and how many archives are kept.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(DATA_DIR / "backups")))
BACKUP_KEEP = env_int("BACKUP_KEEP", 14)

# Accessibility statement (/accessibilite/): the e-mail address where people report an accessibility
# problem (RGAA « retour d'information et contact »). Empty: the page lists the other contact means.
ACCESSIBILITY_CONTACT_EMAIL = env_str("ACCESSIBILITY_CONTACT_EMAIL", "")
# Observatory (docs/observatory.md): fragility thresholds and distances, all overridable per instance.
OBSERVATORY_IFN_MIN_SCORES = env_int("OBSERVATORY_IFN_MIN_SCORES", 3)
OBSERVATORY_LOW_EDUCATION_INCLUDES_BEPC = env_bool("OBSERVATORY_LOW_EDUCATION_INCLUDES_BEPC", True)
# Compas-like note: rate / reference below each threshold → 1, 2, 3 (≤), 4 (≤), else 5.
OBSERVATORY_COMPAS_THRESHOLDS = (0.80, 0.95, 1.05, 1.20)
# « Fragile » from this IFN; « éloignée » beyond this distance (km) to the nearest place.
OBSERVATORY_FRAGILE_IFN_MIN = float(env_str("OBSERVATORY_FRAGILE_IFN_MIN", "6.5"))
OBSERVATORY_FAR_KM = float(env_str("OBSERVATORY_FAR_KM", "10"))
# « Population à moins de N km d'un lieu »; distances beyond the maximum are unknown.
OBSERVATORY_NEAR_KM = float(env_str("OBSERVATORY_NEAR_KM", "10"))
OBSERVATORY_MAX_DISTANCE_KM = float(env_str("OBSERVATORY_MAX_DISTANCE_KM", "200"))
