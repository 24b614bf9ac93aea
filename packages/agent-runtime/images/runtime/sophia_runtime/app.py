"""The runtime's entry point: AgentOS serving this pool's agents, with a /health that is green only
when every MCP connection the agents need is up (AgentOS logs a failed MCP connect and carries on)."""

from __future__ import annotations

import asyncio
import os
import sys

import uvicorn
from agno.os import AgentOS
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from .agents import build_agents
from .settings import SettingsError, load_settings


def create_app(env: dict[str, str]) -> tuple[FastAPI, int]:
    settings = load_settings(env)
    agents, tools = build_agents(settings)
    base = FastAPI(title=f"sophia agents {settings.pool}")
    reconnecting = asyncio.Lock()

    @base.get("/health")
    async def health() -> JSONResponse:
        # A connection that failed at start (a server restarting) is retried here, so the pool heals
        # once its MCP servers are back instead of staying up without tools. One retry at a time:
        # concurrent connects of one MCPTools leave it with a session that looks alive and is not.
        if not reconnecting.locked():
            async with reconnecting:
                for tool in tools.values():
                    if tool.session is None:
                        await tool.connect()
        down = sorted(t.name for t in tools.values() if t.session is None)
        body = {"status": "ok" if not down else "degraded", "pool": settings.pool, "agents": [a.id for a in agents], "mcpDown": down}
        return JSONResponse(body, status_code=200 if not down else 503)

    agent_os = AgentOS(
        id=f"sophia-{settings.pool}",
        agents=agents,
        base_app=base,
        on_route_conflict="preserve_base_app",
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
