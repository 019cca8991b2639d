from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest

from labelkit.rendering.zip.writer import (
    CentralDirectoryWriter,
    ZipStreamError,
    ZipStreamWriter,
    iter_records,
)

TS = dt.datetime(2026, 11, 28, 10, 15, 30)
HAS_UNZIP = shutil.which("unzip") is not None
SEVEN_ZIP = shutil.which("7zz") or shutil.which("7z")


def _external_checks(path: Path) -> None:
    """`unzip -t` and `7z t` must both accept the archive (when installed)."""
    if HAS_UNZIP:
        res = subprocess.run(["unzip", "-tqq", str(path)], capture_output=True, text=True)
        assert res.returncode == 0, res.stdout + res.stderr
    if SEVEN_ZIP:
        res = subprocess.run([SEVEN_ZIP, "t", str(path)], capture_output=True, text=True)
        assert res.returncode == 0 and "Everything is Ok" in res.stdout, res.stdout + res.stderr


def _sample(writer: ZipStreamWriter) -> None:
    writer.add("a.png", b"\x89PNG" + bytes(range(256)), compress=False)
    writer.add("b.svg", b"<svg>" + b"<path/>" * 200 + b"</svg>", compress=True)
    writer.add("c.txt", b"", compress=True)
    writer.add("d.bin", os.urandom(0) + bytes(range(200)), compress=True)  # incompressible -> stored


