"""populate and min_parser_version: round trips on real models, the reference's rules, fuzz."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import random
import struct
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

import flatbuffers
import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as tfl
from testdata import MODELS_WITH_METADATA, data_path, data_root
from tiny_models import channel_mean_model

from tflite_tasks.core.errors import (
    InputError,
    InputFileNotFoundError,
    MetadataError,
    ModelLoadError,
    TfliteTasksError,
)
from tflite_tasks.metadata import (
    AssociatedFile,
    AssociatedFileType,
    AudioProperties,
    BertTokenizerOptions,
    Content,
    CustomMetadata,
    FeatureProperties,
    ModelMetadata,
    NormalizationOptions,
    ProcessUnit,
    RegexTokenizerOptions,
    SentencePieceTokenizerOptions,
    SubGraphMetadata,
    TensorGroup,
    TensorMetadata,
    min_parser_version,
    populate,
    read_metadata,
)
from tflite_tasks.metadata.codec import set_union_tag
from tflite_tasks.metadata.model_schema import METADATA_NAME, decode_model, operator_codes

MOBILENET = "vision/mobilenet_v1_0.25_224_1_metadata_1.tflite"
MOBILENET_BARE = "vision/mobilenet_v1_0.25_224_1_default_1.tflite"
REGEX_MODEL = "text/test_model_nl_classifier_with_regex_tokenizer.tflite"


def _versioned(md: ModelMetadata, version: str) -> ModelMetadata:
    return dataclasses.replace(md, min_parser_version=version)


def _labels_metadata(name: str = "labels.txt") -> ModelMetadata:
    """One output whose labels are ``name``."""
    labels = AssociatedFile(name=name, type=AssociatedFileType.TENSOR_AXIS_LABELS)
    return ModelMetadata(name="m", subgraph_metadata=[SubGraphMetadata(
        output_tensor_metadata=[TensorMetadata(name="scores", associated_files=[labels])])])


def _run(model: bytes) -> tuple[list[tuple], list[np.ndarray]]:
    """LiteRT's view of a model: its tensors, and its outputs for a constant input."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=model)
    interpreter.allocate_tensors()
    tensors = [(t["index"], t["name"], t["shape"].tolist(), t["dtype"], t["quantization"])
               for t in interpreter.get_tensor_details()]
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], np.full(detail["shape"], 0.5, detail["dtype"]))
    interpreter.invoke()
    return tensors, [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]


def _assert_same_graph(a: bytes, b: bytes) -> None:
    (tensors_a, outputs_a), (tensors_b, outputs_b) = _run(a), _run(b)
    assert tensors_a == tensors_b and operator_codes(a) == operator_codes(b)
    for x, y in zip(outputs_a, outputs_b, strict=True):
        np.testing.assert_array_equal(x, y)


# --- min_parser_version -------------------------------------------------------------------


def _reference_jsons() -> list[Path]:
    """Reference JSON of ModelMetadata carrying min_parser_version (pieces have none)."""
    root = data_root()
    paths = sorted(root.glob("*/*.metadata.json")) + sorted(root.glob("metadata/**/*.json"))
    return [p for p in paths if "min_parser_version" in json.loads(p.read_text())]


def test_min_parser_version_of_the_reference_json() -> None:
    paths = _reference_jsons()
    if not paths:
        data_path("metadata/general/golden_json.json")  # skips (or fails in CI) without data
    found = {}
    for path in paths:
        text = path.read_text()
        found[path.name] = min_parser_version(ModelMetadata.from_json(text))
        assert found[path.name] == json.loads(text)["min_parser_version"], path
    assert len(found) >= 15 and set(found.values()) == {"1.0.0", "1.1.0", "1.2.1", "1.3.0"}
    assert found["bert_nl_classifier_with_bert_tokenizer.json"] == "1.1.0"
    assert found["movie_review_regex.json"] == "1.2.1"


@pytest.mark.parametrize("model", MODELS_WITH_METADATA)
def test_min_parser_version_of_the_shared_models(model: str) -> None:
    md = read_metadata(data_path(f"{model}.tflite")).model_metadata
    assert md is not None
    expected = md.min_parser_version or "1.0.0"  # three older models were written without it
    assert min_parser_version(md) == expected


def _tensor(**fields: object) -> ModelMetadata:
    return ModelMetadata(subgraph_metadata=[SubGraphMetadata(
        input_tensor_metadata=[TensorMetadata(**fields)])])  # type: ignore[arg-type]


