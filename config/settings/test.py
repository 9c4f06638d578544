"""Tests: fast hashing, in-memory mail and cache, eager Celery.

DATABASE_URL and REDIS_URL, when set, point the suite at real PostgreSQL and
Redis (CI does this); without them it runs on SQLite.
"""

import atexit
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import REDIS_URL, env

# Images and uploads of a test run go to a folder of their own, removed at exit.
_TEST_FILES = Path(tempfile.mkdtemp(prefix="returnshub-tests-"))
atexit.register(shutil.rmtree, _TEST_FILES, ignore_errors=True)
MEDIA_ROOT = _TEST_FILES / "media"
PRIVATE_MEDIA_ROOT = _TEST_FILES / "private"
STORAGES["private"]["OPTIONS"]["location"] = str(PRIVATE_MEDIA_ROOT)  # noqa: F405

SECRET_KEY = "test-only-insecure-key"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ACCOUNT_EMAIL_VERIFICATION = "optional"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "memory://")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
DEMO_STORE_ENABLED = True
SITE_URL = "http://testserver"
WAGTAILADMIN_BASE_URL = "http://testserver"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# The webhook tests' receiver runs on 127.0.0.1 (tests/webhooks/receiver.py).
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
# The product image tests serve their images from 127.0.0.1.
PRODUCT_IMAGES_ALLOW_PRIVATE_ADDRESSES = True

# The demo's year of history (insights.history), shortened: seed_demo runs in tests.
DEMO_HISTORY_DAYS = 20
