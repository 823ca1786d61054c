"""ImageSegmenter against the reference Task Library's masks on deeplabv3."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from PIL import Image
from testdata import data_path, data_root

from tflite_tasks import load_image
from tflite_tasks.tasks.vision.image_segmenter import ImageSegmenter


def _reference_cases() -> list[str]:
    path = data_root() / "reference_cases.json"
    if not path.exists():
        return ["missing-reference-cases"]
    return [c["id"] for c in json.loads(path.read_text()) if c["task"] == "segment"]


def _case(case_id: str) -> tuple[dict, dict]:
    outputs = json.loads(data_path("reference_outputs/task_library_0.4.4.json").read_text())
    entry = outputs[case_id]
    return entry["case"], entry["result"]


def _png(relative: str) -> np.ndarray:
    return np.asarray(Image.open(data_path(relative)))


def _agreement(ours: np.ndarray, theirs: np.ndarray, what: str) -> float:
    assert ours.shape == theirs.shape
    fraction = float(np.mean(ours == theirs))
    print(f"{what}: {fraction:.4f} of the pixels agree with the reference")
    return fraction


@pytest.mark.parametrize("case_id", _reference_cases())
def test_model_size_masks_match_the_reference(case_id: str) -> None:
    case, reference = _case(case_id)
    segmenter = ImageSegmenter.create_from_file(data_path(case["model"]), num_threads=1,
                                                mask_size="model")
    result = segmenter.segment(data_path(case["input"]))
    theirs = _png(f"reference_outputs/{reference['mask_png']}")
    assert result.category_mask.shape == (reference["height"], reference["width"])
    assert _agreement(result.category_mask, theirs, case_id) >= 0.98
    assert sorted(np.unique(result.category_mask).tolist()) == reference["classes"]
    assert segmenter.labels == reference["labels"]
    assert [c.category_name for c in result.colored_labels] == reference["labels"]


@pytest.mark.parametrize("case_id", _reference_cases())
def test_image_size_masks_agree_with_the_reference(case_id: str) -> None:
    case, reference = _case(case_id)
    segmenter = ImageSegmenter.create_from_file(data_path(case["model"]), num_threads=1)
    rgb = load_image(data_path(case["input"]))
    mask = segmenter.segment(rgb).category_mask
    assert mask.shape == rgb.shape[:2]
    small = cv2.resize(mask, (reference["width"], reference["height"]),
                       interpolation=cv2.INTER_NEAREST)
    theirs = _png(f"reference_outputs/{reference['mask_png']}")
    assert _agreement(small, theirs, f"{case_id} at image size") >= 0.95


def test_golden_mask_of_the_task_library_tests() -> None:
    segmenter = ImageSegmenter.create_from_file(data_path("vision/deeplabv3.tflite"),
                                                num_threads=1, mask_size="model")
    mask = segmenter.segment(data_path("vision/segmentation_input_rotation0.jpg")).category_mask
    golden = _png("vision/segmentation_golden_rotation0.png") // 10  # stored as class x 10
    assert _agreement(mask, golden, "segmentation_golden_rotation0") >= 0.98