def test_zipfile_reads_entries_methods_and_timestamps(tmp_path: Path) -> None:
    buf = io.BytesIO()
    w = ZipStreamWriter(buf.write, timestamp=TS)
    _sample(w)
    w.add_stream("manifest.csv", [b"h1,h2\r\n", b"a,b\r\n" * 1000], compress=True)
    size = w.finish()
    data = buf.getvalue()
    assert size == len(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        infos = {i.filename: i for i in z.infolist()}
        assert list(infos) == ["a.png", "b.svg", "c.txt", "d.bin", "manifest.csv"]
        assert infos["a.png"].compress_type == zipfile.ZIP_STORED
        assert infos["b.svg"].compress_type == zipfile.ZIP_DEFLATED
        assert infos["b.svg"].compress_size < infos["b.svg"].file_size
        assert infos["d.bin"].compress_type == zipfile.ZIP_STORED
        assert infos["manifest.csv"].flag_bits & 0x08
        assert z.read("manifest.csv") == b"h1,h2\r\n" + b"a,b\r\n" * 1000
        assert all(i.date_time == (2026, 11, 28, 10, 15, 30) for i in infos.values())
        assert all((i.external_attr >> 16) == 0o100644 for i in infos.values())
    path = tmp_path / "a.zip"
    path.write_bytes(data)
    _external_checks(path)


def test_output_is_deterministic() -> None:
    outs = []
    for _ in range(2):
        buf = io.BytesIO()
        w = ZipStreamWriter(buf.write, timestamp=TS)
        _sample(w)
        w.finish()
        outs.append(buf.getvalue())
    assert outs[0] == outs[1]


def test_parts_assemble_into_one_archive(tmp_path: Path) -> None:
    """Chunks written independently at offset 0, concatenated, central directory at the end."""
    parts: list[tuple[bytes, bytes]] = []
    for p in range(3):
        buf = io.BytesIO()
        w = ZipStreamWriter(buf.write, timestamp=TS)
        for i in range(5):
            w.add(f"p{p}/e{i}.svg", f"<svg>{p}-{i}</svg>".encode() * 20, compress=True)
        parts.append((buf.getvalue(), w.records()))
    out = io.BytesIO()
    deltas = []
    pos = 0
    for body, _ in parts:
        out.write(body)
        deltas.append(pos)
        pos += len(body)
    tail = ZipStreamWriter(out.write, timestamp=TS, offset=pos)
    tail.add_stream("manifest.csv", iter([b"x\r\n"] * 3), compress=False)
    total = tail.finish(prior=[(rec, d) for (_, rec), d in zip(parts, deltas, strict=True)])
    data = out.getvalue()
    assert total == len(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        names = z.namelist()
        assert names[:15] == [f"p{p}/e{i}.svg" for p in range(3) for i in range(5)]
        assert names[-1] == "manifest.csv"
        assert z.read("p2/e4.svg") == b"<svg>2-4</svg>" * 20
    path = tmp_path / "parts.zip"
    path.write_bytes(data)
    _external_checks(path)


def test_records_blob_round_trips_and_uses_absolute_offsets() -> None:
    buf = io.BytesIO()
    w = ZipStreamWriter(buf.write, timestamp=TS, offset=1000)
    w.add("x.txt", b"hello", compress=False)
    w.add("y.txt", b"world", compress=False)
    recs = list(iter_records(w.records()))
    assert [r[0] for r in recs] == ["x.txt", "y.txt"]
    assert recs[0][4] == 1000 and recs[1][4] == 1000 + 30 + 5 + 5
    assert w.offset == 1000 + len(buf.getvalue())


def test_zip64_entry_count(tmp_path: Path) -> None:
    n = 65_536 + 10
    path = tmp_path / "many.zip"
    with path.open("wb") as f:
        w = ZipStreamWriter(f.write, timestamp=TS)
        for i in range(n):
            w.add(f"{i:06d}.png", b"%d" % i, compress=False)
        w.finish()
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        assert len(infos) == n
        assert z.read("065545.png") == b"65545"
        assert z.read("000000.png") == b"0"
    data = path.read_bytes()
    assert b"PK\x06\x06" in data[-200:] and b"PK\x06\x07" in data[-200:]
    _external_checks(path)


def test_exactly_65535_entries_uses_zip64_marker() -> None:
    buf = io.BytesIO()
    w = ZipStreamWriter(buf.write, timestamp=TS)
    for i in range(0xFFFF):
        w.add(f"{i}", b"", compress=False)
    w.finish()
    data = buf.getvalue()
    _, _, _, on_disk, total, _, _, _ = struct.unpack("<IHHHHIIH", data[-22:])
    assert on_disk == total == 0xFFFF
    assert data[-22 - 20 : -22 - 16] == b"PK\x06\x07"  # zip64 locator right before the EOCD
    with zipfile.ZipFile(buf) as z:
        assert len(z.infolist()) == 0xFFFF


def test_offsets_past_4gib_use_zip64(tmp_path: Path) -> None:
    """A part starting at 5 GiB, as the last chunk of a huge job; a sparse hole stands in for the rest."""
    start = 5 * 2**30
    path = tmp_path / "big.zip"
    with path.open("wb") as f:
        head = ZipStreamWriter(f.write, timestamp=TS)
        head.add("first.txt", b"first", compress=False)
        f.seek(start)
        tail = ZipStreamWriter(f.write, timestamp=TS, offset=start)
        tail.add("late.svg", b"<svg/>" * 100, compress=True)
        tail.add("late.png", b"png-bytes", compress=False)
        tail.finish(prior=[(head.records(), 0)])
    assert path.stat().st_size > start
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("late.png")
        assert info.header_offset > 2**32
        assert z.read("late.png") == b"png-bytes"
        assert z.read("late.svg") == b"<svg/>" * 100
        assert z.read("first.txt") == b"first"
    if HAS_UNZIP:
        res = subprocess.run(["unzip", "-tqq", str(path)], capture_output=True, text=True)
        assert res.returncode == 0, res.stdout + res.stderr
    if SEVEN_ZIP:
        res = subprocess.run([SEVEN_ZIP, "t", str(path)], capture_output=True, text=True)
        assert "Everything is Ok" in res.stdout, res.stdout + res.stderr


def test_streamed_zip64_entry_descriptor(tmp_path: Path) -> None:
    buf = io.BytesIO()
    w = ZipStreamWriter(buf.write, timestamp=TS)
    w.add_stream("m.csv", [b"a" * 1000, b"b" * 10], compress=True, zip64=True)
    w.add("after.txt", b"after", compress=False)
    w.finish()
    with zipfile.ZipFile(buf) as z:
        assert z.read("m.csv") == b"a" * 1000 + b"b" * 10
        assert z.read("after.txt") == b"after"
    path = tmp_path / "d64.zip"
    path.write_bytes(buf.getvalue())
    _external_checks(path)


@pytest.mark.parametrize("name", ["", "/abs.png", "../up.png", "a/../b", "a\\b", "dir/", "a//b", "nul\x00"])
def test_unsafe_names_refused(name: str) -> None:
    w = ZipStreamWriter(io.BytesIO().write, timestamp=TS)
    with pytest.raises(ZipStreamError):
        w.add(name, b"x", compress=False)


def test_utf8_names_flagged() -> None:
    buf = io.BytesIO()
    w = ZipStreamWriter(buf.write, timestamp=TS)
    w.add("größe.txt", b"x", compress=False)
    w.finish()
    with zipfile.ZipFile(buf) as z:
        assert z.namelist() == ["größe.txt"]


def test_finish_twice_and_add_after_finish() -> None:
    w = ZipStreamWriter(io.BytesIO().write, timestamp=TS)
    w.finish()
    with pytest.raises(ZipStreamError):
        w.finish()
    with pytest.raises(ZipStreamError):
        w.add("x", b"", compress=False)
    cd = CentralDirectoryWriter(io.BytesIO().write, offset=0)
    cd.finish()
    with pytest.raises(ZipStreamError):
        cd.add_records(b"")


def test_empty_archive_is_valid() -> None:
    buf = io.BytesIO()
    ZipStreamWriter(buf.write, timestamp=TS).finish()
    with zipfile.ZipFile(buf) as z:
        assert z.namelist() == []


def test_old_timestamps_clamp_to_1980() -> None:
    buf = io.BytesIO()
    w = ZipStreamWriter(buf.write, timestamp=dt.datetime(1970, 1, 1))
    w.add("x", b"", compress=False)
    w.finish()
    with zipfile.ZipFile(buf) as z:
        assert z.infolist()[0].date_time == (1980, 1, 1, 0, 0, 0)


def test_parts_of_batches_join_into_one_archive() -> None:
    """How a big job's ZIP comes together: pool tasks write batches from offset 0, a replica appends
    them into a part and frames their records with where they landed, each task deflates its own
    manifest rows; the assembler concatenates parts, joins the manifest pieces and builds the
    central directory a part at a time (`directory_piece`, pool work) from the parts' sizes."""
    import io as _io
    import zipfile as _zipfile

    from labelkit.rendering.zip.deflate_pieces import deflate_piece, join
    from labelkit.rendering.zip.part_records import directory_piece, pack_record_batches
    from labelkit.rendering.zip.writer import CentralDirectoryWriter, ZipStreamWriter

    when = dt.datetime(2026, 11, 29, 12, 0)
    parts: list[tuple[bytes, bytes]] = []
    manifest_pieces = []
    expected_rows = b""
    for part in range(2):
        data = bytearray()
        batches = []
        for batch in range(3):
            pieces: list[bytes] = []
            writer = ZipStreamWriter(pieces.append, timestamp=when)
            for n in range(4):
                writer.add(
                    f"p{part}/b{batch}/f{n}.txt", f"{part}.{batch}.{n}".encode() * 20, compress=n % 2 == 0
                )
            batches.append((len(data), writer.records()))
            data += b"".join(pieces)
            rows = f"p{part}b{batch},row\r\n".encode() * 30
            manifest_pieces.append(deflate_piece(rows))
            expected_rows += rows
        parts.append((bytes(data), pack_record_batches(batches)))

    out = bytearray()
    starts = []
    for data, _ in parts:
        starts.append(len(out))
        out += data
    tail = ZipStreamWriter(out.extend, timestamp=when, offset=len(out))
    entry = tail.begin_stream("manifest.csv", compress=True)
    entry.write(b"header\r\n")
    entry.write_deflated(join(manifest_pieces[:3]))
    entry.write_deflated(join(manifest_pieces[3:]))
    entry.close()
    directory = CentralDirectoryWriter(out.extend, offset=tail.offset)
    for (_, records), start in zip(parts, starts, strict=True):
        directory.add_entries(*directory_piece(records, start))
    directory.add_records(tail.records())
    directory.finish()

    archive = _zipfile.ZipFile(_io.BytesIO(bytes(out)))
    assert archive.testzip() is None
    assert len(archive.namelist()) == 2 * 3 * 4 + 1
    assert archive.read("p1/b2/f3.txt") == b"1.2.3" * 20
    assert archive.read("p0/b1/f0.txt") == b"0.1.0" * 20
    assert archive.read("manifest.csv") == b"header\r\n" + expected_rows
