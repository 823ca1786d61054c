"""Annotate a video: detection boxes or a segmentation mask drawn on every frame.

    python samples/annotate_video.py MODEL INPUT_VIDEO OUTPUT_VIDEO [--task detect|segment]
        [--max-results N] [--score-threshold T] [--every N] [--num-threads N]

Reads the video with OpenCV, runs an object detector (``--task detect``, the default; boxes
drawn with ``draw_detections``) or an image segmenter (``--task segment``; the mask blended
with ``draw_segmentation``) and writes a video of the same size and frame rate: ``.mp4``
(mp4v) or ``.avi`` (MJPG). ``--every N`` runs the model on one frame in N and draws its
result on the frames in between too. A progress bar goes to stderr, a summary to stdout.
Needs the package installed (``pip install .`` from the project folder).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from tflite_tasks import ImageSegmenter, ObjectDetector, TfliteTasksError
from tflite_tasks.tasks.vision.drawing import draw_detections, draw_segmentation

FOURCC = {".mp4": "mp4v", ".avi": "MJPG"}
BAR = 30  # characters of the progress bar


class Failure(Exception):
    """A problem to report to the user as ``error: <message>`` with exit status 1."""


def progress(done: int, total: int, began: float) -> None:
    """Rewrites the one-line progress bar on stderr."""
    rate = done / max(time.perf_counter() - began, 1e-9)
    if total > 0:
        filled = BAR * min(done, total) // total
        line = f"[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total} frames"
    else:  # the container does not say how many frames it holds
        line = f"{done} frames"
    print(f"\r{line}  {rate:.1f} fps", end="", file=sys.stderr, flush=True)


def codec(path: Path) -> str:
    """The fourcc of the output's extension; Failure when it cannot be written there."""
    if path.suffix.lower() not in FOURCC:
        raise Failure(f"cannot write {path.name!r}: name the output .mp4 or .avi")
    if not path.parent.is_dir():
        raise Failure(f"cannot write {str(path)!r}: folder {str(path.parent)!r} does not exist")
    return FOURCC[path.suffix.lower()]


def open_writer(path: Path, fps: float, size: tuple[int, int]) -> cv2.VideoWriter:
    """A VideoWriter for ``path``, with the codec of its extension."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec(path)), fps, size)
    if not writer.isOpened():
        raise Failure(f"cannot write {str(path)!r}: OpenCV could not open it for writing "
                      "(check the folder is writable)")
    return writer


def create_task(args: argparse.Namespace) -> ObjectDetector | ImageSegmenter:
    if args.task == "segment":
        if args.max_results is not None or args.score_threshold is not None:
            raise Failure("--max-results and --score-threshold are for --task detect")
        return ImageSegmenter.create_from_file(args.model, num_threads=args.num_threads)
    options = {"max_results": args.max_results, "score_threshold": args.score_threshold,
               "num_threads": args.num_threads}
    return ObjectDetector.create_from_file(
        args.model, **{k: v for k, v in options.items() if v is not None})


def annotate(args: argparse.Namespace) -> str:
    """Annotates the video; returns the summary."""
    codec(args.output)
    capture = cv2.VideoCapture(str(args.input))
    if not args.input.is_file() or not capture.isOpened():
        raise Failure(f"cannot read video {str(args.input)!r}: no such file, or not a video "
                      "OpenCV can decode")
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0  # 0 when the container does not say
    ok, bgr = capture.read()
    if not ok:
        raise Failure(f"cannot read video {str(args.input)!r}: it has no frame OpenCV can "
                      "decode")
    seen: Counter[str] = Counter()
    frames = runs = 0
    result: Any = None
    with create_task(args) as task:
        writer = open_writer(args.output, fps, (bgr.shape[1], bgr.shape[0]))
        began = time.perf_counter()
        try:
            while ok:
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                if frames % args.every == 0:
                    runs += 1
                    if isinstance(task, ObjectDetector):
                        result = task.detect(rgb)
                        seen.update(d.categories[0].category_name or str(d.categories[0].index)
                                    for d in result.detections)
                    else:
                        result = task.segment(rgb)
                        labels = result.colored_labels
                        seen.update((labels[k].category_name if k < len(labels) else "")
                                    or str(k) for k in np.unique(result.category_mask).tolist())
                drawn = (draw_detections(rgb, result) if isinstance(task, ObjectDetector)
                         else draw_segmentation(rgb, result))
                writer.write(cv2.cvtColor(drawn, cv2.COLOR_RGB2BGR))
                frames += 1
                progress(frames, total, began)
                ok, bgr = capture.read()
        finally:
            writer.release()
            capture.release()
            print(file=sys.stderr)
    elapsed = time.perf_counter() - began
    what = "detections" if args.task == "detect" else "model runs showing each class"
    common = ", ".join(f"{name} {count}" for name, count in seen.most_common(5)) or "none"
    return (f"wrote {args.output}: {frames} frames, {runs} model runs in {elapsed:.1f} s "
            f"({frames / max(elapsed, 1e-9):.1f} fps)\n{what}: {common}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a .tflite object detector or image segmenter")
    parser.add_argument("input", type=Path, help="the video to read")
    parser.add_argument("output", type=Path, help="the video to write (.mp4 or .avi)")
    parser.add_argument("--task", choices=["detect", "segment"], default="detect")
    parser.add_argument("--max-results", type=int, default=None,
                        help="detections per frame (default: the model's)")
    parser.add_argument("--score-threshold", type=float, default=None,
                        help="drop detections scoring at or below this")
    return run(parser, annotate, argv)


def run(parser: argparse.ArgumentParser, work: Callable[[argparse.Namespace], str],
        argv: list[str] | None) -> int:
    """Adds ``--every`` and ``--num-threads`` to ``parser``, parses ``argv`` and prints what
    ``work(args)`` returns; errors are printed and give exit status 1."""
    parser.add_argument("--every", type=int, default=1,
                        help="run the model on one frame in N (1: every frame)")
    parser.add_argument("--num-threads", type=int, default=None,
                        help="inference threads (default: every CPU available)")
    args = parser.parse_args(argv)
    if args.every < 1:
        parser.error("--every must be at least 1")
    try:
        print(work(args))
    except (Failure, TfliteTasksError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
