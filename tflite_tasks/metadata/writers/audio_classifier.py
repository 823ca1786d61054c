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
from .metadata_info import (
    ClassificationTensorMd,
    FilePath,
    GeneralMd,
    InputAudioTensorMd,
    ScoreCalibrationMd,
)
from .metadata_writer import MetadataWriter as _BaseWriter
from .writer_utils import label_file_mds, output_tensor_types

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


def _positive(value: object, name: str, example: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise MetadataError(f"{name} must be a positive integer ({example}), got {value!r}; "
                            "the Task Library needs it to feed the model")


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

        Raises MetadataError for a rate or channel count that is not positive,
        InputFileNotFoundError for a missing label or calibration file.
        """
        _positive(sample_rate, "sample_rate", "the rate in Hz the model expects, e.g. 16000")
        _positive(channels, "channels", "1 for mono")
        model_buffer = read_model_bytes(model_buffer)[0]
        output_md = ClassificationTensorMd(
            name=OUTPUT_NAME, description=OUTPUT_DESCRIPTION,
            label_files=label_file_mds(label_file_paths, score_calibration_md),
            tensor_type=output_tensor_types(model_buffer)[0],
            score_calibration_md=score_calibration_md)
        return cls.create_from_metadata_info(
            model_buffer, input_md=InputAudioTensorMd(INPUT_NAME, INPUT_DESCRIPTION,
                                                      sample_rate=sample_rate, channels=channels),
            output_md=output_md)
