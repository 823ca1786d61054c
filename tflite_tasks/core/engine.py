"""The one engine every task runs on: a LiteRT interpreter with specs, threads and plain errors.

The engine owns the model bytes (so a task can be pickled and rebuilt elsewhere), describes
the model's inputs and outputs as :class:`TensorSpec`, writes inputs in place and reads
outputs. It is not thread-safe by itself: tasks hold :attr:`Engine.lock` around the
write-invoke-read sequence.

Custom ops: when the model uses custom ops that have Python kernels (given to the engine,
or registered with :func:`~tflite_tasks.core.custom_ops.register_custom_op`), the model runs
as a :class:`~tflite_tasks.core.split_graph.SplitInterpreter`: builtin ops in LiteRT, those
ops in Python, behind the same interpreter API.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter

from tflite_tasks.core.custom_ops import Kernel, check_kernels, registered_custom_ops
from tflite_tasks.core.errors import (
    InferenceError,
    MetadataError,
    ModelLoadError,
    OptionsError,
    TfliteTasksError,
)
from tflite_tasks.core.model_file import ModelSource, check_model_identifier, read_model_bytes
from tflite_tasks.core.options import MAX_THREADS, is_int
from tflite_tasks.core.split_graph import SplitInterpreter
from tflite_tasks.metadata.model_schema import CUSTOM, operator_codes

if TYPE_CHECKING:
    from tflite_tasks.metadata import Metadata

_VECTOR_DTYPES = (np.dtype(np.float32), np.dtype(np.uint8), np.dtype(np.int8))


def default_num_threads() -> int:
    """Returns the number of CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class TensorSpec:
    """One input or output tensor of the model.

    Attributes:
        position: index among the model's inputs (or outputs).
        tensor_index: LiteRT's tensor index.
        name: tensor name in the model.
        shape: current shape; ``shape_signature`` has -1 for dynamic dimensions.
        dtype: numpy dtype of the tensor.
        scale, zero_point: per-tensor quantization (``scale == 0`` when not quantized):
            ``real = scale * (q - zero_point)``.
    """

    position: int
    tensor_index: int
    name: str
    shape: tuple[int, ...]
    shape_signature: tuple[int, ...]
    dtype: np.dtype
    scale: float
    zero_point: int

    @property
    def is_quantized(self) -> bool:
        return self.scale != 0.0 and np.issubdtype(self.dtype, np.integer)

    @property
    def is_vector(self) -> bool:
        """``[1, ..., 1, N]`` (2-D or more) of float32, uint8 or int8: scores or features."""
        return (len(self.shape) >= 2 and all(d == 1 for d in self.shape[:-1])
                and self.dtype in _VECTOR_DTYPES)

    @property
    def has_dynamic_shape(self) -> bool:
        return any(d < 0 for d in self.shape_signature)

    def dequantize(self, values: np.ndarray) -> np.ndarray:
        """Returns ``values`` as float32 real numbers (dequantized when quantized)."""
        if self.is_quantized:
            return (values.astype(np.float32) - np.float32(self.zero_point)) * np.float32(
                self.scale
            )
        return values.astype(np.float32, copy=False)

    @classmethod
    def from_details(cls, position: int, details: dict[str, Any]) -> TensorSpec:
        scale, zero_point = details["quantization"]
        signature = details.get("shape_signature", details["shape"])
        return cls(
            position=position,
            tensor_index=int(details["index"]),
            name=str(details["name"]),
            shape=tuple(int(d) for d in details["shape"]),
            shape_signature=tuple(int(d) for d in signature),
            dtype=np.dtype(details["dtype"]),
            scale=float(scale),
            zero_point=int(zero_point),
        )


def io_specs(interpreter: Interpreter | SplitInterpreter, source: str
             ) -> tuple[tuple[TensorSpec, ...], tuple[TensorSpec, ...]]:
    """The input and output specs of an interpreter; ModelLoadError when LiteRT cannot tell
    them (a tensor name that is not UTF-8, in a corrupt model)."""
    try:
        inputs, outputs = interpreter.get_input_details(), interpreter.get_output_details()
    except UnicodeDecodeError as e:
        raise ModelLoadError(f"{source} is not a valid TFLite model (corrupt): a tensor name "
                             f"is not UTF-8 text ({e})") from None
    return (tuple(TensorSpec.from_details(i, d) for i, d in enumerate(inputs)),
            tuple(TensorSpec.from_details(i, d) for i, d in enumerate(outputs)))


