"""Configuration classes; the environment is read once, here."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


class Config:
    """Settings shared by every environment; each one comes from an environment variable."""

    ENV_NAME = os.environ.get("ATELIERS_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'ateliers.db'}")
    SQL_ECHO = _env_bool("SQL_ECHO", False)

    # Public base URL used in e-mails (links are never built from the Host header alone).
    SERVER_NAME_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    TRUSTED_HOSTS = _env_list("TRUSTED_HOSTS", "127.0.0.1,localhost") or None

    # Sessions and cookies (SE-01).
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    PERMANENT_SESSION_LIFETIME = 12 * 3600

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024))
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # E-mail: an outbox table, then SMTP.  MAIL_BACKEND is "smtp" or "console".
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Ateliers <ne-pas-repondre@ateliers.local>")
    MAIL_SEND_ON_COMMIT = _env_bool("MAIL_SEND_ON_COMMIT", True)
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "8"))
    MAIL_RETRY_BASE_S = int(os.environ.get("MAIL_RETRY_BASE_S", "60"))
    MAIL_RETRY_MAX_S = int(os.environ.get("MAIL_RETRY_MAX_S", "21600"))
    # Send in the request itself instead of a background thread (tests and single-process demos).
    MAIL_SEND_SYNC = _env_bool("MAIL_SEND_SYNC", False)

    # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0 = none).
    PROXY_FIX_COUNT = int(os.environ.get("PROXY_FIX_COUNT", "0"))

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("fr", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    # Argon2id parameters (RFC 9106 second recommended option); raising them triggers rehash on login.
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "3"))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", "65536"))
    ARGON2_PARALLELISM = int(os.environ.get("ARGON2_PARALLELISM", "4"))

    # Who runs this installation (shown on the accessibility and personal-data pages).
    OPERATOR_NAME = os.environ.get("OPERATOR_NAME", "")
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "")
    PRIVACY_EMAIL = os.environ.get("PRIVACY_EMAIL", "")

    PASSWORD_RESET_TTL_S = 3600
    INVITATION_TTL_S = 14 * 24 * 3600
    NOTICE_VERSION = "2026-11"
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    TESTING = False
    DEBUG = False


class ProductionConfig(Config):
    """Production: secure cookies, SMTP; refuses the development secret key (SE-10)."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")


def config_from_environment() -> type[Config]:
    """Pick the configuration class named by ATELIERS_ENV."""
    if os.environ.get("ATELIERS_ENV", "development") == "production":
        return ProductionConfig
    return Config
