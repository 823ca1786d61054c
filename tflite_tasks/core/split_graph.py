"""Runs a model whose custom ops have Python kernels: builtin runs in LiteRT, kernels in Python.

The main subgraph's operators are cut, in graph order, into steps: each maximal run of ops
without a Python kernel becomes a LiteRT sub-model (its own interpreter over the same
tensors and constants), and each op with a kernel becomes a Python call. Tensors that cross
a cut travel as numpy arrays. :class:`SplitInterpreter` offers the part of LiteRT's
``Interpreter`` API the engine uses, so tasks do not see the difference.
"""

from __future__ import annotations

import copy
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter

from tflite_tasks.core.custom_ops import CustomOpError, Kernel
from tflite_tasks.core.errors import ModelLoadError

_DTYPES: dict[int, Any] = {
    schema.TensorType.FLOAT32: np.float32, schema.TensorType.FLOAT16: np.float16,
    schema.TensorType.INT32: np.int32, schema.TensorType.UINT8: np.uint8,
    schema.TensorType.INT64: np.int64, schema.TensorType.STRING: np.bytes_,
    schema.TensorType.BOOL: np.bool_, schema.TensorType.INT16: np.int16,
    schema.TensorType.COMPLEX64: np.complex64, schema.TensorType.INT8: np.int8,
    schema.TensorType.FLOAT64: np.float64, schema.TensorType.COMPLEX128: np.complex128,
    schema.TensorType.UINT64: np.uint64, schema.TensorType.UINT32: np.uint32,
    schema.TensorType.UINT16: np.uint16,
}


def decode_strings(data: bytes | np.ndarray) -> np.ndarray:
    """Decodes a TFLite string buffer (count, offsets, bytes) into an object array of bytes."""
    raw = bytes(data)
    (count,) = struct.unpack_from("<i", raw, 0)
    offsets = struct.unpack_from(f"<{count + 1}i", raw, 4)
    strings = np.empty(count, dtype=object)
    strings[:] = [raw[offsets[i]:offsets[i + 1]] for i in range(count)]
    return strings


def as_strings(values: object) -> np.ndarray:
    """Returns ``values`` as an object array of ``bytes`` (``str`` items are UTF-8 encoded).

    Raises TypeError for items that are neither bytes nor str.
    """
    array = np.asarray(values, dtype=object)
    flat = []
    for v in array.ravel():
        if not isinstance(v, bytes | str):
            raise TypeError(f"a string tensor takes bytes or str items, not {type(v).__name__}")
        flat.append(v.encode("utf-8", "surrogatepass") if isinstance(v, str) else bytes(v))
    result = np.empty(len(flat), dtype=object)
    result[:] = flat
    return result.reshape(array.shape)


@dataclass
class _Tensor:
    """What the split runner knows of one tensor of the main subgraph."""

    name: str
    dtype: Any
    shape: tuple[int, ...]
    shape_signature: tuple[int, ...]
    scale: float
    zero_point: int

    def details(self, index: int) -> dict[str, Any]:
        """The tensor in the form of ``Interpreter.get_input_details()``."""
        return {"name": self.name, "index": index, "dtype": self.dtype,
                "shape": np.array(self.shape, np.int32),
                "shape_signature": np.array(self.shape_signature, np.int32),
                "quantization": (self.scale, self.zero_point)}

    def cast(self, values: object) -> np.ndarray:
        """A copy of ``values`` as this tensor's type. Raises TypeError or ValueError where
        that would change the values' kind (text, floats to ints) or overflow."""
        if self.dtype is np.bytes_:
            return as_strings(values)
        array = np.asarray(values)
        target = np.dtype(self.dtype)
        if array.dtype.kind not in "biufc":
            raise TypeError(f"got {array.dtype} values, not numbers")
        if not np.can_cast(array.dtype, target, "same_kind"):
            raise TypeError(f"{array.dtype} values would lose their kind as {target}")
        if target.kind in "iu" and array.size and array.dtype != target:
            info = np.iinfo(target)
            if array.min() < info.min or array.max() > info.max:
                raise ValueError(f"values outside the range of {target}")
        return np.array(array, dtype=target, order="C")


