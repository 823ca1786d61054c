"""Tiny models with known answers, built by the tests (weights set here, metadata by our code)."""

from __future__ import annotations

from collections.abc import Sequence

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
    ScoreCalibrationOptions,
    ScoreThresholdingOptions,
    ScoreTransformationType,
    SubGraphMetadata,
    TensorMetadata,
)


def channel_mean_model(
    size: int = 4,
    input_dtype: type = np.float32,
    quantization: tuple[float, int] | None = None,
    dynamic: bool = False,
) -> bytes:
    """Image [1, size, size, 3] -> the mean of each channel [1, 3], as the model sees it."""
    g = GraphBuilder()
    image = g.input("image", (1, size, size, 3), input_dtype, quantization=quantization,
                    shape_signature=(1, -1, -1, 3) if dynamic else None)
    x = image
    if input_dtype != np.float32:
        x = g.add_op("DEQUANTIZE", [image], (1, size, size, 3), np.float32)
    axes = g.constant("axes", np.array([1, 2], np.int32))
    out = g.add_op("MEAN", [x, axes], (1, 3), np.float32, ("ReducerOptions", {"keepDims": False}),
                   name="channel_means")
    return g.build([image], [out])


def constant_scores_model(
    scores: Sequence[float],
    heads: int = 1,
    output_quantization: tuple[float, int] | None = None,
    output_dtype: type = np.uint8,
) -> bytes:
    """Image [1, 4, 4, 3] float -> ``heads`` outputs [1, N] equal to ``scores`` (any image),
    quantized to ``output_dtype`` (uint8 or int8) by a QUANTIZE op with
    ``output_quantization`` (scale, zero point) when given."""
    values = np.asarray(scores, np.float32)
    g = GraphBuilder()
    x = g.input("image", (1, 4, 4, 3), np.float32)
    axes = g.constant("axes", np.array([1, 2], np.int32))
    pooled = g.add_op("MEAN", [x, axes], (1, 3), np.float32,
                      ("ReducerOptions", {"keepDims": False}))
    outputs = []
    for h in range(heads):
        weights = g.constant(f"zero_weights_{h}", np.zeros((values.size, 3), np.float32))
        bias = g.constant(f"scores_{h}", values + h)
        out = g.add_op("FULLY_CONNECTED", [pooled, weights, bias], (1, values.size), np.float32,
                       name=f"scores_out_{h}")
        if output_quantization is not None:
            out = g.add_op("QUANTIZE", [out], (1, values.size), output_dtype,
                           quantization=output_quantization, name=f"quantized_{h}")
        outputs.append(out)
    return g.build([x], outputs)


def constant_outputs_model(
    outputs: Sequence[np.ndarray],
    names: Sequence[str] | None = None,
    input_shape: Sequence[int] = (1, 4, 4, 3),
    input_dtype: type = np.float32,
    dynamic: bool = False,
) -> bytes:
    """Image ``input_shape`` -> outputs equal to ``outputs`` (any image), each of its own shape
    and dtype (float32, or int32/int64/uint8 by a final CAST; quantized uint8 is not built).
    With ``dynamic`` the input's height and width are dynamic (-1 in its signature)."""
    g = GraphBuilder()
    signature = (1, -1, -1, input_shape[-1]) if dynamic else None
    image = g.input("image", tuple(input_shape), input_dtype, shape_signature=signature)
    x = image
    if input_dtype != np.float32:
        x = g.add_op("CAST", [image], tuple(input_shape), np.float32)
    axes = g.constant("axes", np.array([1, 2], np.int32))
    pooled = g.add_op("MEAN", [x, axes], (1, input_shape[-1]), np.float32,
                      ("ReducerOptions", {"keepDims": False}))
    tensors = []
    for i, value in enumerate(outputs):
        value = np.asarray(value)
        name = names[i] if names is not None else f"output_{i}"
        flat = value.astype(np.float32).reshape(-1)
        weights = g.constant(f"zero_weights_{i}", np.zeros((flat.size, input_shape[-1]),
                                                            np.float32))
        bias = g.constant(f"values_{i}", flat)
        out = g.add_op("FULLY_CONNECTED", [pooled, weights, bias], (1, flat.size), np.float32,
                       name=f"{name}_flat" if value.shape != (1, flat.size) or
                       value.dtype != np.float32 else name)
        if value.shape != (1, flat.size):
            shape = g.constant(f"shape_{i}", np.array(value.shape, np.int32))
            out = g.add_op("RESHAPE", [out, shape], value.shape, np.float32,
                           name=name if value.dtype == np.float32 else f"{name}_float")
        if value.dtype != np.float32:
            out = g.add_op("CAST", [out], value.shape, value.dtype, name=name)
        tensors.append(out)
    return g.build([image], tensors)


def with_classifier_metadata(
    model: bytes,
    *,
    labels: Sequence[str] | None = None,
    display_names: dict[str, Sequence[str]] | None = None,
    normalization: tuple[list[float], list[float]] | None = ([0.0], [1.0]),
    threshold: float | None = None,
    calibration: tuple[str, ScoreTransformationType, float] | None = None,
    heads: int = 1,
) -> bytes:
    """Adds image-classifier metadata (labels, locales, threshold, calibration) to ``model``."""
    files: dict[str, bytes] = {}
    associated = []
    units = []
    if labels is not None:
        files["labels.txt"] = ("\n".join(labels) + "\n").encode()
        associated.append(AssociatedFile(name="labels.txt",
                                         type=AssociatedFileType.TENSOR_AXIS_LABELS))
    for locale, names in (display_names or {}).items():
        name = f"labels_{locale}.txt"
        files[name] = ("\n".join(names) + "\n").encode()
        associated.append(AssociatedFile(name=name, type=AssociatedFileType.TENSOR_AXIS_LABELS,
                                         locale=locale))
    if threshold is not None:
        units.append(ProcessUnit(options=ScoreThresholdingOptions(global_score_threshold=threshold)))
    if calibration is not None:
        text, transformation, default = calibration
        files["calibration.txt"] = text.encode()
        associated.append(AssociatedFile(name="calibration.txt",
                                         type=AssociatedFileType.TENSOR_AXIS_SCORE_CALIBRATION))
        units.append(ProcessUnit(options=ScoreCalibrationOptions(
            score_transformation=transformation, default_score=default)))
    outputs = [
        TensorMetadata(name=f"head{h}", content=Content(content_properties=FeatureProperties()),
                       process_units=units or None, associated_files=associated or None)
        for h in range(heads)
    ]
    return with_metadata(model, outputs, files, normalization)


def with_metadata(
    model: bytes,
    outputs: Sequence[TensorMetadata],
    files: dict[str, bytes] | None = None,
    normalization: tuple[list[float], list[float]] | None = ([0.0], [1.0]),
) -> bytes:
    """Adds metadata to ``model``: an RGB image input (with ``normalization``), the given
    output tensor metadata, and the associated ``files`` packed beside them."""
    image = TensorMetadata(
        name="image",
        content=Content(content_properties=ImageProperties(color_space=ColorSpaceType.RGB)),
        process_units=[ProcessUnit(options=NormalizationOptions(mean=normalization[0],
                                                                std=normalization[1]))]
        if normalization is not None else None,
    )
    metadata = ModelMetadata(name="tiny", subgraph_metadata=[
        SubGraphMetadata(input_tensor_metadata=[image], output_tensor_metadata=list(outputs))])
    return populate(model, metadata, files or {})
