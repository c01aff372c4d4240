"""Starting ``actor-rollouts serve`` and the scripted model (``fake-llm``) as local processes: for tests, examples and
notebooks. The command is ``actor-rollouts`` on PATH, or ``$ACTOR_ROLLOUTS_CLI`` (for example
``dotnet /path/to/actor-rollouts.dll``)."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import threading
from typing import List, Optional, Sequence

__all__ = ["LocalProcess", "cli_command", "free_port", "start_fake_llm", "start_serve"]


def cli_command() -> List[str]:
    """How to run the CLI here: $ACTOR_ROLLOUTS_CLI, else actor-rollouts on PATH, else (in a clone of the repository) the
    build that ``tests/run`` made."""
    configured = os.environ.get("ACTOR_ROLLOUTS_CLI")
    if configured:
        return shlex.split(configured)
    found = shutil.which("actor-rollouts")
    if found:
        return [found]
    repo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
    for configuration in ("Debug", "Release"):
        built = os.path.join(repo, "src", "ActorRollouts.Cli", "bin", configuration, "net10.0", "actor-rollouts.dll")
        if os.path.exists(built) and shutil.which("dotnet"):
            return ["dotnet", os.path.normpath(built)]
    raise FileNotFoundError("actor-rollouts is not on PATH: install it (docs/install.md) or set ACTOR_ROLLOUTS_CLI, "
                            "e.g. ACTOR_ROLLOUTS_CLI='dotnet src/ActorRollouts.Cli/bin/Debug/net10.0/actor-rollouts.dll'")


def free_port() -> int:
    """A port nothing listens on now (so a restarted server can take the same one again)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalProcess:
    """A CLI process whose first stdout line that starts with ``ready_prefix`` says it is ready; its stdout and stderr
    are kept (``output``) for when something goes wrong."""

    def __init__(self, args: Sequence[str], ready_prefix: str, cwd: Optional[str] = None, timeout: float = 60.0) -> None:
        self.args = list(args)
        self.lines: List[str] = []
        self.process = subprocess.Popen(cli_command() + self.args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, bufsize=1)
        self.ready_line = self._wait_for(ready_prefix, timeout)
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _wait_for(self, prefix: str, timeout: float) -> str:
        timer = threading.Timer(timeout, self.process.kill)
        timer.start()
        try:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.append(line.rstrip("\n"))
                if line.startswith(prefix):
                    return line.strip()
        finally:
            timer.cancel()
        raise RuntimeError(f"`{' '.join(self.args)}` stopped before it was ready:\n" + "\n".join(self.lines[-40:]))

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as a crash."""
        self.process.send_signal(signal.SIGKILL)
        self._reap()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGKILL)
        self._reap()

    def _reap(self) -> None:
        self.process.wait(30)
        self._drainer.join(5)  # its output ends with the process
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> "LocalProcess":
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def start_fake_llm(script: str) -> "tuple[LocalProcess, str]":
    """The scripted OpenAI-compatible model; returns the process and its base URL."""
    process = LocalProcess(["fake-llm", "--script", script, "--port", "0"], "fake-llm listening on")
    return process, process.ready_line.split()[3]


def start_serve(data_dir: str, port: Optional[int] = None, extra: Sequence[str] = ()) -> "tuple[LocalProcess, str]":
    """``serve`` on 127.0.0.1; returns the process and the base URL the client takes."""
    port = port or free_port()
    process = LocalProcess(["serve", "--data-dir", data_dir, "--port", str(port), *extra], "serve: ")
    return process, f"http://127.0.0.1:{port}"
