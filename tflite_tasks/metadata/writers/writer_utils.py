"""Helpers the task writers share: reading the model's tensors, checking the files given,
the vision writers' image input block (as the reference's ``writer_utils``)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from ...core.errors import InputFileNotFoundError, MetadataError
from ...core.model_file import ModelSource, read_model_bytes
from ..model_schema import TensorInfo, graph_io
from ..schema import ColorSpaceType
from .metadata_info import FilePath, InputImageTensorMd, LabelFileMd, ScoreCalibrationMd


def output_tensor_types(model: ModelSource) -> list[str]:
    """Element types of the model's outputs ("float32", "uint8", ...), in order."""
    return [t.dtype for t in graph_io(read_model_bytes(model)[0])[1]]


def check_files_exist(paths: Sequence[FilePath], what: str, argument: str) -> None:
    """InputFileNotFoundError for the first path that is not a file, naming its role."""
    for path in paths:
        if not os.path.isfile(path):
            raise InputFileNotFoundError(
                f"{what} {os.fspath(path)!r} does not exist: {argument} must name existing "
                "files, which are packed into the model")


# Shared by the vision writers (image_classifier, object_detector, image_segmenter,
# image_embedder, pose_estimator).

IMAGE_INPUT_NAME = "image"


def image_input_md(description: str, norm_mean: Sequence[float] | None = None,
                   norm_std: Sequence[float] | None = None,
                   tensor_type: str | None = None) -> InputImageTensorMd:
    """The RGB input image block of the vision writers, named "image"."""
    return InputImageTensorMd(
        name=IMAGE_INPUT_NAME, description=description,
        norm_mean=None if norm_mean is None else list(norm_mean),
        norm_std=None if norm_std is None else list(norm_std),
        color_space_type=ColorSpaceType.RGB, tensor_type=tensor_type)


def image_model_io(model: ModelSource, writer: str, outputs: Sequence[int] = ()
                   ) -> tuple[bytes, list[TensorInfo], list[TensorInfo]]:
    """The model's bytes, inputs and outputs, checked for a vision writer: one input, and
    one of the ``outputs`` counts when given (MetadataError otherwise)."""
    data = read_model_bytes(model)[0]
    inputs, model_outputs = graph_io(data)
    counts = " or ".join(map(str, outputs)) + (" output" if outputs == (1,) else " outputs")
    if len(inputs) != 1 or (outputs and len(model_outputs) not in outputs):
        raise MetadataError(
            f"the {writer} writer describes models of one image input"
            f"{f' and {counts}' if outputs else ''}; this model has {len(inputs)} "
            f"input(s) {[t.name for t in inputs]} and {len(model_outputs)} output(s) "
            f"{[t.name for t in model_outputs]}. Use the writer of the model's task, or "
            "metadata_writer.MetadataWriter.create_from_metadata_info with one TensorMd per "
            "tensor")
    return data, inputs, model_outputs


def label_file_mds(paths: Sequence[FilePath],
                   score_calibration_md: ScoreCalibrationMd | None = None) -> list[LabelFileMd]:
    """Label file blocks of ``label_file_paths``, checked to exist, as is the score
    calibration file if any (InputFileNotFoundError otherwise)."""
    if isinstance(paths, str | os.PathLike):
        raise MetadataError("label_file_paths is a list of paths: wrap the single path in a "
                            f"list ([{os.fspath(paths)!r}])")
    check_files_exist(paths, "label file", "label_file_paths")
    if score_calibration_md is not None:
        check_files_exist([score_calibration_md.file_path], "score calibration file",
                          "score_calibration_md.file_path")
    return [LabelFileMd(path) for path in paths]
