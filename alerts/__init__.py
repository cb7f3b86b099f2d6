"""Shift detection over the daily series, and the digest email of the alerts it raises.

The nightly job calls `detect_and_save(store, rules, today=...)`, then
`send_pending(store, email, now=..., outbox=...)`.
"""
from .detect import detect, detect_and_save, evaluate, save_new_alerts, scan
from .email import compose_digest, load_section, subject_for
from .send import SendError, SendReport, deliver, pending_alerts, send_pending, write_outbox
from .series import METRICS, UnknownMetric

__all__ = [
    "METRICS", "SendError", "SendReport", "UnknownMetric", "compose_digest", "deliver", "detect",
    "detect_and_save", "evaluate", "load_section", "pending_alerts", "save_new_alerts", "scan",
    "send_pending", "subject_for", "write_outbox",
]
