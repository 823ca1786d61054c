"""The TFLite Metadata schema (metadata_schema.fbs v1.5) in the codec's declarative form.

Classes and fields are named as in the schema; field ids follow declaration order. Unset
strings, vectors, tables and unions are ``None``; scalars and enums hold the schema default.
A union field holds the member table itself (``Content.content_properties`` is e.g. an
``ImageProperties``); its type number comes from the member's class.
"""

# fb() returns a dataclasses.Field (like dataclasses.field), which RUF009 cannot tell.
# ruff: noqa: RUF009

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, TypeVar

from . import json_format
from .codec import FLOAT, INT, STRING, UINT, Bytes, EnumOf, Table, TableOf, UnionOf, VectorOf, fb

FILE_IDENTIFIER = "M001"

T = TypeVar("T", bound="MetadataTable")


class MetadataTable(Table):
    """A metadata table, convertible from and to the reference JSON form."""

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        """Builds the table from the dict form of its JSON."""
        return json_format.from_dict(cls, data)

    @classmethod
    def from_json(cls: type[T], text: str) -> T:
        """Builds the table from JSON text as the reference MetadataDisplayer prints it."""
        return json_format.from_json(cls, text)

    def to_json(self) -> str:
        """The JSON the reference MetadataDisplayer (flatc, strict JSON, indent 2) prints."""
        return json_format.to_json(self)


class AssociatedFileType(enum.IntEnum):
    """What an associated file holds."""

    UNKNOWN = 0
    DESCRIPTIONS = 1
    TENSOR_AXIS_LABELS = 2
    TENSOR_VALUE_LABELS = 3
    TENSOR_AXIS_SCORE_CALIBRATION = 4
    VOCABULARY = 5
    SCANN_INDEX_FILE = 6


class ColorSpaceType(enum.IntEnum):
    """The color space of an image tensor."""

    UNKNOWN = 0
    RGB = 1
    GRAYSCALE = 2


class BoundingBoxType(enum.IntEnum):
    """How the 4 values of a box are laid out."""

    UNKNOWN = 0
    BOUNDARIES = 1
    UPPER_LEFT = 2
    CENTER = 3


class CoordinateType(enum.IntEnum):
    """Box coordinates as ratios of the image size (0..1) or pixels."""

    RATIO = 0
    PIXEL = 1


class ScoreTransformationType(enum.IntEnum):
    """The transformation applied to scores before calibration."""

    IDENTITY = 0
    LOG = 1
    INVERSE_LOGISTIC = 2


@dataclass(kw_only=True)
class AssociatedFile(MetadataTable):
    """A file packed with the model: labels, vocabulary, calibration parameters..."""

    name: str | None = fb(STRING)
    description: str | None = fb(STRING)
    type: AssociatedFileType | int = fb(EnumOf(AssociatedFileType))
    locale: str | None = fb(STRING)
    version: str | None = fb(STRING)


@dataclass(kw_only=True)
class FeatureProperties(MetadataTable):
    """A tensor of features (no properties)."""


@dataclass(kw_only=True)
class ImageSize(MetadataTable):
    """An image size in pixels."""

    width: int = fb(UINT)
    height: int = fb(UINT)


@dataclass(kw_only=True)
class ImageProperties(MetadataTable):
    """An image tensor: its color space and default size."""

    color_space: ColorSpaceType | int = fb(EnumOf(ColorSpaceType))
    default_size: ImageSize | None = fb(TableOf(ImageSize))


@dataclass(kw_only=True)
class AudioProperties(MetadataTable):
    """An audio tensor: sample rate in Hz and number of channels."""

    sample_rate: int = fb(UINT)
    channels: int = fb(UINT)


@dataclass(kw_only=True)
class BoundingBoxProperties(MetadataTable):
    """A box tensor: the positions of its 4 coordinates, their meaning and unit."""

    index: list[int] | None = fb(VectorOf(UINT))
    type: BoundingBoxType | int = fb(EnumOf(BoundingBoxType))
    coordinate_type: CoordinateType | int = fb(EnumOf(CoordinateType))


@dataclass(kw_only=True)
class ValueRange(MetadataTable):
    """An inclusive range of dimension indices."""

    min: int = fb(INT)
    max: int = fb(INT)


@dataclass(kw_only=True)
class Content(MetadataTable):
    """What a tensor holds, and over which dimensions."""

    content_properties: (
        FeatureProperties | ImageProperties | BoundingBoxProperties | AudioProperties | None
    ) = fb(UnionOf(FeatureProperties, ImageProperties, BoundingBoxProperties, AudioProperties))
    range: ValueRange | None = fb(TableOf(ValueRange))


@dataclass(kw_only=True)
class NormalizationOptions(MetadataTable):
    """Input normalization ``(x - mean) / std``, per channel or one value for all."""

    mean: list[float] | None = fb(VectorOf(FLOAT))
    std: list[float] | None = fb(VectorOf(FLOAT))


@dataclass(kw_only=True)
class ScoreCalibrationOptions(MetadataTable):
    """Score calibration: the transformation applied first and the default score."""

    score_transformation: ScoreTransformationType | int = fb(EnumOf(ScoreTransformationType))
    default_score: float = fb(FLOAT)


