"""Local development: SQLite, eager Celery, emails on the console."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "optional")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
# The demo store shows storefront integration; it is off in production.
DEMO_STORE_ENABLED = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The local carrier's tracking webhooks are signed with this secret in development
# only (README, "Labels and tracking"); production has none unless it is set.
RETURNS_CARRIER_WEBHOOK_SECRETS = {
    "local": env(
        "RETURNS_CARRIER_LOCAL_WEBHOOK_SECRET", "whsec_cmV0dXJucy1odWItbG9jYWwtY2Fycmllci1kZXYtMDE="
    )
}
# Webhook receivers on this machine (a local test receiver) are allowed here.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", True)
PRODUCT_IMAGES_ALLOW_PRIVATE_ADDRESSES = env_bool("PRODUCT_IMAGES_ALLOW_PRIVATE_ADDRESSES", True)
