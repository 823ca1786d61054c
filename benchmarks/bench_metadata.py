"""Benchmark of the metadata tools: reading, populating, the writers and the doctor.

Each is timed against the bare LiteRT load of the same model in the same run
(``Interpreter(model_content=...)`` + ``allocate_tensors()``), the least any tool that opens
the model pays; rounds of the two alternate.
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

from ai_edge_litert.interpreter import Interpreter
from timing import parse_arguments, per_call_ms, shared_files

from tflite_tasks.cli.output import format_table
from tflite_tasks.doctor import diagnose
from tflite_tasks.metadata import populate, read_metadata
from tflite_tasks.metadata.writers import image_classifier, object_detector

MOBILENET = "vision/mobilenet_v1_0.25_224_1_default_1.tflite"
MOBILENET_META = "vision/mobilenet_v1_0.25_224_1_metadata_1.tflite"
SSD = "metadata/object_detector/ssd_mobilenet_v1.tflite"
LABELMAP = "metadata/object_detector/labelmap.txt"


def bare_load(model: bytes) -> Callable[[], object]:
    def run() -> object:
        interpreter = Interpreter(model_content=model, num_threads=1)
        interpreter.allocate_tensors()
        return interpreter
    return run


def main() -> None:
    args = parse_arguments(__doc__, calls=10)
    paths = shared_files(MOBILENET, MOBILENET_META, SSD, LABELMAP)
    if paths is None:
        return
    mobilenet, with_meta, ssd, labelmap = paths
    with tempfile.TemporaryDirectory() as scratch:
        labels = Path(scratch) / "labels.txt"
        labels.write_bytes(read_metadata(with_meta).file("labels.txt"))
        meta_bytes, ssd_bytes = with_meta.read_bytes(), ssd.read_bytes()
        metadata = read_metadata(meta_bytes).model_metadata
        cases = [
            (MOBILENET_META, meta_bytes, "read_metadata + labels.txt",
             lambda: read_metadata(meta_bytes).file("labels.txt")),
            (MOBILENET_META, meta_bytes, "populate (replace metadata + labels.txt)",
             lambda: populate(meta_bytes, metadata, [labels])),
            (MOBILENET, mobilenet.read_bytes(), "image_classifier writer + populate",
             lambda: image_classifier.MetadataWriter.create_for_inference(
                 mobilenet, [127.5], [127.5], [labels]).populate()),
            (SSD, ssd_bytes, "object_detector writer + populate",
             lambda: object_detector.MetadataWriter.create_for_inference(
                 ssd_bytes, [127.5], [127.5], [labelmap]).populate()),
            (MOBILENET_META, meta_bytes, "doctor, all tasks",
             lambda: diagnose(meta_bytes)),
            (SSD, ssd_bytes, "doctor, all tasks", lambda: diagnose(ssd_bytes)),
        ]
        rows = []
        for model_name, model_bytes, name, tool in cases:
            bare = bare_load(model_bytes)
            for f in (bare, tool):
                per_call_ms(f, 2)
            bare_ms, tool_ms = [], []
            for _ in range(args.rounds):
                bare_ms.append(per_call_ms(bare, args.calls))
                tool_ms.append(per_call_ms(tool, args.calls))
            b, t = statistics.median(bare_ms), statistics.median(tool_ms)
            rows.append([name, Path(model_name).name, f"{len(model_bytes) / 1e6:.1f}",
                         f"{b:.2f}", f"{t:.2f}", f"{t / b:.2f}x"])
    print(f"medians of {args.rounds} interleaved rounds x {args.calls} calls, 1 thread")
    print(format_table(["case", "model", "MB", "bare LiteRT load ms", "tool ms",
                        "tool / load"], rows, markdown=True))


if __name__ == "__main__":
    main()
