"""Writing TFLite Metadata and its associated files into a model, as MetadataPopulator does.

The metadata goes into the buffer of the model's ``TFLITE_METADATA`` entry, with
``min_parser_version`` computed as the reference computes it; the files are packed into a
stored ZIP archive appended to the model (offsets from the file start).
"""

from __future__ import annotations

import io
import os
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path, PureWindowsPath

import flatbuffers
import numpy as np

from ..core.errors import MetadataError, ModelLoadError
from ..core.input_file import check_regular_file, read_input_file
from ..core.model_file import ModelSource, read_model_bytes
from .codec import decode, encode
from .model_schema import METADATA_NAME, graph_io, metadata_buffer
from .reader import recorded_files
from .schema import FILE_IDENTIFIER, ModelMetadata
from .version import min_parser_version

FileContents = Mapping[str, bytes | bytearray | memoryview]
"""Files to pack given by content: packed name -> bytes."""
FilePaths = Sequence[str | os.PathLike[str]]
"""Files to pack given by path: each is read from disk and packed under its base name."""

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # a fixed date keeps the output reproducible
_MAX_NAME = 0xFFFF  # bytes of UTF-8: the ZIP format's limit


def file_name_problem(name: object) -> str | None:
    """Why ``name`` cannot name a packed file, or None when it can: packed files have plain
    base names, so that extracting them cannot write outside the folder extracted into."""
    if not isinstance(name, str) or not name:
        return f"an associated file needs a non-empty name, not {name!r}"
    if "/" in name or "\\" in name:
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        return (f"file name {name!r} has a path separator; associated files are packed and "
                f"recorded under their base name ({base!r})")
    if name in (".", "..") or "\0" in name or PureWindowsPath(name).drive:
        return f"{name!r} is not a valid file name"
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return f"file name {name!r} is not valid Unicode"
    if size > _MAX_NAME:
        return f"file name of {size} bytes is too long for a ZIP archive"
    return None


def _check_name(name: object, where: str) -> str:
    """``name`` if it can name a packed file, else MetadataError."""
    problem = file_name_problem(name)
    if problem is not None:
        raise MetadataError(f"{where}: {problem}")
    return name  # type: ignore[return-value]


def as_path(path: object, what: str) -> str:
    """``path`` as a str path; MetadataError when it is not a str or os.PathLike path."""
    name = os.fspath(path) if isinstance(path, str | os.PathLike) else None
    if not isinstance(name, str):
        raise MetadataError(f"{what} {path!r} is not a path (str or os.PathLike)")
    return name


def regular_file(path: object, what: str, hint: str = "") -> Path:
    """``path`` if it names a regular file: MetadataError when it is no path, else as
    :func:`~tflite_tasks.core.input_file.check_regular_file` (a folder, pipe or device is
    refused: reading those could block forever or never end). ``hint`` ends the messages."""
    name = as_path(path, what)
    check_regular_file(name, what, hint)
    return Path(name)


def _read_file(path: object) -> tuple[str, bytes]:
    """(base name, content) of a file on disk."""
    name = as_path(path, "associated file")
    return Path(name).name, read_input_file(name, "associated", hint="")


def _load_files(files: FileContents | FilePaths | None) -> dict[str, bytes]:
    """The files to pack, by name, in the order given."""
    if files is None:
        return {}
    if isinstance(files, str | bytes | os.PathLike):
        raise MetadataError(f"files must be a list of paths or a mapping name -> bytes, not the "
                            f"single {type(files).__name__} {files!r}; wrap it in a list")
    if isinstance(files, Mapping):
        items = list(files.items())
    elif isinstance(files, Sequence):
        items = [_read_file(path) for path in files]
    else:
        raise MetadataError(f"files must be a list of paths or a mapping name -> bytes, "
                            f"not {type(files).__name__}")
    loaded: dict[str, bytes] = {}
    for name, content in items:
        name = _check_name(name, "files")
        if name in loaded:
            raise MetadataError(f"two associated files are named {name!r}; packed files need "
                                "distinct base names")
        if not isinstance(content, bytes | bytearray | memoryview):
            raise MetadataError(f"the content of associated file {name!r} must be bytes, not "
                                f"{type(content).__name__}")
        loaded[name] = bytes(content)
    return loaded


def _with_version(
    metadata: ModelMetadata | bytes | bytearray | memoryview,
) -> tuple[ModelMetadata, bytes]:
    """A copy of the metadata with ``min_parser_version`` set to the computed value, and the
    copy encoded."""
    if isinstance(metadata, ModelMetadata):
        buffer = encode(metadata, FILE_IDENTIFIER)  # MetadataError if it cannot be written
    elif isinstance(metadata, bytes | bytearray | memoryview):
        buffer = bytes(metadata)
    else:
        raise MetadataError(f"metadata must be a ModelMetadata, an encoded M001 flatbuffer or "
                            f"None, not {type(metadata).__name__}")
    copy = decode(buffer, ModelMetadata, FILE_IDENTIFIER)
    copy.min_parser_version = min_parser_version(copy)
    return copy, encode(copy, FILE_IDENTIFIER)


