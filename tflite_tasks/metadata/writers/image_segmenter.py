"""Metadata for image segmenters: an RGB image in, per-class masks out.

Port of ``tflite_support.metadata_writers.image_segmenter`` (0.4.4), same defaults and JSON:
the output "segmentation_masks" ``[1, height, width, classes]`` is a GRAYSCALE image over
dimensions 1..2 (content range), its classes labelled by TENSOR_AXIS_LABELS files.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...core.model_file import ModelSource
from ..schema import ColorSpaceType, Content, ImageProperties, ValueRange
from . import metadata_writer
from .metadata_info import FilePath, GeneralMd, InputImageTensorMd, TensorMd
from .writer_utils import image_input_md, image_model_io, label_file_mds

MODEL_NAME = "ImageSegmenter"
MODEL_DESCRIPTION = ("Semantic image segmentation predicts whether each pixel of an image is "
                     "associated with a certain class.")
INPUT_DESCRIPTION = "Input image to be segmented."
OUTPUT_NAME = "segmentation_masks"
OUTPUT_DESCRIPTION = "Masks over the target objects with high accuracy."
_MASK_DIMS = (1, 2)  # the masks' height and width in [1, height, width, classes]
_WRITER = "image segmenter"


class MetadataWriter(metadata_writer.MetadataWriter):
    """Writes metadata into an image segmenter (one image input, one mask output)."""

    @classmethod
    def create_from_metadata_info(
        cls,
        model_buffer: ModelSource,
        general_md: GeneralMd | None = None,
        input_md: InputImageTensorMd | None = None,
        output_md: TensorMd | None = None,
    ) -> MetadataWriter:
        """A writer from blocks; each block left out takes the reference's defaults.

        The output's content is always the grayscale masks image over dimensions 1..2.
        Raises ModelLoadError for a non-model, MetadataError unless the model has one input
        and one output.
        """
        data = image_model_io(model_buffer, _WRITER, outputs=(1,))[0]
        output_md = output_md or TensorMd(name=OUTPUT_NAME, description=OUTPUT_DESCRIPTION)
        masks = output_md.create_metadata()
        masks.content = Content(
            content_properties=ImageProperties(color_space=ColorSpaceType.GRAYSCALE),
            range=ValueRange(min=_MASK_DIMS[0], max=_MASK_DIMS[1]))
        return cls.create_from_metadata(
            data, (general_md or GeneralMd(name=MODEL_NAME,
                                           description=MODEL_DESCRIPTION)).create_metadata(),
            [(input_md or image_input_md(INPUT_DESCRIPTION)).create_metadata()], [masks],
            output_md.file_paths())

    @classmethod
    def create_for_inference(
        cls,
        model_buffer: ModelSource,
        input_norm_mean: Sequence[float] | None,
        input_norm_std: Sequence[float] | None,
        label_file_paths: Sequence[FilePath],
    ) -> MetadataWriter:
        """The metadata the Task Library needs: normalization and the class labels.

        Args:
            model_buffer: the model's bytes (or its path).
            input_norm_mean: per-channel (or one) mean of ``(pixel - mean) / std``.
            input_norm_std: per-channel (or one) std, same length as the mean.
            label_file_paths: label files of the classes (one label per line); ``[]`` for
                none.
        """
        data, inputs, outputs = image_model_io(model_buffer, _WRITER, outputs=(1,))
        return cls.create_from_metadata_info(
            data,
            input_md=image_input_md(INPUT_DESCRIPTION, input_norm_mean, input_norm_std,
                                    inputs[0]),
            output_md=TensorMd(name=OUTPUT_NAME, description=OUTPUT_DESCRIPTION,
                               associated_files=label_file_mds(label_file_paths,
                                                              outputs=outputs)))
