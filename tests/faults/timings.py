"""Recovery times measured by the fault tests.

`record` keeps one fact sheet per scenario in `TIMINGS` (printed at the end of the run and
written to `test-artifacts/<run>/faults/timings.json`, the source of docs/reliability.md).
"""

from __future__ import annotations

from typing import Any

TIMINGS: list[dict[str, Any]] = []


def record(scenario: str, **facts: Any) -> dict[str, Any]:
    """Keep one measured fact sheet per scenario (rounded seconds)."""
    entry = {
        "scenario": scenario,
        **{k: round(v, 2) if isinstance(v, float) else v for k, v in facts.items()},
    }
    TIMINGS.append(entry)
    return entry
