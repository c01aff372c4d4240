// What the Node peers share: the workload's words and template, the two tools on a session's folder, the session pool
// and the figures, measured as the .NET modes measure themselves (a step is the gap between two model calls of one
// session; CPU and peak RSS are this process's own).
import fs from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";

// The same words as BenchFiles: the scripted model matches the prompt.
export const SYSTEM = "You are a careful coding agent. Use the tools.";
export const PROMPT = "bench: keep notes.txt up to date, one file per step.";
export const MODEL = "gpt-4o-mini";
export const READ_FILE = { name: "read_file", description: "Read a text file of the workspace." };
export const WRITE_FILE = { name: "write_file", description: "Write a text file of the workspace." };

export function args() {
  const [workloadJson, baseUrl, workDir] = process.argv.slice(2);
  return { workload: JSON.parse(workloadJson), baseUrl, workDir };
}

/** The one-file template every session copies (as BenchFiles.Template). */
export async function template(workDir) {
  const folder = path.join(workDir, "template");
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, "notes.txt"),
    Array.from({ length: 40 }, (_, i) => `note ${i + 1}: the actors keep the journal\n`).join(""));
  return folder;
}

export async function workspace(workDir, templateFolder, i) {
  const folder = path.join(workDir, "workspaces", `t${String(i).padStart(5, "0")}-0`);
  await fs.mkdir(folder, { recursive: true });
  await fs.copyFile(path.join(templateFolder, "notes.txt"), path.join(folder, "notes.txt"));
  return folder;
}

function inside(folder, relative) {
  const full = path.resolve(folder, relative);
  if (!full.startsWith(folder + path.sep)) throw new Error(`'${relative}' is outside the workspace`);
  return full;
}

export async function readFile(folder, { path: relative }) {
  try {
    return await fs.readFile(inside(folder, relative), "utf8");
  } catch (error) {
    return `Error: ${error.message}`;
  }
}

export async function writeFile(folder, { path: relative, content }) {
  try {
    const full = inside(folder, relative);
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.writeFile(full, content);
    return `Wrote ${relative} (${Buffer.byteLength(content)} bytes).`;
  } catch (error) {
    return `Error: ${error.message}`;
  }
}

/** Notes each session's model calls; a step is the gap between two of one session's calls. */
export class StepClock {
  steps = [];
  calls = 0;
  #last = new Map();

  callStarting(sessionId) {
    this.calls++;
    const now = performance.now();
    if (this.#last.has(sessionId)) this.steps.push(now - this.#last.get(sessionId));
    this.#last.set(sessionId, now);
  }
}

/** Runs every session, at most `concurrency` at once, and prints the figures (and `extra`'s) as one RESULT line. */
export async function run(mode, workload, clock, session, extra = async () => ({})) {
  let next = 0;
  let completed = 0;
  const total = workload.sessions * (workload.turns + 1);
  const progress = setInterval(() => console.error(`  … ${mode}: ${clock.calls}/${total} model calls`), 5000);
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(workload.concurrency, workload.sessions) }, async () => {
    while (next < workload.sessions) {
      await session(next++);
      completed++;
    }
  }));
  const wallSeconds = (performance.now() - started) / 1000;
  clearInterval(progress);
  const steps = clock.steps.sort((a, b) => a - b);
  const at = (q) => (steps.length ? steps[Math.min(steps.length - 1, Math.ceil(q * steps.length) - 1)] : 0);
  const cpu = process.cpuUsage();
  console.log("RESULT " + JSON.stringify({
    mode, workload: workload.name, sessions: workload.sessions, sessionsCompleted: completed, modelCalls: clock.calls,
    wallSeconds, stepsPerSecond: clock.calls / wallSeconds, stepP50Ms: at(0.5), stepP99Ms: at(0.99),
    peakRssMb: process.resourceUsage().maxRSS / 1024, cpuMsPerStep: (cpu.user + cpu.system) / 1000 / clock.calls,
    ...(await extra()),
  }));
}

/** Bytes of the SQLite files at `file` (the database and its -wal and -shm). */
export async function sqliteBytes(file) {
  let total = 0;
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      total += (await fs.stat(file + suffix)).size;
    } catch {
      // not there
    }
  }
  return total;
}
