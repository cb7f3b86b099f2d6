"""Shift detection over the daily series, and the alert digest email."""
from .detect import detect, detect_and_save, evaluate, save_new_alerts, scan

__all__ = ["detect", "detect_and_save", "evaluate", "save_new_alerts", "scan"]
