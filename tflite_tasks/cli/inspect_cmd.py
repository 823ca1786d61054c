"""``tflite-tasks inspect MODEL``: tensors, metadata JSON and associated files of a model."""

from __future__ import annotations

import argparse

from tflite_tasks.cli.output import dump_json, format_table
from tflite_tasks.core.engine import Engine, TensorSpec

NAME = "inspect"
HELP = "show a model's input and output tensors, TFLite Metadata and associated files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .tflite file")
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def _spec_row(kind: str, spec: TensorSpec) -> dict[str, object]:
    return {"kind": kind, "position": spec.position, "name": spec.name,
            "shape": list(spec.shape), "shape_signature": list(spec.shape_signature),
            "dtype": spec.dtype.name,
            "quantization": {"scale": spec.scale, "zero_point": spec.zero_point}
            if spec.is_quantized else None}


def run(args: argparse.Namespace) -> int:
    engine = Engine(args.model, num_threads=1)
    metadata = engine.metadata
    tensors = [_spec_row("input", s) for s in engine.inputs]
    tensors += [_spec_row("output", s) for s in engine.outputs]
    files = [{"name": name, "bytes": len(metadata.file(name)),
              "tensor": metadata.tensor_of_file(name)} for name in metadata.file_names]
    if args.json:
        import json

        document = {"model": engine.source, "bytes": len(engine.model_bytes), "tensors": tensors,
                    "metadata": json.loads(metadata.to_json()) if metadata.has_metadata else None,
                    "associated_files": files}
        print(dump_json(document))
        return 0
    print(f"model: {engine.source} ({len(engine.model_bytes)} bytes)\n")
    print(format_table(
        ["tensor", "#", "name", "shape", "dtype", "quantization"],
        [[t["kind"], t["position"], t["name"], t["shape"], t["dtype"],
          "" if t["quantization"] is None else
          f"scale={t['quantization']['scale']:.6g} zero_point={t['quantization']['zero_point']}"]
         for t in tensors]))
    print("\nmetadata:")
    print(metadata.to_json().rstrip() if metadata.has_metadata else "  (none)")
    print("\nassociated files:")
    print(format_table(["name", "bytes", "tensor"],
                       [[f["name"], f["bytes"], f["tensor"] or ""] for f in files])
          if files else "  (none)")
    return 0
