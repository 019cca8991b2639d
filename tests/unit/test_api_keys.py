from __future__ import annotations

import zlib

from api_service.domain.api_keys import display_prefix, generate_api_key, is_well_formed, key_digest


def test_generated_keys_have_the_documented_shape_and_checksum() -> None:
    key = generate_api_key()
    prefix, body, crc = key.split("_")
    assert prefix == "csb" and len(body) == 32 and body.isalnum()
    assert crc == f"{zlib.crc32(body.encode()):08x}"
    assert is_well_formed(key)
    assert generate_api_key() != key


def test_a_single_changed_character_fails_the_checksum() -> None:
    key = generate_api_key()
    body_char = key[10]
    changed = key[:10] + ("A" if body_char != "A" else "B") + key[11:]
    assert not is_well_formed(changed)
    assert not is_well_formed(key.upper())  # the checksum is lowercase hex
    assert not is_well_formed(key + "0")
    assert not is_well_formed("")


def test_digest_is_sha256_and_prefix_is_short() -> None:
    key = generate_api_key()
    assert len(key_digest(key)) == 32
    assert display_prefix(key) == key[:12]
