"""TFLite Metadata (metadata_schema.fbs v1.5): read it from models, print it, write it.

``read_metadata(model)`` gives a :class:`Metadata` (the decoded :class:`ModelMetadata`, the
packed files, the reference JSON); :func:`populate` writes metadata and files into a model;
:func:`min_parser_version` is the parser version a metadata needs.
"""

from .populator import populate
from .reader import Metadata, process_unit_options, read_metadata
from .schema import (
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
)
from .version import min_parser_version

__all__ = [
    "AssociatedFile",
    "AssociatedFileType",
    "AudioProperties",
    "BertTokenizerOptions",
    "BoundingBoxProperties",
    "BoundingBoxType",
    "ColorSpaceType",
    "Content",
    "CoordinateType",
    "CustomMetadata",
    "FeatureProperties",
    "ImageProperties",
    "ImageSize",
    "Metadata",
    "ModelMetadata",
    "NormalizationOptions",
    "ProcessUnit",
    "RegexTokenizerOptions",
    "ScoreCalibrationOptions",
    "ScoreThresholdingOptions",
    "ScoreTransformationType",
    "SentencePieceTokenizerOptions",
    "Stats",
    "SubGraphMetadata",
    "TensorGroup",
    "TensorMetadata",
    "ValueRange",
    "min_parser_version",
    "populate",
    "process_unit_options",
    "read_metadata",
]
