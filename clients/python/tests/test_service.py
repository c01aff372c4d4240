"""The Python client against a real ``actor-rollouts serve`` process and the scripted model (FakeLlm), over real HTTP,
with the real SQLite journal. Run: ``python3 -m unittest discover -s clients/python/tests`` (tests/run does)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import unittest
from typing import Any, Dict, List, Optional

try:
    import actor_rollouts  # noqa: F401  (tests/run tests the installed package)
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from actor_rollouts import ApiError, Client  # noqa: E402
from actor_rollouts.local import free_port, start_fake_llm, start_serve  # noqa: E402

# "slow" answers take 1.5 s: long enough for a weight update to find them in flight. Everything else answers at once.
SCRIPT = {
    "scenarios": [
        {"match": "slow", "delay_ms": 1500, "turns": [
            {"content": "Looking first.", "tool_calls": [{"name": "list_files", "arguments": {}}]},
            {"content": "Done, slowly."}]},
        {"match": "", "delay_ms": 30, "turns": [
            {"content": "Looking.", "tool_calls": [{"name": "list_files", "arguments": {}}]},
            {"content": "Done."}]},
    ]
}

DEADLINE_S = 90


def collect(client: Client, fleet: str, count: int, fmt: str = "trajectories", after: Optional[str] = None) -> List[Dict[str, Any]]:
    """Reads the stream until ``count`` lines came (reconnecting as the client does), or fails after DEADLINE_S."""
    items: List[Dict[str, Any]] = []
    deadline = time.monotonic() + DEADLINE_S
    for item in client.trajectories(fleet, format=fmt, after=after, wait=2):
        items.append(item)
        if len(items) >= count:
            return items
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"only {len(items)} of {count} lines arrived from fleet {fleet}")


def wait_until(condition, what: str, timeout: float = DEADLINE_S) -> None:
    """Polls a condition the server reports (never a fixed sleep standing in for it)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def generated_versions(sample: Dict[str, Any]) -> List[int]:
    """The policy version of each token the model generated, in order (tokens it did not generate carry -1)."""
    return [v for v, m in zip(sample["policy_versions"], sample["response_mask"]) if m == 1]


def runs(values: List[int]) -> List[int]:
    """[0, 0, 1, 1, 1] → [0, 1]."""
    return [v for i, v in enumerate(values) if i == 0 or values[i - 1] != v]


