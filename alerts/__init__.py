"""Shift detection, source-stale alerts, and their delivery: the email digest and chat channels.

The nightly job calls `detect_and_save(store, rules, today=...)` and
`detect_stale_and_save(store, sources, settings)`, then
`send_pending(store, email, now=..., outbox=..., channels=...)`.
"""

from .channels import ChannelError, OpenChannel
from .checkup import CheckResult, send_test_messages
from .detect import detect, detect_and_save, evaluate, save_new_alerts, scan
from .email import compose_digest, load_section, subject_for
from .send import SendError, SendReport, deliver, pending_alerts, send_pending, write_outbox
from .series import METRICS, UnknownMetric
from .stale import detect_stale_and_save, stale_alerts

__all__ = [
    "METRICS",
    "ChannelError",
    "CheckResult",
    "OpenChannel",
    "SendError",
    "SendReport",
    "UnknownMetric",
    "compose_digest",
    "deliver",
    "detect",
    "detect_and_save",
    "detect_stale_and_save",
    "evaluate",
    "load_section",
    "pending_alerts",
    "save_new_alerts",
    "scan",
    "send_pending",
    "send_test_messages",
    "stale_alerts",
    "subject_for",
    "write_outbox",
]
