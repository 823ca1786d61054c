"""Builds small TFLite models from numpy weights, with LiteRT's shipped model schema.

Used for the embedded default model and by tests that need models with known answers::

    g = GraphBuilder()
    x = g.input("image", (1, 8, 8, 3), np.float32)
    y = g.add_op("MEAN", [x, g.constant("axes", np.array([1, 2], np.int32))],
                 (1, 3), np.float32, options=("ReducerOptions", {"keepDims": False}))
    model_bytes = g.build(inputs=[x], outputs=[y])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

_TENSOR_TYPES = {
    np.dtype(np.float32): schema.TensorType.FLOAT32,
    np.dtype(np.int32): schema.TensorType.INT32,
    np.dtype(np.uint8): schema.TensorType.UINT8,
    np.dtype(np.int8): schema.TensorType.INT8,
    np.dtype(np.int64): schema.TensorType.INT64,
    np.dtype(np.int16): schema.TensorType.INT16,
    np.dtype(np.float64): schema.TensorType.FLOAT64,
    np.dtype(np.bool_): schema.TensorType.BOOL,
}


class GraphBuilder:
    """Accumulates tensors and builtin ops of one subgraph, then packs a ``.tflite`` model."""

    def __init__(self) -> None:
        self._tensors: list[Any] = []
        self._buffers: list[Any] = [schema.BufferT()]  # buffer 0: the empty sentinel
        self._operators: list[Any] = []
        self._opcodes: dict[int | str, int] = {}
        self._opcode_list: list[Any] = []

    def _tensor(
        self,
        name: str,
        shape: Sequence[int],
        dtype: np.dtype | type,
        buffer: int = 0,
        quantization: tuple[float, int] | None = None,
        shape_signature: Sequence[int] | None = None,
    ) -> int:
        tensor = schema.TensorT()
        tensor.name = name
        tensor.shape = list(shape)
        if shape_signature is not None:
            tensor.shapeSignature = list(shape_signature)
        tensor.type = _TENSOR_TYPES[np.dtype(dtype)]
        tensor.buffer = buffer
        if quantization is not None:
            params = schema.QuantizationParametersT()
            params.scale = [float(quantization[0])]
            params.zeroPoint = [int(quantization[1])]
            tensor.quantization = params
        self._tensors.append(tensor)
        return len(self._tensors) - 1

    def input(
        self,
        name: str,
        shape: Sequence[int],
        dtype: np.dtype | type,
        quantization: tuple[float, int] | None = None,
        shape_signature: Sequence[int] | None = None,
    ) -> int:
        """Adds a graph input (-1 in ``shape_signature`` marks dynamic dimensions)."""
        return self._tensor(name, shape, dtype, quantization=quantization,
                            shape_signature=shape_signature)

    def constant(
        self, name: str, values: np.ndarray, quantization: tuple[float, int] | None = None
    ) -> int:
        """Adds a constant tensor holding ``values``; returns its tensor index."""
        buffer = schema.BufferT()
        buffer.data = np.frombuffer(np.ascontiguousarray(values).tobytes(), np.uint8)
        self._buffers.append(buffer)
        return self._tensor(name, values.shape, values.dtype, len(self._buffers) - 1,
                            quantization)

    def add_op(
        self,
        op: str,
        inputs: Sequence[int],
        output_shape: Sequence[int],
        output_dtype: np.dtype | type,
        options: tuple[str, Mapping[str, Any]] | None = None,
        name: str | None = None,
        quantization: tuple[float, int] | None = None,
    ) -> int:
        """Adds builtin ``op`` (e.g. "CONV_2D") with one output; returns the output's index.

        ``options`` is the builtin options table name and its fields in the schema's
        camelCase, e.g. ``("SoftmaxOptions", {"beta": 1.0})``.
        """
        output = self._tensor(name or f"{op.lower()}_{len(self._operators)}", output_shape,
                              output_dtype, quantization=quantization)
        operator = schema.OperatorT()
        operator.opcodeIndex = self._opcode(getattr(schema.BuiltinOperator, op))
        operator.inputs = list(inputs)
        operator.outputs = [output]
        if options is not None:
            table_name, fields = options
            table = getattr(schema, table_name + "T")()
            for key, value in fields.items():
                setattr(table, key, value)
            operator.builtinOptionsType = getattr(schema.BuiltinOptions, table_name)
            operator.builtinOptions = table
        self._operators.append(operator)
        return output

    def add_custom_op(
        self,
        op: str,
        inputs: Sequence[int],
        outputs: Sequence[tuple[Sequence[int], np.dtype | type]],
        custom_options: bytes = b"",
    ) -> list[int]:
        """Adds custom op ``op`` with outputs of the given (shape, dtype); returns their indices."""
        operator = schema.OperatorT()
        operator.opcodeIndex = self._opcode(op)
        operator.inputs = list(inputs)
        operator.outputs = [self._tensor(f"{op}_{len(self._operators)}_{i}", shape, dtype)
                            for i, (shape, dtype) in enumerate(outputs)]
        operator.customOptions = list(custom_options) or None
        self._operators.append(operator)
        return list(operator.outputs)

    def _opcode(self, code: int | str) -> int:
        """The index of the operator code of builtin ``code`` or custom op ``code``."""
        if code not in self._opcodes:
            opcode = schema.OperatorCodeT()
            if isinstance(code, str):
                opcode.builtinCode = opcode.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
                opcode.customCode = code
            else:
                opcode.builtinCode = code
                opcode.deprecatedBuiltinCode = min(code, 127)
            self._opcodes[code] = len(self._opcode_list)
            self._opcode_list.append(opcode)
        return self._opcodes[code]

    def build(self, inputs: Sequence[int], outputs: Sequence[int], description: str = "") -> bytes:
        """Returns the model's flatbuffer bytes (without metadata)."""
        subgraph = schema.SubGraphT()
        subgraph.tensors = self._tensors
        subgraph.inputs = list(inputs)
        subgraph.outputs = list(outputs)
        subgraph.operators = self._operators
        subgraph.name = "main"
        model = schema.ModelT()
        model.version = 3
        model.description = description
        model.subgraphs = [subgraph]
        model.buffers = self._buffers
        model.operatorCodes = self._opcode_list
        builder = flatbuffers.Builder(1024)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())
