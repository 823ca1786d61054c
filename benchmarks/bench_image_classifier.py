"""ImageClassifier.classify against a bare LiteRT invoke of the same model, in one run.

The image is decoded once, outside the loop. "bare" is ``set_tensor`` + ``invoke`` +
``get_tensor`` on a prepared input with the same thread count; the overhead is the
difference of medians over interleaved rounds. Also times ``classify_batch`` on files
against ``classify`` in a loop.

    python benchmarks/bench_image_classifier.py [--threads 1] [--rounds 7] [--calls 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter
from shared_data import DATA

from tflite_tasks import ImageClassifier, load_image
from tflite_tasks.cli.output import format_table

MODELS = ("vision/mobilenet_v1_0.25_224_1_metadata_1.tflite",
          "vision/mobilenet_v1_0.25_224_quant.tflite", "vision/efficientnet_lite0.tflite")


def per_call_ms(function: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls * 1e3


def bare_invoke(model: Path, threads: int) -> Callable[[], object]:
    interpreter = Interpreter(model_path=str(model), num_threads=threads)
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]
    out = interpreter.get_output_details()[0]["index"]
    rng = np.random.default_rng(0)
    if np.issubdtype(inp["dtype"], np.integer):
        info = np.iinfo(inp["dtype"])
        values = rng.integers(info.min, info.max, inp["shape"], endpoint=True).astype(inp["dtype"])
    else:
        values = rng.uniform(-1, 1, inp["shape"]).astype(inp["dtype"])

    def run() -> object:
        interpreter.set_tensor(inp["index"], values)
        interpreter.invoke()
        return interpreter.get_tensor(out)

    return run


def compare(rows: list[list[str]], name: str, bare: Callable[[], object],
            ours: Callable[[], object], rounds: int, calls: int, threads: int) -> None:
    for f in (bare, ours):  # warm up
        per_call_ms(f, 20)
    bare_ms, ours_ms = [], []
    for _ in range(rounds):  # interleaved so drift hits both alike
        bare_ms.append(per_call_ms(bare, calls))
        ours_ms.append(per_call_ms(ours, calls))
    b, o = statistics.median(bare_ms), statistics.median(ours_ms)
    rows.append([name, str(threads), f"{b:.3f}", f"{o:.3f}", f"{o - b:+.3f}"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    burger = DATA / "vision" / "burger.jpg"
    if not burger.exists():
        print(f"test data not found under {DATA} (set TFLITE_TASKS_TEST_DATA)", file=sys.stderr)
        return 1
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
    print(f"image: burger.jpg {rgb.shape[1]}x{rgb.shape[0]}, decoded once; medians of "
          f"{args.rounds} interleaved rounds x {args.calls} calls")
    header = ["case", "threads", "bare invoke ms", "tflite-tasks ms", "overhead ms"]
    print(format_table(header, rows, markdown=True))

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
