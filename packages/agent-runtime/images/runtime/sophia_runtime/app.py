"""The runtime's entry point: AgentOS serving this pool's agents, with a /health that is green only
when every MCP connection the agents need is up (AgentOS logs a failed MCP connect and carries on)."""

from __future__ import annotations

import asyncio
import os
import sys

import uvicorn
from agno.os import AgentOS
from agno.os.settings import AgnoAPISettings
from agno.tools.mcp import MCPTools
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from .agents import build_agents
from .settings import SettingsError, load_settings

# A ping through the ingress answers in milliseconds; one that takes longer than this is a dead link.
PING_TIMEOUT_SECONDS = 3.0


def create_app(env: dict[str, str]) -> tuple[FastAPI, int]:
    settings = load_settings(env)
    agents, tools = build_agents(settings)
    base = FastAPI(title=f"sophia agents {settings.pool}")
    reconnecting = asyncio.Lock()

    async def alive(tool: MCPTools) -> bool:
        try:
            return await asyncio.wait_for(tool.is_alive(), PING_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            return False

    @base.get("/health")
    async def health() -> JSONResponse:
        # Every connection is probed with an MCP ping, not only checked for a session object. A
        # connection that never came up (its server was down when this pool started) is made now,
        # so the pool heals without a person. One that fails its ping is reported and left alone:
        # every server here is stateless behind the ingress, so the same client works again the
        # moment its server is back; closing it while the server restarts would leave the agents
        # without their tools until a later probe. One repair at a time: concurrent connects of one
        # MCPTools leave it with a session that looks alive and is not.
        down: list[str] = []
        if not reconnecting.locked():
            async with reconnecting:
                for tool in tools.values():
                    if tool.session is None:
                        await tool.connect()
                probes = await asyncio.gather(*(alive(tool) for tool in tools.values()))
                down = [tool.name for tool, ok in zip(tools.values(), probes) if not ok]
        else:
            down = [t.name for t in tools.values() if t.session is None]
        down.sort()
        body = {"status": "ok" if not down else "degraded", "pool": settings.pool, "agents": [a.id for a in agents], "mcpDown": down}
        return JSONResponse(body, status_code=200 if not down else 503)

    agent_os = AgentOS(
        id=f"sophia-{settings.pool}",
        agents=agents,
        base_app=base,
        on_route_conflict="preserve_base_app",
        # Every AgentOS route wants this bearer key; /health (ours) stays open for Docker's check.
        settings=AgnoAPISettings(os_security_key=settings.api_key),
        telemetry=False,
    )
    return agent_os.get_app(), settings.port


def main() -> None:
    try:
        app, port = create_app(dict(os.environ))
    except SettingsError as error:
        print(f"sophia-runtime: {error}", file=sys.stderr)
        sys.exit(2)
    uvicorn.run(app, host="0.0.0.0", port=port, log_level="warning")


if __name__ == "__main__":
    main()