def _describe(tensor: Any) -> _Tensor:
    quantization = tensor.quantization
    scales = getattr(quantization, "scale", None)
    zero_points = getattr(quantization, "zeroPoint", None)
    shape = tuple(int(d) for d in (tensor.shape if tensor.shape is not None else ()))
    signature = tensor.shapeSignature if tensor.shapeSignature is not None else shape
    if tensor.type not in _DTYPES:
        raise ModelLoadError(f"tensor {tensor.name!r} has a type ({tensor.type}) numpy lacks")
    return _Tensor(
        name=(tensor.name or b"").decode("utf-8", "replace"),
        dtype=_DTYPES[tensor.type], shape=shape,
        shape_signature=tuple(int(d) for d in signature),
        scale=float(scales[0]) if scales is not None and len(scales) else 0.0,
        zero_point=int(zero_points[0]) if zero_points is not None and len(zero_points) else 0,
    )


@dataclass
class _PythonStep:
    name: str
    node: int
    kernel: Kernel
    inputs: list[int]
    outputs: list[int]
    custom_options: bytes


@dataclass
class _LiteRTStep:
    interpreter: Interpreter
    nodes: list[int]
    inputs: list[tuple[int, int]]  # (tensor in the model, tensor index in the sub-model)
    outputs: list[tuple[int, int]]
    shapes: dict[int, tuple[int, ...]]  # sub-model input -> its shape when last allocated


