"""Cagette settings, read from environment variables (see .env.example and the README)."""

import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from kernel.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CAGETTE_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key and not DEBUG and ("change-me" in key or len(key) < 40):
        raise RuntimeError(
            "SECRET_KEY is the example's placeholder or shorter than 40 characters: "
            "set a long random key (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    if key:
        return key
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    # Development only: one random key per checkout, kept under var/ so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL").rstrip("/")
# Without SITE_URL, e-mails written during a request link to the address it came on (kernel.site).
SITE_URL_FROM_REQUEST = not SITE_URL
SITE_URL = SITE_URL or "http://127.0.0.1:8000"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "import_export",
    "leaflet",
    # Ours, in dependency order (design §3): an app imports only from apps above it;
    # "cagette" is the project's wiring (settings, URLs, Celery, seed_demo) and may import them all.
    "kernel",
    "groups",
    "members",
    "catalogs",
    "distributions",
    "payments",
    "orders",
    "shop",
    "day",
    "messaging",
    "reports",
    "cagette",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages travel compressed (design §9, issue 18: a 1,000-product shop is 543 KiB of HTML and
    # about 40 KiB gzipped). Django pads the compressed body against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "kernel.site.SiteURLMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "members.tenancy.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kernel.security.ControlCharactersMiddleware",
    "kernel.security.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "members.tenancy.GroupMiddleware",
]

ROOT_URLCONF = "cagette.urls"
WSGI_APPLICATION = "cagette.wsgi.application"

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
                "kernel.context_processors.site",
            ],
        },
    },
]

