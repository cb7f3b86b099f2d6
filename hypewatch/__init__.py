"""hypewatch: track how the market talks about AI infrastructure."""

__version__ = "0.1.0"
