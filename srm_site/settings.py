"""Settings for SRM Trainer: one module, driven by the environment (see README.md)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # Refuse to run in production with a guessable key rather than silently using one.
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value, or set DJANGO_DEBUG=1 "
            "for local development (`make run` does this for you)."
        )
    SECRET_KEY = "django-insecure-local-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
if not DEBUG and "*" in ALLOWED_HOSTS:
    # Any Host header would be trusted: poisoned links in password e-mails, cache poisoning.
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS contains '*', which accepts any Host header. List the site's host names."
    )
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Third party
    "django_htmx",
    # Ours
    "learners",
    "lessons",
    "quizzes",
    "reports",
    "classroom",
]

MIDDLEWARE = [
    # First, so it stores pages exactly as sent; srm_site/wsgi.py serves them again (srm_site/pagecache.py).
    "srm_site.pagecache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise (static files arrive precompressed); BREACH: see docs/decisions.md.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "learners.middleware.LearnerSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "srm_site.middleware.RequestSizeLimitMiddleware",
    # Last: pages whose only per-learner part is the nav, for visitors with a session (srm_site/pagecache.py).
    "srm_site.pagecache.LearnerPageMiddleware",
    # The quiz responses quizzes/fast.py serves before Django next time (answered cards, results).
    "quizzes.fast.StoreMiddleware",
]

ROOT_URLCONF = "srm_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lessons.caching.content_version",
                "quizzes.review.header_due_count",
                # Django's csrf_token, recording the tokens a page holds for the page cache.
                "srm_site.pagecache.csrf_token",
            ],
        },
    },
]

WSGI_APPLICATION = "srm_site.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A classroom writes at once. IMMEDIATE takes the write lock when a transaction begins, so two
    # read-then-write transactions queue (for up to `timeout` seconds) instead of one failing with
    # "database is locked"; WAL lets pages keep reading while someone writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Room for every cached page fragment of the pack (lessons/caching.py); the default 300 would churn.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 3000},
        }
    }
# Whole pages (srm_site/pagecache.py), never in the default cache's Redis: a flood of page variants would
# fill its memory or evict live-class state and throttles (another database number on the same server shares
# that memory). PAGE_CACHE_URL names a Redis of its own for the pages (give it a maxmemory and allkeys-lru);
# without it each process keeps at most MAX_ENTRIES pages in its own memory (about 50 MB at the largest
# page's 165 KB; a hit checks the content version, so processes never disagree about content).
PAGE_CACHE_URL = os.environ.get("PAGE_CACHE_URL", "")
if PAGE_CACHE_URL:
    CACHES["pages"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": PAGE_CACHE_URL,
        "KEY_PREFIX": "pages",
    }
else:
    CACHES["pages"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": 300},
    }
if DEBUG:
    CACHES["pages"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    # `{% cache %}` uses this alias when it exists: edited templates show at once in development.
    CACHES["template_fragments"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}

# Sessions live in the database so any app process can serve any request. A session (and the
# anonymous learner's work in it) is kept this long after its last use: learners.middleware renews it.
SESSION_ENGINE = "srm_site.sessions"  # the database backend, read without the ORM
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_DAYS", "30")) * 24 * 60 * 60

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "learners:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Rate limits (learners/throttle.py): log-in attempts per client address + username, and per
# username from any address, within the window; accounts created per client address per hour.
LOGIN_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_USERNAME_LIMIT = int(os.environ.get("DJANGO_LOGIN_USERNAME_LIMIT", "50"))
LOGIN_FAILURE_WINDOW = 15 * 60
SIGNUP_LIMIT = int(os.environ.get("DJANGO_SIGNUP_LIMIT", "5"))
SIGNUP_WINDOW = 60 * 60
# Password-reset mails asked for per client address, and per e-mail address from anywhere, per hour.
PASSWORD_RESET_ADDRESS_LIMIT = int(os.environ.get("DJANGO_PASSWORD_RESET_ADDRESS_LIMIT", "10"))
PASSWORD_RESET_EMAIL_LIMIT = int(os.environ.get("DJANGO_PASSWORD_RESET_EMAIL_LIMIT", "3"))
PASSWORD_RESET_WINDOW = 60 * 60
# Behind a reverse proxy every client arrives from the proxy's address. Only when the proxy sets this
# header (and strips or appends to a client's own) is the client's address read from it.
_client_ip_header = os.environ.get("DJANGO_CLIENT_IP_HEADER", "").strip()
CLIENT_IP_HEADER = f"HTTP_{_client_ip_header.upper().replace('-', '_')}" if _client_ip_header else ""
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "1"))

# Live classes and their nicknames are deleted this many days after creation (`manage.py purge_classes`).
CLASSROOM_RETENTION_DAYS = int(os.environ.get("DJANGO_CLASSROOM_RETENTION_DAYS", "30"))

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "srm_site.storage.StaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Mail (password reset) goes through Django 6.1's MAILERS: printed to the console in development unless an
# SMTP host is given; SMTP from the environment in production (localhost:25 when nothing is set).
SMTP_HOST = os.environ.get("DJANGO_SMTP_HOST", "")
if DEBUG and not SMTP_HOST:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": SMTP_HOST or "localhost",
                "port": int(os.environ.get("DJANGO_SMTP_PORT", "0")) or None,
                "username": os.environ.get("DJANGO_SMTP_USER", ""),
                "password": os.environ.get("DJANGO_SMTP_PASSWORD", ""),
                "use_tls": env_bool("DJANGO_SMTP_STARTTLS"),
                "use_ssl": env_bool("DJANGO_SMTP_SSL"),
                "timeout": 10,
            },
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_FROM_EMAIL", "SRM Trainer <noreply@localhost>")

# Security headers. The policy allows only our own origin: no inline script or style anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# HTTPS-only behaviour hangs off DJANGO_HTTPS, never off DEBUG: tests run with DEBUG off over HTTP.
if env_bool("DJANGO_HTTPS"):
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is hard to undo (browsers ship the list), so the operator opts in.
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD")
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