def _subgraph(**fields: object) -> ModelMetadata:
    return ModelMetadata(subgraph_metadata=[SubGraphMetadata(**fields)])  # type: ignore[arg-type]


def _unit(options: object) -> list[ProcessUnit]:
    return [ProcessUnit(options=options)]  # type: ignore[arg-type]


VOCAB = AssociatedFile(name="vocab.txt", type=AssociatedFileType.VOCABULARY)
SCANN = AssociatedFile(name="index", type=AssociatedFileType.SCANN_INDEX_FILE)
WITH_VERSION = AssociatedFile(name="labels.txt", version="")


def _audio_tag_only() -> ModelMetadata:
    content = Content()
    set_union_tag(content, "content_properties", 4)  # AudioProperties, value absent
    return _tensor(content=content)


@pytest.mark.parametrize(("metadata", "expected"), [
    (ModelMetadata(), "1.0.0"),
    (ModelMetadata(min_parser_version="9.9.9"), "1.0.0"),  # its own value does not count
    (_tensor(process_units=_unit(NormalizationOptions(mean=[1.0]))), "1.0.0"),
    (_tensor(content=Content(content_properties=FeatureProperties())), "1.0.0"),
    (ModelMetadata(associated_files=[VOCAB]), "1.0.1"),
    (_subgraph(associated_files=[VOCAB]), "1.0.1"),
    (_tensor(associated_files=[VOCAB]), "1.0.1"),
    (_subgraph(input_process_units=[]), "1.1.0"),  # present, even empty
    (_subgraph(output_process_units=[]), "1.1.0"),
    (_tensor(process_units=_unit(BertTokenizerOptions())), "1.1.0"),
    (_tensor(process_units=_unit(SentencePieceTokenizerOptions())), "1.1.0"),
    (_subgraph(input_tensor_groups=[]), "1.2.0"),
    (_subgraph(output_tensor_groups=[TensorGroup(name="g")]), "1.2.0"),
    (_subgraph(input_process_units=_unit(RegexTokenizerOptions())), "1.2.1"),
    (_tensor(content=Content(content_properties=AudioProperties())), "1.3.0"),
    (_audio_tag_only(), "1.3.0"),  # the union's type decides, as in the reference
    (ModelMetadata(associated_files=[SCANN]), "1.4.0"),
    (_tensor(associated_files=[WITH_VERSION]), "1.4.1"),
    (_subgraph(custom_metadata=[]), "1.5.0"),
    (_subgraph(custom_metadata=[CustomMetadata(name="c")], associated_files=[VOCAB]), "1.5.0"),
    # files inside tokenizer options are not visited by the reference
    (_tensor(process_units=_unit(BertTokenizerOptions(vocab_file=[WITH_VERSION]))), "1.1.0"),
    (_subgraph(input_process_units=_unit(SentencePieceTokenizerOptions(
        sentencePiece_model=[SCANN]))), "1.1.0"),
])
def test_min_parser_version_rules(metadata: ModelMetadata, expected: str) -> None:
    assert min_parser_version(metadata) == expected


# --- round trips ----------------------------------------------------------------------------


def test_round_trip_on_mobilenet_and_litert_runs_it_unchanged() -> None:
    source = read_metadata(data_path(MOBILENET))
    bare = data_path(MOBILENET_BARE).read_bytes()
    files = {name: source.file(name) for name in source.file_names}
    model = populate(bare, source.model_metadata, files)
    md = read_metadata(model)
    assert md.model_metadata == _versioned(source.model_metadata, "1.0.0")
    assert md.file_names == ["labels.txt"] and md.file("labels.txt") == files["labels.txt"]
    assert populate(bare, source.model_metadata, files) == model  # deterministic
    assert populate(model, source.model_metadata, files) == model  # idempotent
    _assert_same_graph(bare, model)

    removed = populate(model, None)
    names = [m.name for m in decode_model(removed).metadata or []]
    assert METADATA_NAME not in names and read_metadata(removed).file_names == []
    _assert_same_graph(bare, removed)


def test_removing_metadata_from_a_reference_model() -> None:
    model = data_path(MOBILENET).read_bytes()
    removed = populate(model, None)
    assert not read_metadata(removed).has_metadata and len(removed) < len(model) - 10_000
    _assert_same_graph(model, removed)


