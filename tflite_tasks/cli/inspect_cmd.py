"""``tflite-tasks inspect MODEL``: tensors, metadata JSON and associated files of a model."""

from __future__ import annotations

import argparse
from typing import Any

from tflite_tasks.cli.metadata_cmd import metadata_document, metadata_text
from tflite_tasks.cli.output import dump_json, format_table
from tflite_tasks.core.engine import Engine
from tflite_tasks.core.errors import ModelLoadError
from tflite_tasks.core.model_file import read_model_bytes
from tflite_tasks.doctor import tensor_dict
from tflite_tasks.metadata import read_metadata

NAME = "inspect"
HELP = "show a model's input and output tensors, TFLite Metadata and associated files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .tflite file")
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def tensor_table(tensors: list[dict[str, Any]]) -> str:
    """The table of a model's inputs and outputs (rows of ``doctor.tensor_dict``)."""
    return format_table(
        ["tensor", "#", "name", "shape", "dtype", "quantization"],
        [[t["kind"], t["position"], t["name"], t["shape"], t["dtype"],
          "" if t["quantization"] is None else
          f"scale={t['quantization']['scale']:.6g} zero_point={t['quantization']['zero_point']}"]
         for t in tensors])


def run(args: argparse.Namespace) -> int:
    """Prints what the model holds; exit status 1 when LiteRT cannot load it."""
    model_bytes, source = read_model_bytes(args.model)
    metadata = read_metadata(model_bytes)
    load_error = None
    tensors: list[dict[str, Any]] = []
    try:
        engine = Engine(model_bytes, num_threads=1)
        tensors = [tensor_dict("input", s) for s in engine.inputs]
        tensors += [tensor_dict("output", s) for s in engine.outputs]
    except ModelLoadError as e:
        load_error = str(e)
    if args.json:
        print(dump_json({"model": source, "bytes": len(model_bytes), "load_error": load_error,
                         "tensors": tensors, **metadata_document(metadata)}))
        return 1 if load_error else 0
    print(f"model: {source} ({len(model_bytes)} bytes)\n")
    if load_error:
        print(f"LiteRT cannot load this model: {load_error}")
    else:
        print(tensor_table(tensors))
    print()
    print(metadata_text(metadata))
    return 1 if load_error else 0
