"""The flatbuffers codec, the model schema subset and read_metadata (populate: test_populator)."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import flatbuffers
import numpy as np
import pytest
from flatbuffers.table import Table as FbTable
from testdata import data_path

from tflite_tasks.core.errors import MetadataError, ModelFileNotFoundError, ModelLoadError
from tflite_tasks.metadata import (
    AssociatedFile,
    AssociatedFileType,
    AudioProperties,
    BertTokenizerOptions,
    BoundingBoxProperties,
    BoundingBoxType,
    ColorSpaceType,
    Content,
    CoordinateType,
    CustomMetadata,
    FeatureProperties,
    ImageProperties,
    ImageSize,
    ModelMetadata,
    NormalizationOptions,
    ProcessUnit,
    RegexTokenizerOptions,
    ScoreCalibrationOptions,
    ScoreThresholdingOptions,
    ScoreTransformationType,
    SentencePieceTokenizerOptions,
    Stats,
    SubGraphMetadata,
    TensorGroup,
    TensorMetadata,
    ValueRange,
    read_metadata,
)
from tflite_tasks.metadata.codec import decode, encode
from tflite_tasks.metadata.model_schema import Buffer, metadata_buffer, operator_codes

LABELS = AssociatedFile(
    name="labels.txt", description="Labels.", type=AssociatedFileType.TENSOR_AXIS_LABELS
)


def _rich_metadata() -> ModelMetadata:
    """Metadata using every table, enum and union member (floats exact in float32)."""
    image = TensorMetadata(
        name="image",
        dimension_names=["batch", "height", "width", "channels"],
        content=Content(
            content_properties=ImageProperties(
                color_space=ColorSpaceType.RGB, default_size=ImageSize(width=224, height=160)
            ),
            range=ValueRange(min=1, max=2),
        ),
        process_units=[ProcessUnit(options=NormalizationOptions(mean=[127.5], std=[127.5, 0.5]))],
        stats=Stats(max=[255.0], min=[-1.0]),
    )
    boxes = TensorMetadata(
        name="boxes",
        content=Content(
            content_properties=BoundingBoxProperties(
                index=[1, 0, 3, 2],
                type=BoundingBoxType.CENTER,
                coordinate_type=CoordinateType.PIXEL,
            )
        ),
    )
    scores = TensorMetadata(
        name="scores",
        content=Content(content_properties=FeatureProperties()),
        process_units=[
            ProcessUnit(
                options=ScoreCalibrationOptions(
                    score_transformation=ScoreTransformationType.INVERSE_LOGISTIC,
                    default_score=0.25,
                )
            ),
            ProcessUnit(options=ScoreThresholdingOptions(global_score_threshold=0.5)),
        ],
        associated_files=[LABELS, AssociatedFile(name="labels_fr.txt", locale="fr", version="2")],
    )
    audio = TensorMetadata(
        content=Content(content_properties=AudioProperties(sample_rate=16000, channels=1))
    )
    vocab = [AssociatedFile(name="vocab.txt", type=AssociatedFileType.VOCABULARY)]
    subgraph = SubGraphMetadata(
        name="main",
        description="The only subgraph.",
        input_tensor_metadata=[image, audio],
        output_tensor_metadata=[boxes, scores],
        associated_files=[AssociatedFile(name="sub.txt")],
        input_process_units=[
            ProcessUnit(options=BertTokenizerOptions(vocab_file=vocab)),
            ProcessUnit(
                options=SentencePieceTokenizerOptions(
                    sentencePiece_model=[AssociatedFile(name="sp.model")], vocab_file=vocab
                )
            ),
        ],
        output_process_units=[
            ProcessUnit(
                options=RegexTokenizerOptions(delim_regex_pattern=r"[^\w\']+", vocab_file=vocab)
            )
        ],
        input_tensor_groups=[TensorGroup(name="in", tensor_names=["image", "audio"])],
        output_tensor_groups=[TensorGroup(name="empty", tensor_names=[])],
        custom_metadata=[CustomMetadata(name="blob", data=bytes(range(40)))],
    )
    return ModelMetadata(
        name="rich",
        description="Ünïcode ✓ 😀",
        version="v1",
        subgraph_metadata=[subgraph, SubGraphMetadata()],
        author="us",
        license="Apache-2.0",
        associated_files=[AssociatedFile(name="model.txt")],
        min_parser_version="1.5.0",
    )


def test_decode_of_encode_is_identity() -> None:
    md = _rich_metadata()
    buf = encode(md, "M001")
    assert buf[4:8] == b"M001"
    back = decode(buf, ModelMetadata, "M001")
    assert back == md
    assert back.to_json() == md.to_json()
    assert ModelMetadata.from_json(md.to_json()) == md
    assert encode(back, "M001") == buf


def test_empty_table_and_defaults() -> None:
    assert decode(encode(ModelMetadata()), ModelMetadata) == ModelMetadata()
    assert ModelMetadata().to_json() == "{\n}\n"


def test_official_flatbuffers_runtime_reads_our_encoding() -> None:
    md = _rich_metadata()
    buf = bytearray(encode(md, "M001"))
    root = FbTable(buf, flatbuffers.encode.Get(flatbuffers.packer.uoffset, buf, 0))
    assert root.String(root.Offset(4) + root.Pos) == b"rich"  # field 0: name
    subgraphs = root.Offset(10)  # field 3: subgraph_metadata
    assert root.VectorLen(subgraphs) == 2
    sub = FbTable(buf, root.Indirect(root.Vector(subgraphs)))
    inputs = sub.Offset(8)  # field 2: input_tensor_metadata
    tensor = FbTable(buf, sub.Indirect(sub.Vector(inputs)))
    content = FbTable(buf, tensor.Indirect(tensor.Pos + tensor.Offset(10)))  # field 3: content
    assert content.Get(flatbuffers.number_types.Uint8Flags, content.Pos + content.Offset(4)) == 2
    props = FbTable(buf, content.Indirect(content.Pos + content.Offset(6)))
    assert props.Get(flatbuffers.number_types.Int8Flags, props.Pos + props.Offset(4)) == 1  # RGB


def test_force_aligned_bytes_and_ulong_alignment() -> None:
    md = ModelMetadata(
        subgraph_metadata=[SubGraphMetadata(custom_metadata=[CustomMetadata(data=b"\x07" * 33)])]
    )
    buf = encode(md)
    start = buf.index(b"\x07" * 33)
    assert start % 16 == 0 and struct.unpack_from("<I", buf, start - 4)[0] == 33
    buffer = Buffer(offset=2**40 + 3, size=7)
    assert decode(encode(buffer), Buffer) == buffer


@pytest.mark.parametrize(
    "bad",
    [
        AssociatedFile(name=b"bytes"),  # type: ignore[arg-type]
        AssociatedFile(name="\ud800"),
        ImageSize(width=-1),
        Stats(max=["x"]),  # type: ignore[list-item]
        Content(content_properties=ValueRange()),  # type: ignore[arg-type]
        TensorMetadata(content=Stats()),  # type: ignore[arg-type]
        CustomMetadata(data=[1, 2]),  # type: ignore[arg-type]
    ],
)
def test_encoding_invalid_objects_raises_metadata_error(bad: object) -> None:
    with pytest.raises(MetadataError):
        encode(bad)  # type: ignore[arg-type]


def test_metadata_buffer_and_operator_codes() -> None:
    with_md = data_path("vision/mobilenet_v1_0.25_224_quant.tflite").read_bytes()
    assert metadata_buffer(with_md)[4:8] == b"M001"
    assert (
        metadata_buffer(data_path("vision/mobilenet_v1_0.25_224_1_default_1.tflite").read_bytes())
        is None
    )
    codes = operator_codes(data_path("text/smartreply/smartreply.tflite").read_bytes())
    assert (32, "Normalize") in codes and (32, "ExtractFeatures") in codes
    assert all(custom is None for builtin, custom in codes if builtin != 32)
    with pytest.raises(ModelLoadError, match="TFL3"):
        operator_codes(b"\x00" * 64)


EXPECTED_FILES = {
    "vision/mobilenet_v1_0.25_224_1_metadata_1": {
        "labels.txt": ("output 0 'probability'", 1001, "background")
    },
    "vision/mobilenet_v1_0.25_224_quant": {
        "labels.txt": ("output 0 'probability'", 1001, "background")
    },
    "vision/efficientnet_lite0": {
        "labels_without_background.txt": ("output 0 'probability'", 1000, "tench")
    },
    "vision/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29": {
        "labelmap.txt": ("output 1 'classes'", 90, "person")
    },
    "vision/deeplabv3": {"labelmap.txt": ("output 0 'segmentation masks'", 21, "background")},
    "text/test_model_nl_classifier_with_regex_tokenizer": {
        "vocab.txt": ("input 0 'input_text'", 10001, "<PAD> 0"),
        "labels.txt": ("output 0 'probability'", 2, "Negative"),
    },
    "text/text_classification_v2": {
        "labels.txt": ("output 0 'probability'", 2, "Negative"),
        "vocab.txt": ("input 0 'input_text'", 10003, "<PAD> 0"),
    },
    "text/regex_one_embedding_with_metadata": {
        "vocab.txt": ("input 0 'serving_default_input_2:0'", 10003, "<PAD> 0"),
    },
    "audio/yamnet_audio_classifier_with_metadata": {
        "yamnet_label_list.txt": ("output 0 'scores'", 521, "Speech")
    },
}


@pytest.mark.parametrize("model", sorted(EXPECTED_FILES))
def test_associated_files(model: str) -> None:
    md = read_metadata(data_path(f"{model}.tflite"))
    expected = EXPECTED_FILES[model]
    assert md.file_names == list(expected)
    for name, (tensor, lines, first) in expected.items():
        text = md.file_text(name)
        assert md.file(name) == text.encode("utf-8")
        assert len(text.splitlines()) == lines and text.splitlines()[0] == first
        assert md.tensor_of_file(name) == tensor
    with pytest.raises(MetadataError, match=repr(next(iter(expected)))):
        md.file("missing.txt")


def test_tensor_accessors() -> None:
    md = read_metadata(data_path("vision/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"))
    assert md.input_tensor(0).name == "image"
    assert [md.output_tensor(i).name for i in range(4)] == [
        "locations",
        "classes",
        "scores",
        "number of detections",
    ]
    assert md.output_tensor(4) is None and md.input_tensor(-1) is None
    assert md.tensor_of_file("nothing") is None


@pytest.mark.parametrize("kind", [str, Path, bytes, bytearray, memoryview])
def test_read_metadata_sources(kind: type) -> None:
    path = data_path("vision/deeplabv3.tflite")
    source = kind(path.read_bytes()) if kind in (bytes, bytearray, memoryview) else kind(path)
    md = read_metadata(source)
    assert md.has_metadata and md.model_metadata.name and md.buffer[4:8] == b"M001"


def test_model_without_metadata() -> None:
    md = read_metadata(data_path("vision/mobilenet_v1_0.25_224_1_default_1.tflite"))
    assert not md.has_metadata and md.model_metadata is None and md.buffer is None
    assert md.file_names == [] and md.input_tensor(0) is None and md.tensor_of_file("x") is None
    with pytest.raises(MetadataError, match="no TFLite Metadata"):
        md.to_json()
    with pytest.raises(MetadataError, match="none"):
        md.file("labels.txt")


def test_missing_file_and_non_models(tmp_path: Path) -> None:
    with pytest.raises(ModelFileNotFoundError) as info:
        read_metadata(tmp_path / "absent.tflite")
    assert isinstance(info.value, FileNotFoundError)
    with pytest.raises(ModelLoadError):
        read_metadata(tmp_path)  # a directory
    rng = np.random.default_rng(0)
    for size in (0, 3, 8, 1000):
        with pytest.raises(ModelLoadError, match="not a TFLite model"):
            read_metadata(rng.integers(0, 256, size, dtype=np.uint8).tobytes())


def test_read_metadata_is_fast() -> None:
    model = data_path("audio/yamnet_audio_classifier_with_metadata.tflite").read_bytes()  # 4 MB
    times = []
    for _ in range(6):
        start = time.perf_counter()
        read_metadata(model)
        times.append(time.perf_counter() - start)
    assert min(times) < 0.010

