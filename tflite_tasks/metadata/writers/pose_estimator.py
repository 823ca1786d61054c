"""Metadata for pose estimators (MoveNet, PoseNet): an RGB image in, body keypoints out.

tflite-support 0.4.4 has no pose writer; this one follows our own convention, which
:class:`tflite_tasks.PoseEstimator` reads:

* the input "image": RGB, with its normalization and stats, as the image classifier's;
* each output a feature tensor named by its role: "keypoints" (MoveNet SinglePose
  ``[1, 1, K, 3]``), "poses" (MoveNet MultiPose ``[1, N, 3K + 5]``), or PoseNet's
  "heatmaps", "offsets", "displacements_fwd" and "displacements_bwd" (the names the task
  recognizes PoseNet's outputs by, whatever their order);
* the keypoint names, when given, as a file of one name per line in the model's keypoint
  order, of type TENSOR_AXIS_LABELS, on the output whose axis lists the keypoints:
  MoveNet's only output, PoseNet's heatmaps (not necessarily the first output: the hosted
  PoseNet lists them third). Without it the task names 17 keypoints as COCO does;
* the family, "movenet_single", "movenet_multi" or "posenet", as UTF-8 text in the custom
  metadata entry "pose_family" of the subgraph. The writer recognizes it from the outputs
  (``pose_family`` forces it, and must fit them); the task uses the recorded family unless
  its ``pose_family`` option overrides it.

Why custom metadata: it is the schema's slot for data of the application, named, so it can
neither be mistaken for nor clash with text people read and edit (the model's ``name`` and
``description`` are free text that users and other tools overwrite), and the reference tools
keep and print it (MetadataPopulator copies the metadata whole; MetadataDisplayer shows it).
The price is ``min_parser_version`` 1.5.0, which tflite-support 0.4.4 reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...core.engine import Engine
from ...core.errors import MetadataError
from ...core.model_file import ModelSource
from ...core.options import read_labels
from ...tasks.vision.pose_families import FAMILY_METADATA, POSENET_ROLES, PoseFamily, recognize
from ..schema import CustomMetadata
from . import metadata_writer
from .metadata_info import FilePath, GeneralMd, InputImageTensorMd, LabelFileMd, TensorMd
from .writer_utils import check_files_exist, image_input_md, image_model_io

MODEL_NAME = "PoseEstimator"
MODEL_DESCRIPTION = ("Estimate the poses of people in the image: the position and score of "
                     "each body keypoint.")
INPUT_DESCRIPTION = "Input image in which to estimate poses."
KEYPOINT_NAMES_DESCRIPTION = "Names of the keypoints, in the model's keypoint order."
_PIXELS = "in pixels of the input"
OUTPUTS = {
    "movenet_single": (("keypoints", "The keypoints of one person: (y, x, score) of each, y "
                                     "and x normalized to the input image."),),
    "movenet_multi": (("poses", "Up to N people: (y, x, score) of each keypoint, then the box "
                                "(ymin, xmin, ymax, xmax) and the pose score; positions "
                                "normalized to the input image."),),
    "posenet": tuple(zip(POSENET_ROLES, (
        "Keypoint heatmaps (logits), one channel per keypoint.",
        f"Offsets from each cell to each keypoint, y channels then x, {_PIXELS}.",
        f"Displacements from parent to child keypoint of each pose edge, y then x, {_PIXELS}.",
        f"Displacements from child to parent keypoint of each pose edge, y then x, {_PIXELS}.",
    ), strict=True)),
}
"""Default (name, description) of the outputs of each family, in the order of
``PoseFamily.positions``."""
_WRITER = "pose estimator"


def _recognize(model_bytes: bytes, pose_family: str | None) -> PoseFamily:
    """The model's family and outputs (OptionsError if the outputs fit no pose family, or
    not ``pose_family``)."""
    return recognize(Engine(model_bytes, num_threads=1), pose_family)


def _output_mds(model: PoseFamily) -> list[TensorMd]:
    """The default output blocks of ``model``, in the model's output order."""
    blocks: list[TensorMd] = [TensorMd() for _ in model.positions]
    for position, (name, description) in zip(model.positions, OUTPUTS[model.family],
                                              strict=True):
        blocks[position] = TensorMd(name=name, description=description)
    return blocks


