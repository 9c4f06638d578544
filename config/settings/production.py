"""Production: PostgreSQL, Redis, real mail, HTTPS only.

Every value comes from the environment; see the README's configuration table.
"""

from .base import *  # noqa: F403
from .base import REDIS_URL, SECRET_KEY, env, env_bool

_INSECURE_PREFIXES = ("dev-only", "test-only", "django-insecure", "change-me")


def _missing_configuration() -> list[str]:
    missing = []
    if not SECRET_KEY or len(SECRET_KEY) < 50 or SECRET_KEY.startswith(_INSECURE_PREFIXES):
        missing.append("SECRET_KEY (a random string of 50+ characters)")
    if not env("DATABASE_URL"):
        missing.append("DATABASE_URL (postgres://...)")
    if not REDIS_URL:
        missing.append("REDIS_URL (redis://...)")
    return missing


if _missing := _missing_configuration():
    # One line, no traceback: the operator sees at once what to set.
    raise SystemExit("Production settings refuse to start; missing: " + "; ".join(_missing))

DEBUG = False
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
DEMO_STORE_ENABLED = env_bool("DEMO_STORE_ENABLED", False)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING["root"]["level"] = env("LOG_LEVEL", "WARNING")  # noqa: F405