# Database: PostgreSQL through DATABASE_URL; otherwise an embedded SQLite file under var/ (demo).
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "cagette.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
# SQLite (the demo): a transaction takes the write lock when it begins, so two requests writing
# at once (a Stripe webhook and the member's return page) wait for each other instead of
# failing with "database is locked".
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: e-mail login, mandatory verification, login by code, rate limits.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupExtraForm"
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Cagette] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
# Keyed on the account ("key") and on the client address; see ALLAUTH_TRUSTED_PROXY_COUNT.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "request_login_code": "20/m/ip,3/m/key",
}
# Behind a reverse proxy, the real client address is taken from X-Forwarded-For, trusting only
# the given number of proxies (user-requests item 11: a guard that only saw the load balancer).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Internationalisation: French first, English complete.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Paris"
DEFAULT_CURRENCY = "EUR"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Files only the app hands out, after checking rights (summary PDFs: members' names, phones and
# amounts): outside MEDIA_ROOT, never served by URL (kernel.storage).
PRIVATE_ROOT = Path(env_str("PRIVATE_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_ROOT, "base_url": "/no-public-url/"},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# E-mail: SMTP when EMAIL_HOST is set, the console otherwise. Mail leaves from the platform's
# address; group mail gets Reply-To the group contact (decision 11).
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "outbox"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Cagette <noreply@cagette.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis when CELERY_BROKER_URL is set; otherwise tasks run eagerly in the request.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The queue tasks go to and workers read by default (one Redis may serve several deployments).
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
# Summary PDFs of many members are built in parts of this many members, one task each, so that
# every worker process lends a hand (day.pdf).
SUMMARY_PDF_PART_SIZE = env_int("SUMMARY_PDF_PART_SIZE", 100)
# The "orders close soon" mail goes this many hours before a distribution's orders close.
ORDERS_CLOSING_NOTICE_HOURS = env_int("ORDERS_CLOSING_NOTICE_HOURS", 24)
CELERY_BEAT_SCHEDULE = {
    "outbox-purge": {
        "task": "kernel.tasks.outbox_purge",
        "schedule": crontab(hour=4, minute=20),
    },
    "outbox-retry": {
        "task": "kernel.tasks.outbox_retry_due",
        "schedule": crontab(minute="*"),
    },
    "stripe-reconcile": {
        "task": "payments.tasks.stripe_reconcile",
        "schedule": crontab(minute=35),
    },
    "submission-tokens-purge": {
        "task": "kernel.tasks.submission_tokens_purge",
        "schedule": crontab(hour=4, minute=10),
    },
    "purge-deleted-groups": {
        "task": "groups.tasks.groups_purge_deleted",
        "schedule": crontab(hour=3, minute=17),
    },
    "duty-reminders": {
        "task": "messaging.tasks.duty_reminders_send",
        "schedule": crontab(minute=5),
    },
    "vacant-roles-alerts": {
        "task": "messaging.tasks.vacant_roles_alerts_send",
        "schedule": crontab(minute=10),
    },
    "time-slots-assign": {
        "task": "distributions.tasks.slots_resolve_due",
        "schedule": crontab(minute="*/15"),
    },
    "sync-catalog-links": {
        "task": "catalogs.tasks.catalog_links_sync_pending",
        "schedule": crontab(minute="*/10"),
    },
    "producer-order-forms": {
        "task": "messaging.tasks.producer_forms_send_due",
        "schedule": crontab(minute=20),
    },
    "distribution-reminders-24h": {
        "task": "messaging.tasks.distribution_reminders_24h_send",
        "schedule": crontab(minute=2),
    },
    "distribution-reminders-4h": {
        "task": "messaging.tasks.distribution_reminders_4h_send",
        "schedule": crontab(minute=3),
    },
    "orders-open": {
        "task": "messaging.tasks.orders_open_send",
        "schedule": crontab(minute=1),
    },
    "orders-closing": {
        "task": "messaging.tasks.orders_closing_send",
        "schedule": crontab(minute=4),
    },
    "wholesale-adjust": {
        "task": "messaging.tasks.wholesale_adjust_send",
        "schedule": crontab(minute=6),
    },
    "messages-resume": {
        "task": "messaging.tasks.messages_resume",
        "schedule": crontab(minute="*/10"),
    },
    "validation-due": {
        "task": "messaging.tasks.validation_due_send",
        "schedule": crontab(minute=7),
    },
    "validation-reminders": {
        "task": "messaging.tasks.validation_reminders_send",
        "schedule": crontab(minute=25),
    },
    "membership-reminders": {
        "task": "messaging.tasks.membership_reminders_send",
        "schedule": crontab(hour=9, minute=30),
    },
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("REDIS_URL")}
        if env_str("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# The login limits (allauth) count in the cache: a per-process cache lets each worker process
# count on its own, so production needs a shared one unless it serves from a single process.
if not DEBUG and not env_str("REDIS_URL") and not env_bool("SINGLE_PROCESS", False):
    raise RuntimeError(
        "REDIS_URL must be set when DEBUG is off: without a shared cache the login rate limits "
        "are counted per process (set SINGLE_PROCESS=1 only for a one-process server)."
    )

# Online payment is switched on by the presence of Stripe keys.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE")  # tests point the official library at a local fake
# Stripe's hosted pages (payment, onboarding): a form may send the browser there (CSP
# form-action). With STRIPE_API_BASE (the fake Stripe), its own pages instead.
STRIPE_PAGE_HOSTS = (
    [STRIPE_API_BASE.rstrip("/")]
    if STRIPE_API_BASE
    else ["https://checkout.stripe.com", "https://connect.stripe.com"]
)
# Cancelling a distribution: up to this many card-paid orders are refunded in the request,
# more in the worker. A refund Stripe refused is tried again by the hourly reconciliation,
# after 1, 2, 4… hours, at most STRIPE_REFUND_MAX_ATTEMPTS times in all.
STRIPE_INLINE_REFUNDS_MAX = env_int("STRIPE_INLINE_REFUNDS_MAX", 20)
STRIPE_REFUND_MAX_ATTEMPTS = env_int("STRIPE_REFUND_MAX_ATTEMPTS", 5)

GROUP_PURGE_AFTER_DAYS = 30

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (46.6, 2.4),
    "DEFAULT_ZOOM": 5,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 18,
    "RESET_VIEW": False,
    # Tiles come from OpenStreetMap in the browser; the map degrades to the form when offline.
    "TILES": [
        (
            "OpenStreetMap",
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            {"attribution": "© OpenStreetMap"},
        )
    ],
}

# Security: production defaults, relaxed only in DEBUG.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Hosts pages may load images from, beside this site (kernel.security): the map tiles.
CSP_IMG_HOSTS = ["https://tile.openstreetmap.org"]
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
}
