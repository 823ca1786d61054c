"""Estimate poses on a video file or a webcam: skeletons drawn on every frame.

    python samples/pose_video.py MODEL SOURCE [--out OUTPUT_VIDEO] [--show] [--max-poses N]
        [--min-keypoint-score T] [--every N] [--num-threads N]

SOURCE is a video file, or a camera index (``0``: the first webcam). A ``PoseEstimator``
(any MoveNet or PoseNet model) estimates the poses of each frame and ``draw_poses`` draws
their skeletons. ``--out`` writes the annotated video, of the same size and frame rate:
``.mp4`` (mp4v) or ``.avi`` (MJPG). ``--show`` shows it in a window (q or Esc stops); it needs
a display and OpenCV with a GUI (``opencv-python``, not ``opencv-python-headless``). With
neither, only the timings are printed. ``--every N`` runs the model on one frame in N and
draws its poses on the frames in between too. Every model run prints its frame's number, pose
count and estimate time; the end, the frames per second. Ctrl+C stops (the video written so
far is kept). Needs the package installed (``pip install .`` from the project folder).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

# The video helpers of the other sample (this folder is on the path of a script run from it).
from annotate_video import Failure, codec, open_writer, run

from tflite_tasks import PoseEstimator, PoseResult
from tflite_tasks.tasks.vision.drawing import draw_poses

WINDOW = "pose_video (q or Esc stops)"


def open_source(source: str) -> tuple[cv2.VideoCapture, str]:
    """The capture of a video file, or of camera ``int(source)`` when ``source`` is a number
    and no file; and what it is, for messages."""
    if source.isdigit() and not Path(source).exists():
        capture = cv2.VideoCapture(int(source))
        if not capture.isOpened():
            raise Failure(f"cannot open camera {source}: no such camera, or it is busy")
        return capture, f"camera {source}"
    capture = cv2.VideoCapture(source)
    if not Path(source).is_file() or not capture.isOpened():
        raise Failure(f"cannot read video {source!r}: no such file, or not a video OpenCV can "
                      "decode")
    return capture, f"video {source!r}"


def open_window() -> None:
    """Opens the --show window; Failure where no window can open."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        raise Failure("--show needs a display (DISPLAY is not set): use --out instead")
    try:
        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL)
    except cv2.error as e:
        raise Failure("--show needs OpenCV with a GUI (pip install opencv-python, not "
                      "opencv-python-headless): use --out instead") from e


def show(bgr: np.ndarray) -> bool:
    """Shows a frame; False once the user stops (q, Esc, or closing the window)."""
    cv2.imshow(WINDOW, bgr)
    key = cv2.waitKey(1) & 0xFF
    return key not in (ord("q"), 27) and cv2.getWindowProperty(WINDOW,
                                                               cv2.WND_PROP_VISIBLE) >= 1


def create_estimator(args: argparse.Namespace) -> PoseEstimator:
    options = {"max_poses": args.max_poses, "min_keypoint_score": args.min_keypoint_score,
               "num_threads": args.num_threads}
    return PoseEstimator.create_from_file(
        args.model, **{k: v for k, v in options.items() if v is not None})


def estimate_video(args: argparse.Namespace) -> str:
    """Estimates the poses of every frame (one in ``--every``); returns the summary."""
    if args.out is not None:
        codec(args.out)  # a bad output name fails before anything is read
    if args.show:
        open_window()
    capture, what = open_source(args.source)
    writer = None
    try:
        ok, bgr = capture.read()
        if not ok:
            raise Failure(f"cannot read {what}: it gives no frame OpenCV can decode")
        fps = capture.get(cv2.CAP_PROP_FPS) or 30.0  # 0 when the source does not say
        frames = runs = 0
        estimating = 0.0  # seconds spent in estimate()
        result: PoseResult | None = None
        with create_estimator(args) as estimator:
            print(f"{estimator.pose_family} model, {what}, {bgr.shape[1]}x{bgr.shape[0]}",
                  flush=True)
            if args.out is not None:
                writer = open_writer(args.out, fps, (bgr.shape[1], bgr.shape[0]))
            began = time.perf_counter()
            try:
                while ok:
                    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                    if frames % args.every == 0:
                        start = time.perf_counter()
                        result = estimator.estimate(rgb)
                        took = time.perf_counter() - start
                        estimating += took
                        runs += 1
                        count = len(result.poses)
                        print(f"frame {frames}: {count} pose{'' if count == 1 else 's'}, "
                              f"{1000 * took:.1f} ms", flush=True)
                    frames += 1
                    if writer is not None or args.show:
                        assert result is not None  # frame 0 always runs the model
                        drawn = cv2.cvtColor(draw_poses(rgb, result), cv2.COLOR_RGB2BGR)
                        if writer is not None:
                            writer.write(drawn)
                        if args.show and not show(drawn):
                            break
                    ok, bgr = capture.read()
            except KeyboardInterrupt:
                print("stopped (Ctrl+C)", file=sys.stderr)
            elapsed = time.perf_counter() - began
    finally:
        if writer is not None:
            writer.release()
        capture.release()
        if args.show:
            cv2.destroyAllWindows()
    summary = (f"{frames} frames, {runs} model runs in {elapsed:.2f} s: "
               f"{frames / max(elapsed, 1e-9):.1f} frames/s "
               f"(estimate: {1000 * estimating / max(runs, 1):.1f} ms a run)")
    return summary + (f"\nwrote {args.out}" if args.out is not None else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a .tflite pose model (MoveNet or PoseNet)")
    parser.add_argument("source", help="the video to read, or a camera index (0, 1, ...)")
    parser.add_argument("--out", type=Path, default=None,
                        help="the annotated video to write (.mp4 or .avi)")
    parser.add_argument("--show", action="store_true", help="show the frames in a window")
    parser.add_argument("--max-poses", type=int, default=None,
                        help="at most this many poses per frame (default: all)")
    parser.add_argument("--min-keypoint-score", type=float, default=None,
                        help="leave out (and do not draw) keypoints scoring below this")
    return run(parser, estimate_video, argv)


if __name__ == "__main__":
    sys.exit(main())
