"""Metadata for SSD object detectors: an RGB image in, the 4 outputs of
``TFLite_Detection_PostProcess`` out.

Port of ``tflite_support.metadata_writers.object_detector`` (0.4.4), same defaults and JSON:
outputs "location" (boxes ``ymin, xmin, ymax, xmax`` as ratios: index 1, 0, 3, 2 read as
left, top, right, bottom), "category" (class indices, labelled by TENSOR_VALUE_LABELS
files), "score" (optionally calibrated) and "number of detections"; the first three form the
output tensor group "detection_result" and have content range 2..2.

The output metadata follows the model's output order. The reference assumes the outputs'
tensor indices ascend in the op's order (location, category, score, number); here each
output takes the role of its place among the outputs of the model's
``TFLite_Detection_PostProcess`` op, and that assumption serves only models without the op.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from ...core.model_file import ModelSource
from ..model_schema import custom_op_outputs
from ..schema import (
    BoundingBoxProperties,
    BoundingBoxType,
    Content,
    CoordinateType,
    TensorGroup,
    TensorMetadata,
    ValueRange,
)
from . import metadata_writer
from .metadata_info import (
    CategoryTensorMd,
    ClassificationTensorMd,
    FilePath,
    GeneralMd,
    InputImageTensorMd,
    ScoreCalibrationMd,
    TensorMd,
)
from .writer_utils import image_input_md, image_model_io, label_file_mds

MODEL_NAME = "ObjectDetector"
MODEL_DESCRIPTION = ("Identify which of a known set of objects might be present and provide "
                     "information about their positions within the given image or a video "
                     "stream.")
INPUT_DESCRIPTION = "Input image to be detected."
OUTPUTS = (
    ("location", "The locations of the detected boxes."),
    ("category", "The categories of the detected boxes."),
    ("score", "The scores of the detected boxes."),
    ("number of detections", "The number of the detected boxes."),
)
"""Default (name, description) of the outputs, in the op's order. The Task Library finds the
outputs by these names."""
GROUP_NAME = "detection_result"
POSTPROCESS_OP = "TFLite_Detection_PostProcess"
_BOX_INDEX = [1, 0, 3, 2]
_RESULT_DIM = 2  # content range of location, category and score: the dimension 2..2
_WRITER = "object detector"


def _ranged(metadata: TensorMetadata) -> TensorMetadata:
    """``metadata`` with its content limited to dimension 2, where the results lie."""
    metadata.content.range = ValueRange(min=_RESULT_DIM, max=_RESULT_DIM)  # type: ignore
    return metadata


def _roles(model_bytes: bytes) -> list[int]:
    """For each model output, its role: its place in :data:`OUTPUTS` (0 location, ...)."""
    outputs, ops = custom_op_outputs(model_bytes)
    postprocess = next((op_outputs for code, op_outputs in ops if code == POSTPROCESS_OP), None)
    if postprocess is None or sorted(postprocess) != sorted(outputs):
        postprocess = sorted(outputs)  # the reference's rule: the op's outputs ascend
    return [postprocess.index(index) for index in outputs]


class MetadataWriter(metadata_writer.MetadataWriter):
    """Writes metadata into an SSD object detector (one image input, 4 outputs)."""

    @classmethod
    def create_from_metadata_info(
        cls,
        model_buffer: ModelSource,
        general_md: GeneralMd | None = None,
        input_md: InputImageTensorMd | None = None,
        output_location_md: TensorMd | None = None,
        output_category_md: CategoryTensorMd | None = None,
        output_score_md: TensorMd | None = None,
        output_number_md: TensorMd | None = None,
    ) -> MetadataWriter:
        """A writer from blocks; each block left out takes the reference's defaults.

        ``output_score_md`` may be a ClassificationTensorMd, to calibrate the scores. Outputs
        named otherwise than :data:`OUTPUTS` are written with a warning: the Task Library
        finds the outputs by these names.

        Raises ModelLoadError for a non-model, MetadataError unless the model has one input
        and 4 outputs.
        """
        data = image_model_io(model_buffer, _WRITER, outputs=(4,))[0]
        given = (output_location_md, output_category_md, output_score_md, output_number_md)
        defaults = (TensorMd, CategoryTensorMd, ClassificationTensorMd, TensorMd)
        blocks = []
        for md, default, (name, description) in zip(given, defaults, OUTPUTS, strict=True):
            if md is None:
                md = default(name=name, description=description)
            elif md.name != name:
                warnings.warn(f"output {md.name!r} is not named {name!r}: the Task Library "
                              "finds the detector's outputs by their default names",
                              stacklevel=2)
            blocks.append(md)
        location, category, score, number = blocks
        boxes = location.create_metadata()
        boxes.content = Content(content_properties=BoundingBoxProperties(
            index=list(_BOX_INDEX), type=BoundingBoxType.BOUNDARIES,
            coordinate_type=CoordinateType.RATIO))
        tables = [
            _ranged(boxes),
            _ranged(category.create_metadata()),
            _ranged(score.create_metadata()),
            number.create_metadata(),
        ]
        writer = cls.create_from_metadata(
            data, (general_md or GeneralMd(name=MODEL_NAME,
                                           description=MODEL_DESCRIPTION)).create_metadata(),
            [(input_md or image_input_md(INPUT_DESCRIPTION)).create_metadata()],
            [tables[role] for role in _roles(data)],
            list(dict.fromkeys([*category.file_paths(), *score.file_paths()])))
        writer.metadata.subgraph_metadata[0].output_tensor_groups = [
            TensorGroup(name=GROUP_NAME, tensor_names=[location.name, category.name, score.name])]
        return writer

    @classmethod
    def create_for_inference(
        cls,
        model_buffer: ModelSource,
        input_norm_mean: Sequence[float],
        input_norm_std: Sequence[float],
        label_file_paths: Sequence[FilePath],
        score_calibration_md: ScoreCalibrationMd | None = None,
    ) -> MetadataWriter:
        """The metadata the Task Library needs: normalization, labels, optional calibration.

        Args:
            model_buffer: the model's bytes (or its path).
            input_norm_mean: per-channel (or one) mean of ``(pixel - mean) / std``.
            input_norm_std: per-channel (or one) std, same length as the mean.
            label_file_paths: label files of the category values (one label per line, line
                ``i`` for class ``i``); ``[]`` for none.
            score_calibration_md: sigmoid score calibration of the scores, if any.
        """
        data, inputs, _ = image_model_io(model_buffer, _WRITER, outputs=(4,))
        labels = label_file_mds(label_file_paths, score_calibration_md)
        (category, category_text), (score, score_text) = OUTPUTS[1:3]
        return cls.create_from_metadata_info(
            data,
            input_md=image_input_md(INPUT_DESCRIPTION, input_norm_mean, input_norm_std,
                                    inputs[0]),
            output_category_md=CategoryTensorMd(name=category, description=category_text,
                                                label_files=labels),
            output_score_md=ClassificationTensorMd(name=score, description=score_text,
                                                   score_calibration_md=score_calibration_md))
