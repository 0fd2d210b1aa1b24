"""Shared test set-up: tests never download data, and TensorFlow stays quiet."""

import os

os.environ.setdefault("REGBOOK_DATA", "synthetic")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
