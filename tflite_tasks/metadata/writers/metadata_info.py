"""Building blocks of task metadata: what the reference ``metadata_info.*Md`` classes hold.

Each block is a dataclass whose ``create_metadata()`` returns the schema table it stands
for, with the defaults (descriptions, file types, stats) of the reference metadata writers
(tflite_support 0.4.4), so the JSON the writers produce equals the reference's field for
field. Files are named by path; the metadata records their base name and the writer packs
their content.
"""

from __future__ import annotations

import numbers
from collections import Counter
from dataclasses import KW_ONLY, dataclass, field

import numpy as np

from ...core.errors import MetadataError
from ...core.model_file import ModelSource, read_model_bytes
from ..model_schema import TENSOR_TYPES, graph_io
from ..schema import (
    AssociatedFile,
    AssociatedFileType,
    AudioProperties,
    BoundingBoxProperties,
    ColorSpaceType,
    Content,
    FeatureProperties,
    ImageProperties,
    ModelMetadata,
    NormalizationOptions,
    ProcessUnit,
    ScoreCalibrationOptions,
    ScoreThresholdingOptions,
    ScoreTransformationType,
    Stats,
    TensorMetadata,
)
from .tokenizer_md import (
    BertTokenizerMd,
    FilePath,
    RegexTokenizerMd,
    SentencePieceTokenizerMd,
    file_name,
)
from .tokenizer_md import TokenizerMd as TokenizerMd  # re-exported, as in the reference
from .values import real, reals, whole

_UINT8_RANGE = ([0.0], [255.0])


@dataclass
class GeneralMd:
    """Name, version, description, author and licenses of a model."""

    name: str | None = None
    version: str | None = None
    description: str | None = None
    author: str | None = None
    licenses: str | None = None

    def create_metadata(self) -> ModelMetadata:
        """The ModelMetadata root, without subgraphs."""
        return ModelMetadata(name=self.name, version=self.version, description=self.description,
                             author=self.author, license=self.licenses)


@dataclass
class AssociatedFileMd:
    """A file packed with the model: its path, description, type and locale."""

    file_path: FilePath
    description: str | None = None
    file_type: AssociatedFileType = AssociatedFileType.UNKNOWN
    locale: str | None = None

    def create_metadata(self) -> AssociatedFile:
        """The AssociatedFile table (named by the file's base name)."""
        return AssociatedFile(name=file_name(self.file_path), description=self.description,
                              type=self.file_type, locale=self.locale)


@dataclass
class LabelFileMd(AssociatedFileMd):
    """A label file (one label per line) of a tensor axis, optionally for a locale:
    ``LabelFileMd(path, locale)`` as in the reference."""

    description: str | None = field(
        default="Labels for categories that the model can recognize.", kw_only=True)
    file_type: AssociatedFileType = field(
        default=AssociatedFileType.TENSOR_AXIS_LABELS, kw_only=True)


@dataclass
class ScoreCalibrationMd:
    """Sigmoid score calibration: its transformation, default score and parameter file."""

    score_transformation_type: ScoreTransformationType
    default_score: float
    file_path: FilePath

    def __post_init__(self) -> None:
        self.default_score = real(self.default_score, "default_score")

    description = (
        "Contains sigmoid-based score calibration parameters. The main purposes of score "
        "calibration is to make scores across classes comparable, so that a common threshold "
        "can be used for all output classes.")

    def create_metadata(self) -> ProcessUnit:
        """The ScoreCalibrationOptions process unit."""
        return ProcessUnit(options=ScoreCalibrationOptions(
            score_transformation=self.score_transformation_type,
            default_score=self.default_score))

    def create_score_calibration_file_md(self) -> AssociatedFileMd:
        """The parameter file, of type TENSOR_AXIS_SCORE_CALIBRATION."""
        return AssociatedFileMd(self.file_path, self.description,
                                AssociatedFileType.TENSOR_AXIS_SCORE_CALIBRATION)


@dataclass
class ScoreThresholdingMd:
    """A global score threshold: results scoring below it are dropped."""

    global_score_threshold: float

    def __post_init__(self) -> None:
        self.global_score_threshold = real(self.global_score_threshold,
                                           "global_score_threshold", infinite=True)

    def create_metadata(self) -> ProcessUnit:
        """The ScoreThresholdingOptions process unit."""
        return ProcessUnit(options=ScoreThresholdingOptions(
            global_score_threshold=self.global_score_threshold))


_PROPERTIES = {"feature": FeatureProperties, "image": ImageProperties,
               "bounding_box": BoundingBoxProperties, "audio": AudioProperties}