class SplitInterpreter:
    """A model with Python kernels for some custom ops, behind LiteRT's ``Interpreter`` API.

    Args:
        model: the parsed model (``schema.ModelT``).
        custom_codes: per operator code, the custom op's name (None for builtin ops).
        kernels: op name -> kernel, for the custom ops to run in Python.
        build_interpreter: makes a LiteRT interpreter from model bytes (threads, errors);
            it may leave tensors unallocated (inputs from Python often have no static
            shape): each sub-model is resized and allocated when first run.
    """

    def __init__(self, model: Any, custom_codes: Sequence[str | None],
                 kernels: Mapping[str, Kernel],
                 build_interpreter: Callable[[bytes], Interpreter]) -> None:
        graph = model.subgraphs[0]
        self._graph_tensors = graph.tensors
        self._tensors: dict[int, _Tensor] = {}  # described when they cross a cut
        self._input_indices = [int(i) for i in graph.inputs]
        self._output_indices = [int(i) for i in graph.outputs]
        self._backed = {i for i, t in enumerate(graph.tensors) if _buffer(model, t) is not None}
        self._values: dict[int, np.ndarray] = {}
        for index in self._input_indices:
            self._values[index] = self._blank(index, self._tensor(index).shape)
        self._steps: list[_PythonStep | _LiteRTStep] = []
        run: list[int] = []
        for node, op in enumerate(graph.operators):
            name = custom_codes[op.opcodeIndex]
            if name in kernels:
                self._add_litert(model, run, build_interpreter)
                run = []
                options = bytes(op.customOptions) if op.customOptions is not None else b""
                self._steps.append(_PythonStep(
                    name, node, kernels[name], [int(i) for i in op.inputs],
                    [int(i) for i in op.outputs], options))
            else:
                run.append(node)
        self._add_litert(model, run, build_interpreter)
        read = {i for step in self._steps if isinstance(step, _PythonStep) for i in step.inputs}
        self._constants = _constants(model, graph, read | set(self._output_indices))
        for index in read | {i for step in self._steps if isinstance(step, _PythonStep)
                             for i in step.outputs} | set(self._output_indices):
            if index >= 0:
                self._tensor(index)  # a type numpy lacks is a load error, not a run error

    def _tensor(self, index: int) -> _Tensor:
        if index not in self._tensors:
            self._tensors[index] = _describe(self._graph_tensors[index])
        return self._tensors[index]

    def _blank(self, index: int, shape: Sequence[int]) -> np.ndarray:
        dtype = self._tensor(index).dtype
        if dtype is np.bytes_:
            return np.full(tuple(shape), b"", dtype=object)
        return np.zeros(tuple(shape), dtype=dtype)

    def _add_litert(self, model: Any, nodes: list[int],
                    build_interpreter: Callable[[bytes], Interpreter]) -> None:
        """Adds the LiteRT step running ``nodes`` (consecutive ops without kernels)."""
        if not nodes:
            return
        graph = model.subgraphs[0]
        ops = [graph.operators[n] for n in nodes]
        produced = {int(i) for op in ops for i in op.outputs}
        later = {int(i) for op in graph.operators[nodes[-1] + 1:] for i in op.inputs}
        later |= set(self._output_indices)
        read = [int(i) for op in ops for i in op.inputs if i >= 0]
        inputs = list(dict.fromkeys(
            i for i in read if i not in produced and i not in self._backed
            and not graph.tensors[i].isVariable))
        outputs = [i for i in dict.fromkeys(int(i) for op in ops for i in op.outputs)
                   if i in later]
        sub_bytes, remap = _sub_model(model, ops, inputs, outputs)
        self._steps.append(_LiteRTStep(
            build_interpreter(sub_bytes), nodes, [(i, remap[i]) for i in inputs],
            [(i, remap[i]) for i in outputs], {}))

    # The part of LiteRT's Interpreter API that Engine uses.
    def allocate_tensors(self) -> None:
        """Nothing to do: the sub-models are resized to their inputs when invoked."""

    def get_input_details(self) -> list[dict[str, Any]]:
        return [self._details(i) for i in self._input_indices]

    def get_output_details(self) -> list[dict[str, Any]]:
        return [self._details(i) for i in self._output_indices]

    def _details(self, index: int) -> dict[str, Any]:
        details = self._tensor(index).details(index)
        if index in self._values:
            details["shape"] = np.array(self._values[index].shape, np.int32)
        return details

    def tensor(self, index: int) -> Callable[[], np.ndarray]:
        return lambda: self._values[index]

    def set_tensor(self, index: int, value: np.ndarray) -> None:
        """Copies ``value`` into input ``index`` (same shape, except for string inputs)."""
        tensor = self._tensor(index)
        current = self._values[index].shape
        if tensor.dtype is not np.bytes_ and np.shape(value) != current:
            raise ValueError(f"input {tensor.name!r} is {list(current)}, not "
                             f"{list(np.shape(value))}: resize it first")
        self._values[index] = tensor.cast(value)

    def resize_tensor_input(self, index: int, shape: Sequence[int], strict: bool = False) -> None:
        self._values[index] = self._blank(index, shape)

    def get_tensor(self, index: int) -> np.ndarray:
        return self._value(index).copy()

    def invoke(self) -> None:
        """Runs every step in graph order."""
        for step in self._steps:
            if isinstance(step, _PythonStep):
                self._run_python(step)
            else:
                self._run_litert(step)

    def _value(self, index: int) -> np.ndarray | None:
        """The tensor's current value: computed, constant, or (never written) zeros."""
        if index < 0:
            return None
        value = self._values.get(index)
        if value is None:
            value = self._constants.get(index)
        return self._blank(index, self._tensor(index).shape) if value is None else value

    def _run_litert(self, step: _LiteRTStep) -> None:
        interpreter = step.interpreter
        values = [(sub_index, self._value(model_index)) for model_index, sub_index in step.inputs]
        try:
            if any(step.shapes.get(sub_index) != value.shape for sub_index, value in values):
                for sub_index, value in values:
                    interpreter.resize_tensor_input(sub_index, list(value.shape), strict=False)
                interpreter.allocate_tensors()
                step.shapes = {sub_index: value.shape for sub_index, value in values}
            for sub_index, value in values:
                interpreter.set_tensor(sub_index, value)
            interpreter.invoke()
        except (RuntimeError, ValueError) as e:
            step.shapes = {}
            raise CustomOpError(
                f"LiteRT cannot run nodes {step.nodes} on the tensors the Python kernels "
                f"gave: {e}") from e
        for model_index, sub_index in step.outputs:
            self._values[model_index] = interpreter.get_tensor(sub_index)

    def _run_python(self, step: _PythonStep) -> None:
        where = f"custom op {step.name!r} (node {step.node})"
        inputs = [self._value(i) for i in step.inputs]
        try:
            outputs = step.kernel(inputs, step.custom_options)
        except Exception as e:
            raise CustomOpError(f"the Python kernel of {where} failed: {e}") from e
        if not isinstance(outputs, list | tuple):
            raise CustomOpError(f"the Python kernel of {where} must return a list or tuple "
                                f"with one value per output, not {type(outputs).__name__}")
        if len(outputs) != len(step.outputs):
            raise CustomOpError(
                f"the Python kernel of {where} returned {len(outputs)} outputs; the op has "
                f"{len(step.outputs)}")
        for index, value in zip(step.outputs, outputs, strict=True):
            tensor = self._tensor(index)
            try:
                self._values[index] = tensor.cast(value)
            except (TypeError, ValueError, OverflowError) as e:
                raise CustomOpError(
                    f"output {tensor.name!r} of {where} cannot be a {np.dtype(tensor.dtype)} "
                    f"tensor: {e}") from e


