"""TEST SCAFFOLDING: a deterministic, OpenAI-compatible chat-completions endpoint, so the agent path
runs offline in tests and on the local stack. It is never a model for staging or production (the
stack config refuses it there).

Its behaviour, from the request alone (no state, no randomness):
  - The last message is a tool result: answer with the tool's name and the result (JSON compacted to
    one line, text by its last line).
  - Otherwise, if a tool is offered whose name the task names (sophia-ops's `stack_preview` for
    "preview", `stack_drift` for "drift", `stack_history`, `stack_outputs`, `stack_up` for "apply"
    with the approval id the task quotes, `stack_plan` for "plan"; Gong's
    `search_calls` for a task with a "quoted phrase" and two ISO dates, the range to search;
    `search_nodes` for "search"/"find"), call it with arguments read from the task.
  - Otherwise answer directly, quoting the task.
Every answer starts with the agent's name taken from the system message, so callers can see which
agent answered.

Like a real provider it wants its API key (`Authorization: Bearer <SOPHIA_MODEL_API_KEY>`) on every
call but /health, and does not start without one: nothing on the network uses it for free.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import json
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STACKS = ("local", "staging", "production")


def agent_name(messages: list[dict]) -> str:
    system = " ".join(m.get("content") or "" for m in messages if m.get("role") in ("system", "developer") and isinstance(m.get("content"), str))
    # Agno writes "Your name is: <name>." when the agent has add_name_to_context.
    found = re.search(r"\bname is:?\s*([a-z0-9-]+)", system, re.I)
    return found.group(1) if found else "agent"


def last_user_text(messages: list[dict]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
            return content or ""
    return ""


# sophia-ops's Pulumi tools, by the word a task names them with.
STACK_TOOLS = (("preview", "stack_preview"), ("drift", "stack_drift"), ("history", "stack_history"), ("outputs", "stack_outputs"), ("apply", "stack_up"), ("plan", "stack_plan"))


def choose_tool_call(task: str, tools: list[dict]) -> dict | None:
    offered = {t["function"]["name"] for t in tools if t.get("type") == "function"}
    words = task.lower()
    stack = next((s for s in STACKS if s in words), "local")
    for word, tool in STACK_TOOLS:
        if tool in offered and re.search(rf"\b{word}\b", words):
            arguments = {"stack": stack}
            approval = re.search(r"\bup-[0-9a-f]{10}\b", words)
            if tool == "stack_up" and approval:
                arguments["approvalId"] = approval.group(0)
            return {"name": tool, "arguments": arguments}
    phrase = re.search(r'"([^"]{2,})"', task)
    dates = re.findall(r"\b\d{4}-\d{2}-\d{2}\b", task)
    if "search_calls" in offered and phrase and len(dates) >= 2:
        return {"name": "search_calls", "arguments": {"phrase": phrase.group(1), "from": dates[0], "to": dates[1]}}
    if "search_nodes" in offered and re.search(r"\b(search|find)\b", words):
        query = re.sub(r"^.*\b(?:search|find)\b(?: for)?\s*", "", task, flags=re.I).strip() or task
        return {"name": "search_nodes", "arguments": {"query": query}}
    return None


def summarize(result: str) -> str:
    """A JSON result compacted to one line; a text result's last line (a plan ends with its total)."""
    if not result:
        return "(empty result)"
    try:
        return json.dumps(json.loads(result), separators=(",", ":"))[:300]
    except ValueError:
        return result.splitlines()[-1]


def complete(request: dict) -> dict:
    messages = request.get("messages") or []
    name = agent_name(messages)
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        calls = {c["id"]: c["function"]["name"] for m in messages if m.get("role") == "assistant" for c in (m.get("tool_calls") or [])}
        result = str(last.get("content") or "").strip()
        tail = summarize(result)
        return {"role": "assistant", "content": f"{name}: {calls.get(last.get('tool_call_id'), 'tool')} says: {tail}"}
    task = last_user_text(messages)
    call = choose_tool_call(task, request.get("tools") or [])
    if call:
        # hashlib, not hash(): str hashes change from process to process.
        call_id = "call_" + hashlib.sha256(f"{task}\0{call['name']}".encode()).hexdigest()[:12]
        return {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": call_id, "type": "function", "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])}}],
        }
    return {"role": "assistant", "content": f"{name}: no tool needed for: {task}"}


class Handler(BaseHTTPRequestHandler):
    server_version = "sophia-stub-model/1"
    api_key = ""

    def _authorized(self) -> bool:
        presented = self.headers.get("authorization", "")
        return hmac.compare_digest(presented.encode(), f"Bearer {self.api_key}".encode())

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path == "/health":
            return self._send(200, {"status": "ok"})
        if not self._authorized():
            return self._send(401, {"error": {"message": "missing or wrong API key"}})
        if self.path in ("/v1/models", "/models"):
            return self._send(200, {"object": "list", "data": [{"id": "sophia-stub", "object": "model", "owned_by": "sophia-tests"}]})
        return self._send(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:  # noqa: N802
        if not self._authorized():
            return self._send(401, {"error": {"message": "missing or wrong API key"}})
        if self.path not in ("/v1/chat/completions", "/chat/completions"):
            return self._send(404, {"error": {"message": f"no route {self.path}"}})
        request = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
        if request.get("stream"):
            return self._send(400, {"error": {"message": "the stub model answers without streaming; call with stream=false"}})
        message = complete(request)
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        self._send(
            200,
            {
                "id": "chatcmpl-stub",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": request.get("model", "sophia-stub"),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            },
        )

    def log_message(self, format: str, *args: object) -> None:  # one line per request on stderr
        sys.stderr.write(f"stub-model {self.command} {self.path} {args[1] if len(args) > 1 else ''}\n")


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    Handler.api_key = os.environ.get("SOPHIA_MODEL_API_KEY", "")
    if len(Handler.api_key) < 16:
        sys.exit("stub-model: SOPHIA_MODEL_API_KEY: expected the API key callers must present (at least 16 characters); got none or a short one")
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    # As a container's PID 1 it gets no default action for SIGTERM: without this, `docker stop` waits
    # out its timeout. shutdown() must run off the thread that serves.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()
