"""examples/grpo_loop.py, run as a user runs it: 4 prompts x 8 samples x 3 policy updates against FakeLlm and a real
serve. It checks every sample's policy versions against its update points itself and exits 1 if one is inconsistent."""

from __future__ import annotations

import os
import subprocess
import sys
import unittest

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples", "grpo_loop.py")


class ExampleLoopTest(unittest.TestCase):
    def run_loop(self, mode: str) -> str:
        done = subprocess.run([sys.executable, EXAMPLE, "--prompts", "4", "--samples", "8", "--updates", "3", "--mode", mode],
                              capture_output=True, text=True, timeout=300)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        return done.stdout

    def test_the_grpo_loop_ends_consistent_in_every_mode(self) -> None:
        for mode in ("drain", "abort", "keep"):
            with self.subTest(mode=mode):
                out = self.run_loop(mode)
                self.assertEqual(out.count("gradient step"), 4)
                self.assertEqual(out.count("policy -> version"), 3)
                self.assertIn("consistent: 32 samples of 32 sessions", out)


if __name__ == "__main__":
    unittest.main()
