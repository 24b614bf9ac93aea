"""Agno agents built from the manifest: one per agent of this pool, each with its category's MCP
servers reached through the ingress with its category's token, and the configured model."""

from __future__ import annotations

from agno.agent import Agent
from agno.models.openai.like import OpenAILike
from agno.tools.mcp import MCPTools

from .settings import AgentSpec, Settings


def mcp_tools_for(settings: Settings) -> dict[tuple[str, str], MCPTools]:
    """One connection per (category, server): agents of a category share their category's token."""
    tools: dict[tuple[str, str], MCPTools] = {}
    for agent in settings.agents:
        for server in agent.mcp_servers:
            key = (agent.category, server)
            if key not in tools:
                tools[key] = MCPTools(
                    name=f"{server}-for-{agent.category}",
                    url=f"{settings.mcp_url}/{server}/mcp",
                    transport="streamable-http",
                    headers={"Authorization": f"Bearer {settings.mcp_tokens[agent.category]}"},
                    # A stack plan evaluates a Pulumi program; give it time.
                    timeout_seconds=60,
                )
    return tools


def build_agent(spec: AgentSpec, settings: Settings, tools: dict[tuple[str, str], MCPTools]) -> Agent:
    return Agent(
        id=spec.name,
        name=spec.name,
        add_name_to_context=True,
        role=spec.category,
        instructions=spec.instructions,
        model=OpenAILike(id=settings.model_id, base_url=settings.model_base_url, api_key=settings.model_api_key),
        tools=[tools[(spec.category, server)] for server in spec.mcp_servers],
        telemetry=False,
    )


def build_agents(settings: Settings) -> tuple[list[Agent], dict[tuple[str, str], MCPTools]]:
    tools = mcp_tools_for(settings)
    return [build_agent(spec, settings, tools) for spec in settings.agents], tools
