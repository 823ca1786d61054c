"""ObjectDetector.detect against a bare LiteRT invoke of the same model, in one run.

The SSD model with its in-graph postprocess on two images decoded once outside the loop;
then the raw-output decoders alone (anchors + NMS, YOLO + NMS) on synthetic outputs, since
the shared data has no raw-output detector.

    python benchmarks/bench_object_detector.py [--threads 1] [--rounds 7] [--calls 200]
"""

from __future__ import annotations

import statistics
import sys

import numpy as np
from timing import bare_invoke, compare, parse_arguments, per_call_ms, print_overheads, shared_files

from tflite_tasks import ObjectDetector, load_image
from tflite_tasks.cli.output import format_table
from tflite_tasks.core import boxes

SSD = "vision/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"
IMAGES = ("burger.jpg", "cats_and_dogs.jpg")


def decoder_rows(calls: int) -> list[list[str]]:
    """Milliseconds per call of the raw decoders on typical synthetic outputs."""
    rng = np.random.default_rng(0)
    anchors = boxes.ssd_anchors(boxes.SsdAnchorOptions(), 300, 300)
    encodings = rng.normal(0, 0.5, (len(anchors), 4)).astype(np.float32)
    # Low scores everywhere but for a few hundred boxes, as trained models give.
    logits = rng.normal(-6, 1, (len(anchors), 91)).astype(np.float32)
    logits[rng.integers(0, len(anchors), 300), rng.integers(1, 91, 300)] = rng.uniform(-1, 3, 300)
    yolo = rng.uniform(0, 1, (1, 84, 8400)).astype(np.float32)
    yolo[:, 4:] *= 0.05
    yolo[0, rng.integers(4, 84, 300), rng.integers(0, 8400, 300)] = rng.uniform(0.3, 0.9, 300)

    def anchor_path() -> object:
        decoded = boxes.decode_center_size_boxes(encodings, anchors)
        classes, scores = boxes.best_class(1 / (1 + np.exp(-logits[:, 1:])))
        keep = np.flatnonzero(scores > 0.25)
        return boxes.non_max_suppression(decoded[keep], scores[keep], 0.5, 100, classes[keep])

    def yolo_path() -> object:
        decoded, scores = boxes.decode_yolo(yolo, 80, False, 640, 640, "normalized")
        classes, best = boxes.best_class(scores)
        keep = np.flatnonzero(best > 0.25)
        return boxes.non_max_suppression(decoded[keep], best[keep], 0.5, 100, classes[keep])

    return [[name, f"{statistics.median(per_call_ms(f, calls) for _ in range(5)):.3f}"]
            for name, f in (("ssd_anchors: 1917 anchors x 90 classes", anchor_path),
                            ("yolo: [1, 84, 8400]", yolo_path))]


def main() -> int:
    args = parse_arguments(__doc__, calls=200)
    found = shared_files(SSD, *(f"vision/{name}" for name in IMAGES))
    if found is None:
        return 1
    model, *images = found
    bare = bare_invoke(model, args.threads)
    rows: list[list[str]] = []
    detector = ObjectDetector.create_from_file(model, num_threads=args.threads)
    for path in images:
        rgb = load_image(path)
        compare(rows, f"{model.name} detect {path.name} {rgb.shape[1]}x{rgb.shape[0]}", bare,
                lambda r=rgb: detector.detect(r), args.rounds, args.calls, args.threads)
    print_overheads(rows, args, "images decoded once")
    print("\nraw-output decoding alone (decode, scores, threshold 0.25, NMS), ms per call:")
    print(format_table(["decoder", "ms"], decoder_rows(max(args.calls // 10, 5)),
                       markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
