#!/usr/bin/env python3
"""A GRPO-style training loop driving ActorRollouts as its rollout service. Everything but the gradient step is real:
the service, the journal, HTTP, token capture and the weight updates. The model is FakeLlm, the scripted stand-in.

It submits groups of N samples per prompt, consumes token samples as sessions finish, computes group-normalised
advantages, and updates the policy (a new version) every K groups, while the next groups already run. At the end it
checks that every sample's per-token policy versions are consistent with the update points it lived through.

    python3 examples/grpo_loop.py                       # starts fake-llm and serve itself (actor-rollouts on PATH,
                                                        # or ACTOR_ROLLOUTS_CLI='dotnet …/actor-rollouts.dll')
    python3 examples/grpo_loop.py --server http://127.0.0.1:7878 --base-url http://127.0.0.1:8000/v1 --model Qwen/Qwen3-8B
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections import defaultdict
from typing import Any, Dict, List

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))

from actor_rollouts import Client  # noqa: E402
from actor_rollouts.local import start_fake_llm, start_serve  # noqa: E402

PROMPTS = [
    "What is six times seven?",
    "Name the answer to life, the universe and everything.",
    "Compute 84 / 2.",
    "What is 40 + 2?",
    "What is 50 - 8?",
    "What is 21 * 2?",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", help="a running `actor-rollouts serve` (default: start one, with FakeLlm)")
    parser.add_argument("--base-url", help="the model server (vLLM), with --server")
    parser.add_argument("--model", default="fake-model")
    parser.add_argument("--prompts", type=int, default=4)
    parser.add_argument("--samples", type=int, default=8, help="samples per prompt: the group size")
    parser.add_argument("--updates", type=int, default=3, help="weight updates")
    parser.add_argument("--every", type=int, default=1, help="update the policy every K finished groups")
    parser.add_argument("--mode", default="drain", choices=["drain", "abort", "keep"])
    parser.add_argument("--in-flight-groups", type=int, default=2, help="groups running at once (off-policy lag)")
    args = parser.parse_args()
    if args.prompts > len(PROMPTS):
        parser.error(f"--prompts: at most {len(PROMPTS)}")

    processes = []
    try:
        if args.server:
            server, base_url = args.server, args.base_url
            if not base_url:
                parser.error("--server needs --base-url (the model server the fleet calls)")
        else:
            work = tempfile.mkdtemp(prefix="grpo-loop-")
            fake, base_url = start_fake_llm(os.path.join(os.path.dirname(os.path.abspath(__file__)), "grpo-fake-llm.json"))
            serve, server = start_serve(os.path.join(work, "data"))
            processes = [serve, fake]
            print(f"started fake-llm at {base_url} and serve at {server} (journal in {work})")
        return train(Client(server), base_url, args)
    finally:
        for process in processes:
            process.stop()


def train(client: Client, base_url: str, args: argparse.Namespace) -> int:
    settings = {"base_url": base_url, "model": args.model, "tokens": "capture", "max_turns": 4, "concurrency": 8}

    def group(i: int) -> Dict[str, Any]:
        # A grader scores each session; here it draws a number, where a real task would run its tests.
        return {"id": f"q{i}", "prompt": PROMPTS[i], "samples": args.samples,
                "grader": {"command": "shuf -i 0-100 -n 1", "reward": "stdout"}}

    version = 0
    submitted_at: Dict[str, int] = {}  # task id → the policy version when its group was submitted
    first = min(args.in_flight_groups, args.prompts)
    for i in range(first):
        submitted_at[f"q{i}"] = version
    fleet = client.submit([group(i) for i in range(first)], settings)
    next_group = first
    print(f"fleet {fleet}: {args.prompts} prompts x {args.samples} samples, update every {args.every} group(s), mode {args.mode}")

    lines: Dict[str, List[Dict[str, Any]]] = defaultdict(list)  # session id → its token samples
    version_when_received: Dict[str, int] = {}
    groups_done = 0
    checked: List[Dict[str, Any]] = []
    for sample in client.trajectories(fleet, format="tokens", wait=30):
        session = sample["session_id"]
        lines[session].append(sample)
        version_when_received[session] = version
        task = sample["task_id"]
        finished = [s for s, got in lines.items() if got[0]["task_id"] == task and len(got) == got[0]["session_lines"]]
        if len(finished) < args.samples:
            continue
        # A whole group: group-normalised advantages, then the (left out) gradient step.
        rewards = [float(lines[s][0]["reward"] or 0.0) for s in finished]
        mean, std = statistics.fmean(rewards), statistics.pstdev(rewards)
        advantages = [(r - mean) / (std + 1e-6) for r in rewards]
        tokens = sum(sum(line["response_mask"]) for s in finished for line in lines[s])
        groups_done += 1
        print(f"group {task}: rewards mean {mean:.1f} std {std:.1f}, advantages {min(advantages):+.2f}..{max(advantages):+.2f}, "
              f"{tokens} generated tokens -> gradient step (left out)")
        checked.extend(line for s in finished for line in lines[s])
        for s in finished:
            del lines[s]
        if groups_done % args.every == 0 and version < args.updates:
            update = client.update_policy(fleet, policy_version=version + 1, mode=args.mode)
            version = update.policy_version
            print(f"  policy -> version {version} ({update.mode}; {update.sessions_updated} running sessions updated)")
        if next_group < args.prompts:
            submitted_at[f"q{next_group}"] = version
            client.add_tasks(fleet, [group(next_group)])
            next_group += 1
        if groups_done == args.prompts:
            break

    return verify(checked, submitted_at, version_when_received, args)


def verify(samples: List[Dict[str, Any]], submitted_at: Dict[str, int], received_at: Dict[str, int], args: argparse.Namespace) -> int:
    """Every generated token carries a version from when its group was submitted to when its sample arrived, and the
    versions never go back within a sample."""
    problems = []
    for sample in samples:
        versions = [v for v, m in zip(sample["policy_versions"], sample["response_mask"]) if m == 1]
        low, high = submitted_at[sample["task_id"]], received_at[sample["session_id"]]
        if not versions:
            problems.append(f"{sample['session_id']}: no generated tokens")
        elif any(b < a for a, b in zip(versions, versions[1:])):
            problems.append(f"{sample['session_id']}: versions go back: {versions}")
        elif versions[0] < low or versions[-1] > high:
            problems.append(f"{sample['session_id']}: versions {versions[0]}..{versions[-1]} outside {low}..{high}")
    sessions = len({s["session_id"] for s in samples})
    expected = args.prompts * args.samples
    if sessions != expected:
        problems.append(f"{sessions} sessions trained on, expected {expected}")
    if problems:
        print("INCONSISTENT:\n  " + "\n  ".join(problems))
        return 1
    spans = sorted({(min(v), max(v)) for v in ([x for x, m in zip(s["policy_versions"], s["response_mask"]) if m] for s in samples)})
    print(f"consistent: {len(samples)} samples of {sessions} sessions; every token's policy version lies between its group's "
          f"submission and its arrival (version spans seen: {spans})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
