#!/usr/bin/env python3
"""A small coding agent on the standard library alone: it asks the model at $OPENAI_BASE_URL for the next step, runs the
shell commands the model asks for in $AGENT_WORKSPACE, and stops when the model answers without a tool call. It streams
when AGENT_STREAM=1; with AGENT_NONCE=1 its system message is new every run; with AGENT_SUMMARISE=1 it ends by asking a
summariser, in a conversation of its own. What it is for: showing that any program speaking the OpenAI API runs as an ActorRollouts session."""
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

BASE = os.environ["OPENAI_BASE_URL"].rstrip("/")
KEY = os.environ["OPENAI_API_KEY"]
STREAM = os.environ.get("AGENT_STREAM") == "1"
TOOLS = [{
    "type": "function",
    "function": {
        "name": "shell",
        "description": "Run a shell command in the workspace and return its output.",
        "parameters": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
    },
}]


def post(body):
    request = urllib.request.Request(BASE + "/chat/completions", data=json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + KEY, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return read_stream(response) if STREAM else json.load(response)["choices"][0]["message"]
    except urllib.error.HTTPError as error:
        print(f"model error {error.code}: {error.read().decode()}", file=sys.stderr)
        sys.exit(3)


def read_stream(response):
    """Accumulates chat.completion.chunk events into one message, as the SDKs do."""
    message = {"role": "assistant", "content": None}
    calls = {}
    for raw in response:
        line = raw.decode().strip()
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        for choice in json.loads(line[6:])["choices"]:
            delta = choice["delta"]
            if delta.get("content"):
                message["content"] = (message["content"] or "") + delta["content"]
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(call["index"], {"id": "", "type": "function", "function": {"name": "", "arguments": ""}})
                slot["id"] += call.get("id") or ""
                slot["function"]["name"] += call.get("function", {}).get("name") or ""
                slot["function"]["arguments"] += call.get("function", {}).get("arguments") or ""
    if calls:
        message["tool_calls"] = [calls[i] for i in sorted(calls)]
    return message


def main():
    prompt = sys.stdin.read() or os.environ["AGENT_PROMPT"]
    system = "You are a careful coding agent."
    if os.environ.get("AGENT_NONCE") == "1":  # a different conversation every time it starts: it cannot be replayed
        system += f" Run {uuid.uuid4()}."
    messages = [{"role": "system", "content": system}, {"role": "user", "content": prompt}]
    while True:
        body = {"model": "any", "messages": messages, "tools": TOOLS}
        if STREAM:
            body.update(stream=True, stream_options={"include_usage": True})
        message = post(body)
        messages.append(message)
        if not message.get("tool_calls"):
            print(message.get("content") or "")
            if os.environ.get("AGENT_SUMMARISE") == "1":  # a second conversation: a summariser, as agents keep them
                summary = post({"model": "any", "messages": [messages[0], {"role": "user", "content": f"Summarise: {message.get('content')}"}]})
                print(summary.get("content") or "")
            return
        for call in message["tool_calls"]:
            command = json.loads(call["function"]["arguments"])["command"]
            done = subprocess.run(["sh", "-c", command], cwd=os.environ["AGENT_WORKSPACE"], capture_output=True, text=True)
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": done.stdout + done.stderr})


main()
