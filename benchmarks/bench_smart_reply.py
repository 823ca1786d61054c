"""SmartReply.suggest end to end on the sample messages, and where the time goes.

LiteRT cannot run the Smart Reply model by itself (its custom ops have no kernels there), so
there is no bare invoke to compare with: this prints the time per message of ``suggest``
(median over rounds of all sample messages), and the share of the Python kernels, timed by
wrapping them through the ``custom_ops`` option.

    python benchmarks/bench_smart_reply.py [--threads 1] [--rounds 7] [--calls 5]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from timing import parse_arguments, shared_files

from tflite_tasks import SmartReply
from tflite_tasks.cli.output import format_table
from tflite_tasks.core.custom_ops import Kernel
from tflite_tasks.tasks.text.smart_reply import split_sentences
from tflite_tasks.tasks.text.smartreply_ops import SMARTREPLY_OPS

MODEL = "text/smartreply/smartreply.tflite"
SAMPLES = "text/smartreply/smartreply_samples.tsv"
SPENT: dict[str, float] = defaultdict(float)


def timed(name: str, kernel: Kernel) -> Kernel:
    def run(inputs: Sequence[np.ndarray | None], options: bytes) -> Sequence[object]:
        start = time.perf_counter()
        try:
            return kernel(inputs, options)
        finally:
            SPENT[name] += time.perf_counter() - start
    return run


def main() -> int:
    args = parse_arguments(__doc__, calls=5)
    found = shared_files(MODEL, SAMPLES)
    if found is None:
        return 1
    model, samples = found
    messages = [line.split("\t")[0] for line in samples.read_text("utf-8").splitlines()]
    runs = sum(len(split_sentences(m)) for m in messages)
    kernels = {name: timed(name, kernel) for name, kernel in SMARTREPLY_OPS.items()}
    smart_reply = SmartReply.create_from_file(model, num_threads=args.threads,
                                              custom_ops=kernels)
    conversation = messages[:5]
    cases = [(f"suggest, {len(messages)} sample messages one by one", messages, runs),
             ("suggest, a 5-message conversation in one call", [conversation],
              sum(len(split_sentences(m)) for m in conversation))]
    rows = []
    for name, calls, model_runs in cases:
        for call in calls:  # warm up
            smart_reply.suggest(call)
        SPENT.clear()
        per_round: list[float] = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            for _ in range(args.calls):
                for call in calls:
                    smart_reply.suggest(call)
            per_round.append((time.perf_counter() - start) / (args.calls * len(calls)) * 1e3)
        total_runs = model_runs * args.rounds * args.calls
        kernel_ms = {k: SPENT[k] / total_runs * 1e3 for k in SMARTREPLY_OPS}
        rows.append([name, f"{statistics.median(per_round):.3f}",
                     f"{model_runs / len(calls):.2f}",
                     *(f"{kernel_ms[k]:.3f}" for k in SMARTREPLY_OPS)])
    print(f"{model.name}, {args.threads} thread(s); medians of {args.rounds} rounds x "
          f"{args.calls} passes")
    header = ["case", "ms per call", "model runs per call",
              *(f"{k} ms per run" for k in SMARTREPLY_OPS)]
    print(format_table(header, rows, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
