"""Classify every image in a folder and print a table: file, top categories, time per image.

    python samples/classify_folder.py FOLDER [--model MODEL] [--max-results N] [--num-threads N]

With no ``--model`` the built-in dominant-colour classifier runs (no download needed).
Needs the package installed (``pip install .`` from the project folder).
Images are classified in chunks with ``classify_batch``, which decodes in threads while the
model runs. ``classify_batch`` stops at the first file it cannot decode, so a chunk that
fails is classified again one file at a time, and each undecodable file gets an error row
in the table instead of stopping the run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tflite_tasks import ClassificationResult, ImageClassifier, InputError, TfliteTasksError
from tflite_tasks.default_model import default_model

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
CHUNK = 32  # images per classify_batch call


def image_files(folder: Path) -> list[Path]:
    """The image files of ``folder`` (by suffix, not recursive), sorted by name."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def describe(result: ClassificationResult) -> str:
    """``label score, label score, ...`` for every head of the result."""
    heads = []
    for head in result.classifications:
        names = [f"{c.display_name or c.category_name or c.index} {c.score:.3f}"
                 for c in head.categories]
        prefix = f"{head.head_name}: " if len(result.classifications) > 1 else ""
        heads.append(prefix + (", ".join(names) or "(nothing above the threshold)"))
    return "; ".join(heads)


def classify_all(classifier: ImageClassifier, files: list[Path]) -> list[list[str]]:
    """One table row ``[file, categories, ms per image]`` per file."""
    rows = []
    for start in range(0, len(files), CHUNK):
        chunk = files[start:start + CHUNK]
        began = time.perf_counter()
        try:
            results = classifier.classify_batch(chunk)
        except InputError:  # some file of the chunk is not an image: one at a time
            for path in chunk:
                began = time.perf_counter()
                try:
                    text = describe(classifier.classify(path))
                except InputError as e:
                    rows.append([path.name, f"ERROR: {e}", "-"])
                    continue
                rows.append([path.name, text, f"{1000 * (time.perf_counter() - began):.1f}"])
            continue
        per_image = 1000 * (time.perf_counter() - began) / len(chunk)
        rows += [[p.name, describe(r), f"{per_image:.1f}"]
                 for p, r in zip(chunk, results, strict=True)]
    return rows


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder of images")
    parser.add_argument("--model", help="a .tflite image classifier (default: the built-in "
                                        "dominant-colour classifier)")
    parser.add_argument("--max-results", type=int, default=3, help="categories per image (3)")
    parser.add_argument("--num-threads", type=int, default=None,
                        help="inference threads (default: every CPU available)")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    files = image_files(args.folder)
    if not files:
        print(f"no images in {args.folder}")
        return 0
    options = {"max_results": args.max_results, "num_threads": args.num_threads}
    try:
        if args.model:
            classifier = ImageClassifier.create_from_file(args.model, **options)
        else:
            classifier = ImageClassifier.create_from_buffer(default_model(), **options)
        with classifier:
            rows = classify_all(classifier, files)
    except TfliteTasksError as e:  # a bad model or option
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"model: {args.model or 'built-in dominant-colour classifier'}")
    print_table(["file", "top categories (score)", "ms/image"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
