import os
import subprocess
import sys

from django.conf import settings

STRONG_KEY = "x" * 64


def _load_production_settings(**env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"}
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="config.settings.production")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key_in_one_line():
    result = _load_production_settings(
        DATABASE_URL="postgres://db/returns", REDIS_URL="redis://cache:6379/0"
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Production settings refuse to start; missing: "
        "SECRET_KEY (a random string of 50+ characters)"
    ]


def test_production_refuses_a_development_secret_key():
    result = _load_production_settings(
        SECRET_KEY="dev-only-insecure-key-do-not-use-in-production-please-0123456789",
        DATABASE_URL="postgres://db/returns",
        REDIS_URL="redis://cache:6379/0",
    )

    assert result.returncode == 1
    assert "SECRET_KEY" in result.stderr


def test_production_names_every_missing_variable():
    result = _load_production_settings()

    assert "SECRET_KEY" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "REDIS_URL" in result.stderr


def test_production_starts_with_its_environment():
    result = _load_production_settings(
        SECRET_KEY=STRONG_KEY, DATABASE_URL="postgres://db/returns", REDIS_URL="redis://c:6379/0"
    )

    assert result.returncode == 0, result.stderr
