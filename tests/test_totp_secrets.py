"""TOTP secrets (and the recovery-code seed) are stored encrypted under ENCRYPTION_KEYS.

A database dump alone no longer lets anyone generate a staff member's codes;
``rotate_keys`` re-encrypts them under the current key (and encrypts any stored
before this), so an old key can leave the keyring.
"""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, validate_totp_code
from django.core.management import call_command

from chatplatform import crypto, mfa, roles
from chatplatform.env import parse_keyring
from tests.conftest import TEST_TOTP_SECRET
from tests.servers import totp_code

OLD = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"
NEW = "k2:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA"


@pytest.fixture
def keyring(settings):
    def use(value: str) -> None:
        settings.ENCRYPTION_KEYRING = parse_keyring("ENCRYPTION_KEYS", value)

    use(OLD)
    return use


def stored(user) -> dict:
    return Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data


def test_a_totp_secret_is_stored_encrypted_and_still_checks_codes(make_staff, keyring):
    supervisor = make_staff(roles.SUPERVISOR)
    TOTP.activate(supervisor, TEST_TOTP_SECRET)
    data = stored(supervisor)
    assert TEST_TOTP_SECRET not in str(data)
    assert data["secret"].startswith(mfa.ENCRYPTED_PREFIX + "k1:")
    totp = Authenticator.objects.get(user=supervisor).wrap()
    assert totp.validate_code(totp_code(TEST_TOTP_SECRET))


def test_recovery_codes_seed_is_encrypted_too(make_staff, keyring):
    supervisor = make_staff(roles.SUPERVISOR)
    codes = RecoveryCodes.activate(supervisor)
    seed = codes.instance.data["seed"]
    assert seed.startswith(mfa.ENCRYPTED_PREFIX)
    assert codes.validate_code(codes.get_unused_codes()[0])


def test_a_secret_copied_to_another_purpose_does_not_open(keyring):
    from django.conf import settings

    sealed = crypto.seal_secret(settings.ENCRYPTION_KEYRING, "JBSWY3DP", "mfa")
    with pytest.raises(crypto.DecryptionError):
        crypto.open_secret(settings.ENCRYPTION_KEYRING, sealed, "other")


def test_rotation_re_encrypts_secrets_so_the_old_key_can_go(make_staff, keyring, capsys):
    supervisor = make_staff(roles.SUPERVISOR)
    TOTP.activate(supervisor, TEST_TOTP_SECRET)
    keyring(f"{NEW},{OLD}")
    call_command("rotate_keys")
    assert "Re-encrypted 1 two-factor secrets" in capsys.readouterr().out
    assert stored(supervisor)["secret"].startswith(mfa.ENCRYPTED_PREFIX + "k2:")
    keyring(NEW)
    assert (
        Authenticator.objects.get(user=supervisor).wrap().validate_code(totp_code(TEST_TOTP_SECRET))
    )


def test_rotation_encrypts_a_secret_stored_in_the_clear_before(make_staff, keyring):
    supervisor = make_staff(roles.SUPERVISOR)
    Authenticator.objects.create(
        user=supervisor, type=Authenticator.Type.TOTP, data={"secret": TEST_TOTP_SECRET}
    )
    # Read as it was stored (allauth before encryption):
    assert validate_totp_code(
        mfa.StaffMFAAdapter().decrypt(TEST_TOTP_SECRET), totp_code(TEST_TOTP_SECRET)
    )
    call_command("rotate_keys")
    assert TEST_TOTP_SECRET not in str(stored(supervisor))
    assert (
        Authenticator.objects.get(user=supervisor).wrap().validate_code(totp_code(TEST_TOTP_SECRET))
    )
