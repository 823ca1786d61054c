"""Vision tasks."""

from tflite_tasks.tasks.vision.image_classifier import ImageClassifier, ImageClassifierOptions
from tflite_tasks.tasks.vision.image_embedder import ImageEmbedder, ImageEmbedderOptions
from tflite_tasks.tasks.vision.image_segmenter import ImageSegmenter, ImageSegmenterOptions
from tflite_tasks.tasks.vision.object_detector import ObjectDetector, ObjectDetectorOptions
from tflite_tasks.tasks.vision.pose_estimator import PoseEstimator, PoseEstimatorOptions

__all__ = ["ImageClassifier", "ImageClassifierOptions", "ImageEmbedder", "ImageEmbedderOptions",
           "ImageSegmenter", "ImageSegmenterOptions", "ObjectDetector", "ObjectDetectorOptions",
           "PoseEstimator", "PoseEstimatorOptions"]
