"""The part of the TFLite model schema (schema.fbs) that metadata needs, declaratively.

Only the root ``Model`` table's operator codes, buffers and metadata entries are decoded;
the other slots are declared skipped, so reading a large model's metadata touches a few
hundred bytes of it (buffer data are zero-copy views). ``ModelGraph`` reads the tensors of
the subgraphs instead (names and types of the inputs and outputs, for metadata writers).
"""

# fb() returns a dataclasses.Field (like dataclasses.field), which RUF009 cannot tell.
# ruff: noqa: RUF009

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import MetadataError, ModelLoadError
from ..core.model_file import check_model_identifier
from .codec import (
    BYTE,
    INT,
    STRING,
    UINT,
    ULONG,
    Bytes,
    Skip,
    Table,
    TableOf,
    VectorOf,
    decode,
    fb,
)

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


@dataclass(kw_only=True)
class Tensor(Table):
    """A tensor of a subgraph: shape, element type (``TENSOR_TYPES``) and name."""

    shape: list[int] | None = fb(VectorOf(INT))
    type: int = fb(BYTE)
    buffer: int = fb(UINT)
    name: str | None = fb(STRING)


@dataclass(kw_only=True)
class SubGraph(Table):
    """A subgraph: its tensors and the indices of its input and output tensors."""

    tensors: list[Tensor] | None = fb(VectorOf(TableOf(Tensor)))
    inputs: list[int] | None = fb(VectorOf(INT))
    outputs: list[int] | None = fb(VectorOf(INT))


@dataclass(kw_only=True)
class ModelGraph(Table):
    """The root table of a .tflite file, read for its subgraphs only."""

    version: int = fb(UINT)
    operator_codes: None = fb(Skip())
    subgraphs: list[SubGraph] | None = fb(VectorOf(TableOf(SubGraph)))


TENSOR_TYPES = ("float32", "float16", "int32", "uint8", "int64", "string", "bool", "int16",
                "complex64", "int8", "float64", "complex128", "uint64", "resource", "variant",
                "uint32", "uint16", "int4")
"""numpy-style names of schema.fbs ``TensorType`` values, by number."""


@dataclass(frozen=True)
class TensorInfo:
    """Name, element type (a ``TENSOR_TYPES`` name) and shape of a model input or output."""

    name: str
    dtype: str
    shape: tuple[int, ...] = ()


def _tensor_info(graph: SubGraph, index: int) -> TensorInfo:
    tensors = graph.tensors or []
    if not 0 <= index < len(tensors):
        raise ModelLoadError(f"the model refers to tensor {index} but has {len(tensors)}")
    tensor = tensors[index]
    dtype = TENSOR_TYPES[tensor.type] if 0 <= tensor.type < len(TENSOR_TYPES) else "unknown"
    return TensorInfo(tensor.name or "", dtype, tuple(tensor.shape or ()))


def graph_io(
    model_bytes: bytes | bytearray | memoryview,
) -> tuple[list[TensorInfo], list[TensorInfo]]:
    """The inputs and outputs of the model's first subgraph, in order.

    Raises ModelLoadError when the bytes are not a TFLite model or it has no subgraph.
    """
    view = memoryview(model_bytes).cast("B")
    check_model_identifier(view, f"<{len(view)} bytes>")
    try:
        graphs = decode(view, ModelGraph, FILE_IDENTIFIER).subgraphs
    except MetadataError as exc:
        raise ModelLoadError(f"not a valid TFLite model: {exc}") from None
    if not graphs:
        raise ModelLoadError("the TFLite model has no subgraph")
    graph = graphs[0]
    return ([_tensor_info(graph, i) for i in graph.inputs or []],
            [_tensor_info(graph, i) for i in graph.outputs or []])


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
    """The TFLite Metadata flatbuffer of a model, or None when it carries none (entries of
    an empty buffer are skipped, as the reference's ``get_metadata_buffer`` does)."""
    model = decode_model(model_bytes)
    for entry in model.metadata or []:
        if entry.name == METADATA_NAME:
            data = buffer_data(model_bytes, model, entry.buffer)
            if len(data):
                return bytes(data)
    return None


def operator_codes(model_bytes: bytes | bytearray | memoryview) -> list[tuple[int, str | None]]:
    """The model's operators as (builtin code, custom code); builtin code 32 is CUSTOM."""
    model = decode_model(model_bytes)
    return [
        (max(code.deprecated_builtin_code, code.builtin_code), code.custom_code)
        for code in model.operator_codes or []
    ]


@dataclass(kw_only=True)
class Operator(Table):
    """An operator of a subgraph: its operator code and the indices of its tensors."""

    opcode_index: int = fb(UINT)
    inputs: list[int] | None = fb(VectorOf(INT))
    outputs: list[int] | None = fb(VectorOf(INT))


@dataclass(kw_only=True)
class OperatorGraph(Table):
    """A subgraph, read for its output tensor indices and its operators."""

    tensors: None = fb(Skip())
    inputs: None = fb(Skip())
    outputs: list[int] | None = fb(VectorOf(INT))
    operators: list[Operator] | None = fb(VectorOf(TableOf(Operator)))


@dataclass(kw_only=True)
class ModelOperators(Table):
    """The root table of a .tflite file, read for its operator codes and subgraph operators."""

    version: int = fb(UINT)
    operator_codes: list[OperatorCode] | None = fb(VectorOf(TableOf(OperatorCode)))
    subgraphs: list[OperatorGraph] | None = fb(VectorOf(TableOf(OperatorGraph)))


def custom_op_outputs(
    model_bytes: bytes | bytearray | memoryview,
) -> tuple[list[int], list[tuple[str, list[int]]]]:
    """The first subgraph's output tensor indices, and (custom code, output tensor indices) of
    each of its custom operators, in graph order.

    Raises ModelLoadError when the bytes are not a TFLite model or it has no subgraph.
    """
    view = memoryview(model_bytes).cast("B")
    check_model_identifier(view, f"<{len(view)} bytes>")
    try:
        model = decode(view, ModelOperators, FILE_IDENTIFIER)
    except MetadataError as exc:
        raise ModelLoadError(f"not a valid TFLite model: {exc}") from None
    if not model.subgraphs:
        raise ModelLoadError("the TFLite model has no subgraph")
    custom = [code.custom_code if max(code.deprecated_builtin_code, code.builtin_code) == CUSTOM
              else None for code in model.operator_codes or []]
    graph = model.subgraphs[0]
    ops = [(name, list(op.outputs or [])) for op in graph.operators or []
           if op.opcode_index < len(custom) and (name := custom[op.opcode_index])]
    return list(graph.outputs or []), ops
