"""Tiny audio models with known answers, built by the tests (weights set here, metadata by our
code), and the helpers the audio tests share."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ai_edge_litert import schema_py_generated as schema

from tflite_tasks.core.model_builder import GraphBuilder
from tflite_tasks.metadata import populate
from tflite_tasks.metadata.schema import (
    AssociatedFile,
    AssociatedFileType,
    AudioProperties,
    Content,
    FeatureProperties,
    ModelMetadata,
    SubGraphMetadata,
    TensorMetadata,
)

YAMNET = "audio/yamnet_audio_classifier_with_metadata.tflite"
YAMNET_WINDOW = 15600


def probe_model(frames: int, channels: int = 1, input_shape: Sequence[int] | None = None,
                input_dtype: type = np.float32, dynamic: bool = False,
                dynamic_batch: bool = False) -> bytes:
    """Audio input of ``frames * channels`` values -> output [1, frames * channels], the input
    values in order (as float32): the scores (or the embedding) show what the model was fed.

    ``input_shape`` defaults to [1, frames * channels]; ``dynamic`` marks its last dimension -1
    in the signature, ``dynamic_batch`` its first (the batch of Keras exports).
    """
    size = frames * channels
    shape = tuple(input_shape or (1, size))
    g = GraphBuilder()
    signature = None
    if dynamic or dynamic_batch:
        signature = ((-1 if dynamic_batch else shape[0]), *shape[1:-1],
                     (-1 if dynamic else shape[-1]))
    audio = g.input("audio", shape, input_dtype, shape_signature=signature)
    x = audio
    if input_dtype != np.float32:
        x = g.add_op("CAST", [audio], shape, np.float32)
    new_shape = g.constant("shape", np.array([1, -1], np.int32))
    out = g.add_op("RESHAPE", [x, new_shape], (1, size), np.float32, name="probe")
    return g.build([audio], [out])


def linear_model(heads: Sequence[np.ndarray], input_shape: Sequence[int],
                 biases: Sequence[np.ndarray] | None = None) -> bytes:
    """Float32 audio input ``input_shape`` -> one output [1, K] per head: ``W @ x + b`` for the
    head's weights ``W`` (K, N) over the N input values (interleaved frames) and bias ``b``."""
    size = int(np.prod(input_shape))
    g = GraphBuilder()
    audio = g.input("audio", tuple(input_shape), np.float32)
    x = audio
    if tuple(input_shape) != (1, size):
        x = g.add_op("RESHAPE", [audio, g.constant("shape", np.array([1, size], np.int32))],
                     (1, size), np.float32)
    outputs = []
    for h, weights in enumerate(heads):
        weights = np.asarray(weights, np.float32)
        bias = (np.zeros(weights.shape[0], np.float32) if biases is None
                else np.asarray(biases[h], np.float32))
        outputs.append(g.add_op("FULLY_CONNECTED", [x, g.constant(f"weights_{h}", weights),
                                                    g.constant(f"bias_{h}", bias)],
                                (1, weights.shape[0]), np.float32, name=f"linear_{h}"))
    return g.build([audio], outputs)


def mean_model(frames: int, channels: int = 1, dynamic: bool = False) -> bytes:
    """Audio [1, frames * channels] (length dynamic if asked) -> [1, 2]: the mean of the input
    values and their maximum."""
    size = frames * channels
    g = GraphBuilder()
    audio = g.input("audio", (1, size), np.float32,
                    shape_signature=(1, -1) if dynamic else None)
    axis = g.constant("axis", np.array([1], np.int32))
    keep = ("ReducerOptions", {"keepDims": True})
    mean = g.add_op("MEAN", [audio, axis], (1, 1), np.float32, keep)
    peak = g.add_op("REDUCE_MAX", [audio, axis], (1, 1), np.float32, keep)
    out = g.add_op("CONCATENATION", [mean, peak], (1, 2), np.float32,
                   ("ConcatenationOptions", {"axis": 1}), name="mean_max")
    return g.build([audio], [out])


def two_input_model(frames: int) -> bytes:
    """Two float32 inputs [1, frames] -> their sum (not an audio model)."""
    g = GraphBuilder()
    a = g.input("a", (1, frames), np.float32)
    b = g.input("b", (1, frames), np.float32)
    return g.build([a, b], [g.add_op("ADD", [a, b], (1, frames), np.float32)])


def string_input_model() -> bytes:
    """A string input [1] (unused) and a constant output [1, 2] (not an audio model)."""
    g = GraphBuilder()
    text = g.input("text", (1,), np.uint8)
    g._tensors[text].type = schema.TensorType.STRING
    values = g.constant("values", np.array([[1.0, 2.0]], np.float32))
    out = g.add_op("ADD", [values, values], (1, 2), np.float32)
    return g.build([text], [out])


def uint8_input_model(frames: int) -> bytes:
    """A uint8 input [1, frames] -> its values as float32 [1, frames]."""
    g = GraphBuilder()
    audio = g.input("audio", (1, frames), np.uint8)
    return g.build([audio], [g.add_op("CAST", [audio], (1, frames), np.float32)])


def with_audio_metadata(model: bytes, sample_rate: int | None, channels: int | None,
                        labels: Sequence[Sequence[str] | None] = (None,),
                        head_names: Sequence[str] | None = None) -> bytes:
    """Adds metadata to ``model``: AudioProperties(sample_rate, channels) on the input (none
    when both are None) and, per output, its name and labels (an associated file)."""
    properties = (None if sample_rate is None and channels is None
                  else AudioProperties(sample_rate=sample_rate or 0, channels=channels or 0))
    audio = TensorMetadata(name="audio", content=Content(content_properties=properties))
    files: dict[str, bytes] = {}
    outputs = []
    for h, head_labels in enumerate(labels):
        associated = None
        if head_labels is not None:
            files[f"labels_{h}.txt"] = ("\n".join(head_labels) + "\n").encode()
            associated = [AssociatedFile(name=f"labels_{h}.txt",
                                         type=AssociatedFileType.TENSOR_AXIS_LABELS)]
        outputs.append(TensorMetadata(
            name=head_names[h] if head_names else f"head{h}",
            content=Content(content_properties=FeatureProperties()),
            associated_files=associated))
    metadata = ModelMetadata(name="tiny audio", subgraph_metadata=[
        SubGraphMetadata(input_tensor_metadata=[audio], output_tensor_metadata=outputs)])
    return populate(model, metadata, files)


def scores(result: object, head: int = 0) -> np.ndarray:
    """The scores of one head of a ClassificationResult as a vector by category index (the
    classifier must keep every category)."""
    categories = result.classifications[head].categories  # type: ignore[attr-defined]
    vector = np.full(len(categories), np.nan, np.float32)
    for category in categories:
        vector[category.index] = category.score
    return vector


def chunks(samples: np.ndarray, seed: int, largest: int = 9000) -> list[np.ndarray]:
    """``samples`` cut at random places into chunks of 0 to ``largest`` frames; some empty and
    some of one frame whatever the seed."""
    rng = np.random.default_rng(seed)
    pieces, start = [samples[:0], samples[:1]], 1
    while start < len(samples):
        size = int(rng.choice([0, 1, 2, int(rng.integers(1, largest + 1))]))
        pieces.append(samples[start:start + size])
        start += size
    return [*pieces, samples[len(samples):]]
