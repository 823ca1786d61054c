"""Arguments and helpers shared by the task subcommands."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tflite_tasks.core.errors import InputError
from tflite_tasks.tasks.vision.drawing import save_image


def add_threads_argument(parser: argparse.ArgumentParser) -> None:
    """``--num-threads`` (every task)."""
    parser.add_argument("--num-threads", type=int, default=None,
                        help="inference threads (default: every CPU available)")


def add_model_arguments(parser: argparse.ArgumentParser, labels: bool = True) -> None:
    """Threads and normalization (every vision task), labels and locale (if ``labels``)."""
    add_threads_argument(parser)
    parser.add_argument("--mean", type=float, nargs="+", default=None,
                        help="normalization mean for float models without metadata")
    parser.add_argument("--std", type=float, nargs="+", default=None,
                        help="normalization std for float models without metadata")
    parser.add_argument("--resampling", default=None, choices=["opencv", "task_library"],
                        help="image resizing: OpenCV bilinear (default, fastest) or libyuv's "
                             "as the reference Task Library (bit for bit)")
    if labels:
        parser.add_argument("--labels", default=None,
                            help="label file (one per line) for models without labels")
        parser.add_argument("--locale", default="en", help="display names locale (en)")


def add_result_arguments(parser: argparse.ArgumentParser, max_results: int,
                         dropped: str = "below", per: str = "image") -> None:
    """How many results (``per`` input), and the score threshold (results scoring
    ``dropped`` it go)."""
    default = "all" if max_results < 0 else str(max_results)
    parser.add_argument("--max-results", type=int, default=max_results,
                        help=f"results per {per} (default: {default}; -1 for all)")
    parser.add_argument("--score-threshold", type=float, default=None,
                        help=f"drop results scoring {dropped} this (default: the model's "
                             "metadata)")


def model_options(args: argparse.Namespace) -> dict[str, Any]:
    """The task options given on the command line (those not given, or that the command
    does not have, are left out)."""
    names = {"num_threads": "num_threads", "normalization_mean": "mean",
             "normalization_std": "std", "resampling": "resampling", "labels": "labels",
             "display_names_locale": "locale", "max_results": "max_results",
             "score_threshold": "score_threshold"}
    options = {option: getattr(args, arg, None) for option, arg in names.items()}
    return {key: value for key, value in options.items() if value is not None}


def output_paths(out: str | None, images: Sequence[str], suffix: str) -> list[Path | None]:
    """Where to save each image's picture: ``out`` itself for one image, else files named
    ``<image stem><suffix>.png`` in the folder ``out`` (created)."""
    if out is None:
        return [None] * len(images)
    if len(images) == 1 and Path(out).suffix:
        return [Path(out)]
    folder = Path(out)
    if folder.suffix:
        raise InputError(f"--out {out!r} names one file, but there are {len(images)} images: "
                         "give a folder")
    folder.mkdir(parents=True, exist_ok=True)
    return [folder / f"{Path(image).stem}{suffix}.png" for image in images]


def save(rgb: np.ndarray, path: Path | None) -> None:
    """Saves ``rgb`` to ``path`` (nothing when ``path`` is None) and says so."""
    if path is not None:
        save_image(rgb, path)
        print(f"saved {path}")