def _buffer(model: Any, tensor: Any) -> np.ndarray | None:
    """The tensor's constant data (uint8), or None when it has none."""
    buffers = model.buffers or []
    if not 0 < tensor.buffer < len(buffers):
        return None
    data = buffers[tensor.buffer].data
    return data if data is not None and len(data) else None


def _constants(model: Any, graph: Any, indices: set[int]) -> dict[int, np.ndarray]:
    """Tensor index -> value for the tensors of ``indices`` backed by a non-empty buffer."""
    constants: dict[int, np.ndarray] = {}
    for index in sorted(i for i in indices if i >= 0):
        tensor = graph.tensors[index]
        data = _buffer(model, tensor)
        if data is None:
            continue
        shape = tuple(tensor.shape) if tensor.shape is not None else ()
        dtype = _DTYPES.get(tensor.type)
        if dtype is np.bytes_:
            constants[index] = decode_strings(data).reshape(shape or (-1,))
        elif dtype is not None:
            raw = np.frombuffer(np.asarray(data, np.uint8).tobytes(), dtype=dtype)
            constants[index] = raw.reshape(shape) if raw.size == int(np.prod(shape)) else raw
    for value in constants.values():
        value.setflags(write=False)  # kernels share them from call to call
    return constants


def _sub_model(model: Any, ops: list[Any], inputs: list[int],
               outputs: list[int]) -> tuple[bytes, dict[int, int]]:
    """Packs ``ops`` of the main subgraph as a model of their own; returns it and the remap."""
    graph = model.subgraphs[0]
    used = dict.fromkeys([*inputs, *outputs,
                          *(int(i) for op in ops for i in [*op.inputs, *op.outputs] if i >= 0)])
    remap = {index: position for position, index in enumerate(used)}
    buffers: list[Any] = [schema.BufferT()]
    buffer_remap: dict[int, int] = {}

    def keep_buffer(buffer: int) -> int:
        data = model.buffers[buffer].data if 0 < buffer < len(model.buffers) else None
        if data is None or len(data) == 0:
            return 0
        if buffer not in buffer_remap:
            buffers.append(model.buffers[buffer])
            buffer_remap[buffer] = len(buffers) - 1
        return buffer_remap[buffer]

    sub = schema.SubGraphT()
    sub.name = graph.name
    sub.tensors = []
    for index in used:
        tensor = copy.copy(graph.tensors[index])
        tensor.buffer = keep_buffer(tensor.buffer)
        sub.tensors.append(tensor)
    sub.inputs = [remap[i] for i in inputs]
    sub.outputs = [remap[i] for i in outputs]
    sub.operators = []
    for op in ops:
        new_op = copy.copy(op)
        new_op.inputs = [remap[int(i)] if i >= 0 else -1 for i in op.inputs]
        new_op.outputs = [remap[int(i)] for i in op.outputs]
        sub.operators.append(new_op)
    others = [copy.deepcopy(g) for g in model.subgraphs[1:]]  # control-flow bodies
    for other in others:
        for tensor in other.tensors:
            tensor.buffer = keep_buffer(tensor.buffer)
    packed = schema.ModelT()
    packed.version = model.version
    packed.operatorCodes = model.operatorCodes
    packed.subgraphs = [sub, *others]
    packed.buffers = buffers
    builder = flatbuffers.Builder(1024)
    builder.Finish(packed.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output()), remap
