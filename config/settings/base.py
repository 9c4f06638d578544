"""Settings shared by every environment.

Configuration comes only from environment variables (see the README table);
each environment module (dev, test, production) adjusts what differs.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = env("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Project apps first, so their templates override third-party ones.
    "core",
    "accounts",
    "marketplace",
    "webhooks",
    "store_credit",
    "screening",
    "policy_pages",
    "helpcenter",
    "return_portal",
    "insights",
    # Wagtail and wagtail-localize.
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "ninja",  # serves the API docs' Swagger UI from its static files, not a CDN
    # Accounts.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Front end.
    "django_htmx",
    "template_partials",
    # Django.
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before any view: a NUL or control character in the path or query is a 400.
    "core.middleware.ControlCharactersMiddleware",
    "accounts.middleware.StaffMFARequiredMiddleware",
    # A guest session (magic link) opens only its orders, never the account.
    "accounts.guest_access.GuestSessionMiddleware",
    "return_portal.guest.GuestScopeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.HtmxSignInRedirectMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "core.context_processors.site_chrome",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Its flush lifts the policy versions' DELETE triggers (config/db_backends).
    DATABASES["default"]["ENGINE"] = "config.db_backends.sqlite3"
    # Tests in memory, as with Django's own engine name: pytest-django only
    # recognises that name, and would otherwise derive a file name per worker.
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", ":memory:")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Short queries only: JIT compiling cost the queue's deadline filters 600 ms
    # for 200 ms of work on 100,000 returns (bench/README.md, the queue).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "returnshub"),
        }
    }
else:
    # A file cache is shared by every process of one machine, so rate limits
    # hold across runserver reloads and several gunicorn workers alike.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BASE_DIR / "var" / "cache"),
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    # Guest magic links (accounts/guest_access.py); only its views read a token.
    "sesame.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# --- django-allauth ---------------------------------------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Signing up with a guest's email takes the guest row over (accounts/guest_access.py).
# allauth's defaults, spelled out so the limits are visible and reviewable.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    "confirm_email": "1/180s/key",
    # Our own account actions (accounts/privacy_views.py).
    "export_data": "5/h/user",
    "delete_account": "5/h/user",
}
# Guest magic links (django-sesame): an hour, once (any sign-in revokes the
# guest's earlier links), each scoped to one order.
SESAME_MAX_AGE = 60 * 60
SESAME_ONE_TIME = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", "Returns Hub")
# Staff must enrol a TOTP authenticator before any Wagtail admin page works.
STAFF_MFA_REQUIRED = env_bool("STAFF_MFA_REQUIRED", True)

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("de", _("German"))]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = True
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# English dates day-month-year, as the Babel locale of core/formatting.py (en_IE).
FORMAT_MODULE_PATH = ["core.formats"]

# --- Static and media files -------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_MIMETYPES = {".webmanifest": "application/manifest+json"}  # not in its own table
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Buyer uploads (return photos, attachments) never sit under MEDIA_ROOT: they
# are served only through views that check ownership.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Email ------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Returns Hub <returns@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Staff's address for buyers' answers to support requests and returns nobody is
# assigned (an assigned one goes to its assignee).
SUPPORT_INBOX_EMAIL = env("SUPPORT_INBOX_EMAIL", "returns@example.com")
# Replies by email (core.inbound_email): each thread's emails carry
# Reply-To: reply+<thread token>@INBOUND_EMAIL_DOMAIN, and Mailgun forwards what
# arrives there to /inbound/mailgun/, signed with its webhook signing key. Either
# unset: no Reply-To, and the webhook refuses every post.
INBOUND_EMAIL_DOMAIN = env("INBOUND_EMAIL_DOMAIN", "")
INBOUND_EMAIL_LOCAL_PART = env("INBOUND_EMAIL_LOCAL_PART", "reply")
ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": env("MAILGUN_WEBHOOK_SIGNING_KEY", "")}

# --- Wagtail ----------------------------------------------------------------
WAGTAIL_SITE_NAME = "Returns Hub"
# No Gravatar: the admin shows its default avatar, with no request to a third party.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# The one public base URL: buyer email links, and Wagtail's default site (seeded to
# answer as it), hence canonical, hreflang, the sitemap and JSON-LD. `make run` sets
# it from HOST and PORT. The admin's own base URL defaults to it.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", SITE_URL)
# Staff sign in through allauth so that its MFA stage cannot be bypassed.
WAGTAILADMIN_LOGIN_URL = "/admin/login/"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "helpcenter.search_backend"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "pdf", "txt"]
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAILLOCALIZE_SYNC_LIVE_STATUS_ON_TRANSLATE = False

# The demo storefront (/demo-store/) shows how a marketplace links its policies.
DEMO_STORE_ENABLED = env_bool("DEMO_STORE_ENABLED", False)

# Storefront origins allowed to embed policies and call the policy API (CORS).
STOREFRONT_ORIGINS = env_list("STOREFRONT_ORIGINS")

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Every queue a task is sent to: a worker started without -Q consumes them all (a
# busy deployment may run one worker per queue, `celery worker -Q webhooks`).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery"), Queue("webhooks"))
from .schedule import CELERY_BEAT_SCHEDULE  # noqa: E402, F401  (beat's tasks, by app)

# Refunds are paid through this gateway (return_portal.refunds.payout).
RETURNS_PAYMENT_GATEWAY = env(
    "RETURNS_PAYMENT_GATEWAY", "return_portal.refunds.payout.LocalLedgerGateway"
)
# Charges and authorisations of exchanges (return_portal.exchanges.gateway): the
# price difference of a dearer replacement, an instant exchange's hold.
RETURNS_CHARGE_GATEWAY = env(
    "RETURNS_CHARGE_GATEWAY", "return_portal.exchanges.gateway.LocalChargeGateway"
)
# What return_portal.refunds.simulated.SimulatedGateway does by default (demos):
# "succeed", "fail", "timeout", or "fail:N" / "timeout:N" for the first N calls.
RETURNS_SIMULATED_GATEWAY = env("RETURNS_SIMULATED_GATEWAY", "succeed")
# Return labels and tracking numbers come from this carrier (return_portal.carriers).
RETURNS_CARRIER = env("RETURNS_CARRIER", "return_portal.carriers.LocalCarrier")
# Each carrier's Standard Webhooks secret (whsec_…) for its tracking scans; none: refused.
RETURNS_CARRIER_WEBHOOK_SECRETS = {"local": env("RETURNS_CARRIER_LOCAL_WEBHOOK_SECRET", "")}
# Outbound webhooks (webhooks/): each attempt's timeout, and whether endpoints may be
# on this machine or its private network (off: seller staff type the URLs in).
WEBHOOK_TIMEOUT = float(env("WEBHOOK_TIMEOUT", "5"))
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False)
RETURN_PHOTO_MAX_BYTES = 10 * 1024 * 1024
RETURN_PHOTO_MAX_FILES = 5
# Photos of a draft never confirmed are deleted after this many days (tasks.sweep_returns).
RETURN_DRAFT_PHOTO_DAYS = 2
# Product images of order lines (marketplace/product_images.py): each download is
# bounded in time; addresses on this machine or its private network are refused
# (intake's URLs come from outside) unless allowed, as in development and tests.
PRODUCT_IMAGE_TIMEOUT = float(env("PRODUCT_IMAGE_TIMEOUT", "5"))
PRODUCT_IMAGES_ALLOW_PRIVATE_ADDRESSES = env_bool("PRODUCT_IMAGES_ALLOW_PRIVATE_ADDRESSES", False)

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # One line per background task is noise at INFO.
    "loggers": {"django_tasks": {"level": "WARNING"}},
}
