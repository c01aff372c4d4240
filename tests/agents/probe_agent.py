#!/usr/bin/env python3
"""The tests' probe: an agent program that does one odd thing, chosen by $PROBE, and writes what it saw to probe.json in
its workspace (journaled as a workspace change, so a test reads it from the journal).

  contain  try every address but the gateway, and look for the engine's API key; then one good request
  bad      send requests the gateway must refuse (broken JSON, an unknown field, a wrong key), then one good request
  loop     ask the model again and again until it is refused (max_turns, budgets), then exit
  stubborn ask again and again, refused or not, forever (only being stopped ends it)
  sleep    one request, then sleep (timeouts and cancel stop it)
  crash    one request, then fail with a traceback
"""
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request

BASE = os.environ["OPENAI_BASE_URL"].rstrip("/")
KEY = os.environ["OPENAI_API_KEY"]
WORKSPACE = os.environ["AGENT_WORKSPACE"]
seen = {}


def call(body, key=KEY, raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + "/chat/completions", data=data,
                                     headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def ask(text):
    return call({"model": "any", "messages": [{"role": "user", "content": text}]})


def reachable(host, port):
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError as error:
        return str(error)


def save():
    with open(os.path.join(WORKSPACE, os.environ.get("PROBE_FILE", "probe.json")), "w") as out:
        json.dump(seen, out, indent=1, sort_keys=True)


probe = os.environ.get("PROBE", "contain")
if probe == "contain":
    for name, (host, port) in json.loads(os.environ.get("PROBE_TARGETS", "{}")).items():
        seen["reach_" + name] = reachable(host, port)
    seen["env_has_engine_key"] = any("sk-engine-secret" in v for v in os.environ.values())
    seen["openai_api_key_is_session_token"] = KEY.startswith("ar-")
    try:
        seen["proc_1_environ_has_engine_key"] = "sk-engine-secret" in open("/proc/1/environ", "rb").read().decode(errors="replace")
    except OSError as error:
        seen["proc_1_environ_has_engine_key"] = str(error)
    seen["gateway_status"] = ask(os.environ["AGENT_PROMPT"])[0]
elif probe == "bad":
    seen["broken_json"] = call(None, raw=b"{not json")
    seen["unknown_field"] = call({"model": "any", "messages": [{"role": "user", "content": "x"}], "functions": []})
    seen["image_part"] = call({"model": "any", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]})
    seen["wrong_key"] = call({"model": "any", "messages": [{"role": "user", "content": "x"}]}, key="sk-guess")
    seen["good"] = ask(os.environ["AGENT_PROMPT"])
elif probe == "loop":
    while True:
        status, body = ask(os.environ["AGENT_PROMPT"])
        seen.setdefault("statuses", []).append(status)
        if status != 200:
            seen["refusal"] = body
            save()
            sys.exit(4)
elif probe == "stubborn":
    while True:
        if ask(os.environ["AGENT_PROMPT"])[0] != 200:
            time.sleep(0.05)  # refused: ask again a little later, as a badly written agent would
elif probe == "sleep":
    seen["first"] = ask(os.environ["AGENT_PROMPT"])[0]
    save()
    time.sleep(600)
elif probe == "crash":
    ask(os.environ["AGENT_PROMPT"])
    raise ValueError("the probe crashed on purpose")
save()
