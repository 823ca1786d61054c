"""Metadata for image embedders: an RGB image in, one feature vector per output.

Our own writer (tflite-support 0.4.4 has none), in the style of the image classifier's: the
input "image" with its normalization, and each output a feature tensor named "embedding"
(``embedding_0``, ``embedding_1``, ... when the model has several), without labels::

    writer = image_embedder.MetadataWriter.create_for_inference(model_bytes, [127.5], [127.5])
"""

from __future__ import annotations

from collections.abc import Sequence

from ...core.errors import MetadataError
from ...core.model_file import ModelSource
from . import metadata_writer
from .metadata_info import GeneralMd, InputImageTensorMd, TensorMd
from .writer_utils import image_input_md, image_model_io

MODEL_NAME = "ImageEmbedder"
MODEL_DESCRIPTION = ("Extract feature vectors (embeddings) of images, to compare images by "
                     "similarity.")
INPUT_DESCRIPTION = "Input image to be embedded."
OUTPUT_NAME = "embedding"
OUTPUT_DESCRIPTION = "Embedding vector of the image."
_WRITER = "image embedder"


def _embedding_mds(count: int) -> list[TensorMd]:
    """The default blocks of ``count`` embedding outputs."""
    names = [OUTPUT_NAME] if count == 1 else [f"{OUTPUT_NAME}_{i}" for i in range(count)]
    return [TensorMd(name=name, description=OUTPUT_DESCRIPTION) for name in names]


class MetadataWriter(metadata_writer.MetadataWriter):
    """Writes metadata into an image embedder (one image input, vector outputs)."""

    @classmethod
    def create_from_metadata_info(
        cls,
        model_buffer: ModelSource,
        general_md: GeneralMd | None = None,
        input_md: InputImageTensorMd | None = None,
        output_md: Sequence[TensorMd] | None = None,
    ) -> MetadataWriter:
        """A writer from blocks; each block left out takes the defaults above.

        ``output_md`` has one block per model output, in the model's order (or named by
        ``tensor_name``). Raises ModelLoadError for a non-model, MetadataError unless the model
        has one input and ``output_md`` one block per output.
        """
        data, _, outputs = image_model_io(model_buffer, _WRITER)
        output_md = list(output_md) if output_md is not None else _embedding_mds(len(outputs))
        if len(output_md) != len(outputs):
            raise MetadataError(f"output_md has {len(output_md)} blocks but the model has "
                                f"{len(outputs)} outputs {[t.name for t in outputs]}: give "
                                "one TensorMd per output")
        return super().create_from_metadata_info(
            data, general_md or GeneralMd(name=MODEL_NAME, description=MODEL_DESCRIPTION),
            [input_md or image_input_md(INPUT_DESCRIPTION)], output_md)

    @classmethod
    def create_for_inference(
        cls,
        model_buffer: ModelSource,
        input_norm_mean: Sequence[float],
        input_norm_std: Sequence[float],
    ) -> MetadataWriter:
        """The metadata the Task Library needs: the input normalization.

        Args:
            model_buffer: the model's bytes (or its path).
            input_norm_mean: per-channel (or one) mean of ``(pixel - mean) / std``.
            input_norm_std: per-channel (or one) std, same length as the mean.
        """
        data, inputs, _ = image_model_io(model_buffer, _WRITER)
        return cls.create_from_metadata_info(
            data, input_md=image_input_md(INPUT_DESCRIPTION, input_norm_mean, input_norm_std,
                                          inputs[0]))
