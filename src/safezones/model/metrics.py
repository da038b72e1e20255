"""The metrics a scenario is scored on, and the quantiles reported for each."""

__all__ = ["METRICS", "QUANTILES"]

#: The score, in the order reported.
METRICS = (
    "displaced",
    "sheltered",
    "residents_protected",
    "unmet",
    "capacity",
    "sheltered_safe",
)
#: The quantiles reported for every metric (column suffixes ``_p5``, ``_p50``, ``_p95``).
QUANTILES = ("p5", "p50", "p95")
