"""Metadata for audio classifiers: an audio input (sample rate, channels) and score heads.

Our port of ``tflite_support.metadata_writers.audio_classifier`` (0.4.4): same defaults,
same JSON, multi-head models included.

Example::

    from tflite_tasks.metadata.writers import audio_classifier

    writer = audio_classifier.MetadataWriter.create_for_inference(
        "yamnet.tflite", sample_rate=16000, channels=1, label_file_paths=["labels.txt"])
    open("yamnet_metadata.tflite", "wb").write(writer.populate())
"""

from __future__ import annotations

from collections.abc import Sequence

from ...core.errors import MetadataError
from ...core.model_file import ModelSource, read_model_bytes
from ..model_schema import graph_io
from .metadata_info import (
    ClassificationTensorMd,
    FilePath,
    GeneralMd,
    InputAudioTensorMd,
    ScoreCalibrationMd,
)
from .metadata_writer import MetadataWriter as _BaseWriter
from .values import whole
from .writer_utils import label_file_mds

MODEL_NAME = "AudioClassifier"
MODEL_DESCRIPTION = ("Identify the most prominent type in the audio clip from a known set of "
                     "categories.")
INPUT_NAME = "audio_clip"
INPUT_DESCRIPTION = "Input audio clip to be classified."
OUTPUT_NAME = "probability"
OUTPUT_DESCRIPTION = "Scores of the labels respectively."


def _defaults(general_md: GeneralMd | None,
              input_md: InputAudioTensorMd | None) -> tuple[GeneralMd, InputAudioTensorMd]:
    if general_md is None:
        general_md = GeneralMd(name=MODEL_NAME, description=MODEL_DESCRIPTION)
    if input_md is None:
        input_md = InputAudioTensorMd(name=INPUT_NAME, description=INPUT_DESCRIPTION)
    return general_md, input_md


class MetadataWriter(_BaseWriter):
    """Writes metadata into an audio classifier (one audio input, one or more score heads)."""

    @classmethod
    def create_from_metadata_info(  # type: ignore[override]
        cls,
        model_buffer: ModelSource,
        general_md: GeneralMd | None = None,
        input_md: InputAudioTensorMd | None = None,
        output_md: ClassificationTensorMd | None = None,
    ) -> MetadataWriter:
        """A writer from blocks for a one-head model; each missing block takes the
        reference's default."""
        general_md, input_md = _defaults(general_md, input_md)
        if output_md is None:
            output_md = ClassificationTensorMd(name=OUTPUT_NAME, description=OUTPUT_DESCRIPTION)
        return super().create_from_metadata_info(model_buffer, general_md, [input_md],
                                                 [output_md])

    @classmethod
    def create_from_metadata_info_for_multihead(
        cls,
        model_buffer: ModelSource,
        general_md: GeneralMd | None = None,
        input_md: InputAudioTensorMd | None = None,
        output_md_list: Sequence[ClassificationTensorMd] | None = None,
    ) -> MetadataWriter:
        """A writer for a model with several score heads, one block per output.

        Blocks that give ``tensor_name`` are put in the model's output order; otherwise they
        must be in that order. Without ``output_md_list`` each output gets a table with its
        tensor name only, as in the reference.
        """
        general_md, input_md = _defaults(general_md, input_md)
        return super().create_from_metadata_info(model_buffer, general_md, [input_md],
                                                 list(output_md_list or []))

    @classmethod
    def create_for_inference(
        cls,
        model_buffer: ModelSource,
        sample_rate: int,
        channels: int,
        label_file_paths: Sequence[FilePath],
        score_calibration_md: ScoreCalibrationMd | None = None,
    ) -> MetadataWriter:
        """The metadata the Task Library needs: the rate (Hz) and channel count the model
        expects, the label files (``[]`` for none) and an optional score calibration.

        For a model of one output, every label file describes it (as in the reference). A
        model of several outputs (heads) takes one label file per head, in the model's output
        order, or none; each head is named by its tensor, and score calibration is refused
        (its parameters are per class of one head).

        Raises MetadataError for a rate or channel count that is not positive, or label files
        that are not one per head, InputFileNotFoundError for a missing label or calibration
        file.
        """
        whole(sample_rate, "sample_rate", 1, " (the rate in Hz the model expects, e.g. 16000)")
        whole(channels, "channels", 1, " (1 for mono)")
        model_buffer = read_model_bytes(model_buffer)[0]
        input_md = InputAudioTensorMd(INPUT_NAME, INPUT_DESCRIPTION, sample_rate=sample_rate,
                                      channels=channels)
        outputs = graph_io(model_buffer)[1]
        labels = label_file_mds(label_file_paths, score_calibration_md, outputs)
        if len(outputs) <= 1:
            return cls.create_from_metadata_info(model_buffer, input_md=input_md, output_md=(
                ClassificationTensorMd(name=OUTPUT_NAME, description=OUTPUT_DESCRIPTION,
                                       label_files=labels, tensor_type=outputs[0].dtype
                                       if outputs else None,
                                       score_calibration_md=score_calibration_md)))
        if len(labels) not in (0, len(outputs)) or score_calibration_md is not None:
            raise MetadataError(
                f"the model has {len(outputs)} heads {[t.name for t in outputs]}: give one "
                f"label file per head, in that order, or none (got {len(labels)}), and no "
                "score calibration (its parameters describe the classes of one head)")
        heads = [ClassificationTensorMd(name=tensor.name, label_files=labels[i:i + 1] or None,
                                        tensor_type=tensor.dtype)
                 for i, tensor in enumerate(outputs)]
        return cls.create_from_metadata_info_for_multihead(model_buffer, input_md=input_md,
                                                           output_md_list=heads)
