"""``tflite-tasks segment MODEL IMAGE... [--out mask.png]``: label each pixel."""

from __future__ import annotations

import argparse

import numpy as np

from tflite_tasks.cli.common import add_model_arguments, model_options, output_paths, save
from tflite_tasks.cli.output import dump_json, format_table
from tflite_tasks.tasks.vision.drawing import draw_segmentation
from tflite_tasks.tasks.vision.image_segmenter import ImageSegmenter
from tflite_tasks.tasks.vision.results import SegmentationResult

NAME = "segment"
HELP = "segment images with an image segmentation model (a class per pixel)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .tflite image segmentation model")
    parser.add_argument("images", nargs="+", help="image files")
    add_model_arguments(parser)
    parser.add_argument("--out", default=None,
                        help="save the mask as a PNG (a folder for several images)")
    parser.add_argument("--mask", default="color", choices=["color", "overlay", "classes"],
                        help="what --out holds: the mask in the palette's colours (color), "
                             "blended over the image (overlay), or class ids as gray levels "
                             "(classes)")
    parser.add_argument("--model-size", action="store_true",
                        help="keep the model's output size instead of the image's")
    parser.add_argument("--json", action="store_true",
                        help="print JSON: per image, the classes present and their share")


def run(args: argparse.Namespace) -> int:
    options = model_options(args)
    if args.model_size:
        options["mask_size"] = "model"
    outputs = output_paths(args.out, args.images, "_mask")
    records, rows = [], []
    with ImageSegmenter.create_from_file(args.model, **options) as segmenter:
        for image, out in zip(args.images, outputs, strict=True):
            result = segmenter.segment(image)
            mask = result.category_mask
            assert mask is not None  # asked for by default
            classes, counts = np.unique(mask, return_counts=True)
            present = []
            for index, count in zip(classes.tolist(), counts.tolist(), strict=True):
                name = result.class_name(index)
                share = count / mask.size
                present.append({"index": index, "category_name": name, "share": share})
                rows.append([image, index, name, f"{100 * share:.1f}%"])
            records.append({"image": image, "height": mask.shape[0], "width": mask.shape[1],
                            "classes": present})
            if out is not None:
                save(_picture(args.mask, result, mask), out)
    if args.json:
        print(dump_json(records))
    else:
        print(format_table(["image", "class", "category", "pixels"], rows))
    return 0


def _picture(kind: str, result: SegmentationResult, mask: np.ndarray) -> np.ndarray:
    """The PNG content asked for by ``--mask``."""
    if kind == "classes":
        return np.repeat(mask.astype(np.uint8)[..., None], 3, axis=2)
    if kind == "overlay":
        return draw_segmentation(result.image, result)
    return result.class_colors(int(mask.max()) + 1)[mask]