CASES = [  # model without metadata, reference JSON, files (all beside them)
    ("nl_classifier/movie_review.tflite", "movie_review_regex.json", ["vocab.txt", "labels.txt"]),
    ("image_classifier/mobilenet_v2_1.0_224_quant.tflite", "mobilenet_v2_1.0_224_quant.json",
     ["labels.txt", "score_calibration.txt"]),
    ("image_segmenter/deeplabv3.tflite", "deeplabv3.json", ["labelmap.txt"]),
    ("object_detector/ssd_mobilenet_v1.tflite", "ssd_mobilenet_v1.json", ["labelmap.txt"]),
]


@pytest.mark.parametrize(("model", "reference", "files"), CASES, ids=[c[1] for c in CASES])
def test_round_trip_on_models_without_metadata(model: str, reference: str,
                                               files: list[str]) -> None:
    path = data_path(f"metadata/{model}")
    text = (path.parent / reference).read_text()
    metadata = ModelMetadata.from_json(text)
    populated = populate(path, metadata, [path.parent / name for name in files])  # by path
    md = read_metadata(populated)
    # JSON floats are not all exact in float32: compare what is written, as printed
    assert md.to_json() == _versioned(metadata, min_parser_version(metadata)).to_json()
    if metadata.min_parser_version is not None:
        assert md.to_json() == text  # the reference's JSON, byte for byte
    assert md.file_names == files
    for name in files:
        assert md.file(name) == (path.parent / name).read_bytes()
    assert metadata == ModelMetadata.from_json(text)  # the caller's object is not changed
    by_content = {name: (path.parent / name).read_bytes() for name in files}
    assert populate(path, md.buffer, by_content) == populated  # encoded metadata, by content


@pytest.mark.parametrize("model", ["text/test_model_nl_classifier_with_regex_tokenizer",
                                   "vision/mobilenet_v1_0.25_224_quant"])
def test_replacing_the_metadata_of_a_model(model: str) -> None:
    original = read_metadata(data_path(f"{model}.tflite"))
    files = {name: original.file(name) for name in original.file_names}
    changed = copy.deepcopy(original.model_metadata)
    changed.description = "Replaced."
    changed.min_parser_version = "0.1"  # overwritten by the computed value
    populated = populate(data_path(f"{model}.tflite"), changed, files)
    md = read_metadata(populated)
    assert md.model_metadata == _versioned(changed, original.model_metadata.min_parser_version
                                           or "1.0.0")
    assert changed.min_parser_version == "0.1"
    assert {name: md.file(name) for name in md.file_names} == files


# --- recorded and given files ---------------------------------------------------------------


def _tiny() -> bytes:
    return channel_mean_model()


def test_files_recorded_but_not_given_are_refused() -> None:
    with pytest.raises(MetadataError, match=r"records file\(s\) 'labels\.txt' that were not "
                                            r"given.*populate\(model, metadata"):
        populate(_tiny(), _labels_metadata())
    vocab = [AssociatedFile(name="vocab.txt")]
    spm = [AssociatedFile(name="spm.model")]
    for metadata, other in [  # tokenizer files count, wherever the tokenizer is
        (_tensor(process_units=_unit(RegexTokenizerOptions(vocab_file=vocab))), {}),
        (_subgraph(input_process_units=_unit(SentencePieceTokenizerOptions(
            sentencePiece_model=spm, vocab_file=vocab))), {"spm.model": b"x"}),
        (_subgraph(output_process_units=_unit(BertTokenizerOptions(vocab_file=vocab))), {}),
        (_subgraph(associated_files=vocab), {}),
        (ModelMetadata(associated_files=vocab), {}),
    ]:
        with pytest.raises(MetadataError, match=r"records file\(s\) 'vocab\.txt'"):
            populate(_tiny(), metadata, other)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # all given files are recorded: no warning
            populate(_tiny(), metadata, {**other, "vocab.txt": b"y"})


def test_files_not_recorded_are_packed_with_a_warning() -> None:
    with pytest.warns(UserWarning, match=r"'extra\.bin' is not recorded in the metadata"):
        model = populate(_tiny(), _labels_metadata(), {"labels.txt": b"a", "extra.bin": b"\0"})
    assert read_metadata(model).file_names == ["labels.txt", "extra.bin"]
    with pytest.warns(UserWarning, match="x.txt"):
        model = populate(_tiny(), None, {"x.txt": b"x"})  # files without metadata
    assert read_metadata(model).file_names == ["x.txt"] and not read_metadata(model).has_metadata


@pytest.mark.parametrize("name", ["", "a/labels.txt", "a\\labels.txt", "/labels.txt", ".", "..",
                                  "a\0b", "\udc80", "x" * 70_000, 7, None, "C:labels.txt"])