@dataclass
class TensorMd:
    """A tensor's name, description, per-channel stats, content kind and files.

    ``content_type`` is one of "feature", "image", "bounding_box", "audio";
    ``tensor_name`` is the tensor's name in the model, used to order the blocks by it.
    Past ``name`` and ``description``, its fields go by keyword; a subclass's own fields
    follow them positionally in the reference's order.
    """

    name: str | None = None
    description: str | None = None
    _: KW_ONLY
    min_values: list[float] | None = None
    max_values: list[float] | None = None
    content_type: str = "feature"
    associated_files: list[AssociatedFileMd] | None = None
    tensor_name: str | None = None

    def create_metadata(self) -> TensorMetadata:
        """The TensorMetadata table (stats present even when empty, as the reference)."""
        if self.content_type not in _PROPERTIES:
            raise MetadataError(f"content_type must be one of {', '.join(_PROPERTIES)}, "
                                f"not {self.content_type!r}")
        return TensorMetadata(
            name=self.name, description=self.description,
            stats=Stats(max=self.max_values, min=self.min_values),
            content=Content(content_properties=_PROPERTIES[self.content_type]()),
            associated_files=[f.create_metadata() for f in self.associated_files or []] or None)

    def file_paths(self) -> list[FilePath]:
        """The files this tensor needs packed."""
        return [f.file_path for f in self.associated_files or []]


def _dtype_name(tensor_type: object) -> str | None:
    """A tensor type as a ``TENSOR_TYPES`` name, from a name ("uint8", "UINT8"), a numpy
    dtype or type, or a schema ``TensorType`` number (as the reference takes it)."""
    if tensor_type is None:
        return None
    if isinstance(tensor_type, numbers.Integral) and not isinstance(tensor_type, bool):
        index = int(tensor_type)
        name = TENSOR_TYPES[index] if 0 <= index < len(TENSOR_TYPES) else None
    elif isinstance(tensor_type, str):
        name = tensor_type.lower()
    else:
        try:
            name = np.dtype(tensor_type).name  # type: ignore[call-overload]
        except TypeError:
            name = None
    if name not in TENSOR_TYPES:
        raise MetadataError(f"tensor_type {tensor_type!r} is no tensor type: give a name such "
                            "as 'uint8' or 'float32', a numpy dtype, or a TensorType number")
    return name


@dataclass
class InputImageTensorMd(TensorMd):
    """An image input: normalization mean/std per channel, color space, element type.

    Stats follow the reference: [0, 255] for uint8; for float32 with normalization, the
    normalized range of pixels 0..255; else none.
    """

    norm_mean: list[float] | None = None
    norm_std: list[float] | None = None
    color_space_type: ColorSpaceType = ColorSpaceType.UNKNOWN
    tensor_type: str | None = None
    content_type: str = field(default="image", kw_only=True)

    def __post_init__(self) -> None:
        self.norm_mean, self.norm_std = reals(self.norm_mean, "norm_mean"), reals(
            self.norm_std, "norm_std")
        if (self.norm_mean is None) != (self.norm_std is None) or (
                self.norm_mean and len(self.norm_mean) != len(self.norm_std or [])):
            raise MetadataError(
                f"norm_mean and norm_std must be given together and have the same length, "
                f"got {self.norm_mean} and {self.norm_std}")
        if any(s == 0 for s in self.norm_std or []):
            raise MetadataError("norm_std must not contain 0")
        dtype = _dtype_name(self.tensor_type)
        if dtype == "uint8":
            self.min_values, self.max_values = _UINT8_RANGE
        elif dtype == "float32" and self.norm_mean and self.norm_std:
            pairs = list(zip(self.norm_mean, self.norm_std, strict=True))
            self.min_values = [float(0.0 - m) / s for m, s in pairs]
            self.max_values = [float(255.0 - m) / s for m, s in pairs]

    def create_metadata(self) -> TensorMetadata:
        """The image TensorMetadata with its NormalizationOptions, if any."""
        metadata = super().create_metadata()
        metadata.content.content_properties.color_space = self.color_space_type  # type: ignore
        if self.norm_mean and self.norm_std:
            metadata.process_units = [ProcessUnit(options=NormalizationOptions(
                mean=list(self.norm_mean), std=list(self.norm_std)))]
        return metadata


@dataclass
class InputTextTensorMd(TensorMd):
    """A text input with an optional regex tokenizer."""

    tokenizer_md: RegexTokenizerMd | None = None

    def create_metadata(self) -> TensorMetadata:
        """The text TensorMetadata with its tokenizer process unit, if any."""
        if not isinstance(self.tokenizer_md, RegexTokenizerMd | None):
            raise MetadataError(
                f"a text input takes a RegexTokenizerMd, not {type(self.tokenizer_md).__name__}; "
                "BERT and SentencePiece tokenizers go in BertInputTensorsMd")
        metadata = super().create_metadata()
        if self.tokenizer_md:
            metadata.process_units = [self.tokenizer_md.create_metadata()]
        return metadata

    def file_paths(self) -> list[FilePath]:
        """The files this tensor needs packed, the vocabulary included."""
        return super().file_paths() + (self.tokenizer_md.file_paths() if self.tokenizer_md
                                       else [])


