"""A source that goes quiet is an alert too, so a dead feed is not mistaken for a calm market.

A source is stale when its crawls have brought nothing new for `stale_days` (the source's own, or
`alerts.stale_days`): from the last crawl that stored something from it (or its first crawl) to
its latest crawl. Measuring up to the latest crawl, not to the clock, keeps a machine that was off
for a week from calling every source stale. A source that fails on every crawl brings nothing new
either; its alert says since when it fails and the last error.

One `source-stale` alert per quiet spell, on the day the spell crossed the limit, and none within
`alerts.stale_cooldown_days` of the source's previous one (then on the first day after).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone

from hypewatch.records import Alert, SourceHealth
from hypewatch.settings import SOURCE_STALE_RULE, Alerts, Source
from hypewatch.storage import Store

from .detect import alert_id, save_new_alerts
from .series import Q

logger = logging.getLogger(__name__)

STALE_METRIC = "days_quiet"


def stale_alerts(
    sources: Sequence[Source],
    health: Mapping[str, SourceHealth],
    previous: Mapping[str, Sequence[date]],
    settings: Alerts,
) -> list[Alert]:
    """The source-stale alerts due now; `previous`: earlier source-stale alert days by scope."""
    raised = []
    for source in sources:
        limit_days = settings.stale_days_of(source)
        seen = health.get(source.name)
        if not source.enabled or limit_days == 0 or seen is None:
            continue
        quiet_since = seen.last_new_at or seen.first_run_at
        quiet = seen.last_run_at - quiet_since
        if quiet < timedelta(days=limit_days):
            continue
        scope = f"source:{source.name}"
        crossed = _utc_day(quiet_since + timedelta(days=limit_days))
        earlier = previous.get(scope, ())
        if any(day >= crossed for day in earlier):
            continue  # this spell has had its alert
        day = max([crossed] + [d + timedelta(days=settings.stale_cooldown_days + 1) for d in earlier])
        if _utc_day(seen.last_run_at) < day:
            continue  # still inside the cooldown of the previous spell's alert
        detail = {
            "quiet_since": quiet_since.isoformat(),
            "last_run_at": seen.last_run_at.isoformat(),
            "stale_days": limit_days,
            "failing_since": seen.failing_since.isoformat() if seen.failing_since else None,
            "last_error": seen.last_error if seen.failing_since else None,
        }
        raised.append(
            Alert(
                rule=SOURCE_STALE_RULE,
                scope=scope,
                metric=STALE_METRIC,
                day=day,
                value=round(quiet / timedelta(days=1), 1),
                baseline=float(limit_days),
                zscore=None,
                alert_id=alert_id(SOURCE_STALE_RULE, scope, day),
                detail=json.dumps(detail),
            )
        )
    return raised


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(timezone.utc).date()


def detect_stale_and_save(
    store: Store, sources: Sequence[Source], settings: Alerts, *, now: datetime | None = None
) -> list[Alert]:
    """What the nightly job calls: the source-stale alerts due, stored; returns the new ones."""
    health = {h.source: h for h in store.source_health()}
    with store.read() as conn:
        rows = conn.execute(Q["stale_alert_days"], {"rule": SOURCE_STALE_RULE}).fetchall()
    previous: dict[str, list[date]] = {}
    for scope, day in rows:
        previous.setdefault(scope, []).append(day)
    new = save_new_alerts(store, stale_alerts(sources, health, previous, settings), now=now)
    for alert in new:
        logger.warning(
            "alert %s: %s has brought nothing new for %.0f days",
            alert.alert_id,
            alert.scope.removeprefix("source:"),
            alert.value,
        )
    return new
