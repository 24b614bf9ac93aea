"""Runtime settings, read once from the environment at start.

A bad value stops the runtime with one line naming the variable, what was expected and what was
found. Secret values (the model key, MCP tokens) are never part of any message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import urlparse

from jsonschema import Draft202012Validator

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "agent-manifest.schema.json"


class SettingsError(Exception):
    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")


@dataclass(frozen=True)
class AgentSpec:
    name: str
    category: str
    instructions: str
    mcp_servers: tuple[str, ...]
    gpus: int


@dataclass(frozen=True)
class Settings:
    pool: str
    agents: tuple[AgentSpec, ...]
    mcp_url: str
    mcp_tokens: Mapping[str, str]
    model_base_url: str
    model_id: str
    model_api_key: str
    api_key: str
    port: int


def token_env_name(client: str) -> str:
    """Same rule as tokenEnvName in @sophia/mcp-servers."""
    return "SOPHIA_MCP_TOKEN_" + re.sub(r"[^A-Z0-9]", "_", client.upper())


def _require(env: Mapping[str, str], name: str, what: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(name, f"missing; expected {what}")
    return value


def _url(env: Mapping[str, str], name: str) -> str:
    value = _require(env, name, "an http(s) URL")
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(name, f"expected an http(s) URL; got {value!r}")
    return value.rstrip("/")


def load_settings(env: Mapping[str, str]) -> Settings:
    raw = _require(env, "SOPHIA_MANIFEST", "the agent manifest as JSON")
    try:
        manifest = json.loads(raw)
    except json.JSONDecodeError as error:
        raise SettingsError("SOPHIA_MANIFEST", f"expected JSON; {error.msg} at position {error.pos}") from None
    schema = json.loads(SCHEMA_PATH.read_text())
    problems = sorted(Draft202012Validator(schema).iter_errors(manifest), key=lambda e: list(e.absolute_path))
    if problems:
        first = problems[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.absolute_path) or "(top level)"
        raise SettingsError("SOPHIA_MANIFEST", f"{where}: {first.message}")

    pool = _require(env, "SOPHIA_POOL", "a pool id from the manifest")
    pools = {p["id"]: p for p in manifest["pools"]}
    if pool not in pools:
        raise SettingsError("SOPHIA_POOL", f"expected one of {', '.join(sorted(pools))}; got {pool!r}")

    # Servers the deployment runs; an agent's other servers (an optional one left off) are skipped.
    enabled = {s for s in _require(env, "SOPHIA_MCP_SERVERS", "a comma-separated list of MCP servers").split(",") if s}
    agents = tuple(
        AgentSpec(
            name=a["name"],
            category=a["category"],
            instructions=a["instructions"],
            mcp_servers=tuple(s for s in a["mcpServers"] if s in enabled),
            gpus=a["gpus"],
        )
        for a in manifest["agents"]
        if a["pool"] == pool
    )
    tokens = {}
    for category in sorted({a.category for a in agents}):
        variable = token_env_name(category)
        tokens[category] = _require(env, variable, f"the MCP token of category {category} (a Pulumi secret)")

    # AgentOS's bearer key: without one, anything on the network could run this pool's agents.
    api_key = _require(env, "SOPHIA_AGENT_API_KEY", "this runtime's AgentOS API key (a Pulumi secret)")
    if len(api_key) < 16:
        raise SettingsError("SOPHIA_AGENT_API_KEY", f"expected at least 16 characters; got {len(api_key)}")

    port_text = env.get("SOPHIA_RUNTIME_PORT", "7777")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SettingsError("SOPHIA_RUNTIME_PORT", f"expected a port from 1 to 65535; got {port_text!r}")

    return Settings(
        pool=pool,
        agents=agents,
        mcp_url=_url(env, "SOPHIA_MCP_URL"),
        mcp_tokens=tokens,
        model_base_url=_url(env, "SOPHIA_MODEL_BASE_URL"),
        model_id=_require(env, "SOPHIA_MODEL_ID", "the model id the provider serves"),
        model_api_key=_require(env, "SOPHIA_MODEL_API_KEY", "the model provider's API key (a Pulumi secret)"),
        api_key=api_key,
        port=int(port_text),
    )
