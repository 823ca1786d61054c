"""The embedded default model: a dominant-colour image classifier the package builds itself.

A real TFLite model, made of weights set here and metadata written by our own metadata
code, so that a fresh install shows a real classification without a download. Each pixel
is softly assigned to its nearest reference colour (a 1x1 convolution computing
``-|pixel - colour|^2 / T`` up to a per-pixel constant, then a softmax), and the scores are
the mean over the image: the fraction of the image that is each colour.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from tflite_tasks.core.model_builder import GraphBuilder
from tflite_tasks.metadata import populate
from tflite_tasks.metadata.schema import (
    AssociatedFile,
    AssociatedFileType,
    ColorSpaceType,
    Content,
    FeatureProperties,
    ImageProperties,
    ModelMetadata,
    NormalizationOptions,
    ProcessUnit,
    Stats,
    SubGraphMetadata,
    TensorMetadata,
)

INPUT_SIZE = 64
"""Width and height of the model's input, in pixels."""

TEMPERATURE = 0.02
"""Softmax temperature of the per-pixel assignment (smaller is harder)."""

# name, French display name, RGB in [0, 1]
COLOURS: tuple[tuple[str, str, tuple[float, float, float]], ...] = (
    ("black", "noir", (0.0, 0.0, 0.0)),
    ("white", "blanc", (1.0, 1.0, 1.0)),
    ("gray", "gris", (0.5, 0.5, 0.5)),
    ("red", "rouge", (0.85, 0.1, 0.1)),
    ("orange", "orange", (1.0, 0.55, 0.1)),
    ("yellow", "jaune", (0.95, 0.9, 0.15)),
    ("green", "vert", (0.15, 0.65, 0.2)),
    ("cyan", "cyan", (0.1, 0.8, 0.85)),
    ("blue", "bleu", (0.1, 0.25, 0.85)),
    ("purple", "violet", (0.5, 0.2, 0.7)),
    ("pink", "rose", (1.0, 0.5, 0.75)),
    ("brown", "marron", (0.5, 0.3, 0.15)),
)


def _graph() -> bytes:
    colours = np.array([rgb for _, _, rgb in COLOURS], np.float32)
    count = len(COLOURS)
    g = GraphBuilder()
    image = g.input("image", (1, INPUT_SIZE, INPUT_SIZE, 3), np.float32)
    weights = g.constant("colour_weights", (2 * colours / TEMPERATURE).reshape(count, 1, 1, 3))
    bias = g.constant("colour_bias", (-(colours**2).sum(axis=1) / TEMPERATURE).astype(np.float32))
    per_pixel = (1, INPUT_SIZE, INPUT_SIZE, count)
    logits = g.add_op("CONV_2D", [image, weights, bias], per_pixel, np.float32,
                      ("Conv2DOptions", {"padding": 1, "strideW": 1, "strideH": 1}))
    shares = g.add_op("SOFTMAX", [logits], per_pixel, np.float32, ("SoftmaxOptions", {"beta": 1.0}))
    axes = g.constant("spatial_axes", np.array([1, 2], np.int32))
    scores = g.add_op("MEAN", [shares, axes], (1, count), np.float32,
                      ("ReducerOptions", {"keepDims": False}), name="probability")
    return g.build([image], [scores], description="tflite-tasks dominant colour classifier")


def _metadata() -> ModelMetadata:
    image = TensorMetadata(
        name="image",
        description=f"Input image, {INPUT_SIZE} x {INPUT_SIZE} RGB, values in [0, 1].",
        content=Content(content_properties=ImageProperties(color_space=ColorSpaceType.RGB)),
        process_units=[ProcessUnit(options=NormalizationOptions(mean=[0.0], std=[255.0]))],
        stats=Stats(max=[1.0], min=[0.0]),
    )
    probability = TensorMetadata(
        name="probability",
        description="Fraction of the image's pixels nearest to each colour.",
        content=Content(content_properties=FeatureProperties()),
        stats=Stats(max=[1.0], min=[0.0]),
        associated_files=[
            AssociatedFile(name="colours.txt", description="Colour names.",
                           type=AssociatedFileType.TENSOR_AXIS_LABELS),
            AssociatedFile(name="colours_fr.txt", description="Colour names in French.",
                           type=AssociatedFileType.TENSOR_AXIS_LABELS, locale="fr"),
        ],
    )
    return ModelMetadata(
        name="Dominant colour classifier",
        description="Says which colours cover the image, and how much of it each covers.",
        version="1",
        subgraph_metadata=[SubGraphMetadata(input_tensor_metadata=[image],
                                            output_tensor_metadata=[probability])],
        author="tflite-tasks",
        license="Apache-2.0",
        min_parser_version="1.0.0",
    )


@cache
def default_model() -> bytes:
    """Returns the default model's bytes: graph, metadata and label files (about 3 KB)."""
    files = {
        "colours.txt": "\n".join(name for name, _, _ in COLOURS).encode() + b"\n",
        "colours_fr.txt": "\n".join(fr for _, fr, _ in COLOURS).encode() + b"\n",
    }
    return populate(_graph(), _metadata(), files)