def test_bad_file_names_are_refused(name: object) -> None:
    with pytest.raises(MetadataError, match="files"):
        populate(_tiny(), None, {name: b"x"})  # type: ignore[dict-item]


def test_names_recorded_in_the_metadata_must_be_base_names() -> None:
    with pytest.raises(MetadataError, match=r"metadata: .*separator.*'labels\.txt'"):
        populate(_tiny(), _labels_metadata("dir/labels.txt"), {"labels.txt": b"a"})
    with pytest.raises(MetadataError, match=r"metadata: .*non-empty name"):
        populate(_tiny(), _tensor(associated_files=[AssociatedFile()]), {})


def test_files_by_path(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "labels.txt").write_bytes(b"cat\ndog\n")
    (tmp_path / "b" / "labels.txt").write_bytes(b"other")
    model = populate(_tiny(), _labels_metadata(), [tmp_path / "a" / "labels.txt"])
    assert read_metadata(model).file("labels.txt") == b"cat\ndog\n"
    assert populate(_tiny(), _labels_metadata(), [str(tmp_path / "a" / "labels.txt")]) == model
    with pytest.raises(MetadataError, match=r"two associated files are named 'labels\.txt'"):
        populate(_tiny(), _labels_metadata(), [tmp_path / "a" / "labels.txt",
                                               tmp_path / "b" / "labels.txt"])
    with pytest.raises(InputFileNotFoundError, match=r"nope\.txt") as error:
        populate(_tiny(), _labels_metadata(), [tmp_path / "nope.txt"])
    assert isinstance(error.value, FileNotFoundError)
    with pytest.raises(InputError, match="not a regular file"):
        populate(_tiny(), None, [tmp_path / "a"])  # a folder
    with pytest.raises(MetadataError, match="wrap it in a list"):
        populate(_tiny(), _labels_metadata(), str(tmp_path / "a" / "labels.txt"))  # type: ignore
    with pytest.raises(MetadataError, match="not a path"):
        populate(_tiny(), None, [b"labels.txt"])  # type: ignore[list-item]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_pipes_and_devices_are_refused_without_reading_them(tmp_path: Path) -> None:
    pipe = tmp_path / "labels.txt"
    os.mkfifo(pipe)
    outcome: list[BaseException] = []

    def attempt() -> None:
        try:
            populate(_tiny(), _labels_metadata(), [pipe])
        except BaseException as error:  # the test looks at what it is
            outcome.append(error)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # reading a pipe blocks until a writer comes: let it end
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("populate() read the pipe (it blocked) instead of refusing it")
    assert len(outcome) == 1 and isinstance(outcome[0], InputError)
    assert "not a regular file" in str(outcome[0])
    with pytest.raises(InputError, match="not a regular file"):
        populate(_tiny(), None, ["/dev/zero"])  # would never end


def test_tensor_metadata_must_describe_every_input_and_output() -> None:
    """As the reference populator checks: the tasks match tensor metadata by position."""
    two = SubGraphMetadata(output_tensor_metadata=[TensorMetadata(name="a"),
                                                   TensorMetadata(name="b")])
    with pytest.raises(MetadataError, match=r"describes 2 output tensor\(s\) but the model "
                                            r"has 1 \['channel_means'\]"):
        populate(_tiny(), ModelMetadata(subgraph_metadata=[two]))
    none = SubGraphMetadata(input_tensor_metadata=[])
    with pytest.raises(MetadataError, match=r"describes 0 input tensor\(s\) but the model has 1"):
        populate(_tiny(), ModelMetadata(subgraph_metadata=[none]))
    # Lists left out, or no subgraph metadata at all, describe nothing and are kept.
    populate(_tiny(), ModelMetadata(subgraph_metadata=[SubGraphMetadata()]))
    populate(_tiny(), ModelMetadata(name="no subgraph"))


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ModelLoadError):
        populate(b"not a model at all", ModelMetadata())
    with pytest.raises(MetadataError):
        populate(_tiny(), b"\x08\x00\x00\x00M001\x00\x00\x00\x00")
    with pytest.raises(MetadataError, match="must be a ModelMetadata"):
        populate(_tiny(), "{}")  # type: ignore[arg-type]
    with pytest.raises(MetadataError, match="must be bytes"):
        populate(_tiny(), _labels_metadata(), {"labels.txt": "text"})  # type: ignore[dict-item]
    with pytest.raises(MetadataError, match="cannot encode"):
        populate(_tiny(), ModelMetadata(name=3))  # type: ignore[arg-type]


# --- fuzz -----------------------------------------------------------------------------------


