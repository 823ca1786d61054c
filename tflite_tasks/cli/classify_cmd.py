"""``tflite-tasks classify [MODEL] IMAGE...``: classify images; no model runs the default."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from tflite_tasks.cli.common import add_model_arguments, add_result_arguments, model_options
from tflite_tasks.cli.output import dump_json, format_table
from tflite_tasks.core.image import ImageLike
from tflite_tasks.default_model import default_model
from tflite_tasks.tasks.vision.image_classifier import ImageClassifier

NAME = "classify"
HELP = "classify images with an image classification model (default: the built-in colour model)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="[MODEL] IMAGE",
                        help="a .tflite model (optional: the built-in dominant-colour classifier "
                             "otherwise), then image files; no image runs on demo images")
    add_result_arguments(parser, max_results=3)
    add_model_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")


def _is_model(path: str) -> bool:
    if path.endswith(".tflite"):
        return True
    try:
        with open(path, "rb") as f:
            return f.read(8)[4:8] == b"TFL3"
    except OSError:
        return False


def demo_images() -> dict[str, np.ndarray]:
    """Three synthetic pictures for the default model, 96x128 RGB."""
    rows = np.linspace(0, 1, 96)[:, None, None]
    sky = np.array([25, 60, 200]) * (1 - rows) + np.array([100, 150, 235]) * rows
    flag = np.zeros((96, 128, 3))
    flag[:, :43], flag[:, 43:86], flag[:, 86:] = [0, 35, 149], [255, 255, 255], [237, 41, 57]
    meadow = np.tile(np.array([40, 160, 50]), (96, 128, 1)).astype(float)
    meadow[60:, :] = [120, 75, 35]
    images = {"sky (demo)": np.broadcast_to(sky, (96, 128, 3)), "flag (demo)": flag,
              "meadow (demo)": meadow}
    return {name: np.ascontiguousarray(image, dtype=np.uint8) for name, image in images.items()}


def run(args: argparse.Namespace) -> int:
    paths = list(args.paths)
    options = model_options(args)
    if paths and _is_model(paths[0]):
        model_name = paths.pop(0)
        classifier = ImageClassifier.create_from_file(model_name, **options)
    else:
        model_name = "built-in dominant-colour classifier"
        classifier = ImageClassifier.create_from_buffer(default_model(), **options)
    images: dict[str, ImageLike] = {p: p for p in paths} if paths else demo_images()
    with classifier:
        results = {name: classifier.classify(image) for name, image in images.items()}
    if args.json:
        print(dump_json([{"image": name, **result.to_dict()} for name, result in results.items()]))
        return 0
    rows = []
    for name, result in results.items():
        for head in result.classifications:
            for rank, c in enumerate(head.categories, 1):
                rows.append([Path(name).name if name in paths else name, head.head_name, rank,
                             c.index, c.category_name, c.display_name, f"{c.score:.4f}"])
    print(f"model: {model_name}")
    print(format_table(["image", "head", "rank", "index", "category", "display name", "score"],
                       rows))
    return 0
