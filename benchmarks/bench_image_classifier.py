"""ImageClassifier.classify against a bare LiteRT invoke of the same model, in one run.

The image is decoded once, outside the loop. "bare" is ``set_tensor`` + ``invoke`` +
``get_tensor`` on a prepared input with the same thread count; the overhead is the
difference of medians over interleaved rounds. Also times ``classify_batch`` on files
against ``classify`` in a loop.

    python benchmarks/bench_image_classifier.py [--threads 1] [--rounds 7] [--calls 200]
"""

from __future__ import annotations

import statistics
import sys

from shared_data import DATA
from timing import bare_invoke, compare, parse_arguments, per_call_ms, print_overheads, shared_files

from tflite_tasks import ImageClassifier, load_image
from tflite_tasks.cli.output import format_table

MODELS = ("vision/mobilenet_v1_0.25_224_1_metadata_1.tflite",
          "vision/mobilenet_v1_0.25_224_quant.tflite", "vision/efficientnet_lite0.tflite")


def main() -> int:
    args = parse_arguments(__doc__, calls=200)
    found = shared_files("vision/burger.jpg", *MODELS)
    if found is None:
        return 1
    burger = found[0]
    rgb = load_image(burger)
    rows: list[list[str]] = []
    for relative in MODELS:
        model = DATA / relative
        bare = bare_invoke(model, args.threads)
        for max_results in (5, -1):
            classifier = ImageClassifier.create_from_file(model, num_threads=args.threads,
                                                          max_results=max_results)
            compare(rows, f"{model.name} classify (max_results={max_results})", bare,
                    lambda c=classifier: c.classify(rgb), args.rounds, args.calls, args.threads)
    print_overheads(rows, args, f"image: burger.jpg {rgb.shape[1]}x{rgb.shape[0]}, decoded once")

    files = [DATA / "vision" / n for n in ("burger.jpg", "sparrow.png", "fox.jpeg",
                                            "cats_and_dogs.jpg")] * 8
    classifier = ImageClassifier.create_from_file(DATA / MODELS[0], num_threads=args.threads,
                                                  max_results=5)
    loop = statistics.median(per_call_ms(lambda: [classifier.classify(f) for f in files], 1)
                             for _ in range(5)) / len(files)
    batch = statistics.median(per_call_ms(lambda: classifier.classify_batch(files), 1)
                              for _ in range(5)) / len(files)
    print(f"\nfiles, decode included ({len(files)} images, {MODELS[0].split('/')[1]}):")
    print(format_table(["way", "ms per image"], [["classify in a loop", f"{loop:.3f}"],
                                                 ["classify_batch", f"{batch:.3f}"]],
                       markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
