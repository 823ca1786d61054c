"""ImageSegmenter.segment against a bare LiteRT invoke of the same model, in one run.

deeplabv3 (257x257x21 scores) on burger.jpg (480x325), decoded once, outside the loop.
"bare" is ``set_tensor`` + ``invoke`` + ``get_tensor`` on a prepared input with the same
thread count; the overhead (preprocessing and masks) is the difference of medians over
interleaved rounds. Target: the category mask at image size within 3 ms of the bare invoke.

    python benchmarks/bench_image_segmenter.py [--threads 1] [--rounds 7] [--calls 50]
"""

from __future__ import annotations

import argparse
import sys

from shared_data import DATA
from timing import OVERHEAD_HEADER, bare_invoke, compare

from tflite_tasks import load_image
from tflite_tasks.cli.output import format_table
from tflite_tasks.tasks.vision.image_segmenter import ImageSegmenter

MODEL = "vision/deeplabv3.tflite"
CASES = {
    "category mask, image size": {},
    "category mask, model size": {"mask_size": "model"},
    "confidence masks, image size": {"output_category_mask": False,
                                     "output_confidence_masks": True},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    burger, model = DATA / "vision" / "burger.jpg", DATA / MODEL
    if not (burger.exists() and model.exists()):
        print(f"test data not found under {DATA} (set TFLITE_TASKS_TEST_DATA)", file=sys.stderr)
        return 1
    rgb = load_image(burger)
    bare = bare_invoke(model, args.threads)
    rows: list[list[str]] = []
    for name, options in CASES.items():
        segmenter = ImageSegmenter.create_from_file(model, num_threads=args.threads, **options)
        compare(rows, f"{model.name} {name}", bare, lambda s=segmenter: s.segment(rgb),
                args.rounds, args.calls, args.threads)
    print(f"image: burger.jpg {rgb.shape[1]}x{rgb.shape[0]}, decoded once; medians of "
          f"{args.rounds} interleaved rounds x {args.calls} calls")
    print(format_table(OVERHEAD_HEADER, rows, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
