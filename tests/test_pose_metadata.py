"""The pose metadata writer (our convention: family in custom metadata, keypoint names on the
keypoint output) and PoseEstimator reading it: same results as without metadata, names from
the file, wrong or unknown recorded families refused with the way out."""

from __future__ import annotations

import numpy as np
import pytest
from testdata import data_path
from tiny_models import channel_mean_model, constant_outputs_model

from tflite_tasks import KEYPOINT_NAMES, MetadataError, OptionsError, PoseEstimator
from tflite_tasks.metadata import AssociatedFileType, read_metadata
from tflite_tasks.metadata.writers import pose_estimator
from tflite_tasks.tasks.vision.pose_families import FAMILY_METADATA, recorded_family

MOVENET = "pose/movenet_singlepose_lightning_int8.tflite"
POSENET = "pose/posenet_mobilenet_v1_100_257x257_multi_kpt_stripped_integer_quant.tflite"
NORMALIZATION = {MOVENET: ([0.0], [1.0]), POSENET: ([127.5], [127.5])}


def write(relative: str, **kwargs) -> pose_estimator.MetadataWriter:
    mean, std = NORMALIZATION[relative]
    return pose_estimator.MetadataWriter.create_for_inference(
        data_path(relative).read_bytes(), mean, std, **kwargs)


def estimate(model: bytes, image: str, **options) -> list:
    with PoseEstimator.create_from_buffer(model, min_pose_score=0.0, **options) as estimator:
        return estimator.estimate(data_path(image)).poses


@pytest.mark.parametrize(("relative", "image", "options"), [
    (MOVENET, "pose/girl.jpg", {}), (MOVENET, "pose/pakutaso_person.jpg", {}),
    (POSENET, "pose/pakutaso_person.jpg", {}),  # multi-pose decoding
    (POSENET, "pose/girl.jpg", {"max_poses": 1}),  # single-pose: multi finds no root part
])
def test_written_models_give_the_results_of_the_bare_models(relative, image, options):
    poses = estimate(write(relative).populate(), image, **options)
    assert poses
    assert poses == estimate(data_path(relative).read_bytes(), image, **options)


@pytest.mark.parametrize(("relative", "family", "names", "keypoint_output"), [
    (MOVENET, "movenet_single", ["keypoints"], 0),
    (POSENET, "posenet", ["displacements_bwd", "displacements_fwd", "heatmaps", "offsets"], 2),
])
def test_family_and_keypoint_names_are_recorded(tmp_path, relative, family, names,
                                                keypoint_output):
    names_file = tmp_path / "keypoints.txt"
    names_file.write_text("\n".join(KEYPOINT_NAMES) + "\n")
    metadata = read_metadata(write(relative, keypoint_names_path=names_file).populate())
    assert recorded_family(metadata) == family
    subgraph = metadata.model_metadata.subgraph_metadata[0]
    assert [(c.name, c.data) for c in subgraph.custom_metadata] == [
        (FAMILY_METADATA, family.encode())]
    assert metadata.model_metadata.min_parser_version == "1.5.0"
    outputs = subgraph.output_tensor_metadata
    assert [t.name for t in outputs] == names
    files = [(i, f) for i, t in enumerate(outputs) for f in t.associated_files or []]
    assert [(i, f.name, f.type, f.description) for i, f in files] == [
        (keypoint_output, "keypoints.txt", AssociatedFileType.TENSOR_AXIS_LABELS,
         pose_estimator.KEYPOINT_NAMES_DESCRIPTION)]
    assert metadata.file("keypoints.txt") == names_file.read_bytes()


def test_keypoint_names_from_the_file_appear_in_the_results(tmp_path):
    names = [f"point {i}" for i in range(17)]
    names_file = tmp_path / "names.txt"
    names_file.write_text("\n".join(names))
    model = write(MOVENET, keypoint_names_path=names_file).populate()
    with PoseEstimator.create_from_buffer(model) as estimator:
        assert estimator.keypoint_names == tuple(names)
        pose = estimator.estimate(data_path("pose/girl.jpg")).poses[0]
    assert [k.name for k in pose.keypoints] == names[: len(pose.keypoints)]
    plain = estimate(data_path(MOVENET).read_bytes(), "pose/girl.jpg")[0]
    assert [(k.x, k.y, k.score) for k in pose.keypoints] == [
        (k.x, k.y, k.score) for k in plain.keypoints]


def test_a_keypoint_file_of_the_wrong_length_is_refused(tmp_path):
    names_file = tmp_path / "names.txt"
    names_file.write_text("\n".join(KEYPOINT_NAMES[:16]))
    with pytest.raises(MetadataError, match="has 16 names but the model has 17 keypoints"):
        write(POSENET, keypoint_names_path=names_file)


def test_the_writer_checks_the_family_against_the_outputs():
    with pytest.raises(OptionsError, match="not a posenet model"):
        write(MOVENET, pose_family="posenet")
    with pytest.raises(OptionsError, match="not a pose model"):
        pose_estimator.MetadataWriter.create_from_metadata_info(channel_mean_model())
    rows = np.zeros((1, 6, 56), np.float32)
    multi = pose_estimator.MetadataWriter.create_from_metadata_info(
        constant_outputs_model([rows], ["output_0"], (1, 16, 16, 3), np.uint8))
    subgraph = multi.metadata.subgraph_metadata[0]
    assert subgraph.custom_metadata[0].data == b"movenet_multi"
    assert [t.name for t in subgraph.output_tensor_metadata] == ["poses"]


def with_recorded_family(relative: str, family: bytes) -> bytes:
    """The model written by the pose writer, its recorded family replaced by ``family``."""
    writer = write(relative)
    writer.metadata.subgraph_metadata[0].custom_metadata[0].data = family
    return writer.populate()


def test_a_wrong_recorded_family_is_refused_and_the_option_overrides_it():
    model = with_recorded_family(MOVENET, b"posenet")
    with pytest.raises(OptionsError, match="the family its metadata records; pass "
                                           "pose_family='movenet_single' to override it"):
        PoseEstimator.create_from_buffer(model)
    assert estimate(model, "pose/girl.jpg", pose_family="movenet_single") == estimate(
        data_path(MOVENET).read_bytes(), "pose/girl.jpg")


def test_an_unknown_recorded_family_is_refused_and_the_option_overrides_it():
    model = with_recorded_family(POSENET, b"blazepose")
    with pytest.raises(OptionsError, match="records pose family 'blazepose'"):
        PoseEstimator.create_from_buffer(model)
    assert estimate(model, "pose/pakutaso_person.jpg", pose_family="posenet") == estimate(
        data_path(POSENET).read_bytes(), "pose/pakutaso_person.jpg")