def _check_recorded(metadata: ModelMetadata | None, files: dict[str, bytes]) -> None:
    """MetadataError for files the metadata records but that are not given; a warning for
    files given but not recorded (packed anyway), as the reference does."""
    recorded = [] if metadata is None else [
        _check_name(f.name, "metadata") for f in recorded_files(metadata)]
    missing = list(dict.fromkeys(name for name in recorded if name not in files))
    if missing:
        names = ", ".join(map(repr, missing))
        raise MetadataError(
            f"the metadata records file(s) {names} that were not given: pass them as files, by "
            f"path (populate(model, metadata, ['path/to/{missing[0]}'])) or by content "
            f"(populate(model, metadata, {{{missing[0]!r}: data}}))"
        )
    for name in files:
        if name not in recorded:
            warnings.warn(f"associated file {name!r} is not recorded in the metadata; it is "
                          "packed anyway", stacklevel=3)


def check_tensor_counts(data: bytes, metadata: ModelMetadata) -> None:
    """MetadataError unless the tensor metadata of subgraph 0, where given, has one table per
    input and per output of the model, as the reference populator checks (the tasks match
    them by position, and refuse other counts)."""
    subgraph = (metadata.subgraph_metadata or [None])[0]
    if subgraph is None:
        return
    for side, tensors, described in zip(
            ("input", "output"), graph_io(data),
            (subgraph.input_tensor_metadata, subgraph.output_tensor_metadata), strict=True):
        if described is not None and len(described) != len(tensors):
            raise MetadataError(
                f"the metadata describes {len(described)} {side} tensor(s) but the model has "
                f"{len(tensors)} {[t.name for t in tensors]}: give one TensorMetadata per "
                f"{side}, in the model's order")


def _with_metadata_buffer(data: bytes, buffer: bytes | None) -> bytes:
    """The model flatbuffer re-packed with ``buffer`` as its metadata (None removes it)."""
    from ai_edge_litert import schema_py_generated as tfl  # heavy: imported only to write

    try:
        model = tfl.ModelT.InitFromPackedBuf(data, 0)
    except Exception as exc:  # the generated reader is not hardened: any error means corrupt
        message = f"cannot parse the TFLite model (corrupt or truncated): {exc}"
        raise ModelLoadError(message) from None
    buffers = model.buffers = model.buffers or []
    if any(b is not None and b.offset > 1 for b in buffers):
        raise MetadataError(
            "cannot write metadata into a model whose buffers are stored outside the flatbuffer"
        )
    names = (METADATA_NAME, METADATA_NAME.encode())
    entries = [m for m in model.metadata or [] if m is not None and m.name in names]
    for entry in entries:
        if not 0 <= entry.buffer < len(buffers) or buffers[entry.buffer] is None:
            raise MetadataError(f"the model's {METADATA_NAME} entry refers to buffer "
                                f"{entry.buffer}, but the model has {len(buffers)} buffers")
    if buffer is None:
        for entry in entries:
            buffers[entry.buffer].data = None
        model.metadata = [m for m in model.metadata or [] if m not in entries] or None
    else:
        if not entries:
            buffers.append(tfl.BufferT())
            entries = [tfl.MetadataT(name=METADATA_NAME, buffer=len(buffers) - 1)]
            model.metadata = [*(model.metadata or []), *entries]
        buffers[entries[0].buffer].data = np.frombuffer(buffer, dtype=np.uint8)
    builder = flatbuffers.Builder(len(data) + len(buffer or b"") + 1024)
    try:
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    except Exception as exc:  # garbage the reader let through
        raise ModelLoadError(f"cannot re-write the TFLite model (corrupt): {exc}") from None
    return bytes(builder.Output())


def populate(
    model: ModelSource,
    metadata: ModelMetadata | bytes | bytearray | memoryview | None,
    files: FileContents | FilePaths | None = None,
) -> bytes:
    """A copy of the model carrying ``metadata`` and ``files``, replacing what it carried.

    ``metadata`` is a ModelMetadata, an already encoded ``M001`` flatbuffer, or None to remove
    it; the written copy gets ``min_parser_version`` computed as the reference does (the
    caller's object is not changed). ``files`` are a mapping name -> bytes, or paths read from
    disk (packed under their base names). Every file the metadata records must be given
    (MetadataError otherwise); files it does not record are packed with a warning. Old packed
    files are dropped. As in the reference, the tensor metadata of subgraph 0 must describe
    every input and output of the model. Models whose buffers live outside the flatbuffer are
    refused.
    """
    data = read_model_bytes(model)[0]
    metadata_buffer(data)  # ModelLoadError for non-models, MetadataError for corrupt ones
    written, buffer = (None, None) if metadata is None else _with_version(metadata)
    if written is not None:
        check_tensor_counts(data, written)
    packed = _load_files(files)
    _check_recorded(written, packed)
    out = io.BytesIO()
    out.write(_with_metadata_buffer(data, buffer))
    if packed:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:  # appended at the end
            for name, content in packed.items():
                archive.writestr(zipfile.ZipInfo(name, date_time=_ZIP_DATE), content)
    return out.getvalue()
