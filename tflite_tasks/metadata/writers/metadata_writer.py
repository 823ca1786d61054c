"""The base metadata writer: metadata for a model's first subgraph, plus the files to pack.

Task writers (``image_classifier``, ``object_detector``, ...) build a :class:`MetadataWriter`
from blocks of :mod:`.metadata_info`; ``populate()`` returns the model carrying it.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Sequence
from typing import TypeVar

from ...core.errors import MetadataError
from ...core.model_file import ModelSource, read_model_bytes
from ..model_schema import graph_io
from ..populator import check_tensor_counts, populate
from ..reader import read_metadata
from ..schema import ModelMetadata, ProcessUnit, SubGraphMetadata, TensorMetadata
from .metadata_info import FilePath, GeneralMd, TensorMd

W = TypeVar("W", bound="MetadataWriter")
MdT = TypeVar("MdT", bound=TensorMd)


def order_by_tensor_name(blocks: Sequence[MdT], model_names: Sequence[str]) -> list[MdT]:
    """Blocks in the model's tensor order, when they name their tensors (``tensor_name``).

    Raises MetadataError when the names given are not those of the model.
    """
    names = [md.tensor_name for md in blocks if md.tensor_name is not None]
    if not names:
        return list(blocks)
    if Counter(names) != Counter(model_names):
        raise MetadataError(f"the tensor names given ({names}) are not those of the model "
                            f"({list(model_names)})")
    by_name = {md.tensor_name: md for md in blocks}
    return [by_name[name] for name in model_names]


class MetadataWriter:
    """Writes metadata and its associated files into a TFLite model.

    ``associated_files`` are paths; each is packed under its base name, the name the metadata
    records.
    """

    def __init__(self, model_buffer: bytes, metadata: ModelMetadata,
                 associated_files: Sequence[FilePath] = ()) -> None:
        self.model_buffer = model_buffer
        self.metadata = metadata
        self.associated_files = list(associated_files)
        self._populated: bytes | None = None

    @classmethod
    def create_from_metadata_info(
        cls: type[W],
        model: ModelSource,
        general_md: GeneralMd | None = None,
        input_md: Sequence[TensorMd] | None = None,
        output_md: Sequence[TensorMd] | None = None,
        associated_files: Sequence[FilePath] | None = None,
        input_process_units: Sequence[ProcessUnit] | None = None,
    ) -> W:
        """A writer from blocks; files default to those the blocks name."""
        model_buffer = read_model_bytes(model)[0]
        inputs, outputs = graph_io(model_buffer)
        input_md = order_by_tensor_name(input_md or [], [t.name for t in inputs])
        output_md = order_by_tensor_name(output_md or [], [t.name for t in outputs])
        if associated_files is None:
            associated_files = [p for md in [*input_md, *output_md] for p in md.file_paths()]
        return cls.create_from_metadata(
            model_buffer, (general_md or GeneralMd()).create_metadata(),
            [md.create_metadata() for md in input_md],
            [md.create_metadata() for md in output_md], associated_files,
            input_process_units=input_process_units)

    @classmethod
    def create_from_metadata(
        cls: type[W],
        model: ModelSource,
        model_metadata: ModelMetadata | None = None,
        input_metadata: Sequence[TensorMetadata] | None = None,
        output_metadata: Sequence[TensorMetadata] | None = None,
        associated_files: Sequence[FilePath] | None = None,
        input_process_units: Sequence[ProcessUnit] | None = None,
        output_process_units: Sequence[ProcessUnit] | None = None,
    ) -> W:
        """A writer from schema tables, for the model's first subgraph.

        Missing tensor metadata becomes one empty table per model tensor, and unnamed tensors
        take the model's tensor names, as in the reference; MetadataError when the tables
        given are not one per input and per output. Process units given as an empty
        list are written as one (the reference's BERT writer does so).
        """
        model_buffer = read_model_bytes(model)[0]
        inputs, outputs = graph_io(model_buffer)
        tensors = []
        for given, model_tensors in ((input_metadata, inputs), (output_metadata, outputs)):
            tables = [copy.deepcopy(t) for t in given or []] or [
                TensorMetadata() for _ in model_tensors]
            for table, tensor in zip(tables, model_tensors, strict=False):
                table.name = table.name or tensor.name
            tensors.append(tables)
        metadata = copy.deepcopy(model_metadata) if model_metadata else ModelMetadata()
        metadata.subgraph_metadata = [SubGraphMetadata(
            input_tensor_metadata=tensors[0], output_tensor_metadata=tensors[1],
            input_process_units=None if input_process_units is None else list(input_process_units),
            output_process_units=(None if output_process_units is None
                                  else list(output_process_units)))]
        check_tensor_counts(model_buffer, metadata)
        return cls(model_buffer, metadata, associated_files or ())

    def populate(self) -> bytes:
        """The model carrying the metadata and the associated files (computed once)."""
        if self._populated is None:
            self._populated = populate(self.model_buffer, self.metadata, self.associated_files)
        return self._populated

    def get_metadata_json(self) -> str:
        """The metadata as JSON, before populating (no ``min_parser_version``)."""
        return self.metadata.to_json()

    def get_populated_metadata_json(self) -> str:
        """The metadata JSON of the populated model, ``min_parser_version`` included."""
        return read_metadata(self.populate()).to_json()
