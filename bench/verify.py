"""One unmeasured pass over every variant of a scenario: the gateway's answer must be complete
and error-free, and the statements it reports in ``extensions.sources`` must equal what the
floor sent for the same variables; otherwise the floor is not the gateway's floor."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.driver import GatewayError
from bench.floor import Floor
from bench.scenarios import Scenario, Variables

Counts = dict[str, int]


@dataclass
class StatementCheck:
    """Statements per source for each variant, on both sides, and the answers' sizes."""

    scenario: str
    gateway: list[Counts] = field(default_factory=list)
    floor: list[Counts] = field(default_factory=list)
    response_bytes: list[int] = field(default_factory=list)
    page_edges: list[int] = field(default_factory=list)

    @property
    def mismatches(self) -> list[int]:
        return [i for i, (g, f) in enumerate(zip(self.gateway, self.floor, strict=True)) if g != f]

    def summary(self) -> dict[str, Any]:
        totals = [sum(counts.values()) for counts in self.gateway]
        sources = sorted({name for counts in self.gateway for name in counts})
        summary: dict[str, Any] = {
            "statements_per_request": {
                "min": min(totals), "max": max(totals), "mean": round(statistics.mean(totals), 2)
            },
            "max_per_source": {name: max(c.get(name, 0) for c in self.gateway) for name in sources},
            # Scenarios whose later rounds depend on the data (cross-checks) vary per variant: the
            # lower bound and how many variants sent each total show that spread.
            "min_per_source": {name: min(c.get(name, 0) for c in self.gateway) for name in sources},
            "variants_per_total": {str(total): totals.count(total) for total in sorted(set(totals))},
            "response_kb_mean": round(statistics.mean(self.response_bytes) / 1024, 1),
            "mismatched_variants": [
                {"variant": i, "gateway": self.gateway[i], "floor": self.floor[i]} for i in self.mismatches
            ],
        }
        if self.page_edges:
            summary["page_edges"] = {"min": min(self.page_edges), "max": max(self.page_edges)}
        return summary


async def check(client: httpx.AsyncClient, floor: Floor, scenario: Scenario) -> StatementCheck:
    result = StatementCheck(scenario.name)
    for variables in scenario.variants:
        body, size = await _ask(client, scenario, variables)
        result.gateway.append({s["source"]: s["statements"] for s in body["extensions"]["sources"] if s["statements"]})
        result.response_bytes.append(size)
        root = next(iter(body["data"].values()))
        if isinstance(root, dict) and "edges" in root:
            result.page_edges.append(len(root["edges"]))
        view = floor.view()
        await scenario.floor(view, variables)
        result.floor.append(dict(view.counts))
    return result


async def _ask(client: httpx.AsyncClient, scenario: Scenario, variables: Variables) -> tuple[dict[str, Any], int]:
    response = await client.post("/graphql", json={"query": scenario.query, "variables": variables})
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise GatewayError(f"{scenario.name} {variables}: HTTP {response.status_code}: {response.text[:500]}")
    if any(value is None for value in body["data"].values()):
        raise GatewayError(f"{scenario.name} {variables}: sampled key not found (data is null)")
    return body, len(response.content)
