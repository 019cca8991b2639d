"""Deflated pieces made apart join into one valid deflate stream with the right CRC-32."""

from __future__ import annotations

import random
import zlib

import pytest

from labelkit.rendering.zip.deflate_pieces import (
    EMPTY,
    FINAL_BLOCK,
    DeflatedPiece,
    crc32_combine,
    deflate_piece,
    join,
)


@pytest.mark.parametrize("seed", range(20))
def test_crc32_combine_equals_the_crc_of_the_concatenation(seed: int) -> None:
    rng = random.Random(seed)
    a = rng.randbytes(rng.randrange(0, 5000))
    b = rng.randbytes(rng.randrange(0, 5000))
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_joined_pieces_inflate_to_the_joined_text() -> None:
    rng = random.Random(7)
    texts = [
        "".join(f"{rng.randrange(10**9)},lot {rng.randrange(99)},2027-06-30\r\n" for _ in range(n)).encode()
        for n in (0, 1, 250, 3, 1000)
    ]
    whole = join(deflate_piece(t) for t in texts)
    expected = b"".join(texts)
    assert whole.size == len(expected) and whole.crc == zlib.crc32(expected)
    inflater = zlib.decompressobj(-15)
    assert inflater.decompress(whole.data + FINAL_BLOCK) == expected
    assert inflater.eof and inflater.unused_data == b""
    assert len(whole.data) < len(expected) / 3  # still compressed, piece by piece


def test_a_piece_survives_storage_as_bytes() -> None:
    piece = deflate_piece(b"entity_id,file_name\r\n" * 40)
    assert DeflatedPiece.from_bytes(piece.to_bytes()) == piece
    assert join([]) == EMPTY
    assert zlib.decompress(join([]).data + FINAL_BLOCK, -15) == b""
