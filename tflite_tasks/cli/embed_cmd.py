"""``tflite-tasks embed MODEL IMAGE... [--json]``: feature vectors and their similarities."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from tflite_tasks.cli.common import add_model_arguments, model_options
from tflite_tasks.cli.output import dump_json, format_table
from tflite_tasks.core.embedding import cosine_similarity
from tflite_tasks.tasks.vision.image_embedder import ImageEmbedder

NAME = "embed"
HELP = "compute image embeddings (feature vectors) and their cosine similarities"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .tflite model whose output is a vector")
    parser.add_argument("images", nargs="+", help="image files")
    add_model_arguments(parser, labels=False)
    parser.add_argument("--l2-normalize", action="store_true", help="scale vectors to norm 1")
    parser.add_argument("--quantize", action="store_true", help="int8 vectors")
    parser.add_argument("--json", action="store_true", help="print the vectors as JSON")


def run(args: argparse.Namespace) -> int:
    options = model_options(args)
    options.update(l2_normalize=args.l2_normalize, quantize=args.quantize)
    with ImageEmbedder.create_from_file(args.model, **options) as embedder:
        results = [embedder.embed(image) for image in args.images]
    if args.json:
        print(dump_json([{"image": image, **result.to_dict()}
                         for image, result in zip(args.images, results, strict=True)]))
        return 0
    rows = []
    for image, result in zip(args.images, results, strict=True):
        for e in result.embeddings:
            values = e.embedding
            head = ", ".join(f"{v:.4g}" for v in values[:4].tolist())
            rows.append([Path(image).name, e.head_name, values.size,
                         f"{float(np.linalg.norm(values.astype(np.float64))):.4g}",
                         f"[{head}{', ...' if values.size > 4 else ''}]"])
    print(format_table(["image", "head", "dimension", "norm", "values"], rows))
    if len(results) > 1:
        names = [Path(image).name for image in args.images]
        matrix = [[name] + [f"{_similarity(a, b)}" for b in results]
                  for name, a in zip(names, results, strict=True)]
        print("\ncosine similarity (first head):")
        print(format_table(["", *names], matrix))
    return 0


def _similarity(a, b) -> str:
    try:
        return f"{cosine_similarity(a.embeddings[0], b.embeddings[0]):.4f}"
    except ValueError:  # a zero vector has no direction
        return "n/a"
