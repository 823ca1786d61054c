"""Prints AudioClassifier's scores beside the reference Task Library's (0.4.4) for each case.

The reference classified one window: the first 15600 samples of the clip (int16 / 32768).
YAMNet's scores are multiples of 1/256, so several categories often tie; the reference's
order among ties is arbitrary. Each reference category's score is therefore compared with
ours for the same index, over all 521 scores.

    python benchmarks/conformance_audio_classifier.py
"""

from __future__ import annotations

import sys

from shared_data import DATA, reference_cases

from tflite_tasks import AudioClassifier, AudioData
from tflite_tasks.cli.output import format_table


def main() -> int:
    cases = reference_cases("audio")
    if cases is None:
        return 1
    rows = []
    for case_id, case, reference in cases:
        classifier = AudioClassifier.create_from_file(DATA / case["model"], num_threads=1)
        clip = AudioData.from_file(DATA / case["input"])
        window = classifier.audio_format.window
        (result,) = classifier.classify(clip.samples[:window], clip.sample_rate)
        ours = {c.index: c for c in result.classifications[0].categories}
        theirs = reference[0]["categories"]
        worst = max(abs(ours[c["index"]].score - c["score"]) for c in theirs)
        top = result.classifications[0].categories[:len(theirs)]
        rows.append([case_id, case["input"],
                     ", ".join(f"{c['category_name']} {c['score']:.6f}" for c in theirs),
                     ", ".join(f"{c.category_name} {c.score:.6f}" for c in top),
                     f"{worst:.1e}"])
    print(format_table(["case", "clip (first window)", "reference top 5",
                        "tflite-tasks top 5", "max |score diff|"], rows, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
