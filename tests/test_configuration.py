"""Configuration comes from the environment, strictly: bad values stop the process at start."""

from __future__ import annotations

import subprocess
import sys

import pytest

from chatplatform.env import ConfigError, env_bool, env_int, env_list, parse_keyring
from tests.servers import REPO_ROOT, TEST_SECRETS

GOOD_KEY = TEST_SECRETS["ENCRYPTION_KEYS"].split(":", 1)[1]


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("0", False), ("YES", True), ("off", False)]
)
def test_booleans_accept_the_usual_words(raw, expected):
    assert env_bool("DEBUG", False, {"DEBUG": raw}) is expected


def test_a_misspelt_boolean_is_an_error_not_false():
    with pytest.raises(ConfigError, match="DEBUG"):
        env_bool("DEBUG", False, {"DEBUG": "ture"})


def test_numbers_are_checked_for_form_and_range():
    assert env_int("N", 5, {"N": "7"}) == 7
    with pytest.raises(ConfigError, match="whole number"):
        env_int("N", 5, {"N": "seven"})
    with pytest.raises(ConfigError, match="at least 1"):
        env_int("N", 5, {"N": "0"}, minimum=1)


def test_lists_refuse_empty_items():
    assert env_list("HOSTS", [], {"HOSTS": "a.org, b.org"}) == ["a.org", "b.org"]
    with pytest.raises(ConfigError, match="empty"):
        env_list("HOSTS", [], {"HOSTS": "a.org,,b.org"})


def test_keyring_first_entry_is_current():
    ring = parse_keyring("ENCRYPTION_KEYS", f"new:{GOOD_KEY},old:{GOOD_KEY}")
    assert ring.current_id == "new" and set(ring.keys) == {"new", "old"}
    assert GOOD_KEY not in repr(ring)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nokey", "id:base64key"),
        ("k1:c2hvcnQ", "32 bytes"),
        ("k1:***", "base64"),
        (f"k1:{GOOD_KEY},k1:{GOOD_KEY}", "twice"),
        (f"bad id:{GOOD_KEY}", "key id"),
    ],
)
def test_malformed_keyrings_are_named(value, message):
    with pytest.raises(ConfigError, match=message):
        parse_keyring("ENCRYPTION_KEYS", value)


def start_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    """Import the settings in a fresh process, as a web node would at start."""
    base = {
        "PATH": "/usr/bin:/bin",
        "VAR_DIR": "/tmp/config-test-var",
        **TEST_SECRETS,
        "DEBUG": "false",
    }
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=REPO_ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "chatplatform.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be one of"),
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"ENCRYPTION_KEYS": ""}, "ENCRYPTION_KEYS must be set"),
        ({"ENCRYPTION_KEYS": "k1:c2hvcnQ"}, "32 bytes"),
        ({"PSEUDONYM_KEY": ""}, "PSEUDONYM_KEY must be set"),
        ({"DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL"),
        ({"MESSAGE_MAX_LENGTH": "lots"}, "MESSAGE_MAX_LENGTH"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"REPORT_AUTO_HIDE_THRESHOLD": "-1"}, "REPORT_AUTO_HIDE_THRESHOLD"),
        ({"SEND_BATCH_MAX": "0"}, "SEND_BATCH_MAX"),
        (
            {"REQUEST_RECEIVE_TIMEOUT_SECONDS": "0"},
            "REQUEST_RECEIVE_TIMEOUT_SECONDS must be at least 1",
        ),
        (
            {"REQUEST_RECEIVE_TIMEOUT_SECONDS": "301"},
            "REQUEST_RECEIVE_TIMEOUT_SECONDS must be at most 300",
        ),
        (
            {"REQUEST_RECEIVE_TIMEOUT_SECONDS": "10s"},
            "REQUEST_RECEIVE_TIMEOUT_SECONDS must be a whole number",
        ),
        ({"REDIS_CHANNEL_LAYER": "fast"}, "REDIS_CHANNEL_LAYER"),
        (
            {"MODERATION_PHONE_REGIONS": "US,XX"},
            "MODERATION_PHONE_REGIONS: unknown region codes XX",
        ),
        ({"PAGER_WEBHOOK_URL": "ftp://pager.example.org/"}, "PAGER_WEBHOOK_URL must be"),
        (
            {"PAGER_WEBHOOK_URL": "https://events.pagerduty.com/v2/enqueue"},
            "PAGER_ROUTING_KEY must be set",
        ),
        ({"ESCALATION_REPEAT_SECONDS": "1"}, "ESCALATION_REPEAT_SECONDS"),
        ({"ESCALATION_NO_CONSOLE_SECONDS": "5"}, "ESCALATION_NO_CONSOLE_SECONDS"),
        (
            {"URGENT_HELP_IDENTITIES_PER_HOUR": "-1"},
            "URGENT_HELP_IDENTITIES_PER_HOUR must be at least 0",
        ),
        (
            {"URGENT_HELP_IDENTITIES_PER_HOUR": "ten"},
            "URGENT_HELP_IDENTITIES_PER_HOUR must be a whole number",
        ),
        (
            {"URGENT_HELP_BANNED_CASES_PER_DAY": "0"},
            "URGENT_HELP_BANNED_CASES_PER_DAY must be at least 1",
        ),
        (
            {"URGENT_HELP_BANNED_CASES_PER_DAY": "25"},
            "URGENT_HELP_BANNED_CASES_PER_DAY must be at most 24",
        ),
    ],
)
def test_bad_environment_stops_the_site_at_start_with_a_clear_sentence(env, message):
    result = start_settings(env)
    assert result.returncode != 0
    assert message in result.stderr


def test_good_production_environment_starts():
    assert start_settings({}).returncode == 0


def test_debug_without_keys_generates_and_keeps_dev_keys(tmp_path):
    env = {
        "DEBUG": "true",
        "SECRET_KEY": "",
        "ENCRYPTION_KEYS": "",
        "PSEUDONYM_KEY": "",
        "VAR_DIR": str(tmp_path),
    }
    assert start_settings(env).returncode == 0
    first = (tmp_path / "dev-encryption-keys").read_text()
    assert start_settings(env).returncode == 0
    assert (tmp_path / "dev-encryption-keys").read_text() == first
