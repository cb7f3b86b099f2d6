"""The HTML report: one self-contained page with the series, the shifts and the sentences behind them."""

from .build import render, write_report
from .data import Period, ReportData, gather

__all__ = ["Period", "ReportData", "gather", "render", "write_report"]
