"""ObjectDetector against the reference Task Library's outputs on the real SSD model."""

from __future__ import annotations

import pytest
from testdata import data_path, reference_case, reference_case_ids

from tflite_tasks import ObjectDetector
from tflite_tasks.core.boxes import iou


def _corners(box: list[int] | tuple[int, ...]) -> list[float]:
    x, y, w, h = box
    return [x, y, x + w, y + h]


@pytest.mark.parametrize("case_id", reference_case_ids("detect"))
def test_matches_reference_task_library(case_id: str) -> None:
    """Every reference detection scoring >= 0.5 has one of ours with the same label, a
    score within 0.05 and an IoU >= 0.85, resizing as the reference does (libyuv).

    The JPEG decoders still differ (ours is libjpeg-turbo); with OpenCV's resize, the default,
    one box of det_ssd_multi falls to IoU 0.838, which benchmarks/conformance_object_detector.py
    prints.
    """
    case, reference = reference_case(case_id)
    detector = ObjectDetector.create_from_file(data_path(case["model"]), num_threads=1,
                                               resampling="task_library")
    ours = detector.detect(data_path(case["input"])).detections
    confident = [r for r in reference if r["categories"][0]["score"] >= 0.5]
    assert confident, "the case has no confident reference detection to compare"
    for theirs in confident:
        category = theirs["categories"][0]
        matches = [
            d for d in ours
            if d.categories[0].category_name == category["category_name"]
            and d.categories[0].index == category["index"]
            and abs(d.categories[0].score - category["score"]) <= 0.05
            and iou([_corners(theirs["box"])], [_corners(
                (d.bounding_box.origin_x, d.bounding_box.origin_y, d.bounding_box.width,
                 d.bounding_box.height))])[0, 0] >= 0.85
        ]
        assert matches, f"no match for reference {theirs} among {ours}"
