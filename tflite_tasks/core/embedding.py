"""Embedding postprocessing shared by every embedder (image, text, audio).

Output tensors become feature vectors with the TFLite Task Library's semantics
(``cc/task/processor/embedding_postprocessor.h``): dequantize, then optionally L2-normalize
(``v / sqrt(sum v^2)``; a zero vector stays zero), then optionally scalar-quantize
(``clamp(round(v * 128), -128, 127)``, rounding half away from zero). Quantized vectors are
exposed as **int8** arrays; the reference Python API exposed the same bytes as uint8 (their
two's-complement reinterpretation: ``reference.view(np.int8)`` gives ours).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tflite_tasks.core.containers import Embedding, EmbeddingResult
from tflite_tasks.core.engine import Engine, TensorSpec
from tflite_tasks.core.errors import InputError, OptionsError


@dataclass
class EmbeddingOptions:
    """How output tensors become embeddings.

    Attributes:
        l2_normalize: divide each vector by its L2 norm. Use it only when the model does not
            end with an L2_NORMALIZATION op already.
        quantize: return int8 vectors ``clamp(round(v * 128), -128, 127)`` instead of float32
            (after normalization when both are set). Meant for unit-norm vectors, whose
            values lie in [-1, 1].
    """

    l2_normalize: bool = False
    quantize: bool = False

    def validate(self) -> None:
        """Raises OptionsError unless both fields are booleans."""
        for name in ("l2_normalize", "quantize"):
            value = getattr(self, name)
            if not isinstance(value, bool | np.bool_):
                raise OptionsError(f"{name} must be True or False, not {value!r}")


@dataclass(frozen=True)
class EmbeddingHead:
    """One output tensor that gives a vector: its spec and its name (metadata, else tensor)."""

    spec: TensorSpec
    name: str

    @property
    def dimension(self) -> int:
        """The vector's length ``D`` (outputs are ``[1, ..., 1, D]``)."""
        return self.spec.shape[-1]


def _check_output(spec: TensorSpec) -> None:
    shape = spec.shape
    if not spec.is_vector or shape[-1] < 1:
        raise OptionsError(
            f"output {spec.position} '{spec.name}' is {spec.dtype} {list(shape)}: embedding "
            "outputs are vectors [1, D] (or [1, 1, 1, D]) of type float32, uint8 or int8, so "
            "this output is not a vector (a detector or segmenter has other outputs; feature "
            "maps such as [1, 7, 7, 256] need pooling in the model)"
        )


def l2_normalize(vector: np.ndarray) -> np.ndarray:
    """Returns float32 ``vector`` (D,) divided by its L2 norm; a zero vector unchanged.

    Computed in float64 and rounded once to float32, so extreme values (whose squares
    overflow or underflow float32) normalize too; the reference's float32 arithmetic can
    differ in the last bit.
    """
    wide = vector.astype(np.float64)
    squared = float(np.dot(wide, wide))
    if squared == 0.0:
        return vector
    return (wide / np.sqrt(squared)).astype(np.float32)


def quantize(vector: np.ndarray) -> np.ndarray:
    """Returns int8 ``clamp(round(v * 128), -128, 127)`` of float32 ``vector`` (D,).

    Rounds half away from zero, like C's ``roundf`` in the reference.
    """
    scaled = (vector * np.float32(128)).astype(np.float64)
    rounded = np.copysign(np.floor(np.abs(scaled) + 0.5), scaled)
    return np.clip(rounded, -128, 127).astype(np.int8)


