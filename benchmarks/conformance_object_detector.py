"""Prints, per reference detection scoring >= 0.5, the best IoU and score difference of ours
with the same label, for both resamplings, and ImageSegmenter's agreement with the reference
masks (0.4.4 Task Library).

    python benchmarks/conformance_object_detector.py
"""

from __future__ import annotations

import sys

import cv2
import numpy as np
from shared_data import DATA, reference_cases

from tflite_tasks import ImageSegmenter, ObjectDetector
from tflite_tasks.cli.output import format_table
from tflite_tasks.core.boxes import iou

RESAMPLINGS = ("opencv", "task_library")


def _corners(x: int, y: int, w: int, h: int) -> list[int]:
    return [x, y, x + w, y + h]


def main() -> int:
    cases = reference_cases("detect", "segment")
    if cases is None:
        return 1
    rows, masks = [], []
    for case_id, case, reference in cases:
        if case["task"] == "detect":
            found = {r: ObjectDetector.create_from_file(
                DATA / case["model"], num_threads=1, resampling=r).detect(
                DATA / case["input"]).detections for r in RESAMPLINGS}
            for theirs in reference:
                category = theirs["categories"][0]
                if category["score"] < 0.5:
                    continue
                row = [case_id, f"{category['category_name']} {category['score']:.3f}"]
                for resampling in RESAMPLINGS:
                    same = [d for d in found[resampling]
                            if d.categories[0].index == category["index"]]
                    ious = [float(iou([_corners(*theirs["box"])], [_corners(
                        d.bounding_box.origin_x, d.bounding_box.origin_y, d.bounding_box.width,
                        d.bounding_box.height)])[0, 0]) for d in same]
                    best = int(np.argmax(ious)) if ious else None
                    row += ([f"{ious[best]:.3f}",
                             f"{same[best].categories[0].score - category['score']:+.3f}"]
                            if best is not None else ["-", "-"])
                rows.append(row)
        elif case["task"] == "segment":
            reference = cv2.imread(str(DATA / "reference_outputs" / reference["mask_png"]),
                                   cv2.IMREAD_GRAYSCALE)
            row = [case_id]
            for resampling in RESAMPLINGS:
                mask = ImageSegmenter.create_from_file(
                    DATA / case["model"], num_threads=1, mask_size="model",
                    resampling=resampling).segment(DATA / case["input"]).category_mask
                row.append(f"{100 * float((mask == reference).mean()):.2f}%")
            masks.append(row)
    print(format_table(["case", "reference", "IoU (opencv)", "score diff (opencv)",
                        "IoU (task_library)", "score diff (task_library)"], rows,
                       markdown=True))
    print()
    print(format_table(["case", "pixels equal (opencv)", "pixels equal (task_library)"], masks,
                       markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
