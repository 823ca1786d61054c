"""Reading a model's TFLite Metadata and its associated (packed) files.

The metadata is the flatbuffer in the buffer of the model's ``TFLITE_METADATA`` entry; the
associated files are a ZIP archive appended to the model (offsets from the file start).
"""

from __future__ import annotations

import io
import lzma
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import TypeVar

from ..core.errors import MetadataError
from ..core.model_file import ModelSource, read_model_bytes
from .codec import decode
from .model_schema import metadata_buffer
from .schema import FILE_IDENTIFIER, AssociatedFile, ModelMetadata, ProcessUnit, TensorMetadata

# Everything zipfile may raise on a corrupt archive (NotImplementedError is a RuntimeError).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    KeyError,
    IndexError,
    struct.error,
    zlib.error,
    lzma.LZMAError,
    RuntimeError,
    OverflowError,
)
OptionsT = TypeVar("OptionsT")

_MAX_INFLATION = 64  # a packed file may be at most this many times the model size
_CHUNK = 1 << 16


def _unit_files(units: list[ProcessUnit] | None) -> Iterator[AssociatedFile]:
    for unit in units or []:
        for field in ("sentencePiece_model", "vocab_file"):
            yield from getattr(unit.options, field, None) or []


def _tensor_files(tensor: TensorMetadata) -> Iterator[AssociatedFile]:
    yield from tensor.associated_files or []
    yield from _unit_files(tensor.process_units)


def recorded_files(metadata: ModelMetadata) -> Iterator[AssociatedFile]:
    """Every AssociatedFile the metadata records: the model's, then per subgraph its own, its
    tensors' (tokenizer files included) and its process units' (the reference's order)."""
    yield from metadata.associated_files or []
    for subgraph in metadata.subgraph_metadata or []:
        yield from subgraph.associated_files or []
        for tensor in [*(subgraph.input_tensor_metadata or []),
                       *(subgraph.output_tensor_metadata or [])]:
            yield from _tensor_files(tensor)
        yield from _unit_files(subgraph.input_process_units)
        yield from _unit_files(subgraph.output_process_units)


