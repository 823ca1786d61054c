"""ImageSegmenter.segment against a bare LiteRT invoke of the same model, in one run.

deeplabv3 (257x257x21 scores) on burger.jpg (480x325), decoded once, outside the loop.
"bare" is ``set_tensor`` + ``invoke`` + ``get_tensor`` on a prepared input with the same
thread count; the overhead (preprocessing and masks) is the difference of medians over
interleaved rounds. Target: the category mask at image size within 3 ms of the bare invoke.

    python benchmarks/bench_image_segmenter.py [--threads 1] [--rounds 7] [--calls 50]
"""

from __future__ import annotations

import sys

from timing import bare_invoke, compare, parse_arguments, print_overheads, shared_files

from tflite_tasks import load_image
from tflite_tasks.tasks.vision.image_segmenter import ImageSegmenter

MODEL = "vision/deeplabv3.tflite"
CASES = {
    "category mask, image size": {},
    "category mask, model size": {"mask_size": "model"},
    "confidence masks, image size": {"output_category_mask": False,
                                     "output_confidence_masks": True},
}


def main() -> int:
    args = parse_arguments(__doc__, calls=50)
    found = shared_files("vision/burger.jpg", MODEL)
    if found is None:
        return 1
    burger, model = found
    rgb = load_image(burger)
    bare = bare_invoke(model, args.threads)
    rows: list[list[str]] = []
    for name, options in CASES.items():
        segmenter = ImageSegmenter.create_from_file(model, num_threads=args.threads, **options)
        compare(rows, f"{model.name} {name}", bare, lambda s=segmenter: s.segment(rgb),
                args.rounds, args.calls, args.threads)
    print_overheads(rows, args, f"image: burger.jpg {rgb.shape[1]}x{rgb.shape[0]}, decoded once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
