"""Prints TextClassifier's scores beside the reference Task Library's (0.4.4) for each case.

The reference returns the categories unsorted, each with index 0; ours are sorted by score
with their real indices, so scores are compared by category name.

    python benchmarks/conformance_text_classifier.py
"""

from __future__ import annotations

import sys

from shared_data import DATA, reference_cases

from tflite_tasks import TextClassifier
from tflite_tasks.cli.output import format_table


def main() -> int:
    cases = reference_cases("text")
    if cases is None:
        return 1
    rows = []
    for case_id, case, reference in cases:
        classifier = TextClassifier.create_from_file(DATA / case["model"], num_threads=1)
        ours = classifier.classify(case["input"]).classifications[0].categories
        theirs = {c["category_name"]: c["score"] for c in reference[0]["categories"]}
        worst = max(abs(c.score - theirs[c.category_name]) for c in ours)
        rows.append([case_id, case["input"][:40],
                     ", ".join(f"{n} {s:.6f}" for n, s in theirs.items()),
                     ", ".join(f"{c.category_name} {c.score:.6f} (#{c.index})" for c in ours),
                     f"{worst:.1e}"])
    print(format_table(["case", "text", "reference (model order)", "tflite-tasks (sorted)",
                        "max |score diff|"], rows, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