class Metadata:
    """The TFLite Metadata of a model and its packed (associated) files."""

    def __init__(self, model_bytes: bytes) -> None:
        """Parses the metadata of ``model_bytes`` (files are read on first access)."""
        self._model = model_bytes
        self.buffer: bytes | None = metadata_buffer(model_bytes)
        self.model_metadata: ModelMetadata | None = None
        if self.buffer is not None:
            self.model_metadata = decode(self.buffer, ModelMetadata, FILE_IDENTIFIER)
        self._archive: zipfile.ZipFile | None = None
        self._archive_read = False

    @property
    def has_metadata(self) -> bool:
        """Whether the model carries TFLite Metadata."""
        return self.model_metadata is not None

    def to_json(self) -> str:
        """The metadata as JSON, exactly as the reference MetadataDisplayer prints it."""
        if self.model_metadata is None:
            raise MetadataError("the model has no TFLite Metadata")
        return self.model_metadata.to_json()

    def _zip(self) -> zipfile.ZipFile | None:
        """The appended archive, None when there is none (read once)."""
        if not self._archive_read:
            stream = io.BytesIO(self._model)
            try:
                if zipfile.is_zipfile(stream):
                    self._archive = zipfile.ZipFile(stream)
            except _ZIP_ERRORS as exc:
                raise MetadataError(f"the model's packed files are corrupt: {exc!r}") from None
            self._archive_read = True
        return self._archive

    @property
    def file_names(self) -> list[str]:
        """Names of the files packed in the model, in archive order."""
        archive = self._zip()
        return archive.namelist() if archive is not None else []

    def file(self, name: str) -> bytes:
        """The content of a packed file; MetadataError naming the packed files if absent."""
        archive = self._zip()
        info = archive.NameToInfo.get(name) if archive is not None else None
        if info is None or archive is None:
            available = ", ".join(map(repr, self.file_names)) or "none"
            raise MetadataError(
                f"the model has no packed file {name!r} (packed files: {available})"
            )
        limit = _MAX_INFLATION * len(self._model)
        if info.file_size > limit:
            raise MetadataError(
                f"packed file {name!r} declares {info.file_size} bytes, more than "
                f"{_MAX_INFLATION} times the model size; refusing to extract it"
            )
        chunks, total = [], 0  # zipfile stops at the declared size; this bound holds anyway
        try:
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    total += len(chunk)
                    if total > info.file_size:
                        break
                    chunks.append(chunk)
        except _ZIP_ERRORS as exc:
            raise MetadataError(f"packed file {name!r} is corrupt: {exc!r}") from None
        if total > info.file_size:
            raise MetadataError(f"packed file {name!r} is larger than its declared size")
        return b"".join(chunks)

    def file_text(self, name: str) -> str:
        """A packed file decoded as UTF-8 (a leading BOM is dropped)."""
        try:
            return self.file(name).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise MetadataError(f"packed file {name!r} is not UTF-8 text: {exc}") from None

    def file_summaries(self) -> list[dict[str, object]]:
        """The packed files as plain data, in archive order: ``name``, ``bytes`` (size) and
        ``tensor`` (what refers to the file, as :meth:`tensor_of_file` says)."""
        return [{"name": name, "bytes": len(self.file(name)), "tensor": self.tensor_of_file(name)}
                for name in self.file_names]

    def tensor_of_file(self, name: str) -> str | None:
        """What refers to a file: ``"output 0 'probability'"``, ``"subgraph 0"``, ``"model"``."""
        md = self.model_metadata
        if md is None:
            return None
        for s, subgraph in enumerate(md.subgraph_metadata or []):
            prefix = f"subgraph {s} " if s else ""
            for side, tensors in (
                ("input", subgraph.input_tensor_metadata),
                ("output", subgraph.output_tensor_metadata),
            ):
                for i, tensor in enumerate(tensors or []):
                    if any(f.name == name for f in _tensor_files(tensor)):
                        label = f"{prefix}{side} {i}"
                        return f"{label} {tensor.name!r}" if tensor.name else label
            files = [
                *(subgraph.associated_files or []),
                *_unit_files(subgraph.input_process_units),
                *_unit_files(subgraph.output_process_units),
            ]
            if any(f.name == name for f in files):
                return f"subgraph {s}"
        if any(f.name == name for f in md.associated_files or []):
            return "model"
        return None

    def tensors(self, side: str) -> list[TensorMetadata] | None:
        """The ``"input"`` or ``"output"`` tensor metadata of subgraph 0 (None if absent)."""
        md = self.model_metadata
        subgraphs = (md.subgraph_metadata if md else None) or []
        return getattr(subgraphs[0], f"{side}_tensor_metadata", None) if subgraphs else None

    def _tensor(self, side: str, index: int) -> TensorMetadata | None:
        tensors = self.tensors(side)
        return tensors[index] if tensors and 0 <= index < len(tensors) else None

    def input_tensor(self, index: int) -> TensorMetadata | None:
        """The metadata of input tensor ``index`` of subgraph 0, if described."""
        return self._tensor("input", index)

    def output_tensor(self, index: int) -> TensorMetadata | None:
        """The metadata of output tensor ``index`` of subgraph 0, if described."""
        return self._tensor("output", index)

    def output_name(self, index: int, default: str) -> str:
        """The metadata name of output tensor ``index``, else ``default`` (its tensor name)."""
        tensor_md = self._tensor("output", index)
        return tensor_md.name if tensor_md is not None and tensor_md.name else default


def process_unit_options(tensor: TensorMetadata | None, kind: type[OptionsT]) -> OptionsT | None:
    """The options of ``tensor``'s first process unit of type ``kind`` (e.g.
    NormalizationOptions), or None."""
    for unit in (tensor.process_units or ()) if tensor is not None else ():
        if isinstance(unit.options, kind):
            return unit.options
    return None


def read_metadata(model: ModelSource) -> Metadata:
    """Reads the TFLite Metadata of a model file or model bytes.

    Raises ModelFileNotFoundError for a missing file, ModelLoadError when the bytes are not a
    TFLite model, MetadataError when the metadata is corrupt.
    """
    return Metadata(read_model_bytes(model)[0])

