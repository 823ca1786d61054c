"""Hostile input: corrupted metadata, models and packed files raise our errors, nothing else."""

from __future__ import annotations

import io
import random
import struct
import time
import zipfile

import pytest
from testdata import MODELS_WITH_METADATA, data_path

from tflite_tasks.core.errors import MetadataError, ModelLoadError
from tflite_tasks.metadata import Metadata, ModelMetadata, read_metadata
from tflite_tasks.metadata.codec import decode, encode

MODELS = MODELS_WITH_METADATA
INTERESTING = [0, 1, 2, 3, 4, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]


def _mutate(rng: random.Random, data: bytes, start: int = 0) -> bytes:
    """Truncates, flips bytes, or overwrites a 32-bit word in ``data[start:]``."""
    choice = rng.random()
    if choice < 0.2:
        return data[: rng.randrange(start, len(data))]
    out = bytearray(data)
    if choice < 0.7:
        for _ in range(rng.randint(1, 4)):
            out[rng.randrange(start, len(out))] ^= 1 << rng.randrange(8)
    else:
        at = rng.randrange(start, len(out) - 3)
        struct.pack_into("<I", out, at, rng.choice(INTERESTING))
    return bytes(out)


def _exercise(md: Metadata) -> None:
    """Reads everything a Metadata offers."""
    if md.has_metadata:
        md.to_json()
    for name in md.file_names:
        md.file(name)
        md.tensor_of_file(name)


def test_fuzz_metadata_buffers() -> None:
    rng = random.Random(1234)
    buffers = [read_metadata(data_path(f"{m}.tflite")).buffer for m in MODELS]
    decoded = 0
    for i in range(5400):
        buf = _mutate(rng, buffers[i % len(buffers)])
        try:
            md = decode(buf, ModelMetadata, "M001")
        except MetadataError:
            continue
        decoded += 1
        text = md.to_json()  # whatever decodes prints, and re-encodes to the same JSON
        assert decode(encode(md, "M001"), ModelMetadata, "M001").to_json() == text
    assert 100 < decoded < 5400


def _deflated_model() -> bytes:
    """A model whose packed files are deflate-compressed (exercises zlib paths)."""
    model = data_path("text/test_model_nl_classifier_with_regex_tokenizer.tflite").read_bytes()
    source = read_metadata(model)
    with zipfile.ZipFile(io.BytesIO(model)) as archive:  # the flatbuffer ends where files start
        end = min(info.header_offset for info in archive.infolist())
    out = io.BytesIO(model[:end])
    out.seek(0, io.SEEK_END)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        for name in source.file_names:
            archive.writestr(name, source.file(name))
    return out.getvalue()


def test_fuzz_packed_files() -> None:
    rng = random.Random(99)
    models = [
        data_path("vision/mobilenet_v1_0.25_224_quant.tflite").read_bytes(),
        data_path("vision/deeplabv3.tflite").read_bytes(),
        _deflated_model(),
    ]
    starts = []
    for model in models:
        with zipfile.ZipFile(io.BytesIO(model)) as archive:
            starts.append(min(info.header_offset for info in archive.infolist()))
    outcomes = {"ok": 0, "error": 0}
    for i in range(1500):
        k = i % len(models)
        try:
            _exercise(read_metadata(_mutate(rng, models[k], starts[k])))
            outcomes["ok"] += 1
        except MetadataError:
            outcomes["error"] += 1
    assert outcomes["ok"] and outcomes["error"]  # most flips hit file data: CRC errors


def test_fuzz_model_header() -> None:
    rng = random.Random(7)
    model = data_path("text/test_model_nl_classifier_with_regex_tokenizer.tflite").read_bytes()
    with zipfile.ZipFile(io.BytesIO(model)) as archive:  # the flatbuffer ends where files start
        end = min(info.header_offset for info in archive.infolist())
    outcomes = {"ok": 0, "error": 0}
    for _ in range(1000):
        data = bytearray(model)
        for _ in range(rng.randint(1, 3)):  # the root table and vectors are near both ends
            at = rng.choice([rng.randrange(4096), rng.randrange(end - 4096, end - 4)])
            struct.pack_into("<I", data, at, rng.choice([*INTERESTING, rng.getrandbits(32)]))
        if rng.random() < 0.2:
            data = data[: rng.randrange(len(data))]
        try:
            _exercise(read_metadata(bytes(data)))
            outcomes["ok"] += 1
        except (MetadataError, ModelLoadError):
            outcomes["error"] += 1
    assert outcomes["ok"] > 100 and outcomes["error"] > 100


class _Raw:
    """Hand-written flatbuffers: tables with one offset field, vectors, strings."""

    def __init__(self) -> None:
        self.b = bytearray(b"\0\0\0\0M001")

    def table(self, slot: int) -> tuple[int, int]:
        """A table whose only field (uoffset) is in ``slot``: (table position, field position)."""
        vtable = len(self.b)
        entries = [0] * slot + [4]
        self.b += struct.pack(f"<{len(entries) + 2}H", 4 + 2 * len(entries), 8, *entries)
        self.b += bytes(-len(self.b) % 4)
        start = len(self.b)
        self.b += struct.pack("<iI", start - vtable, 0)
        return start, start + 4

    def vector(self, count: int, written: int | None = None) -> tuple[int, list[int]]:
        """A vector of ``count`` offsets (claiming ``written`` elements if given)."""
        start = len(self.b)
        self.b += struct.pack("<I", count if written is None else written) + bytes(4 * count)
        return start, [start + 4 + 4 * i for i in range(count)]

    def point(self, at: int, target: int) -> None:
        struct.pack_into("<I", self.b, at, target - at)


