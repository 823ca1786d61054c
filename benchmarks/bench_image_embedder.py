"""ImageEmbedder.embed against a bare LiteRT invoke of the same model, in one run.

The image is decoded once, outside the loop. "bare" is ``set_tensor`` + ``invoke`` +
``get_tensor`` on a prepared input with the same thread count; the overhead is the
difference of medians over interleaved rounds (see ``timing.py``). Each embedding option
(none, ``l2_normalize``, ``quantize``, both) is timed.

    python benchmarks/bench_image_embedder.py [--threads 1] [--rounds 7] [--calls 200]
"""

from __future__ import annotations

import argparse
import sys

from shared_data import DATA
from timing import OVERHEAD_HEADER, bare_invoke, compare

from tflite_tasks import load_image
from tflite_tasks.cli.output import format_table
from tflite_tasks.tasks.vision.image_embedder import ImageEmbedder

MODEL = "vision/mobilenet_v1_0.25_224_1_metadata_1.tflite"
OPTIONS = ({}, {"l2_normalize": True}, {"quantize": True},
           {"l2_normalize": True, "quantize": True})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    model, burger = DATA / MODEL, DATA / "vision" / "burger.jpg"
    if not (model.exists() and burger.exists()):
        print(f"test data not found under {DATA} (set TFLITE_TASKS_TEST_DATA)", file=sys.stderr)
        return 1
    rgb = load_image(burger)
    bare = bare_invoke(model, args.threads)
    rows: list[list[str]] = []
    for options in OPTIONS:
        embedder = ImageEmbedder.create_from_file(model, num_threads=args.threads, **options)
        label = ", ".join(f"{k}=True" for k in options) or "no options"
        compare(rows, f"{model.name} embed ({label})", bare,
                lambda e=embedder: e.embed(rgb), args.rounds, args.calls, args.threads)
    print(f"image: burger.jpg {rgb.shape[1]}x{rgb.shape[0]}, decoded once; medians of "
          f"{args.rounds} interleaved rounds x {args.calls} calls")
    print(format_table(OVERHEAD_HEADER, rows, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
