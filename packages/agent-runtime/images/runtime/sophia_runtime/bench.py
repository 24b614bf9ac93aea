"""Agent instantiation, measured the way Agno's own performance eval does it (PerformanceEval,
1,000 constructions after 10 warm-up runs), side by side in one process:
  - agno-reference: Agno's own example, Agent(system_message=...), no model, no tools;
  - agno-bare:      a bare Agno Agent with the same model and the same MCP tool objects as ours;
  - <agent name>:   an agent of this pool built exactly as the runtime builds it, with its model,
                    instructions and MCP tool objects (constructed, not connected).
The target is ours within 1.1x of agno-bare. The three are measured in rounds, taking turns (and
changing who goes first), each figure the median of its rounds' medians: on a shared machine a
quiet or busy second then falls on all three alike, not on whichever ran in it. Prints one JSON line."""

from __future__ import annotations

import json
import os
import statistics
import sys

from agno.agent import Agent
from agno.eval.performance import PerformanceEval
from agno.models.openai.like import OpenAILike

from .agents import build_agent, mcp_tools_for
from .settings import load_settings

ITERATIONS = 1000
ROUNDS = 5


def measure(name: str, func) -> tuple[float, float]:
    result = PerformanceEval(name=name, func=func, num_iterations=ITERATIONS // ROUNDS, warmup_runs=10, measure_memory=False, show_spinner=False, telemetry=False).run()
    return result.median_run_time * 1e6, result.p95_run_time * 1e6


def in_rounds(funcs: dict) -> dict:
    """Each function measured ROUNDS times, taking turns, the first of each round rotating."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in funcs}
    names = list(funcs)
    for round_index in range(ROUNDS):
        turn = names[round_index % len(names):] + names[: round_index % len(names)]
        for name in turn:
            runs[name].append(measure(name, funcs[name]))
    return {name: {"median_us": statistics.median(m for m, _ in r), "p95_us": statistics.median(p for _, p in r)} for name, r in runs.items()}


def main() -> None:
    settings = load_settings(dict(os.environ))
    wanted = sys.argv[1] if len(sys.argv) > 1 else ""
    spec = next((a for a in settings.agents if a.name == wanted), settings.agents[0])
    tools = mcp_tools_for(settings)
    same_tools = [tools[(spec.category, server)] for server in spec.mcp_servers]
    figures = in_rounds(
        {
            "agno-reference": lambda: Agent(system_message="Be concise, reply with one sentence."),
            "agno-bare": lambda: Agent(model=OpenAILike(id=settings.model_id, base_url=settings.model_base_url, api_key=settings.model_api_key), tools=same_tools),
            spec.name: lambda: build_agent(spec, settings, tools),
        }
    )
    print(json.dumps({"iterations": ITERATIONS, "rounds": ROUNDS, **figures, "agent": spec.name}))


if __name__ == "__main__":
    main()
