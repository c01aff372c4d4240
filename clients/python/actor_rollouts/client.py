"""The HTTP client. Only the standard library: ``urllib`` for requests, ``json`` for bodies."""

from __future__ import annotations

import json
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, Mapping, Optional, Sequence

__all__ = ["ApiError", "Client", "FleetStatus", "PolicyUpdate"]

Json = Dict[str, Any]


class ApiError(Exception):
    """The server refused a request: ``status`` is the HTTP status, ``message`` its ``error``, and ``retry_after`` the
    seconds it asked to wait (429), if it said."""

    def __init__(self, status: int, message: str, retry_after: Optional[float] = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class FleetStatus:
    """``GET /v1/fleets/{id}``: ``status`` is ``running`` or ``idle`` (every planned session finished)."""

    fleet_id: str
    status: str
    policy_version: int
    counts: Mapping[str, int]
    model_requests: Mapping[str, Any]
    settings: Mapping[str, Any]
    raw: Json = field(repr=False)


@dataclass(frozen=True)
class PolicyUpdate:
    """What ``POST /v1/fleets/{id}/policy`` journaled: the new version, the mode, the settings changes."""

    fleet_id: str
    policy_version: int
    mode: str
    changes: Sequence[str]
    sessions_updated: int


class Client:
    """A client of ``actor-rollouts serve``.

    ``token`` is the one ``serve`` printed (needed when it listens on anything but 127.0.0.1). Requests that are safe to
    repeat are retried when the connection fails (the server may be restarting), with exponential backoff for up to
    ``reconnect_timeout`` seconds.
    """

    def __init__(self, base_url: str, token: Optional[str] = None, timeout: float = 60.0, reconnect_timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.reconnect_timeout = reconnect_timeout

    # -- fleets ---------------------------------------------------------------------------------------------------------

    def submit(self, tasks: Sequence[Mapping[str, Any]], settings: Mapping[str, Any], fleet_id: Optional[str] = None) -> str:
        """Starts a fleet of ``tasks`` (task objects as in a task file) under ``settings`` (``run``'s fleet options in
        snake_case, plus ``concurrency``, ``max_staleness``, ``restart_stale``, ``max_queued``); returns its id. The id is
        chosen here when not given, so a retried submit never starts a fleet twice."""
        fleet_id = fleet_id or f"fleet-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{random.getrandbits(16):04x}"
        body = {"fleet_id": fleet_id, "settings": dict(settings), "tasks": [dict(t) for t in tasks]}
        return str(self._call("POST", "/v1/fleets", body, retry=True)["fleet_id"])

    def add_tasks(self, fleet_id: str, tasks: Sequence[Mapping[str, Any]], wait_if_full: bool = True) -> Json:
        """Adds tasks to a running fleet (those whose id it has are left out). A fleet with more queued sessions than its
        ``max_queued`` answers 429: with ``wait_if_full`` this waits as the server asks and tries again."""
        body = {"tasks": [dict(t) for t in tasks]}
        deadline = time.monotonic() + self.reconnect_timeout
        while True:
            try:
                return self._call("POST", f"/v1/fleets/{_quote(fleet_id)}/tasks", body, retry=True)
            except ApiError as error:
                if error.status != 429 or not wait_if_full or time.monotonic() > deadline:
                    raise
                time.sleep(error.retry_after or 1.0)

    def status(self, fleet_id: str) -> FleetStatus:
        raw = self._call("GET", f"/v1/fleets/{_quote(fleet_id)}", retry=True)
        return FleetStatus(raw["fleet_id"], raw["status"], int(raw["policy_version"]), raw["counts"], raw["model_requests"], raw["settings"], raw)

    def cancel(self, session_id: str, reason: Optional[str] = None) -> bool:
        """Stops a session (``stop_reason: "cancelled"``). False when it had already ended."""
        body = {"reason": reason} if reason else {}
        return bool(self._call("POST", f"/v1/sessions/{_quote(session_id)}/cancel", body, retry=True)["cancelled"])

    def update_policy(self, fleet_id: str, policy_version: int, mode: str = "drain", base_url: Optional[str] = None,
                      model: Optional[str] = None) -> PolicyUpdate:
        """A weight update. ``drain``: hold new model requests, wait for those in flight, apply. ``abort``: cut those in
        flight (each is sent again under the new version). ``keep``: apply at once; requests in flight finish under the
        old version and are labelled with it. Returns once the change is journaled and in effect."""
        body: Json = {"policy_version": policy_version, "mode": mode}
        if base_url is not None:
            body["base_url"] = base_url
        if model is not None:
            body["model"] = model
        try:
            raw = self._call("POST", f"/v1/fleets/{_quote(fleet_id)}/policy", body, retry=True)
        except ApiError as error:
            # A retry after a dropped connection finds its own update applied: that is success.
            if error.status == 409 and self.status(fleet_id).policy_version == policy_version:
                return PolicyUpdate(fleet_id, policy_version, mode, [], 0)
            raise
        return PolicyUpdate(raw["fleet_id"], int(raw["policy_version"]), raw["mode"], list(raw["changes"]), int(raw["sessions_updated"]))

    # -- trajectories ---------------------------------------------------------------------------------------------------

    def trajectories(self, fleet_id: str, format: str = "trajectories", after: Optional[str] = None, wait: int = 30,
                     follow: bool = True) -> Iterator[Json]:
        """Finished sessions in the order they finished: one dict per trajectory (``format="trajectories"``) or per token
        sample (``format="tokens"``), each with its ``cursor``. Reconnects from the last cursor it yielded whenever the
        stream ends or the connection drops (the server may restart), so nothing is missed or repeated. With
        ``follow=False`` it stops once a request finds nothing new."""
        if format not in ("trajectories", "tokens"):
            raise ValueError(f"format must be 'trajectories' or 'tokens', not {format!r}")
        cursor = after
        failing_since: Optional[float] = None
        delay = 0.25
        while True:
            query = {"format": format, "wait": str(wait)}
            if cursor:
                query["after"] = cursor
            url = f"{self.base_url}/v1/fleets/{_quote(fleet_id)}/trajectories?{urllib.parse.urlencode(query)}"
            got = 0
            try:
                with urllib.request.urlopen(self._request("GET", url), timeout=wait + self.timeout) as response:
                    for raw in response:
                        line = raw.strip()
                        if not line:
                            continue
                        item = json.loads(line)
                        cursor = item["cursor"]
                        got += 1
                        failing_since, delay = None, 0.25
                        yield item
            except urllib.error.HTTPError as error:
                raise _api_error(error) from None
            except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError, OSError) as error:
                failing_since = failing_since or time.monotonic()
                if time.monotonic() - failing_since > self.reconnect_timeout:
                    raise ConnectionError(f"the server at {self.base_url} has not answered for {self.reconnect_timeout:.0f} s: {error}") from error
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            if got == 0 and not follow:
                return

    # -- plumbing -------------------------------------------------------------------------------------------------------

    def _request(self, method: str, url: str, body: Optional[Json] = None) -> urllib.request.Request:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return urllib.request.Request(url, data=data, method=method, headers=headers)

    def _call(self, method: str, path: str, body: Optional[Json] = None, retry: bool = False) -> Json:
        """One JSON request; a refused connection is tried again (with backoff) when ``retry`` says it is safe to."""
        failing_since: Optional[float] = None
        delay = 0.25
        while True:
            try:
                with urllib.request.urlopen(self._request(method, self.base_url + path, body), timeout=self.timeout) as response:
                    result: Json = json.loads(response.read() or b"{}")
                    return result
            except urllib.error.HTTPError as error:
                raise _api_error(error) from None
            except (urllib.error.URLError, ConnectionError, OSError) as error:
                failing_since = failing_since or time.monotonic()
                if not retry or time.monotonic() - failing_since > self.reconnect_timeout:
                    raise ConnectionError(f"cannot reach {self.base_url}: {error}") from error
                time.sleep(delay)
                delay = min(delay * 2, 5.0)


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


def _api_error(error: urllib.error.HTTPError) -> ApiError:
    text = error.read().decode("utf-8", "replace")
    try:
        message = str(json.loads(text)["error"])
    except (ValueError, KeyError, TypeError):
        message = text.strip() or error.reason
    retry_after = error.headers.get("Retry-After")
    return ApiError(error.code, message, float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None)