class EmbeddingPostprocessor:
    """Turns raw output tensors into an :class:`EmbeddingResult`, one embedding per head.

    Args:
        engine: the model; each used output must be ``[1, D]`` or ``[1, ..., 1, D]`` of type
            float32, uint8 or int8 (quantized outputs are dequantized).
        options: normalization and quantization.
        positions: which outputs are heads (default: all of them, in order).

    Raises:
        OptionsError: invalid options, or an output that is not a vector.
    """

    def __init__(
        self, engine: Engine, options: EmbeddingOptions, positions: Sequence[int] | None = None
    ) -> None:
        options.validate()
        self.l2_normalize = bool(options.l2_normalize)
        self.quantize = bool(options.quantize)
        positions = list(range(len(engine.outputs)) if positions is None else positions)
        self.heads: list[EmbeddingHead] = []
        for position in positions:
            spec = engine.outputs[position]
            _check_output(spec)
            self.heads.append(EmbeddingHead(spec, engine.metadata.output_name(position,
                                                                              spec.name)))

    def embed_head(self, head_index: int, raw: np.ndarray) -> Embedding:
        """Returns the embedding of ``heads[head_index]`` from its raw output tensor.

        Args:
            head_index: the head's place in :attr:`heads`.
            raw: the output tensor as the engine gives it, ``[1, ..., 1, D]``.

        Returns:
            An :class:`Embedding` whose vector is float32 (D,), or int8 (D,) when quantizing.
        """
        head = self.heads[head_index]
        vector = np.array(head.spec.dequantize(raw).reshape(-1), dtype=np.float32)
        if self.l2_normalize:
            vector = l2_normalize(vector)
        if self.quantize:
            vector = quantize(vector)
        return Embedding(vector, head.spec.position, head.name)

    def __call__(self, raw_outputs: Sequence[np.ndarray]) -> EmbeddingResult:
        """``raw_outputs[i]`` is the raw tensor of ``heads[i]``."""
        return EmbeddingResult([self.embed_head(i, raw) for i, raw in enumerate(raw_outputs)])


def _vector(value: Embedding | np.ndarray | Sequence[float], which: str) -> np.ndarray:
    """Returns ``value`` as a 1-D float or int8 array; lists become float64."""
    vector = value.embedding if isinstance(value, Embedding) else value
    vector = vector if isinstance(vector, np.ndarray) else np.asarray(vector, np.float64)
    if vector.ndim != 1:
        raise InputError(f"cosine_similarity takes 1-D vectors; {which} has shape "
                         f"{list(vector.shape)}")
    if vector.dtype != np.int8 and not np.issubdtype(vector.dtype, np.floating):
        raise InputError(
            f"cosine_similarity takes float vectors or quantized int8 vectors; {which} is "
            f"{vector.dtype} (the reference's quantized uint8 bytes are v.view(np.int8))"
        )
    return vector


def cosine_similarity(
    a: Embedding | np.ndarray | Sequence[float], b: Embedding | np.ndarray | Sequence[float]
) -> float:
    """Returns the cosine similarity ``a.b / (|a| |b|)`` of two embeddings (from -1 to 1).

    Computed in float64, as ``dot / sqrt(|a|^2 |b|^2)`` like the reference.

    Args:
        a, b: :class:`Embedding` objects or 1-D vectors (D,) of the same length, both float
            or both quantized (int8, compared by their integer values as in the reference).

    Raises:
        InputError: a quantized and a float vector, different lengths, an empty or a
            zero-norm vector.
    """
    u, v = _vector(a, "the first vector"), _vector(b, "the second vector")
    if (u.dtype == np.int8) != (v.dtype == np.int8):
        raise InputError(
            "cannot compare a quantized (int8) embedding with a float one: embed both with the "
            "same quantize option"
        )
    if u.size != v.size:
        raise InputError(f"cannot compare embeddings of different lengths ({u.size} vs "
                         f"{v.size}): they come from different models or heads")
    if u.size == 0:
        raise InputError("cannot compute the cosine similarity of empty vectors")
    u, v = u.astype(np.float64), v.astype(np.float64)
    norm_u, norm_v = float(np.dot(u, u)), float(np.dot(v, v))
    if norm_u <= 0.0 or norm_v <= 0.0:
        raise InputError("cannot compute the cosine similarity of a zero vector (its norm is 0, "
                         "so it has no direction)")
    return float(np.dot(u, v) / np.sqrt(norm_u * norm_v))


class EmbedderMixin:
    """What every embedder task shares: its postprocessor, ``dimensions``, ``postprocess``
    and ``cosine_similarity``. The task calls :meth:`_setup_embedding` from ``_setup``."""

    engine: Engine
    _postprocessor: EmbeddingPostprocessor
    _output_positions: list[int]

    def _setup_embedding(self, options: EmbeddingOptions) -> None:
        self._postprocessor = EmbeddingPostprocessor(self.engine, options)
        self._output_positions = [head.spec.position for head in self._postprocessor.heads]

    @property
    def dimensions(self) -> list[int]:
        """The length ``D`` of each head's vector."""
        return [head.dimension for head in self._postprocessor.heads]

    def postprocess(self, raw_outputs: Sequence[np.ndarray]) -> EmbeddingResult:
        """Turns the raw output tensors into embeddings (dequantized, normalized, quantized)."""
        return self._postprocessor(raw_outputs)

    cosine_similarity = staticmethod(cosine_similarity)
    """``Embedder.cosine_similarity(a, b)``: see :func:`cosine_similarity`."""