def _fanout(n: int) -> bytes:
    """ModelMetadata -> n x the same SubGraph -> n x the same Tensor -> n x the same file."""
    raw = _Raw()
    root, field = raw.table(3)  # subgraph_metadata
    raw.point(0, root)
    for slot in (2, 6, 0):  # input_tensor_metadata, associated_files, name
        vec, items = raw.vector(n)
        raw.point(field, vec)
        target, field = raw.table(slot)
        for item in items:
            raw.point(item, target)
    raw.point(field, len(raw.b))
    raw.b += struct.pack("<I", 3) + b"abc\0"
    return bytes(raw.b)


def test_shared_subtables_cannot_blow_up() -> None:
    small = decode(_fanout(3), ModelMetadata)  # the layout is right
    assert small.subgraph_metadata[2].input_tensor_metadata[1].associated_files[0].name == "abc"
    buf = _fanout(300)  # 27 million files in 3.6 KB
    start = time.perf_counter()
    with pytest.raises(MetadataError, match="too many objects"):
        decode(buf, ModelMetadata, "M001")
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("claimed", [2**31, 2**32 - 1, 1000])
def test_vector_claiming_more_elements_than_the_buffer(claimed: int) -> None:
    raw = _Raw()
    root, field = raw.table(3)
    raw.point(0, root)
    vec, _ = raw.vector(1, written=claimed)
    raw.point(field, vec)
    with pytest.raises(MetadataError, match="claims"):
        decode(bytes(raw.b), ModelMetadata)


def test_offsets_and_vtables_pointing_outside() -> None:
    raw = _Raw()
    root, field = raw.table(0)  # ModelMetadata with only a name
    raw.point(0, root)
    good = bytes(raw.b)
    with_name = good[:field] + struct.pack("<I", 4) + good[field + 4 :]  # name right after

    cases = [
        (struct.pack("<I", 10**6) + good[4:], "offset at 0 points outside"),
        (bytes(4) + good[4:], "offset at 0 points outside"),
        (good[:field] + struct.pack("<I", 10**6) + good[field + 4 :], f"offset at {field}"),
        (good[:root] + struct.pack("<i", -(10**6)) + good[root + 4 :], "outside the 24-byte"),
        (good[:root] + struct.pack("<i", 0) + good[root + 4 :], "bad vtable"),
        (struct.pack("<I", root + 1) + good[4:], "misaligned"),
        (with_name + struct.pack("<I", 8) + b"abcdefgh", "claims 8 elements"),
        (with_name + struct.pack("<I", 8) + b"abcdefghX", "not NUL-terminated"),
        (with_name + struct.pack("<I", 2) + b"\xc3\x28\0", "not valid UTF-8"),
        (good[:4] + b"XXXX" + good[8:], "file identifier"),
        (good[:3], "too short"),
    ]
    assert decode(with_name + struct.pack("<I", 2) + b"ok\0", ModelMetadata, "M001").name == "ok"
    for buf, message in cases:
        with pytest.raises(MetadataError, match=message):
            decode(buf, ModelMetadata, "M001")


def test_unknown_union_type_keeps_its_number() -> None:
    from tflite_tasks.metadata import Content, FeatureProperties

    buf = bytearray(encode(Content(content_properties=FeatureProperties())))
    buf[buf.index(b"\x01", 8)] = 9  # the ubyte type field is the first 1 after the vtable
    content = decode(bytes(buf), Content)
    assert content.content_properties is None
    assert content.to_json() == '{\n  "content_properties_type": 9\n}\n'


def _model_with_zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    bare = data_path("text/test_model_nl_classifier.tflite").read_bytes()  # 800 bytes
    out = io.BytesIO(bare)
    out.seek(0, io.SEEK_END)
    with zipfile.ZipFile(out, "a", method) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_zip_entry_declaring_a_huge_size_is_refused() -> None:
    model = bytearray(_model_with_zip({"big.txt": b"x" * 100}))
    central = model.rindex(b"PK\x01\x02")
    struct.pack_into("<I", model, central + 24, 0xFFFFFFFF)  # uncompressed size: 4 GiB
    md = read_metadata(bytes(model))
    assert md.file_names == ["big.txt"]
    with pytest.raises(MetadataError, match="declares 4294967295 bytes"):
        md.file("big.txt")


def test_zip_bomb_is_refused_quickly() -> None:
    model = _model_with_zip({"bomb.txt": bytes(20_000_000)})  # 20 MB of zeros, ~20 KB deflated
    start = time.perf_counter()
    with pytest.raises(MetadataError, match="more than 64 times the model size"):
        read_metadata(model).file("bomb.txt")
    assert time.perf_counter() - start < 0.5


def test_zip_entry_inflating_beyond_its_declared_size() -> None:
    model = bytearray(_model_with_zip({"lie.txt": bytes(30_000)}))
    central = model.rindex(b"PK\x01\x02")
    struct.pack_into("<I", model, central + 24, 100)  # declares 100 bytes
    with pytest.raises(MetadataError, match=r"lie\.txt"):
        read_metadata(bytes(model)).file("lie.txt")


def test_model_without_zip_has_no_files() -> None:
    md = read_metadata(data_path("text/test_model_nl_classifier.tflite"))
    assert md.file_names == [] and not md.has_metadata
