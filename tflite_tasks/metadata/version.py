"""The minimum metadata parser version a ModelMetadata needs, computed as the reference does.

A port of ``GetMinimumMetadataParserVersion`` (tflite-support 0.4.4,
``metadata/cc/metadata_version.cc``, schema 1.5): the version is the newest of those of the
schema members the metadata uses, starting at 1.0.0. Like the reference, it visits the files
of the model, of each subgraph and of each tensor, but not the files inside tokenizer options.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .codec import Table, fields_of, union_tag
from .schema import (
    AssociatedFile,
    AssociatedFileType,
    Content,
    ModelMetadata,
    ProcessUnit,
    SubGraphMetadata,
    TensorMetadata,
)

Version = tuple[int, int, int]

_BASE: Version = (1, 0, 0)
_VOCABULARY: Version = (1, 0, 1)
_SUBGRAPH_PROCESS_UNITS: Version = (1, 1, 0)
_TENSOR_GROUPS: Version = (1, 2, 0)
_AUDIO_PROPERTIES: Version = (1, 3, 0)
_SCANN_INDEX_FILE: Version = (1, 4, 0)
_FILE_VERSION: Version = (1, 4, 1)
_CUSTOM_METADATA: Version = (1, 5, 0)

# Union type numbers (declaration order in the schema, from 1), as the reference reads them.
_OPTIONS_VERSIONS: dict[int, Version] = {
    4: (1, 1, 0),  # BertTokenizerOptions
    5: (1, 1, 0),  # SentencePieceTokenizerOptions
    6: (1, 2, 1),  # RegexTokenizerOptions
}
_AUDIO_PROPERTIES_TYPE = 4  # ContentProperties.AudioProperties


def _tag(table: Table, union: str) -> int:
    """The type number of a union field (kept even when its value is absent or unknown)."""
    spec = next(s for s in fields_of(type(table)) if s.name == union)
    return union_tag(table, spec)


def _files(files: Iterable[AssociatedFile] | None) -> Iterator[Version]:
    for file in files or []:
        if file.type == AssociatedFileType.VOCABULARY:
            yield _VOCABULARY
        if file.type == AssociatedFileType.SCANN_INDEX_FILE:
            yield _SCANN_INDEX_FILE
        if file.version is not None:
            yield _FILE_VERSION


def _units(units: Iterable[ProcessUnit] | None) -> Iterator[Version]:
    for unit in units or []:
        version = _OPTIONS_VERSIONS.get(_tag(unit, "options"))
        if version is not None:
            yield version


def _content(content: Content | None) -> Iterator[Version]:
    if content is not None and _tag(content, "content_properties") == _AUDIO_PROPERTIES_TYPE:
        yield _AUDIO_PROPERTIES


def _tensors(tensors: Iterable[TensorMetadata] | None) -> Iterator[Version]:
    for tensor in tensors or []:
        yield from _files(tensor.associated_files)
        yield from _units(tensor.process_units)
        yield from _content(tensor.content)


def _subgraph(subgraph: SubGraphMetadata) -> Iterator[Version]:
    yield from _tensors(subgraph.input_tensor_metadata)
    yield from _tensors(subgraph.output_tensor_metadata)
    yield from _files(subgraph.associated_files)
    for units in (subgraph.input_process_units, subgraph.output_process_units):
        if units is not None:  # present, even empty
            yield _SUBGRAPH_PROCESS_UNITS
            yield from _units(units)
    if subgraph.input_tensor_groups is not None or subgraph.output_tensor_groups is not None:
        yield _TENSOR_GROUPS
    if subgraph.custom_metadata is not None:
        yield _CUSTOM_METADATA


def _versions(metadata: ModelMetadata) -> Iterator[Version]:
    yield _BASE
    for subgraph in metadata.subgraph_metadata or []:
        yield from _subgraph(subgraph)
    yield from _files(metadata.associated_files)


def min_parser_version(metadata: ModelMetadata) -> str:
    """The oldest metadata parser version that reads ``metadata``, e.g. ``"1.2.1"``.

    The value the reference MetadataPopulator writes into ``min_parser_version``; the field's
    current value does not count.
    """
    return ".".join(map(str, max(_versions(metadata))))
