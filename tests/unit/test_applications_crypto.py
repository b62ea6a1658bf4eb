"""Envelope encryption: ciphertexts are bound to their application, column and row; the key ring rotates; the
vault is the only place a data key lives, so shredding its entry makes the ciphertexts unreadable."""

from __future__ import annotations

from uuid import uuid4

import pytest
from recruiting_applications.adapters.crypto import (
    DataKey, DecryptionFailed, InvalidKeyRing, KeyRing, ServiceKeys, b64encode, new_key,
)
from recruiting_applications.adapters.key_vault import FileKeyVault
from recruiting_applications.adapters.keys import KeyMaterial, open_data_key
from recruiting_applications.service_layer.key_rotation import rewrap_all


def test_a_sealed_field_opens_in_its_own_place_only():
    application_id = uuid4()
    key = DataKey.generate(application_id)
    sealed = key.seal("email", b"ada@example.org")
    assert key.open("email", sealed) == b"ada@example.org"
    assert b"ada@example.org" not in sealed
    with pytest.raises(DecryptionFailed):
        key.open("last_name", sealed)  # copied into another column


def test_a_ciphertext_copied_to_another_application_does_not_open():
    first, second = DataKey.generate(uuid4()), DataKey.generate(uuid4())
    sealed = first.seal("email", b"ada@example.org")
    with pytest.raises(DecryptionFailed):
        second.open("email", sealed)
    # Even with the very same key material, the application id in the associated data refuses it.
    same_key_other_row = DataKey(first.raw, uuid4())
    with pytest.raises(DecryptionFailed):
        same_key_other_row.open("email", sealed)


def test_a_document_swapped_between_rows_does_not_open():
    key = DataKey.generate(uuid4())
    first, second = uuid4(), uuid4()
    sealed = key.seal("document.content", b"%PDF-1 one", record_id=first)
    assert key.open("document.content", sealed, record_id=first) == b"%PDF-1 one"
    with pytest.raises(DecryptionFailed):
        key.open("document.content", sealed, record_id=second)


def test_tampering_is_detected():
    key = DataKey.generate(uuid4())
    sealed = bytearray(key.seal("phone", b"+49 30 1234"))
    sealed[-1] ^= 1
    with pytest.raises(DecryptionFailed):
        key.open("phone", bytes(sealed))


def test_the_key_ring_parses_and_refuses_bad_entries():
    ring = KeyRing.parse(f"k2:{b64encode(new_key())}, k1:{b64encode(new_key())}")
    assert ring.ids == ["k2", "k1"] and ring.active_id == "k2"
    assert KeyRing.parse(ring.format()).ids == ["k2", "k1"]
    for text in ("", "k1:c2hvcnQ", f"k1:{b64encode(new_key())},k1:{b64encode(new_key())}"):
        with pytest.raises(InvalidKeyRing):
            KeyRing.parse(text)


def test_a_rotated_ring_opens_old_wraps_and_rewrap_moves_them_to_the_new_key(tmp_path):
    old_ring = KeyRing([("k1", new_key())])
    vault = FileKeyVault(tmp_path)
    service = ServiceKeys(new_key())
    application_id = uuid4()
    data_key = DataKey.generate(application_id)
    sealed = data_key.seal("email", b"ada@example.org")
    vault.put(application_id, old_ring.wrap(data_key))

    rotated = KeyMaterial(old_ring.with_new_active_key("k2"), service, vault)
    assert open_data_key(rotated, application_id).open("email", sealed) == b"ada@example.org"
    assert rewrap_all(rotated).rewrapped == 1
    assert vault.get(application_id).kek_id == "k2"
    assert rewrap_all(rotated).rewrapped == 0  # idempotent

    only_new = KeyMaterial(KeyRing([("k2", rotated.ring._keys["k2"])]), service, vault)
    assert open_data_key(only_new, application_id).open("email", sealed) == b"ada@example.org"
    with pytest.raises(DecryptionFailed):
        open_data_key(KeyMaterial(old_ring, service, vault), application_id)  # the old key no longer opens it


def test_shredding_the_vault_entry_makes_the_ciphertexts_unreadable(tmp_path):
    ring, vault = KeyRing([("k1", new_key())]), FileKeyVault(tmp_path)
    keys = KeyMaterial(ring, ServiceKeys(new_key()), vault)
    application_id = uuid4()
    data_key = DataKey.generate(application_id)
    sealed = data_key.seal("email", b"ada@example.org")
    vault.put(application_id, ring.wrap(data_key))
    assert open_data_key(keys, application_id).open("email", sealed) == b"ada@example.org"
    assert vault.shred(application_id) is True
    assert vault.shred(application_id) is False
    with pytest.raises(DecryptionFailed):
        open_data_key(keys, application_id)


def test_email_lookup_is_keyed_and_normalised():
    service = ServiceKeys(new_key())
    assert service.lookup_hash(" Ada@Example.ORG ") == service.lookup_hash("ada@example.org")
    assert service.lookup_hash("ada@example.org") != ServiceKeys(new_key()).lookup_hash("ada@example.org")
    assert b"ada" not in service.lookup_hash("ada@example.org")


def test_a_rewrap_never_brings_back_a_shredded_key(tmp_path):
    """The rewrap command and an erasure can run at the same time; the vault's lock orders them."""
    ring = KeyRing([("k1", new_key())])
    vault = FileKeyVault(tmp_path)
    application_id = uuid4()
    vault.put(application_id, ring.wrap(DataKey.generate(application_id)))

    def shred_meanwhile(wrapped):
        # What a concurrent erasure would do while the rewrap holds the entry: it has to wait for the lock.
        import threading
        erasure = threading.Thread(target=vault.shred, args=(application_id,))
        erasure.start()
        erasure.join(0.2)
        assert erasure.is_alive()  # blocked by the rewrap's lock
        shred_meanwhile.thread = erasure
        return ring.wrap(ring.unwrap(wrapped, application_id))

    assert vault.replace_if_present(application_id, shred_meanwhile) is True
    shred_meanwhile.thread.join(5)
    assert vault.get(application_id) is None
    assert vault.replace_if_present(application_id, shred_meanwhile) is False
