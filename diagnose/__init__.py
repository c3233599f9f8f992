"""predlint: find and reproduce multiprocessing deadlocks in TensorFlow/Keras prediction."""

__version__ = "0.1.0"
