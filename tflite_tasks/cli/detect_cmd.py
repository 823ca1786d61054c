"""``tflite-tasks detect MODEL IMAGE... [--json] [--out annotated.png]``: detect objects."""

from __future__ import annotations

import argparse

from tflite_tasks.cli.common import (
    add_model_arguments,
    add_result_arguments,
    model_options,
    output_paths,
    save,
)
from tflite_tasks.cli.output import dump_json, format_table
from tflite_tasks.tasks.vision.drawing import draw_detections
from tflite_tasks.tasks.vision.object_detector import ObjectDetector

NAME = "detect"
HELP = "detect objects in images with an object detection model"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .tflite object detection model")
    parser.add_argument("images", nargs="+", help="image files")
    add_result_arguments(parser, max_results=-1, dropped="at or below")
    add_model_arguments(parser)
    parser.add_argument("--family", default=None, choices=["ssd", "ssd_anchors", "yolo"],
                        help="the output family, when it is not recognized")
    parser.add_argument("--iou-threshold", type=float, default=None,
                        help="non-maximum suppression overlap for raw outputs (0.5)")
    parser.add_argument("--nms", default=None, choices=["class-aware", "class-agnostic"],
                        help="suppress overlaps per class or across classes (raw outputs; "
                             "default: across for ssd_anchors, per class for yolo)")
    parser.add_argument("--score-activation", default=None,
                        choices=["sigmoid", "softmax", "none"],
                        help="applied to raw class scores (default: sigmoid for ssd_anchors "
                             "unless the scores are already in [0, 1]; none for yolo)")
    parser.add_argument("--out", default=None,
                        help="save the image with its boxes drawn (a folder for several)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    options = model_options(args)
    if args.family is not None:
        options["output_family"] = args.family
    if args.iou_threshold is not None:
        options["iou_threshold"] = args.iou_threshold
    if args.nms is not None:
        options["class_aware_nms"] = args.nms == "class-aware"
    if args.score_activation is not None:
        options["score_activation"] = args.score_activation
    outputs = output_paths(args.out, args.images, "_detected")
    records, rows = [], []
    with ObjectDetector.create_from_file(args.model, **options) as detector:
        for image, out in zip(args.images, outputs, strict=True):
            result = detector.detect(image)
            records.append({"image": image, **result.to_dict()})
            for d in result.detections:
                box, best = d.bounding_box, d.categories[0]
                rows.append([image, best.display_name or best.category_name or best.index,
                             f"{best.score:.3f}", box.origin_x, box.origin_y, box.width,
                             box.height])
            if out is not None:
                save(draw_detections(result.image, result), out)
    if args.json:
        print(dump_json(records))
    else:
        print(format_table(["image", "category", "score", "x", "y", "width", "height"], rows))
    return 0
