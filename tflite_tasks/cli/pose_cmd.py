"""``tflite-tasks pose MODEL IMAGE... [--out drawn.png] [--json]``: estimate human poses."""

from __future__ import annotations

import argparse

from tflite_tasks.cli.common import add_model_arguments, model_options, output_paths, save
from tflite_tasks.cli.output import dump_json, format_table
from tflite_tasks.tasks.vision.drawing import draw_poses
from tflite_tasks.tasks.vision.pose_estimator import PoseEstimator
from tflite_tasks.tasks.vision.pose_families import FAMILIES

NAME = "pose"
HELP = "estimate human poses (body keypoints) with a MoveNet or PoseNet model"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .tflite pose model (MoveNet or PoseNet)")
    parser.add_argument("images", nargs="+", help="image files")
    add_model_arguments(parser, labels=False)
    parser.add_argument("--max-poses", type=int, default=None,
                        help="at most this many poses per image (default: all)")
    parser.add_argument("--min-pose-score", type=float, default=None,
                        help="drop poses scoring below this (0.2)")
    parser.add_argument("--min-keypoint-score", type=float, default=None,
                        help="leave out keypoints scoring below this (0: keep all)")
    parser.add_argument("--nms-radius", type=float, default=None,
                        help="PoseNet multi-pose: pixels of the model input (20)")
    parser.add_argument("--family", default=None, choices=FAMILIES,
                        help="the model family, when it is not recognized")
    parser.add_argument("--decoding", default=None, choices=["auto", "single", "multi"],
                        help="PoseNet decoding (auto: single when --max-poses 1)")
    parser.add_argument("--out", default=None,
                        help="save the image with its skeletons drawn (a folder for several)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    options = model_options(args)
    given = {"max_poses": args.max_poses, "min_pose_score": args.min_pose_score,
             "min_keypoint_score": args.min_keypoint_score, "nms_radius": args.nms_radius,
             "pose_family": args.family, "posenet_decoding": args.decoding}
    options.update({key: value for key, value in given.items() if value is not None})
    outputs = output_paths(args.out, args.images, "_pose")
    records, rows = [], []
    with PoseEstimator.create_from_file(args.model, **options) as estimator:
        for image, out in zip(args.images, outputs, strict=True):
            result = estimator.estimate(image)
            records.append({"image": image, **result.to_dict()})
            for number, pose in enumerate(result.poses):
                rows += [[image, number, f"{pose.score:.3f}", k.name, f"{k.x:.1f}",
                          f"{k.y:.1f}", f"{k.score:.3f}"] for k in pose.keypoints]
            if out is not None:
                save(draw_poses(result.image, result), out)
    if args.json:
        print(dump_json(records))
    else:
        print(format_table(["image", "pose", "pose score", "keypoint", "x", "y", "score"],
                           rows))
    return 0
