"""Prints ImageClassifier's answers beside the reference Task Library's (0.4.4) for each case.

    python benchmarks/conformance_image_classifier.py
"""

from __future__ import annotations

import sys

from shared_data import DATA, reference_cases

from tflite_tasks import ImageClassifier
from tflite_tasks.cli.output import format_table


def main() -> int:
    cases = reference_cases("classify")
    if cases is None:
        return 1
    rows = []
    for case_id, case, reference in cases:
        options = dict(case["options"].get("classification", {}))
        classifier = ImageClassifier.create_from_file(DATA / case["model"], num_threads=1,
                                                      **options)
        roi = tuple(case["options"]["roi"]) if "roi" in case["options"] else None
        ours = classifier.classify(DATA / case["input"], roi=roi).classifications[0].categories
        theirs = reference[0]["categories"]
        same = [c.category_name for c in ours] == [c["category_name"] for c in theirs]
        worst = max(abs(a.score - b["score"]) for a, b in zip(ours, theirs, strict=False))
        rows.append([case_id, f"{theirs[0]['category_name']} {theirs[0]['score']:.4f}",
                     f"{ours[0].category_name} {ours[0].score:.4f}",
                     "yes" if same else "no", f"{worst:.4f}"])
    print(format_table(["case", "reference top-1", "tflite-tasks top-1", "same list",
                        "max |score diff|"], rows, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