class Engine:
    """A LiteRT interpreter over one model.

    Args:
        model: path to a ``.tflite`` file, or the model's bytes.
        num_threads: CPU threads for inference; ``None`` uses every CPU available to the
            process.
        custom_ops: custom op name -> Python kernel (see :mod:`tflite_tasks.core.custom_ops`);
            these take precedence over kernels registered for the whole process.

    Raises:
        ModelFileNotFoundError: the file does not exist.
        ModelLoadError: not a TFLite model, truncated or corrupt, or ops LiteRT cannot run.
    """

    def __init__(self, model: ModelSource, *, num_threads: int | None = None,
                 custom_ops: Mapping[str, Kernel] | None = None) -> None:
        valid = is_int(num_threads) and 1 <= num_threads <= MAX_THREADS  # type: ignore[operator]
        if num_threads is not None and not valid:
            raise OptionsError(
                f"num_threads must be an integer from 1 to {MAX_THREADS}, not {num_threads!r}"
            )
        self.model_bytes, self.source = read_model_bytes(model)
        self.num_threads = int(num_threads or default_num_threads())
        self.lock = threading.RLock()
        check_kernels(custom_ops or {})
        self.custom_ops = dict(custom_ops or {})
        check_model_identifier(self.model_bytes, self.source)
        self._interpreter = self._build_interpreter()
        self.inputs, self.outputs = io_specs(self._interpreter, self.source)

    @cached_property
    def _custom_codes(self) -> list[str | None]:
        """Per operator code of the model: the custom op's name, None for builtin ops."""
        try:
            return [name if code == CUSTOM else None
                    for code, name in operator_codes(self.model_bytes)]
        except (MetadataError, ModelLoadError):
            return []

    def _kernels(self) -> dict[str, Kernel]:
        """The registered kernels, overridden by those given to this engine."""
        return {**registered_custom_ops(), **self.custom_ops}

    def _build_interpreter(self) -> Interpreter | SplitInterpreter:
        kernels = self._kernels()
        in_python = {name: kernels[name] for name in self._custom_codes if name in kernels}
        if not in_python:
            return self._litert_interpreter(self.model_bytes)
        try:
            model = schema.ModelT.InitFromPackedBuf(self.model_bytes, 0)
            graphs = model.subgraphs or []
            inner = {self._custom_codes[op.opcodeIndex]
                     for graph in graphs[1:] for op in graph.operators or []}
        except Exception as e:  # the flatbuffers runtime raises whatever it trips on
            raise ModelLoadError(f"{self.source} is not a valid TFLite model: {e}") from e
        if not graphs or inner & set(in_python):
            raise ModelLoadError(
                f"{self.source}: Python kernels run custom ops of the main subgraph only; "
                f"{', '.join(sorted(inner & set(in_python))) or 'the model has no subgraph'}")
        self.custom_ops = {**in_python, **self.custom_ops}  # pickles carry registered ones
        try:
            return SplitInterpreter(
                model, self._custom_codes, in_python,
                lambda sub_model: self._litert_interpreter(sub_model, False))
        except TfliteTasksError:
            raise
        except Exception as e:  # indices or string buffers out of range in a corrupt model
            raise ModelLoadError(f"{self.source} is not a valid TFLite model: {e!r}") from e

    def _litert_interpreter(self, model_bytes: bytes, shapes_known: bool = True) -> Interpreter:
        """A LiteRT interpreter with its tensors allocated. With ``shapes_known`` False (a
        part of a split model, whose inputs may have no static shape yet) only unresolved
        ops are errors."""
        try:
            interpreter = Interpreter(model_content=model_bytes, num_threads=self.num_threads)
        except ValueError as e:
            raise ModelLoadError(
                f"{self.source} is not a valid TFLite model (truncated or corrupt): {e}"
            ) from e
        try:
            interpreter.allocate_tensors()
        except RuntimeError as e:
            if shapes_known or "unresolved custom op" in str(e):
                raise ModelLoadError(self._unresolved_ops_message(str(e))) from e
        return interpreter

    def _unresolved_ops_message(self, litert_message: str) -> str:
        kernels = self._kernels()
        custom = sorted({name for name in self._custom_codes if name and name not in kernels})
        lines = litert_message.strip().splitlines()
        first_line = lines[0].rstrip(".") if lines else ""
        if not custom:
            return f"LiteRT cannot prepare {self.source}: {first_line}"
        flex = [name for name in custom if name.startswith("Flex")]
        message = (
            f"{self.source} uses custom ops that this LiteRT runtime cannot resolve. "
            f"The model's custom ops: {', '.join(custom)}. LiteRT said: {first_line}"
        )
        if flex:
            message += (
                ". Ops named Flex* are select TensorFlow ops, which LiteRT's Python wheel does "
                "not include: convert the model without SELECT_TF_OPS"
            )
        if len(flex) < len(custom):
            message += (
                ". To run a custom op in Python, give a kernel (inputs, custom_options) -> "
                "outputs: BaseOptions(custom_ops={'Name': kernel}) or "
                "tflite_tasks.register_custom_op('Name', kernel)"
            )
        return message

    @cached_property
    def metadata(self) -> Metadata:
        """The model's TFLite Metadata and associated files (read once)."""
        from tflite_tasks.metadata import read_metadata

        return read_metadata(self.model_bytes)

    def input_view(self, position: int = 0) -> np.ndarray:
        """Returns a writable view of input ``position``'s memory.

        Drop the view before :meth:`invoke` (LiteRT refuses to run while views are alive).
        """
        return self._interpreter.tensor(self.inputs[position].tensor_index)()

    def set_input(self, position: int, values: np.ndarray) -> None:
        """Copies ``values`` (same shape and dtype as the input) into input ``position``."""
        self._interpreter.set_tensor(self.inputs[position].tensor_index, values)

    def resize_input(self, position: int, shape: tuple[int, ...]) -> None:
        """Resizes input ``position`` (dynamic or batch dimensions) and reallocates tensors."""
        self.resize_inputs({position: shape})

    def resize_inputs(self, shapes: Mapping[int, tuple[int, ...]]) -> None:
        """Resizes several inputs (position -> shape) together, then reallocates once."""
        changed = {p: tuple(s) for p, s in shapes.items() if tuple(s) != self.inputs[p].shape}
        if not changed:
            return
        for position, shape in changed.items():
            self._interpreter.resize_tensor_input(self.inputs[position].tensor_index,
                                                  list(shape), strict=False)
        self._interpreter.allocate_tensors()
        self.inputs, self.outputs = io_specs(self._interpreter, self.source)

    def invoke(self) -> None:
        """Runs the model on the inputs as written.

        Raises:
            InferenceError: LiteRT failed (say, token ids beyond the embedding table).
        """
        try:
            self._interpreter.invoke()
        except RuntimeError as e:
            if isinstance(e, TfliteTasksError):
                raise
            raise InferenceError(f"LiteRT failed to run {self.source}: {e}") from e

    def output(self, position: int = 0) -> np.ndarray:
        """Returns a copy of output ``position``, raw (still quantized if quantized)."""
        return self._interpreter.get_tensor(self.outputs[position].tensor_index)

    def run(self, *inputs: np.ndarray) -> list[np.ndarray]:
        """Sets every input, invokes, returns copies of every output (thread-safe)."""
        with self.lock:
            for position, values in enumerate(inputs):
                self.set_input(position, values)
            self.invoke()
            return [self.output(i) for i in range(len(self.outputs))]

    def __getstate__(self) -> dict[str, Any]:
        return {"model_bytes": self.model_bytes, "num_threads": self.num_threads,
                "source": self.source, "custom_ops": self.custom_ops}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["model_bytes"], num_threads=state["num_threads"],
                      custom_ops=state.get("custom_ops"))
        self.source = state["source"]

    def __repr__(self) -> str:
        inputs = [s.name for s in self.inputs]
        outputs = [s.name for s in self.outputs]
        return (f"Engine({self.source}, num_threads={self.num_threads}, inputs={inputs}, "
                f"outputs={outputs})")