class ServiceTest(unittest.TestCase):
    work: tempfile.TemporaryDirectory
    base_url: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.work = tempfile.TemporaryDirectory(prefix="actor-rollouts-py-")
        script = os.path.join(cls.work.name, "script.json")
        with open(script, "w") as f:
            json.dump(SCRIPT, f)
        cls.fake, cls.model_url = start_fake_llm(script)
        cls.serve, cls.base_url = start_serve(os.path.join(cls.work.name, "data"))
        cls.client = Client(cls.base_url)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.serve.stop()
        cls.fake.stop()
        cls.work.cleanup()

    def settings(self, **extra: Any) -> Dict[str, Any]:
        return {"base_url": self.model_url, "model": "fake-model", "tokens": "capture", **extra}

    def fleet(self, name: str) -> str:
        return f"{name}-{os.getpid()}"

    def in_flight(self, fleet: str) -> Dict[str, int]:
        return dict(self.client.status(fleet).model_requests["in_flight_by_policy_version"])

    def test_submit_add_tasks_mid_run_and_reconnect_with_a_cursor(self) -> None:
        fleet = self.client.submit([{"id": "a", "prompt": "first", "samples": 2}, {"id": "b", "prompt": "second", "samples": 2}],
                                   self.settings(concurrency=2), fleet_id=self.fleet("stream"))
        first = collect(self.client, fleet, 2)  # then the connection is dropped, mid-fleet
        added = self.client.add_tasks(fleet, [{"id": "c", "prompt": "third", "samples": 2}, {"id": "a", "prompt": "again"}])
        self.assertEqual(sorted(added["added_sessions"]), [f"{fleet}:c:0", f"{fleet}:c:1"])
        self.assertEqual(added["already_planned_tasks"], ["a"])  # idempotent by task id
        rest = collect(self.client, fleet, 4, after=first[-1]["cursor"])
        ids = [t["session_id"] for t in first + rest]
        self.assertEqual(len(ids), len(set(ids)), f"a trajectory came twice: {ids}")
        self.assertEqual(sorted(ids), sorted(f"{fleet}:{t}:{s}" for t in "abc" for s in (0, 1)))
        self.assertTrue(all(t["stop_reason"] == "done" for t in first + rest))
        # Reading again from the start gives the same lines in the same order, cursors included.
        again = collect(self.client, fleet, 6)
        self.assertEqual([t["cursor"] for t in again], [t["cursor"] for t in first + rest])
        self.assertEqual(self.client.status(fleet).counts["sessions"], 6)

    def test_cancel_stops_a_running_session(self) -> None:
        fleet = self.client.submit([{"id": "t", "prompt": "slow one"}], self.settings(), fleet_id=self.fleet("cancel"))
        wait_until(lambda: self.client.status(fleet).counts["running"] == 1, "the session to run")
        self.assertTrue(self.client.cancel(f"{fleet}:t:0", reason="test says stop"))
        [trajectory] = collect(self.client, fleet, 1)
        self.assertEqual(trajectory["stop_reason"], "cancelled")
        self.assertFalse(self.client.cancel(f"{fleet}:t:0"))  # already ended

    def update_while_in_flight(self, name: str, mode: str) -> Dict[str, Any]:
        """A session's first model request is in flight when the policy moves 0 → 1 in ``mode``; returns what the
        server reports right after the update returned, and the session's token sample."""
        fleet = self.client.submit([{"id": "t", "prompt": "slow one"}], self.settings(), fleet_id=self.fleet(name))
        wait_until(lambda: self.in_flight(fleet) == {"0": 1}, "the first request in flight")
        update = self.client.update_policy(fleet, policy_version=1, mode=mode)
        right_after = self.in_flight(fleet)
        self.assertEqual((update.policy_version, update.mode), (1, mode))
        self.assertEqual(self.client.status(fleet).policy_version, 1)
        [sample] = collect(self.client, fleet, 1, fmt="tokens")
        self.assertEqual(sample["stop_reason"], "done")
        return {"right_after": right_after, "versions": generated_versions(sample), "sample": sample}

    def test_drain_waits_for_the_request_in_flight_then_applies(self) -> None:
        got = self.update_while_in_flight("drain", "drain")
        self.assertNotIn("0", got["right_after"], "drain returned while a request of version 0 was still in flight")
        self.assertEqual(runs(got["versions"]), [0, 1])  # turn 1 finished under 0, turn 2 ran under 1

    def test_abort_cuts_the_request_in_flight_and_sends_it_again_under_the_new_version(self) -> None:
        got = self.update_while_in_flight("abort", "abort")
        self.assertNotIn("0", got["right_after"])
        self.assertEqual(runs(got["versions"]), [1], "tokens of the aborted request reached the sample")

    def test_keep_applies_at_once_and_labels_the_request_in_flight_with_the_old_version(self) -> None:
        got = self.update_while_in_flight("keep", "keep")
        self.assertEqual(got["right_after"].get("0"), 1, "keep waited for the request in flight")
        self.assertEqual(runs(got["versions"]), [0, 1])

    def test_a_stale_session_stops_and_a_fresh_sample_replaces_it(self) -> None:
        for restart in (False, True):
            with self.subTest(restart_stale=restart):
                fleet = self.client.submit([{"id": "t", "prompt": "slow one"}],
                                           self.settings(max_staleness=0, restart_stale=restart), fleet_id=self.fleet(f"stale-{restart}"))
                wait_until(lambda: self.in_flight(fleet) == {"0": 1}, "the first request in flight")
                self.client.update_policy(fleet, policy_version=1, mode="keep")
                # Its first turn finishes under version 0, one behind: the session stops before its next request.
                first = collect(self.client, fleet, 1)
                self.assertEqual((first[0]["session_id"], first[0]["stop_reason"]), (f"{fleet}:t:0", "stale"))
                if restart:
                    [fresh] = collect(self.client, fleet, 1, after=first[0]["cursor"])
                    self.assertEqual((fresh["session_id"], fresh["stop_reason"]), (f"{fleet}:t:1", "done"))
                    [sample] = collect(self.client, fleet, 1, fmt="tokens", after=first[0]["cursor"])
                    self.assertEqual(runs(generated_versions(sample)), [1])
                else:
                    self.assertEqual(self.client.status(fleet).counts["sessions"], 1)

    def test_back_pressure_answers_429_with_retry_after(self) -> None:
        fleet = self.client.submit([{"id": "t", "prompt": "slow one", "samples": 3}], self.settings(concurrency=1, max_queued=1),
                                   fleet_id=self.fleet("full"))
        with self.assertRaises(ApiError) as refused:
            self.client.add_tasks(fleet, [{"id": "u", "prompt": "more"}], wait_if_full=False)
        self.assertEqual(refused.exception.status, 429)
        self.assertGreater(refused.exception.retry_after or 0, 0)
        self.assertIn("max_queued 1", refused.exception.message)
        self.assertEqual(self.client.status(fleet).counts["sessions"], 3)  # nothing was added

    def test_bad_requests_are_clear_errors(self) -> None:
        with self.assertRaises(ApiError) as bad:
            self.client.submit([{"id": "x", "prompt": "p", "sampels": 2}], self.settings())
        self.assertEqual(bad.exception.status, 400)
        self.assertIn("tasks[0]", bad.exception.message)
        self.assertIn("sampels", bad.exception.message)
        with self.assertRaises(ApiError) as missing:
            self.client.status("no-such-fleet")
        self.assertEqual(missing.exception.status, 404)


