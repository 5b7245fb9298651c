"""The one settings module. Every knob is read from the environment, strictly.

A malformed value stops the process at start with a sentence naming the
variable (see chatplatform/env.py). Defaults are safe for one machine:
SQLite under ./var and Channels' in-memory layer.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import dj_database_url
import phonenumbers
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from chatplatform.env import (
    ConfigError,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_optional_float,
    env_str,
    generate_key,
    parse_keyring,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"  # noqa: S105 (refused when DEBUG is off)


def _fail(message: str) -> None:
    raise ImproperlyConfigured(message)


try:
    DEBUG = env_bool("DEBUG", False)
    SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
    _database_url = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
    REDIS_URL = env_str("REDIS_URL", "")
    # The channel layer on Redis: "pubsub" (default) or channels_redis' "core" lists.
    REDIS_CHANNEL_LAYER = env_choice("REDIS_CHANNEL_LAYER", "pubsub", ("pubsub", "core"))
    # Several Redis servers for the channel layer (sharded by group): default REDIS_URL.
    CHANNEL_LAYER_REDIS_URLS = env_list("CHANNEL_LAYER_REDIS_URLS", [])
    _encryption_keys = env_str("ENCRYPTION_KEYS", "")
    PSEUDONYM_KEY = env_str("PSEUDONYM_KEY", "")
    SERVE_STATIC = env_bool("SERVE_STATIC", True)
    SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
    LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
    MESSAGE_MAX_LENGTH = env_int("MESSAGE_MAX_LENGTH", 4000, minimum=1, maximum=20000)
    MESSAGE_RATE_BURST = env_int("MESSAGE_RATE_BURST", 8, minimum=1)
    MESSAGE_RATE_PER_MINUTE = env_int("MESSAGE_RATE_PER_MINUTE", 30, minimum=1)
    WS_FRAME_BURST = env_int("WS_FRAME_BURST", 30, minimum=1)
    WS_FRAMES_PER_SECOND = env_int("WS_FRAMES_PER_SECOND", 10, minimum=1)
    MENTOR_DEFAULT_MAX_CHATS = env_int("MENTOR_DEFAULT_MAX_CHATS", 3, minimum=1, maximum=50)
    MENTOR_ONLINE_SECONDS = env_int("MENTOR_ONLINE_SECONDS", 90, minimum=10)
    QUEUE_TICKET_IDLE_SECONDS = env_int("QUEUE_TICKET_IDLE_SECONDS", 180, minimum=30)
    DEFAULT_CRISIS_REGION = env_str("DEFAULT_CRISIS_REGION", "US")
    QUICK_EXIT_URL = env_str("QUICK_EXIT_URL", "https://www.bbc.co.uk/weather")
    SESSION_COOKIE_AGE = env_int("PARTICIPANT_SESSION_DAYS", 30, minimum=1) * 86400
    BENCHMARK_ENDPOINTS = env_bool("BENCHMARK_ENDPOINTS", False)
    # Group commit: at most this many waiting messages are stored in one transaction (1: off).
    SEND_BATCH_MAX = env_int("SEND_BATCH_MAX", 64, minimum=1, maximum=1000)
    # python -m chatplatform.serve: write to a connection's socket at once when nothing is
    # buffered, instead of on the event loop's next turn (chatplatform/eager_write.py).
    EAGER_SOCKET_WRITE = env_bool("EAGER_SOCKET_WRITE", False)
    # PostgreSQL only: connections per process in Django's psycopg pool (0: none; the
    # websocket thread keeps one connection, each HTTP request opens and closes its own).
    DATABASE_POOL_SIZE = env_int("DATABASE_POOL_SIZE", 0, minimum=0, maximum=200)
    # python -m chatplatform.serve: a client must send each whole request (line, headers,
    # body) within this many seconds of the connection opening or the previous response.
    REQUEST_RECEIVE_TIMEOUT_SECONDS = env_int(
        "REQUEST_RECEIVE_TIMEOUT_SECONDS", 10, minimum=1, maximum=300
    )
    # Privacy and access control (docs/privacy.md).
    STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30, minimum=5)
    MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", ["supervisor", "evaluator", "admin"])
    MESSAGE_RETENTION_DAYS = env_int("MESSAGE_RETENTION_DAYS", 30, minimum=1)
    ROOM_KEY_BUCKET_DAYS = env_int("ROOM_KEY_BUCKET_DAYS", 1, minimum=1, maximum=30)
    ESCALATION_HOLD_DAYS = env_int("ESCALATION_HOLD_DAYS", 30, minimum=0)
    NEW_IDENTITIES_PER_HOUR = env_int("NEW_IDENTITIES_PER_HOUR", 30, minimum=1)
    # Urgent help beyond NEW_IDENTITIES_PER_HOUR: identities one network may still create
    # per hour by pressing "I need urgent help now" (each opens a case supervisors see);
    # presses beyond it are counted in one console alert (docs/escalation.md).
    URGENT_HELP_IDENTITIES_PER_HOUR = env_int(
        "URGENT_HELP_IDENTITIES_PER_HOUR", 10, minimum=0, maximum=1000
    )
    # Cases a banned identity may open by pressing urgent help per day (folding into an
    # open case costs nothing); presses beyond it are counted in one console alert.
    URGENT_HELP_BANNED_CASES_PER_DAY = env_int(
        "URGENT_HELP_BANNED_CASES_PER_DAY", 2, minimum=1, maximum=24
    )
    WS_MAX_CONNECTIONS_PER_IDENTITY = env_int("WS_MAX_CONNECTIONS_PER_IDENTITY", 12, minimum=1)
    WS_IDENTITY_FRAMES_PER_MINUTE = env_int("WS_IDENTITY_FRAMES_PER_MINUTE", 600, minimum=10)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE_COOKIES)
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000 if SECURE_COOKIES else 0, minimum=0)
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
    _proxy_ssl_header = env_str("PROXY_SSL_HEADER", "")
    # Moderation: distinct participants' reports that hide a message pending review (0: never).
    REPORT_AUTO_HIDE_THRESHOLD = env_int("REPORT_AUTO_HIDE_THRESHOLD", 3, minimum=0)
    # Regions whose national phone formats the contact-details rule recognises
    # (international numbers starting with + are always recognised).
    MODERATION_PHONE_REGIONS = env_list("MODERATION_PHONE_REGIONS", ["US", "GB", "ES"])
    # Evaluation (issue 6): published counts below this are suppressed.
    EVALUATION_MIN_CELL = env_int("EVALUATION_MIN_CELL", 11, minimum=2)
    EVALUATION_FOLLOWUP_DAYS = env_int("EVALUATION_FOLLOWUP_DAYS", 14, minimum=1)
    EVALUATION_DP = env_bool("EVALUATION_DP", False)
    EVALUATION_DP_EPSILON = env_float("EVALUATION_DP_EPSILON", 1.0, minimum=0.01)
    EVALUATION_INSTRUMENT_DIRS = env_list("EVALUATION_INSTRUMENT_DIRS", [])
    EVALUATION_REPORT_CACHE_SECONDS = env_int("EVALUATION_REPORT_CACHE_SECONDS", 300, minimum=0)
    # Crisis escalation (escalation app). The detector factory is a dotted path so
    # tests and organisations can swap the detector without touching the pipeline.
    RISK_DETECTOR = env_str("RISK_DETECTOR", "escalation.risk.default_detector")
    # Model thresholds of the shipped detector; unset: the ones stored in the model file
    # (chosen on cross-validated dev scores, see docs/risk-detection.md).
    RISK_ALERT_THRESHOLD = env_optional_float("RISK_ALERT_THRESHOLD", minimum=0.0, maximum=1.0)
    RISK_IMMINENT_THRESHOLD = env_optional_float(
        "RISK_IMMINENT_THRESHOLD", minimum=0.0, maximum=1.0
    )
    # Conversation memory: derived signals of a sender's last messages in a room, in
    # process memory only (0 messages turns it off).
    RISK_MEMORY_MESSAGES = env_int("RISK_MEMORY_MESSAGES", 5, minimum=0, maximum=50)
    RISK_MEMORY_SECONDS = env_int("RISK_MEMORY_SECONDS", 900, minimum=1, maximum=86_400)
    RISK_MEMORY_CONVERSATIONS = env_int("RISK_MEMORY_CONVERSATIONS", 5_000, minimum=1)
    ESCALATION_T1_SECONDS = env_int("ESCALATION_T1_SECONDS", 60, minimum=1)
    ESCALATION_T2_SECONDS = env_int("ESCALATION_T2_SECONDS", 180, minimum=2)
    ESCALATION_POLICY_REPEATS = env_int("ESCALATION_POLICY_REPEATS", 3, minimum=0, maximum=50)
    # After the policy's cycles, every supervisor and admin is paged again this often,
    # for as long as the escalation stays open and unacknowledged.
    ESCALATION_REPEAT_SECONDS = env_int("ESCALATION_REPEAT_SECONDS", 300, minimum=5)
    ESCALATION_WORKER_POLL_SECONDS = env_float("ESCALATION_WORKER_POLL_SECONDS", 1.0, minimum=0.1)
    ESCALATION_CONSOLE_URL = env_str("ESCALATION_CONSOLE_URL", "http://127.0.0.1:8000/supervisor/")
    # Warn supervisors and admins when the next this-many hours have no primary on call (0: off).
    ONCALL_GAP_WARNING_HOURS = env_int("ONCALL_GAP_WARNING_HOURS", 24, minimum=0, maximum=336)
    # How long a one-time code for moving a safety plan to another device stays valid.
    SAFETY_PLAN_CODE_HOURS = env_int("SAFETY_PLAN_CODE_HOURS", 72, minimum=1, maximum=720)
    # The dead man's switch: escalations open and no supervisor console connected this long.
    ESCALATION_NO_CONSOLE_SECONDS = env_int("ESCALATION_NO_CONSOLE_SECONDS", 300, minimum=30)
    # The on-call team's pager: PagerDuty Events API v2 (https://events.pagerduty.com/v2/enqueue
    # with the service's integration key) or any URL taking the same JSON. Empty: off.
    PAGER_WEBHOOK_URL = env_str("PAGER_WEBHOOK_URL", "")
    PAGER_ROUTING_KEY = env_str("PAGER_ROUTING_KEY", "")
    PAGER_WEBHOOK_TIMEOUT_SECONDS = env_int(
        "PAGER_WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1, maximum=60
    )
    # Email for pages: SMTP when EMAIL_HOST is set, else printed to the console.
    EMAIL_HOST = env_str("EMAIL_HOST", "")
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
    DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "peer-support@localhost")
    # The peer mentor programme (chatplatform.mentoring, docs/mentors.md).
    MENTOR_CURRICULUM_DIR = env_str("MENTOR_CURRICULUM_DIR", "")
    MENTOR_REQUIRED_MODULES = env_list("MENTOR_REQUIRED_MODULES", [])
    MENTOR_SCENARIO_DIR = env_str("MENTOR_SCENARIO_DIR", "")
    MENTOR_PROGRAMME_ROLES = env_list("MENTOR_PROGRAMME_ROLES", ["mentor"])
    # Mentor wellbeing: a crisis chat (high or imminent escalation) weighs more in the
    # caseload, is followed by a cool-down and a debrief, and shifts have limits.
    MENTOR_CRISIS_CHAT_WEIGHT = env_int("MENTOR_CRISIS_CHAT_WEIGHT", 2, minimum=1, maximum=10)
    MENTOR_CRISIS_COOLDOWN_MINUTES = env_int("MENTOR_CRISIS_COOLDOWN_MINUTES", 15, minimum=0)
    MENTOR_SHIFT_MAX_MINUTES = env_int("MENTOR_SHIFT_MAX_MINUTES", 240, minimum=30)
    MENTOR_SHIFT_MAX_CRISIS_CHATS = env_int("MENTOR_SHIFT_MAX_CRISIS_CHATS", 3, minimum=0)
    MENTOR_DEBRIEF_DUE_HOURS = env_int("MENTOR_DEBRIEF_DUE_HOURS", 72, minimum=1)
    MENTOR_SUPERVISION_WEEKS = env_int("MENTOR_SUPERVISION_WEEKS", 4, minimum=1)
    # Fidelity: the checklist file (empty: the shipped one) and the share of rated chats
    # drawn at random for a supervisor's review.
    MENTOR_FIDELITY_FILE = env_str("MENTOR_FIDELITY_FILE", "")
    MENTOR_CHECKIN_FILE = env_str("MENTOR_CHECKIN_FILE", "")
    MENTOR_CHECKIN_DAYS = env_int("MENTOR_CHECKIN_DAYS", 14, minimum=1)
    # A new mentor's first N 1:1 chats are listed for a supervisor to observe (0: off).
    MENTOR_SHADOWED_CHATS = env_int("MENTOR_SHADOWED_CHATS", 0, minimum=0)
    MENTOR_FIDELITY_SAMPLE_PERCENT = env_int(
        "MENTOR_FIDELITY_SAMPLE_PERCENT", 10, minimum=0, maximum=100
    )
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from None

_unknown_regions = sorted(set(MODERATION_PHONE_REGIONS) - phonenumbers.SUPPORTED_REGIONS)
if _unknown_regions:
    _fail(f"MODERATION_PHONE_REGIONS: unknown region codes {', '.join(_unknown_regions)}")

if ESCALATION_T2_SECONDS <= ESCALATION_T1_SECONDS:
    _fail("ESCALATION_T2_SECONDS must be longer than ESCALATION_T1_SECONDS")
if PAGER_WEBHOOK_URL and not PAGER_WEBHOOK_URL.startswith(("https://", "http://")):
    _fail("PAGER_WEBHOOK_URL must be an http:// or https:// address (or empty for no pager)")
if "events.pagerduty.com" in PAGER_WEBHOOK_URL and not PAGER_ROUTING_KEY:
    _fail("PAGER_ROUTING_KEY must be set to the PagerDuty service's integration key")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    _fail("SECRET_KEY must be set to a long random value when DEBUG is off")
if not DEBUG and len(SECRET_KEY) < 32:
    _fail("SECRET_KEY must be at least 32 characters when DEBUG is off")


def _dev_key_file(name: str) -> str:
    """With DEBUG on and no key given, keep a generated key under ./var across restarts."""
    path = VAR_DIR / name
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    value = f"dev:{generate_key()}" if name.endswith("keys") else generate_key()
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


if not _encryption_keys:
    if not DEBUG:
        _fail("ENCRYPTION_KEYS must be set when DEBUG is off (id:base64key[,id:base64key...])")
    _encryption_keys = _dev_key_file("dev-encryption-keys")
try:
    ENCRYPTION_KEYRING = parse_keyring("ENCRYPTION_KEYS", _encryption_keys)
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from None

if not PSEUDONYM_KEY:
    if not DEBUG:
        _fail("PSEUDONYM_KEY must be set when DEBUG is off (a separate random secret)")
    PSEUDONYM_KEY = _dev_key_file("dev-pseudonym-key")
if PSEUDONYM_KEY == SECRET_KEY:
    _fail("PSEUDONYM_KEY must differ from SECRET_KEY")
_unknown_roles = set(MFA_REQUIRED_ROLES) - {"mentor", "supervisor", "evaluator", "admin"}
if _unknown_roles:
    _fail(f"MFA_REQUIRED_ROLES names unknown roles: {', '.join(sorted(_unknown_roles))}")
_unknown_roles = set(MENTOR_PROGRAMME_ROLES) - {"mentor", "supervisor", "admin"}
if _unknown_roles:
    _fail(f"MENTOR_PROGRAMME_ROLES names roles that take no chats: {sorted(_unknown_roles)}")
if MENTOR_CHECKIN_FILE and not Path(MENTOR_CHECKIN_FILE).is_file():
    _fail("MENTOR_CHECKIN_FILE must be a check-in file")
if MENTOR_FIDELITY_FILE and not Path(MENTOR_FIDELITY_FILE).is_file():
    _fail("MENTOR_FIDELITY_FILE must be a fidelity checklist file")
if MENTOR_SCENARIO_DIR and not Path(MENTOR_SCENARIO_DIR).is_dir():
    _fail("MENTOR_SCENARIO_DIR must be a directory of practice scenarios")
if MENTOR_CURRICULUM_DIR and not Path(MENTOR_CURRICULUM_DIR).is_dir():
    _fail("MENTOR_CURRICULUM_DIR must be a directory of training modules")
if not {"supervisor", "evaluator", "admin"} <= set(MFA_REQUIRED_ROLES):
    _fail("MFA_REQUIRED_ROLES must include supervisor, evaluator and admin")

try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
except ValueError as error:
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database URL this site supports: {error}"
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_POOL_SIZE:
    # A pool bounds a node's connections. Django hands a connection back to it
    # after each request and each websocket database call (the group-commit writer
    # keeps its own); measured, that made bursts of websocket handshakes several
    # times slower, so it is off by default (docs/deployment.md).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_SIZE,
        "timeout": 10,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE transactions take the write lock up front, so two writers queue
    # instead of failing with "database is locked" on lock upgrade.
    # WAL lets readers work while one writer commits; NORMAL sync is durable across
    # application crashes (the WAL is fsynced at checkpoints).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Reopening SQLite (and re-running the PRAGMAs) on every database call costs more
    # than the query; a local file has no server-side connection to go stale.
    DATABASES["default"]["CONN_MAX_AGE"] = None

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    # The project's apps come before allauth so that their templates (the styled
    # sign-in pages in frontend/templates/account and mfa) and their catalogues win.
    "chatplatform",
    "moderation",
    "escalation",
    "escalation.risk_marks",
    "evaluation",
    "chatplatform.mentoring",
    "frontend",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
]

MIDDLEWARE = [
    "chatplatform.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "chatplatform.middleware.StaffAccessMiddleware",
]

ROOT_URLCONF = "chatplatform.urls"
ASGI_APPLICATION = "chatplatform.asgi.application"
AUTH_USER_MODEL = "chatplatform.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Searched before the apps: the Django admin's base_site.html shows the admins'
        # warnings (escalation/admin_templates/admin/base_site.html extends Django's).
        "DIRS": [BASE_DIR / "escalation" / "admin_templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "frontend.context_processors.site",
                "escalation.context_processors.staff_alerts",
                "evaluation.context_processors.demo_data",
            ],
        },
    },
]

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": (
                "chatplatform.layers.RedisPubSubLayer"
                if REDIS_CHANNEL_LAYER == "pubsub"
                else "chatplatform.layers.RedisLayer"
            ),
            "CONFIG": {
                "hosts": CHANNEL_LAYER_REDIS_URLS or [REDIS_URL],
                # Frames in flight through Redis are encrypted, so a Redis dump
                # never holds a message body in the clear.
                "symmetric_encryption_keys": [
                    hashlib.sha256(("channel-layer:" + SECRET_KEY).encode()).hexdigest()
                ],
                # pubsub: events waiting per socket; core: per process, in Redis.
                "capacity": 500,
                "expiry": 30,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cache",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "chatplatform.layers.SingleNodeChannelLayer"}}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # Django's default (300 entries) is less than one entry per open socket: with
            # a thousand sockets it culled connection slots and rate-limit windows on
            # nearly every frame, forgetting limits and costing the time of the culls.
            # 50,000 small entries are a few MB.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Staff sign in with email; there is no public sign-up (see chatplatform.accounts).
ACCOUNT_ADAPTER = "chatplatform.accounts.StaffOnlyAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
# Sign-in attempts are limited per network (the address is replaced by a daily keyed
# hash, see StaffOnlyAccountAdapter). allauth's failed-login limit is off: its per-account
# count locked the account for everyone. Failures slow down the failing client instead,
# per account and client (chatplatform.accounts, chatplatform.throttle).
ACCOUNT_RATE_LIMITS = {
    "login_failed": None,
    "login": "30/m/ip",
    "reauthenticate": "10/m/user",
}
MFA_ADAPTER = "chatplatform.mfa.StaffMFAAdapter"
MFA_FORMS = {
    "authenticate": "chatplatform.mfa.StaffAuthenticateForm",
    "reauthenticate": "chatplatform.mfa.StaffReauthenticateForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Peer support chat"
# One step of clock drift either way, as RFC 6238 recommends.
MFA_TOTP_TOLERANCE = 1
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/staff/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Behind nginx terminating TLS: PROXY_SSL_HEADER=X-Forwarded-Proto (nginx must set it).
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# No inline scripts or styles anywhere: pages load external module scripts and
# pass data with data-* attributes or json_script blocks.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # allauth shows the TOTP QR code as a data: image.
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Error reports (the DEBUG page, mail to admins) never show values: see chatplatform.logs.
DEFAULT_EXCEPTION_REPORTER = "chatplatform.logs.PrivateExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "chatplatform.logs.PrivateExceptionReporterFilter"

LANGUAGE_CODE = "en"
# The switch names each language in itself (frontend/templates/frontend/_language_switch.html).
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
# Catalogues live in each app's locale/ directory (found through INSTALLED_APPS), so
# developers working on different apps rarely touch the same file. `make messages`
# extracts them; `make setup` compiles them.
LOCALE_PATHS: list[Path] = []
# The chosen language lives in a cookie that ends with the browser session: no
# account is needed, and a shared computer forgets it.
LANGUAGE_COOKIE_AGE = None
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The ordered message checks every new message passes before storage. Each is
# a dotted path to a function taking a chatplatform.pipeline.Draft and
# returning a chatplatform.pipeline.Verdict; the feature apps provide them.
MESSAGE_CHECKS: list[str] = [
    # Bans and removals again, per message (a lost close event must not let them post),
    # then mute, lock, rules and slow mode: moderation.checks.still_allowed and room_state
    # in one database round trip.
    "moderation.checks.participant_may_post",
    "moderation.checks.rules",
    # Risk detection runs last: it never blocks, it only flags for escalation.
    "escalation.checks.risk_check",
]
# Checks run when someone opens a room; each may refuse entry (e.g. a ban).
ROOM_ENTRY_CHECKS: list[str] = [
    "moderation.checks.not_banned",
    "chatplatform.mentoring.gate.check_host_entry",
]
# Checks run before a staff member takes on a duty (chatplatform.duties): becoming
# available, accepting a chat, hosting a group room, receiving a transfer.
MENTOR_DUTY_CHECKS: list[str] = [
    "chatplatform.mentoring.gate.check_training",
    "chatplatform.mentoring.caseload.check_caseload",
]
# Functions f(now) -> set of room ids whose content must outlive retention (on hold).
ROOM_HOLD_CHECKS: list[str] = ["escalation.retention.rooms_on_hold"]
# Other apps' rows the daily purge deletes: functions f(now) -> rows deleted, reported
# (and audited) under the function's name.
RETENTION_PURGES: list[str] = ["escalation.retention.purge_unreached_alerts"]
# The builders of the evaluation report's tables (evaluation.providers): each module has
# SPECS and build(period). Every table of every provider is published under the same k
# and privacy budget, with one disclosure audit across all of them.
EVALUATION_TABLE_PROVIDERS: list[str] = [
    "evaluation.outcomes",
    "evaluation.metrics",
    "evaluation.study_tables",
    "evaluation.programme",
]

# Every logger writes through one redacting JSON formatter (chatplatform.logs).
# Django's own handlers (plain-text console, mail_admins) are replaced so that
# nothing reaches the output without redaction.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "chatplatform.logs.RedactingJsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # SQL with its parameters must never be logged.
        "django.db.backends": {"handlers": [], "level": "WARNING", "propagate": True},
        # Daphne's protocol debug lines name client addresses; they are redacted too.
        "daphne": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
    },
}
