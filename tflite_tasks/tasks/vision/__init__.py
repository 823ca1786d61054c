"""Vision tasks."""

from tflite_tasks.tasks.vision.image_classifier import ImageClassifier, ImageClassifierOptions

__all__ = ["ImageClassifier", "ImageClassifierOptions"]