@dataclass
class InputAudioTensorMd(TensorMd):
    """An audio input: sample rate (Hz) and channels (0 = unknown, as the reference)."""

    sample_rate: int = 0
    channels: int = 0
    content_type: str = field(default="audio", kw_only=True)

    def create_metadata(self) -> TensorMetadata:
        """The audio TensorMetadata with its AudioProperties."""
        for name in ("sample_rate", "channels"):
            whole(getattr(self, name), name, 0)
        metadata = super().create_metadata()
        metadata.content = Content(content_properties=AudioProperties(
            sample_rate=self.sample_rate, channels=self.channels))
        return metadata


@dataclass
class ClassificationTensorMd(TensorMd):
    """A score output: label files, element type (stats) and score calibration."""

    label_files: list[LabelFileMd] | None = None
    tensor_type: str | None = None
    score_calibration_md: ScoreCalibrationMd | None = None
    score_thresholding_md: ScoreThresholdingMd | None = None

    def __post_init__(self) -> None:
        dtype = _dtype_name(self.tensor_type)
        if dtype == "uint8":
            self.min_values, self.max_values = _UINT8_RANGE
        elif dtype == "float32":
            self.min_values, self.max_values = [0.0], [1.0]
        files: list[AssociatedFileMd] = [*(self.associated_files or []),
                                         *(self.label_files or [])]
        if self.score_calibration_md:
            files.append(self.score_calibration_md.create_score_calibration_file_md())
        self.associated_files = files

    def create_metadata(self) -> TensorMetadata:
        """The classification TensorMetadata with its calibration/threshold units."""
        metadata = super().create_metadata()
        units = [md.create_metadata()
                 for md in (self.score_calibration_md, self.score_thresholding_md) if md]
        metadata.process_units = units or None
        return metadata


@dataclass
class CategoryTensorMd(TensorMd):
    """A tensor of category indices (a detector's classes): TENSOR_VALUE_LABELS files."""

    label_files: list[LabelFileMd] | None = None

    def __post_init__(self) -> None:
        files = [AssociatedFileMd(f.file_path, f.description,
                                  AssociatedFileType.TENSOR_VALUE_LABELS, f.locale)
                 for f in self.label_files or []]
        self.associated_files = [*(self.associated_files or []), *files] or None


_BERT_INPUTS = (
    ("ids", "Tokenized ids of the input text."),
    ("mask", "Mask with 1 for real tokens and 0 for padding tokens."),
    ("segment_ids", "0 for the first sequence, 1 for the second sequence if exists."),
)


@dataclass
class BertInputTensorsMd:
    """The three inputs of a BERT model (token ids, mask, segment ids) and its tokenizer.

    ``ids_name``, ``mask_name`` and ``segment_name`` are the tensors' names in the model: the
    metadata follows the model's input order. The tokenizer (WordPiece or SentencePiece) goes
    in the subgraph's input process units, as in the reference.
    """

    model_buffer: ModelSource = field(repr=False)
    ids_name: str
    mask_name: str
    segment_name: str
    ids_md: TensorMd | None = None
    mask_md: TensorMd | None = None
    segment_ids_md: TensorMd | None = None
    tokenizer_md: BertTokenizerMd | SentencePieceTokenizerMd | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.tokenizer_md, BertTokenizerMd | SentencePieceTokenizerMd | None):
            raise MetadataError(
                f"BERT inputs take a BertTokenizerMd or SentencePieceTokenizerMd, not "
                f"{type(self.tokenizer_md).__name__}; a regex tokenizer goes in "
                "InputTextTensorMd (nl_classifier)")
        given = {"ids_name": self.ids_name, "mask_name": self.mask_name,
                 "segment_name": self.segment_name}
        self._model_names = [t.name for t in graph_io(read_model_bytes(self.model_buffer)[0])[0]]
        if Counter(given.values()) != Counter(self._model_names):
            names = ", ".join(f"{key}={value!r}" for key, value in given.items())
            raise MetadataError(
                f"the BERT input names ({names}) are not the model's inputs "
                f"({self._model_names}); pass the names of its ids, mask and segment ids "
                "tensors as ids_name, mask_name and segment_name")
        defaults = [TensorMd(name=name, description=text) for name, text in _BERT_INPUTS]
        self.ids_md, self.mask_md, self.segment_ids_md = (
            given_md if given_md is not None else default for given_md, default in
            zip((self.ids_md, self.mask_md, self.segment_ids_md), defaults, strict=True))

    def create_input_tensor_metadata(self) -> list[TensorMetadata]:
        """The metadata of the three inputs, in the model's input order."""
        by_name = dict(zip((self.ids_name, self.mask_name, self.segment_name),
                           (self.ids_md, self.mask_md, self.segment_ids_md), strict=True))
        return [by_name[name].create_metadata() for name in self._model_names]  # type: ignore

    def create_input_process_unit_metadata(self) -> list[ProcessUnit]:
        """The tokenizer process unit (none without a tokenizer)."""
        return [self.tokenizer_md.create_metadata()] if self.tokenizer_md else []

    def get_tokenizer_associated_files(self) -> list[FilePath]:
        """The files the tokenizer needs packed."""
        return self.tokenizer_md.file_paths() if self.tokenizer_md else []
