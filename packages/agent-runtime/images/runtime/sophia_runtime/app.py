"""The runtime's entry point: AgentOS serving this pool's agents, with a /health that is green only
when every MCP connection the agents need is up (AgentOS logs a failed MCP connect and carries on)."""

from __future__ import annotations

# No cyclic garbage collection while the runtime starts: its imports (Agno, FastAPI, the OpenAI and
# MCP SDKs) allocate hundreds of thousands of objects that all live for the process's life, and the
# collector walking them repeatedly was about 13 % of the import time (1.43 s with it, 1.25 s
# without). main() freezes what start made and turns collection back on once the runtime serves.
import gc

gc.disable()

# Pydantic builds each model's validator and serializer when its class is defined. The runtime's
# imports define about 1,500 models (most of them the OpenAI SDK's types, which no agent here
# uses), and building them was about a tenth of the start. Pydantic's own `defer_build` puts that off
# to a model's first use; set on BaseModel before anything imports its models, every model inherits it.
import pydantic  # noqa: E402

pydantic.BaseModel.model_config["defer_build"] = True

import asyncio  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402

import uvicorn  # noqa: E402
from agno.os import AgentOS  # noqa: E402
from agno.os.settings import AgnoAPISettings  # noqa: E402
from agno.tools.mcp import MCPTools  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402

from .agents import build_agents  # noqa: E402
from .settings import SettingsError, load_settings  # noqa: E402

# A ping through the ingress answers in milliseconds; one that takes longer than this is a dead link.
PING_TIMEOUT_SECONDS = 3.0
# Pings failed in a row before a connection is rebuilt. Docker probes every 2 s, so a server restart
# (about 3 s) does not get there, and the same stateless client simply works again; a client whose own
# transport died (seen in the chaos suite after the ingress was killed mid-request: pings failed for
# a minute while the server answered everyone else) is rebuilt within ~6 s.
FAILED_PINGS_BEFORE_RECONNECT = 3

# Seconds from this process's start until uvicorn served (the start-to-healthy SLO's measure), set
# once by main(); /health reports it, and sophia-ops records it for Prometheus. Beside it, where the
# time went: imports done, app built (agents and AgentOS's routes), MCP connections up, serving.
STARTED: dict[str, float] = {}
START_PHASES: dict[str, float] = {}


def process_age_seconds() -> float:
    """Seconds since this process started, from the kernel's own record (/proc), so the Python
    interpreter's start and every import count."""
    with open("/proc/self/stat", encoding="ascii") as stat:
        # Field 22, starttime in clock ticks since boot; the command name (field 2) may hold spaces.
        start_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime", encoding="ascii") as uptime:
        booted_seconds = float(uptime.read().split()[0])
    return booted_seconds - start_ticks / os.sysconf("SC_CLK_TCK")


START_PHASES["imports"] = round(process_age_seconds(), 3)


def create_app(env: dict[str, str]) -> tuple[FastAPI, int]:
    settings = load_settings(env)
    agents, tools = build_agents(settings)

    @asynccontextmanager
    async def connect_together(_app: FastAPI):
        # AgentOS connects its MCP tools one after another at start; each connection is an HTTP
        # initialize and a tools/list through the ingress. Connected here together first (this
        # lifespan runs before AgentOS's), AgentOS finds them connected. A failed one is left to
        # AgentOS and /health, as before.
        await asyncio.gather(*(tool.connect() for tool in tools.values()))
        START_PHASES["connected"] = round(process_age_seconds(), 3)
        yield

    base = FastAPI(title=f"sophia agents {settings.pool}", lifespan=connect_together)
    reconnecting = asyncio.Lock()
    failed_pings: dict[str, int] = {name: 0 for name in tools}

    async def rebuild(tool: MCPTools) -> None:
        try:
            await tool.close()
        except Exception:  # a dead transport may fail to close; it is replaced either way
            pass
        await tool.connect(force=True)

    async def alive(tool: MCPTools) -> bool:
        try:
            return await asyncio.wait_for(tool.is_alive(), PING_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            return False

    @base.get("/health")
    async def health() -> JSONResponse:
        # Every connection is probed with an MCP ping, not only checked for a session object. A
        # connection that never came up (its server was down when this pool started) is made now,
        # so the pool heals without a person. One that fails its ping is reported and, at first, left
        # alone: every server here is stateless behind the ingress, so the same client works again the
        # moment its server is back, and closing it during a restart would leave the agents without
        # their tools until a later probe. Only after FAILED_PINGS_BEFORE_RECONNECT failures in a row
        # is it rebuilt. One repair at a time: concurrent connects of one MCPTools leave it with a
        # session that looks alive and is not.
        down: list[str] = []
        if not reconnecting.locked():
            async with reconnecting:
                for tool in tools.values():
                    if tool.session is None:
                        await tool.connect()
                probes = await asyncio.gather(*(alive(tool) for tool in tools.values()))
                for (name, tool), ok in zip(tools.items(), probes):
                    failed_pings[name] = 0 if ok else failed_pings[name] + 1
                    if failed_pings[name] >= FAILED_PINGS_BEFORE_RECONNECT:
                        failed_pings[name] = 0
                        await rebuild(tool)
                down = [tool.name for tool, ok in zip(tools.values(), probes) if not ok]
        else:
            down = [t.name for t in tools.values() if t.session is None]
        down.sort()
        body = {"status": "ok" if not down else "degraded", "pool": settings.pool, "agents": [a.id for a in agents], "mcpDown": down, "startSeconds": STARTED.get("seconds"), "startPhases": START_PHASES}
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
        START_PHASES["app"] = round(process_age_seconds(), 3)
    except SettingsError as error:
        print(f"sophia-runtime: {error}", file=sys.stderr)
        sys.exit(2)
    server = uvicorn.Server(uvicorn.Config(app, host="0.0.0.0", port=port, log_level="warning"))

    async def serve() -> None:
        serving = asyncio.create_task(server.serve())
        # uvicorn sets `started` once the app's startup (AgentOS's MCP connections) is done and the
        # socket listens.
        while not server.started and not serving.done():
            await asyncio.sleep(0.005)
        if server.started:
            STARTED["seconds"] = START_PHASES["serving"] = round(process_age_seconds(), 3)
        # Everything start made stays for the process's life: out of the collector's way for good.
        gc.freeze()
        gc.enable()
        await serving

    asyncio.run(serve())


if __name__ == "__main__":
    main()
