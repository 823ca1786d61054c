"""Timing shared by the benchmarks: a bare LiteRT invoke, and ours against it in one run.

"bare" is ``set_tensor`` + ``invoke`` + ``get_tensor`` of every output on a prepared random
input with the same thread count. Rounds of the two alternate, so drift hits both alike; the
overhead is the median over rounds of (ours - bare) in the same round.
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

from tflite_tasks.cli.output import format_table


def per_call_ms(function: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls * 1e3


def random_input(shape: np.ndarray, dtype: type) -> np.ndarray:
    """Values spread over the whole range of an integer type, or over [-1, 1]."""
    rng = np.random.default_rng(0)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, shape, endpoint=True).astype(dtype)
    return rng.uniform(-1, 1, shape).astype(dtype)


def bare_invoke(model: Path, threads: int, values: np.ndarray | None = None
                ) -> Callable[[], object]:
    """The bare call on ``values`` (default: random values of the input's type)."""
    interpreter = Interpreter(model_path=str(model), num_threads=threads)
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]
    outputs = [detail["index"] for detail in interpreter.get_output_details()]
    if values is None:
        values = random_input(inp["shape"], inp["dtype"])

    def run() -> object:
        interpreter.set_tensor(inp["index"], values)
        interpreter.invoke()
        return [interpreter.get_tensor(index) for index in outputs]

    return run


OVERHEAD_HEADER = ["case", "threads", "bare invoke ms", "tflite-tasks ms", "overhead ms"]


def compare(rows: list[list[str]], name: str, bare: Callable[[], object],
            ours: Callable[[], object], rounds: int, calls: int, threads: int) -> None:
    for f in (bare, ours):  # warm up
        per_call_ms(f, 20)
    bare_ms, ours_ms = [], []
    for _ in range(rounds):  # interleaved so drift hits both alike
        bare_ms.append(per_call_ms(bare, calls))
        ours_ms.append(per_call_ms(ours, calls))
    b, o = statistics.median(bare_ms), statistics.median(ours_ms)
    paired = statistics.median(x - y for x, y in zip(ours_ms, bare_ms, strict=True))
    rows.append([name, str(threads), f"{b:.3f}", f"{o:.3f}", f"{paired:+.3f}"])


def parse_arguments(doc: str, calls: int) -> argparse.Namespace:
    """``--threads`` (1), ``--rounds`` (7) and ``--calls`` (``calls``) of a benchmark."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=calls)
    return parser.parse_args()


def shared_files(*relative: str) -> list[Path] | None:
    """The shared data files, or None (with a message) when one is missing."""
    paths = [DATA / r for r in relative]
    if not all(p.exists() for p in paths):
        print(f"test data not found under {DATA} (set TFLITE_TASKS_TEST_DATA)", file=sys.stderr)
        return None
    return paths


def print_overheads(rows: list[list[str]], args: argparse.Namespace, inputs: str) -> None:
    """Prints the overhead table of ``compare`` rows with how they were measured."""
    print(f"{inputs}; medians of {args.rounds} interleaved rounds x {args.calls} calls")
    print(format_table(OVERHEAD_HEADER, rows, markdown=True))
