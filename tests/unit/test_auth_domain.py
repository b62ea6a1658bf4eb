"""The auth service's rules without I/O: password policy, rate-limit windows, the signing-key schedule, opaque
tokens, sealing, e-mail links, settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from recruiting_auth.adapters.crypto import (
    EncryptionKeyError, Sealer, decode_master_key, generate_master_key, load_master_key,
)
from recruiting_auth.adapters.emails import password_reset
from recruiting_auth.adapters.mail_queue import retry_delay
from recruiting_auth.adapters.rate_limiter import bucket
from recruiting_auth.config import AuthSettings
from recruiting_auth.domain.passwords import password_problems
from recruiting_auth.domain.rate_limits import Limit
from recruiting_auth.domain.refresh_tokens import is_replay
from recruiting_auth.domain.signing_keys import (
    KeyVersion, forgettable_keys, published_keys, rotation_due, signing_key,
)
from recruiting_auth.domain.tokens import hash_token, new_token

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
KEEP = timedelta(minutes=20)


# --- password policy -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("password", ["correct-horse-battery-staple-9", "Wir treffen uns um 7 am Hafen!",
                                      "pw-5f2c0e9d4b1a4c7e8f90-Sx"])
def test_long_unusual_passwords_are_accepted(password):
    assert password_problems(password, email="ada@example.com") == []


@pytest.mark.parametrize("password,reason", [
    ("short-pw-1", "at least 12"),
    ("x" * 129, "at most 128"),
    ("ada.lovelace@example.com!", "e-mail address"),
    ("my-ada.lovelace-secret", "e-mail address"),
    ("password1234", "common"),
    ("qwertyuiopasdf", ""),
    ("aaaaaaaaaaaaaaaa", ""),
    ("Acme Recruiting 2026", ""),
])
def test_short_long_personal_and_common_passwords_are_refused(password, reason):
    problems = password_problems(password, email="ada.lovelace@example.com", other_inputs=("Acme Recruiting",))
    assert problems, password
    assert reason in " ".join(problems)


# --- rate limits ---------------------------------------------------------------------------------------------------
def test_a_limit_is_written_hits_per_seconds():
    assert Limit.parse("10/900") == Limit(10, 900)
    for bad in ("10", "10/0", "ten/900", "-1/60", ""):
        with pytest.raises(ValueError):
            Limit.parse(bad)


def test_retry_after_counts_to_the_end_of_the_window():
    limit = Limit(5, 900)
    now = datetime(2026, 1, 1, 12, 10, 0, 400_000, tzinfo=UTC)  # 12:00 window of 15 minutes
    assert limit.window_start(now) == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert limit.retry_after(now) == 300
    assert limit.retry_after(datetime(2026, 1, 1, 12, 14, 59, 999_000, tzinfo=UTC)) == 1


def test_settings_refuse_a_malformed_limit_and_production_without_an_encryption_key():
    with pytest.raises(ValidationError):
        AuthSettings(rate_limit_login_ip="lots")
    with pytest.raises(ValidationError):
        AuthSettings(environment="production", amqp_url="amqp://u:p@broker/")
    with pytest.raises(ValidationError):
        AuthSettings(bootstrap_operator_email="ops@example.com")
    with pytest.raises(ValidationError):
        AuthSettings(argon2_memory_kib=4096)  # below OWASP's minimum
    assert AuthSettings(environment="production", amqp_url="amqp://u:p@broker/",
                        auth_encryption_key=generate_master_key()).limit("forgot_account") == Limit(3, 900)


# --- signing keys ----------------------------------------------------------------------------------------------------
def test_a_pending_key_is_published_before_it_signs():
    old, new = KeyVersion("old", T0), KeyVersion("new", T0 + timedelta(days=30, minutes=1))
    before = T0 + timedelta(days=30)
    assert signing_key([old, new], before) == old
    assert [key.kid for key in published_keys([old, new], before, KEEP)] == ["old", "new"]
    after = new.activates_at
    assert signing_key([old, new], after) == new


def test_a_retired_key_stays_published_until_its_tokens_have_expired():
    old, new = KeyVersion("old", T0), KeyVersion("new", T0 + timedelta(days=30))
    still = new.activates_at + KEEP - timedelta(seconds=1)
    gone = new.activates_at + KEEP + timedelta(seconds=1)
    assert [key.kid for key in published_keys([old, new], still, KEEP)] == ["old", "new"]
    assert [key.kid for key in published_keys([old, new], gone, KEEP)] == ["new"]
    assert forgettable_keys([old, new], gone, KEEP) == [old]
    assert forgettable_keys([old, new], still, KEEP) == []


def test_rotation_is_due_without_keys_and_when_the_newest_is_old():
    assert rotation_due([], T0, timedelta(days=30))
    keys = [KeyVersion("a", T0)]
    assert not rotation_due(keys, T0 + timedelta(days=29), timedelta(days=30))
    assert rotation_due(keys, T0 + timedelta(days=30), timedelta(days=30))
    # A pending key counts as the newest: no second rotation while one is scheduled.
    assert not rotation_due(keys + [KeyVersion("b", T0 + timedelta(days=31))], T0 + timedelta(days=31),
                            timedelta(days=30))


# --- tokens, sealing, links --------------------------------------------------------------------------------------------
def test_opaque_tokens_have_256_bits_and_only_their_hash_is_kept():
    token, stored = new_token()
    assert len(token) >= 43 and token not in stored.hex()
    assert hash_token(token) == stored and len({new_token()[0] for _ in range(100)}) == 100


def test_sealed_data_is_bound_to_its_key_purpose_and_row():
    master = decode_master_key(generate_master_key())
    sealer = Sealer(master, "signing-keys")
    sealed = sealer.seal(b"private key bytes", b"kid-1")
    assert b"private key bytes" not in sealed
    assert sealer.open(sealed, b"kid-1") == b"private key bytes"
    with pytest.raises(EncryptionKeyError):
        sealer.open(sealed, b"kid-2")
    with pytest.raises(EncryptionKeyError):
        Sealer(master, "mail").open(sealed, b"kid-1")
    with pytest.raises(EncryptionKeyError):
        Sealer(decode_master_key(generate_master_key()), "signing-keys").open(sealed, b"kid-1")
    with pytest.raises(EncryptionKeyError):
        decode_master_key("too-short")


def test_reset_links_are_built_from_the_public_url():
    subject, text = password_reset("https://jobs.example.com/", "tok_en-1", 30)
    assert "https://jobs.example.com/reset-password?token=tok_en-1" in text
    assert "30 minutes" in text and subject == "Reset your password"


def test_development_generates_one_key_file_that_later_starts_reuse(tmp_path):
    settings = AuthSettings(data_dir=tmp_path / "data")
    first = load_master_key(settings)
    key_file = tmp_path / "data" / "auth-encryption.key"
    assert len(first) == 32 and key_file.stat().st_mode & 0o777 == 0o600
    assert load_master_key(settings) == first
    assert [p.name for p in key_file.parent.iterdir()] == ["auth-encryption.key"], "no temporary file left"
    configured = generate_master_key()
    assert load_master_key(AuthSettings(data_dir=tmp_path / "data", auth_encryption_key=configured)) == \
        decode_master_key(configured)


# --- refresh tokens ----------------------------------------------------------------------------------------------------
def test_a_refresh_token_that_could_not_be_rotated_is_a_replay_unless_revoked_or_expired():
    later = T0 + timedelta(days=30)
    assert is_replay(rotated_at=T0, revoked_at=None, expires_at=later, now=T0)
    assert is_replay(rotated_at=T0, revoked_at=T0, expires_at=later, now=T0), "replaying a dead token still counts"
    assert is_replay(rotated_at=None, revoked_at=None, expires_at=later, now=T0), "lost a simultaneous rotation"
    assert not is_replay(rotated_at=None, revoked_at=T0, expires_at=later, now=T0)
    assert not is_replay(rotated_at=None, revoked_at=None, expires_at=T0, now=later)


def test_failed_mail_is_retried_with_exponential_backoff_capped_at_five_minutes():
    assert [retry_delay(attempt) for attempt in (1, 2, 3, 8, 9, 20)] == [2, 4, 8, 256, 300, 300]


def test_rate_limit_buckets_do_not_contain_the_address():
    name = bucket("login-fail-account", "ada@example.com")
    assert "ada" not in name and name.startswith("login-fail-account:")
    assert name == bucket("login-fail-account", "ada@example.com") != bucket("login-fail-account", "bob@example.com")