@dataclass(kw_only=True)
class ScoreThresholdingOptions(MetadataTable):
    """Scores below ``global_score_threshold`` are dropped."""

    global_score_threshold: float = fb(FLOAT)


@dataclass(kw_only=True)
class BertTokenizerOptions(MetadataTable):
    """A WordPiece (BERT) tokenizer and its vocabulary file."""

    vocab_file: list[AssociatedFile] | None = fb(VectorOf(TableOf(AssociatedFile)))


@dataclass(kw_only=True)
class SentencePieceTokenizerOptions(MetadataTable):
    """A SentencePiece tokenizer: its model file and optional vocabulary file."""

    sentencePiece_model: list[AssociatedFile] | None = fb(VectorOf(TableOf(AssociatedFile)))
    vocab_file: list[AssociatedFile] | None = fb(VectorOf(TableOf(AssociatedFile)))


@dataclass(kw_only=True)
class RegexTokenizerOptions(MetadataTable):
    """A tokenizer splitting on a regular expression, and its vocabulary file."""

    delim_regex_pattern: str | None = fb(STRING)
    vocab_file: list[AssociatedFile] | None = fb(VectorOf(TableOf(AssociatedFile)))


ProcessUnitOptionsType = (
    NormalizationOptions
    | ScoreCalibrationOptions
    | ScoreThresholdingOptions
    | BertTokenizerOptions
    | SentencePieceTokenizerOptions
    | RegexTokenizerOptions
)


@dataclass(kw_only=True)
class ProcessUnit(MetadataTable):
    """One pre- or post-processing step."""

    options: ProcessUnitOptionsType | None = fb(
        UnionOf(
            NormalizationOptions,
            ScoreCalibrationOptions,
            ScoreThresholdingOptions,
            BertTokenizerOptions,
            SentencePieceTokenizerOptions,
            RegexTokenizerOptions,
        )
    )


@dataclass(kw_only=True)
class Stats(MetadataTable):
    """Per-channel (or global) maximum and minimum values of a tensor."""

    max: list[float] | None = fb(VectorOf(FLOAT))
    min: list[float] | None = fb(VectorOf(FLOAT))


@dataclass(kw_only=True)
class TensorGroup(MetadataTable):
    """Named group of tensors (by tensor metadata name)."""

    name: str | None = fb(STRING)
    tensor_names: list[str] | None = fb(VectorOf(STRING))


@dataclass(kw_only=True)
class TensorMetadata(MetadataTable):
    """Metadata of one input or output tensor."""

    name: str | None = fb(STRING)
    description: str | None = fb(STRING)
    dimension_names: list[str] | None = fb(VectorOf(STRING))
    content: Content | None = fb(TableOf(Content))
    process_units: list[ProcessUnit] | None = fb(VectorOf(TableOf(ProcessUnit)))
    stats: Stats | None = fb(TableOf(Stats))
    associated_files: list[AssociatedFile] | None = fb(VectorOf(TableOf(AssociatedFile)))


@dataclass(kw_only=True)
class CustomMetadata(MetadataTable):
    """Opaque named data (16-byte aligned in the buffer)."""

    name: str | None = fb(STRING)
    data: bytes | None = fb(Bytes(align=16))


@dataclass(kw_only=True)
class SubGraphMetadata(MetadataTable):
    """Metadata of one subgraph: its tensors, files and processing steps."""

    name: str | None = fb(STRING)
    description: str | None = fb(STRING)
    input_tensor_metadata: list[TensorMetadata] | None = fb(VectorOf(TableOf(TensorMetadata)))
    output_tensor_metadata: list[TensorMetadata] | None = fb(VectorOf(TableOf(TensorMetadata)))
    associated_files: list[AssociatedFile] | None = fb(VectorOf(TableOf(AssociatedFile)))
    input_process_units: list[ProcessUnit] | None = fb(VectorOf(TableOf(ProcessUnit)))
    output_process_units: list[ProcessUnit] | None = fb(VectorOf(TableOf(ProcessUnit)))
    input_tensor_groups: list[TensorGroup] | None = fb(VectorOf(TableOf(TensorGroup)))
    output_tensor_groups: list[TensorGroup] | None = fb(VectorOf(TableOf(TensorGroup)))
    custom_metadata: list[CustomMetadata] | None = fb(VectorOf(TableOf(CustomMetadata)))


@dataclass(kw_only=True)
class ModelMetadata(MetadataTable):
    """The root of the TFLite Metadata (file identifier ``M001``)."""

    name: str | None = fb(STRING)
    description: str | None = fb(STRING)
    version: str | None = fb(STRING)
    subgraph_metadata: list[SubGraphMetadata] | None = fb(VectorOf(TableOf(SubGraphMetadata)))
    author: str | None = fb(STRING)
    license: str | None = fb(STRING)
    associated_files: list[AssociatedFile] | None = fb(VectorOf(TableOf(AssociatedFile)))
    min_parser_version: str | None = fb(STRING)
