"""The part of the TFLite model schema (schema.fbs) that metadata needs, declaratively.

Only the root ``Model`` table's operator codes, buffers and metadata entries are decoded;
the other slots are declared skipped, so reading a large model's metadata touches a few
hundred bytes of it (buffer data are zero-copy views).
"""

# fb() returns a dataclasses.Field (like dataclasses.field), which RUF009 cannot tell.
# ruff: noqa: RUF009

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import MetadataError
from ..core.model_file import check_model_identifier
from .codec import BYTE, INT, STRING, UINT, ULONG, Bytes, Skip, Table, TableOf, VectorOf, decode, fb

FILE_IDENTIFIER = "TFL3"
METADATA_NAME = "TFLITE_METADATA"
CUSTOM = 32  # BuiltinOperator.CUSTOM


@dataclass(kw_only=True)
class OperatorCode(Table):
    """An operator used by the model (builtin code, or custom code name)."""

    deprecated_builtin_code: int = fb(BYTE)
    custom_code: str | None = fb(STRING)
    version: int = fb(INT, default=1)
    builtin_code: int = fb(INT)


@dataclass(kw_only=True)
class Buffer(Table):
    """Raw data; large models store it after the flatbuffer at ``offset`` (from file start)."""

    data: memoryview | None = fb(Bytes(align=16, view=True))
    offset: int = fb(ULONG)
    size: int = fb(ULONG)


@dataclass(kw_only=True)
class Metadata(Table):
    """A named metadata entry pointing at a buffer index."""

    name: str | None = fb(STRING)
    buffer: int = fb(UINT)


@dataclass(kw_only=True)
class Model(Table):
    """The root table of a .tflite file."""

    version: int = fb(UINT)
    operator_codes: list[OperatorCode] | None = fb(VectorOf(TableOf(OperatorCode)))
    subgraphs: None = fb(Skip())
    description: None = fb(Skip())
    buffers: list[Buffer] | None = fb(VectorOf(TableOf(Buffer)))
    metadata_buffer: None = fb(Skip())
    metadata: list[Metadata] | None = fb(VectorOf(TableOf(Metadata)))
    signature_defs: None = fb(Skip())


def decode_model(model_bytes: bytes | bytearray | memoryview) -> Model:
    """Decodes the model's root table; ModelLoadError if it is not a TFLite model."""
    view = memoryview(model_bytes).cast("B")
    check_model_identifier(view, f"<{len(view)} bytes>")
    return decode(view, Model, FILE_IDENTIFIER)


def buffer_data(
    model_bytes: bytes | bytearray | memoryview, model: Model, index: int
) -> memoryview:
    """The data of buffer ``index`` (honouring offset/size); empty if it has none."""
    buffers = model.buffers or []
    if not 0 <= index < len(buffers):
        raise MetadataError(f"the model refers to buffer {index} but has {len(buffers)} buffers")
    buffer = buffers[index]
    if buffer.offset > 1:
        view = memoryview(model_bytes).cast("B")
        if buffer.offset + buffer.size > len(view):
            raise MetadataError(
                f"buffer {index} lies at bytes {buffer.offset}..{buffer.offset + buffer.size}, "
                f"beyond the end of the {len(view)}-byte model"
            )
        return view[buffer.offset : buffer.offset + buffer.size]
    return buffer.data if buffer.data is not None else memoryview(b"")


def metadata_buffer(model_bytes: bytes | bytearray | memoryview) -> bytes | None:
    """The TFLite Metadata flatbuffer of a model, or None when it carries none."""
    model = decode_model(model_bytes)
    for entry in model.metadata or []:
        if entry.name == METADATA_NAME:
            return bytes(buffer_data(model_bytes, model, entry.buffer))
    return None


def operator_codes(model_bytes: bytes | bytearray | memoryview) -> list[tuple[int, str | None]]:
    """The model's operators as (builtin code, custom code); builtin code 32 is CUSTOM."""
    model = decode_model(model_bytes)
    return [
        (max(code.deprecated_builtin_code, code.builtin_code), code.custom_code)
        for code in model.operator_codes or []
    ]