class MetadataWriter(metadata_writer.MetadataWriter):
    """Writes metadata into a MoveNet or PoseNet model (one image input)."""

    @classmethod
    def create_from_metadata_info(
        cls,
        model_buffer: ModelSource,
        general_md: GeneralMd | None = None,
        input_md: InputImageTensorMd | None = None,
        output_md: Sequence[TensorMd] | None = None,
        pose_family: str | None = None,
    ) -> MetadataWriter:
        """A writer from blocks; each block left out takes the defaults above.

        ``output_md`` has one block per model output, in the model's order (or named by
        ``tensor_name``). The family is recognized from the outputs unless ``pose_family``
        forces it. Raises ModelLoadError for a non-model, OptionsError for a model that is
        not a pose model (of ``pose_family``), MetadataError for a wrong count of blocks.
        """
        data = image_model_io(model_buffer, _WRITER)[0]
        return cls._create(data, _recognize(data, pose_family), general_md, input_md,
                           output_md)

    @classmethod
    def create_for_inference(
        cls,
        model_buffer: ModelSource,
        input_norm_mean: Sequence[float],
        input_norm_std: Sequence[float],
        keypoint_names_path: FilePath | None = None,
        pose_family: str | None = None,
    ) -> MetadataWriter:
        """The metadata the task needs: normalization, keypoint names, family.

        Args:
            model_buffer: the model's bytes (or its path).
            input_norm_mean: per-channel (or one) mean of ``(pixel - mean) / std``: for
                float inputs, MoveNet takes pixels (0, 1), PoseNet [-1, 1] (127.5, 127.5).
            input_norm_std: per-channel (or one) std, same length as the mean.
            keypoint_names_path: a file of the keypoint names, one per line in the model's
                order; None for the 17 COCO keypoints.
            pose_family: "movenet_single", "movenet_multi" or "posenet"; default: the
                family the outputs fit.
        """
        data, inputs, _ = image_model_io(model_buffer, _WRITER)
        model = _recognize(data, pose_family)
        outputs = _output_mds(model)
        if keypoint_names_path is not None:
            check_files_exist([keypoint_names_path], "keypoint names file",
                              "keypoint_names_path")
            count = len(read_labels(keypoint_names_path))
            if count != model.num_keypoints:
                raise MetadataError(
                    f"the keypoint names file {str(keypoint_names_path)!r} has {count} names "
                    f"but the model has {model.num_keypoints} keypoints: give one name per "
                    "line, in the model's keypoint order")
            outputs[model.keypoint_position].associated_files = [
                LabelFileMd(keypoint_names_path, description=KEYPOINT_NAMES_DESCRIPTION)]
        return cls._create(
            data, model, None,
            image_input_md(INPUT_DESCRIPTION, input_norm_mean, input_norm_std, inputs[0]),
            outputs)

    @classmethod
    def _create(cls, data: bytes, model: PoseFamily, general_md: GeneralMd | None,
                input_md: InputImageTensorMd | None,
                output_md: Sequence[TensorMd] | None) -> MetadataWriter:
        """The writer of ``model`` (recognized), its family recorded."""
        output_md = list(output_md) if output_md is not None else _output_mds(model)
        if len(output_md) != len(model.positions):
            raise MetadataError(f"output_md has {len(output_md)} blocks but the {model.family} "
                                f"model has {len(model.positions)} outputs: give one TensorMd "
                                "per output")
        writer = super().create_from_metadata_info(
            data, general_md or GeneralMd(name=MODEL_NAME, description=MODEL_DESCRIPTION),
            [input_md or image_input_md(INPUT_DESCRIPTION)], output_md)
        writer.metadata.subgraph_metadata[0].custom_metadata = [
            CustomMetadata(name=FAMILY_METADATA, data=model.family.encode())]
        return writer