class ServeKilledTest(unittest.TestCase):
    def test_sigkill_mid_fleet_and_restart_while_the_client_iterates(self) -> None:
        with tempfile.TemporaryDirectory(prefix="actor-rollouts-py-kill-") as work:
            script = os.path.join(work, "script.json")
            with open(script, "w") as f:
                json.dump({"scenarios": [{"match": "", "delay_ms": 150, "turns": SCRIPT["scenarios"][1]["turns"]}]}, f)
            fake, model_url = start_fake_llm(script)
            port = free_port()
            data = os.path.join(work, "data")
            serve, base_url = start_serve(data, port)
            try:
                client = Client(base_url)
                tasks = [{"id": f"t{i}", "prompt": f"task {i}", "samples": 2} for i in range(8)]
                fleet = client.submit(tasks, {"base_url": model_url, "model": "m", "tokens": "capture", "concurrency": 3}, fleet_id="killed")
                seen: List[str] = []
                deadline = time.monotonic() + DEADLINE_S
                for item in client.trajectories(fleet, wait=5):
                    seen.append(item["session_id"])
                    if len(seen) == 4:
                        serve.kill()  # mid-fleet: sessions are running
                        serve, _ = start_serve(data, port)
                    if len(seen) == 16 or time.monotonic() > deadline:
                        break
                self.assertEqual(len(seen), len(set(seen)), f"a trajectory came twice: {seen}")
                self.assertEqual(sorted(seen), sorted(f"killed:t{i}:{s}" for i in range(8) for s in (0, 1)))
                self.assertIn("continuing 1 open fleet(s): killed", serve.output)
            finally:
                serve.stop()
                fake.stop()


if __name__ == "__main__":
    unittest.main()
