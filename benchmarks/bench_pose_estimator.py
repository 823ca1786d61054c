"""PoseEstimator.estimate against a bare LiteRT invoke of the same model, in one run.

Images are decoded once, outside the loop. "bare" is ``set_tensor`` + ``invoke`` +
``get_tensor`` of every output on a prepared input with the same thread count; the overhead
is the median over interleaved rounds of the per-round difference (see ``timing.py``).
Cases: MoveNet SinglePose on its 192x192 picture and on a larger padded one (fitted and
padded to the input), PoseNet single-pose decoding, and PoseNet multi-pose decoding on a
picture of five people (the person picture tiled 3 + 2).

    python benchmarks/bench_pose_estimator.py [--threads 1] [--rounds 7] [--calls 100]
"""

from __future__ import annotations

import sys

import cv2
import numpy as np
from timing import bare_invoke, compare, parse_arguments, print_overheads, shared_files

from tflite_tasks import PoseEstimator, load_image

MOVENET = "pose/movenet_singlepose_lightning_int8.tflite"
POSENET = "pose/posenet_mobilenet_v1_100_257x257_multi_kpt_stripped_integer_quant.tflite"


def five_people(person: np.ndarray) -> np.ndarray:
    """Five copies of ``person``: three in a row above two (and an empty cell)."""
    empty = np.zeros_like(person)
    return np.concatenate([np.concatenate([person] * 3, axis=1),
                           np.concatenate([person, person, empty], axis=1)], axis=0)


def main() -> int:
    args = parse_arguments(__doc__, calls=100)
    found = shared_files(MOVENET, POSENET, "pose/girl.jpg", "pose/pakutaso_person.jpg")
    if found is None:
        return 1
    movenet, posenet, girl_path, person_path = found
    girl, person = load_image(girl_path), load_image(person_path)
    big_girl = cv2.resize(cv2.copyMakeBorder(girl, 0, 48, 0, 64, cv2.BORDER_CONSTANT),
                          None, fx=2.5, fy=2.5)
    group = five_people(person)
    rows: list[list[str]] = []
    notes = []
    cases = [
        (movenet, {}, girl, "girl.jpg 192x192"),
        (movenet, {}, big_girl, f"girl padded {big_girl.shape[1]}x{big_girl.shape[0]}"),
        (posenet, {"posenet_decoding": "single"}, person,
         f"single-pose, person {person.shape[1]}x{person.shape[0]}"),
        (posenet, {}, group, f"multi-pose, five people {group.shape[1]}x{group.shape[0]}"),
    ]
    for model, options, image, label in cases:
        estimator = PoseEstimator.create_from_file(model, num_threads=args.threads, **options)
        poses = len(estimator.estimate(image).poses)
        notes.append(f"{label}: {poses} pose(s)")
        compare(rows, f"{model.stem[:28]} {label}", bare_invoke(model, args.threads),
                lambda e=estimator, i=image: e.estimate(i), args.rounds, args.calls,
                args.threads)
    print_overheads(rows, args, "images decoded once; " + "; ".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
