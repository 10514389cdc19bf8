"""The printed table and the result files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.driver import Stats

RESULTS_DIR = Path(__file__).parent / "results"
Results = Mapping[str, Mapping[str, Stats]]  # scenario → {"gateway": ..., "floor": ...}
NAME_WIDTH = 31  # the longest scenario name (crosscheck_enterprise@regulator)

_HEADER = (
    f"{'scenario':<{NAME_WIDTH}} │ {'gateway p50':>11} {'p95':>7} {'rps':>7} │ {'floor p50':>9} {'p95':>7} {'rps':>7} │"
    f" {'p50 g/f':>7} {'rps g/f':>7}"
)


def table(results: Results) -> str:
    """One row per scenario; ratios are gateway / floor (p50 above 1 and rps below 1 are overhead)."""
    lines = [_HEADER, "─" * len(_HEADER)]
    for name, pair in results.items():
        gateway, floor = pair["gateway"], pair["floor"]
        lines.append(
            f"{name:<{NAME_WIDTH}} │ {gateway.p50_ms:>8.2f} ms {gateway.p95_ms:>7.2f} {gateway.rps:>7.1f} │"
            f" {floor.p50_ms:>6.2f} ms {floor.p95_ms:>7.2f} {floor.rps:>7.1f} │"
            f" {gateway.p50_ms / floor.p50_ms:>6.2f}x {gateway.rps / floor.rps:>6.2f}x"
        )
    return "\n".join(lines)


def statements_lines(summaries: Mapping[str, Mapping[str, Any]]) -> str:
    """Statements the gateway sent per request (from ``extensions.sources``) and whether the floor matched."""
    lines = []
    for name, summary in summaries.items():
        per_request = summary["statements_per_request"]
        mismatched = len(summary["mismatched_variants"])
        verdict = "floor sends the same" if not mismatched else f"FLOOR DIFFERS on {mismatched} variant(s)"
        lines.append(
            f"{name:<{NAME_WIDTH}}   statements/request {per_request['min']}–{per_request['max']}"
            f" (max per source {summary['max_per_source']}), {summary['response_kb_mean']} KB; {verdict}"
        )
    return "\n".join(lines)


def write(results: Results, meta: Mapping[str, Any], directory: Path = RESULTS_DIR) -> Path:
    """``latest.json`` in exactly the agreed shape; everything else goes to ``latest-meta.json``."""
    directory.mkdir(parents=True, exist_ok=True)
    shaped = {name: {side: stats.as_dict() for side, stats in pair.items()} for name, pair in results.items()}
    _dump(directory / "latest.json", shaped)
    _dump(directory / "latest-meta.json", meta)
    return directory / "latest.json"


def _dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
