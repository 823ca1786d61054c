"""ImageEmbedder.embed against a bare LiteRT invoke of the same model, in one run.

The image is decoded once, outside the loop. "bare" is ``set_tensor`` + ``invoke`` +
``get_tensor`` on a prepared input with the same thread count; the overhead is the
difference of medians over interleaved rounds (see ``timing.py``). Each embedding option
(none, ``l2_normalize``, ``quantize``, both) is timed.

    python benchmarks/bench_image_embedder.py [--threads 1] [--rounds 7] [--calls 200]
"""

from __future__ import annotations

import sys

from timing import bare_invoke, compare, parse_arguments, print_overheads, shared_files

from tflite_tasks import load_image
from tflite_tasks.tasks.vision.image_embedder import ImageEmbedder

MODEL = "vision/mobilenet_v1_0.25_224_1_metadata_1.tflite"
OPTIONS = ({}, {"l2_normalize": True}, {"quantize": True},
           {"l2_normalize": True, "quantize": True})


def main() -> int:
    args = parse_arguments(__doc__, calls=200)
    found = shared_files(MODEL, "vision/burger.jpg")
    if found is None:
        return 1
    model, burger = found
    rgb = load_image(burger)
    bare = bare_invoke(model, args.threads)
    rows: list[list[str]] = []
    for options in OPTIONS:
        embedder = ImageEmbedder.create_from_file(model, num_threads=args.threads, **options)
        label = ", ".join(f"{k}=True" for k in options) or "no options"
        compare(rows, f"{model.name} embed ({label})", bare,
                lambda e=embedder: e.embed(rgb), args.rounds, args.calls, args.threads)
    print_overheads(rows, args, f"image: burger.jpg {rgb.shape[1]}x{rgb.shape[0]}, decoded once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
