"""Metadata for image classifiers: an RGB image in, one tensor of class scores out.

Port of ``tflite_support.metadata_writers.image_classifier`` (0.4.4): the same defaults
(names, descriptions) and the same JSON; element types come from the model::

    from tflite_tasks.metadata.writers import image_classifier

    writer = image_classifier.MetadataWriter.create_for_inference(
        model_bytes, [127.5], [127.5], ["labels.txt"])
    model_with_metadata = writer.populate()
"""

from __future__ import annotations

from collections.abc import Sequence

from ...core.model_file import ModelSource
from . import metadata_writer
from .metadata_info import (
    ClassificationTensorMd,
    FilePath,
    GeneralMd,
    InputImageTensorMd,
    ScoreCalibrationMd,
)
from .writer_utils import image_input_md, image_model_io, label_file_mds

MODEL_NAME = "ImageClassifier"
MODEL_DESCRIPTION = ("Identify the most prominent object in the image from a known set of "
                     "categories.")
INPUT_DESCRIPTION = "Input image to be classified."
OUTPUT_NAME = "probability"
OUTPUT_DESCRIPTION = "Probabilities of the labels respectively."
_WRITER = "image classifier"


class MetadataWriter(metadata_writer.MetadataWriter):
    """Writes metadata into an image classifier (one image input, one score output)."""

    @classmethod
    def create_from_metadata_info(
        cls,
        model_buffer: ModelSource,
        general_md: GeneralMd | None = None,
        input_md: InputImageTensorMd | None = None,
        output_md: ClassificationTensorMd | None = None,
    ) -> MetadataWriter:
        """A writer from blocks; each block left out takes the reference's defaults.

        Raises ModelLoadError for a non-model, MetadataError unless the model has one input
        and one output.
        """
        data = image_model_io(model_buffer, _WRITER, outputs=(1,))[0]
        return super().create_from_metadata_info(
            data,
            general_md or GeneralMd(name=MODEL_NAME, description=MODEL_DESCRIPTION),
            [input_md or image_input_md(INPUT_DESCRIPTION)],
            [output_md or ClassificationTensorMd(name=OUTPUT_NAME,
                                                 description=OUTPUT_DESCRIPTION)])

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
            label_file_paths: label files of the scores (one label per line); ``[]`` for none.
            score_calibration_md: sigmoid score calibration of the scores, if any.
        """
        data, inputs, outputs = image_model_io(model_buffer, _WRITER, outputs=(1,))
        labels = label_file_mds(label_file_paths, score_calibration_md, outputs)
        return cls.create_from_metadata_info(
            data,
            input_md=image_input_md(INPUT_DESCRIPTION, input_norm_mean, input_norm_std,
                                    inputs[0]),
            output_md=ClassificationTensorMd(
                name=OUTPUT_NAME, description=OUTPUT_DESCRIPTION, label_files=labels,
                tensor_type=outputs[0].dtype, score_calibration_md=score_calibration_md))