def _attempt(call: Callable[[], bytes]) -> bytes | None:
    """The result of ``call``, None when it raises our error; anything else fails the test."""
    try:
        return call()
    except TfliteTasksError:
        return None


def _reads_back(model: bytes, files: dict[str, bytes]) -> None:
    md = read_metadata(model)
    assert {name: md.file(name) for name in md.file_names} == files
    if md.has_metadata:
        assert md.model_metadata.min_parser_version == min_parser_version(md.model_metadata)


def test_fuzz_random_bytes_as_models() -> None:
    rng = random.Random(5)
    refused = 0
    for i in range(400):
        data = rng.randbytes(rng.randrange(200))
        if i % 2:  # past the identifier check
            data = data[:4] + b"TFL3" + data[8:]
        out = _attempt(lambda d=data: populate(d, _labels_metadata(), {"labels.txt": b"a"}))
        if out is None:
            refused += 1
        else:
            _reads_back(out, {"labels.txt": b"a"})
    assert refused > 300


def test_fuzz_truncated_and_flipped_models() -> None:
    rng = random.Random(11)
    model = _tiny()
    files = {"labels.txt": b"a\nb\n"}
    outcomes = {"ok": 0, "error": 0}
    candidates = [model[:n] for n in range(len(model))]
    for _ in range(1500):
        data = bytearray(model)
        if rng.random() < 0.5:
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        else:
            at = rng.randrange(len(data) - 3)
            struct.pack_into("<I", data, at, rng.choice([0, 1, 0x7F, 0xFF, 0xFFFF, 0x7FFFFFFF,
                                                         0xFFFFFFFF, rng.getrandbits(32)]))
        candidates.append(bytes(data))
    for data in candidates:
        out = _attempt(lambda d=data: populate(d, _labels_metadata(), files))
        outcomes["ok" if out is not None else "error"] += 1
        if out is not None:
            _reads_back(out, files)
    assert outcomes["ok"] > 100 and outcomes["error"] > 100


@pytest.mark.filterwarnings("ignore::UserWarning")  # a flip may rename a recorded file
def test_fuzz_metadata_buffers_given_encoded() -> None:
    rng = random.Random(3)
    source = read_metadata(data_path(REGEX_MODEL))
    files = {name: source.file(name) for name in source.file_names}
    model = _tiny()
    written = 0
    for _ in range(1500):
        buf = bytearray(source.buffer)
        if rng.random() < 0.1:
            buf = bytearray(b"\x10\0\0\0M001" + rng.randbytes(rng.randrange(64)))
        elif rng.random() < 0.2:
            buf = buf[: rng.randrange(len(buf))]
        else:
            for _ in range(rng.randint(1, 3)):
                buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        out = _attempt(lambda b=bytes(buf): populate(model, b, files))
        if out is not None:
            written += 1
            _reads_back(out, files)
    assert written > 100


@pytest.mark.filterwarnings("ignore::UserWarning")  # extra files are expected here
def test_fuzz_file_names_and_contents() -> None:
    rng = random.Random(8)
    good, bad = ["a", "b", ".", " ", "é", "\u20ac", "-", ":", "\n"], ["/", "\\", "\0", "\udc80"]
    model = _tiny()
    packed = 0
    for _ in range(600):
        names = ["".join(rng.choices(good + bad, [8] * len(good) + [1] * len(bad),
                                     k=rng.randrange(6))) for _ in range(3)]
        files = {name: rng.randbytes(rng.randrange(50)) for name in names}
        recorded = rng.sample(names, rng.randrange(len(names) + 1))
        metadata = ModelMetadata(associated_files=[AssociatedFile(name=n) for n in recorded])
        out = _attempt(lambda m=metadata, f=files: populate(model, m, f))
        if out is not None:
            packed += 1
            _reads_back(out, files)
    assert packed > 50



def test_a_metadata_entry_of_an_empty_buffer_is_no_metadata() -> None:
    """As the reference's get_metadata_buffer: the entry is skipped, not corrupt metadata."""
    model = tfl.ModelT.InitFromPackedBuf(_tiny(), 0)
    model.buffers.append(tfl.BufferT())
    model.metadata = [tfl.MetadataT(name=METADATA_NAME, buffer=len(model.buffers) - 1)]
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    empty = bytes(builder.Output())
    assert not read_metadata(empty).has_metadata
    written = populate(empty, _labels_metadata(), {"labels.txt": b"a\n"})
    assert read_metadata(written).model_metadata.name == "m"
    assert [m.name for m in decode_model(written).metadata] == [METADATA_NAME]
