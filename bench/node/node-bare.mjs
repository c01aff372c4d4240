// node-bare: the benchmark's workload as a Node user would hand-write it on the official `openai` npm SDK. The same
// streaming Chat Completions calls, the same two tools on a per-session copy of the same template, a plain async loop
// with at most C sessions at once, nothing persisted. Measured as the .NET modes measure themselves: a step is the
// gap between two model calls of one session; CPU and peak RSS are this process's own.
//
//   node node-bare.mjs WORKLOAD_JSON BASE_URL WORK_DIR    (prints one line: RESULT {...})
import OpenAI from "openai";
import fs from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";

const [workloadJson, baseUrl, workDir] = process.argv.slice(2);
const workload = JSON.parse(workloadJson);
// The same words as BenchFiles: the scripted model matches the prompt.
const SYSTEM = "You are a careful coding agent. Use the tools.";
const PROMPT = "bench: keep notes.txt up to date, one file per step.";
const MODEL = "gpt-4o-mini";
const TOOLS = [
  {
    type: "function",
    function: {
      name: "read_file",
      description: "Read a text file of the workspace.",
      parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"], additionalProperties: false },
    },
  },
  {
    type: "function",
    function: {
      name: "write_file",
      description: "Write a text file of the workspace.",
      parameters: {
        type: "object",
        properties: { path: { type: "string" }, content: { type: "string" } },
        required: ["path", "content"],
        additionalProperties: false,
      },
    },
  },
];

const client = new OpenAI({ baseURL: baseUrl, apiKey: "no-key", maxRetries: 0, timeout: 120_000 });
const template = path.join(workDir, "template");
await fs.mkdir(template, { recursive: true });
await fs.writeFile(path.join(template, "notes.txt"),
  Array.from({ length: 40 }, (_, i) => `note ${i + 1}: the actors keep the journal\n`).join(""));

const steps = [];
let calls = 0;

/** The workspace path a tool may touch: relative, inside the session's folder. */
function inside(workspace, relative) {
  const full = path.resolve(workspace, relative);
  if (!full.startsWith(workspace + path.sep)) throw new Error(`'${relative}' is outside the workspace`);
  return full;
}

async function runTool(workspace, call) {
  try {
    const args = JSON.parse(call.function.arguments || "{}");
    if (call.function.name === "read_file") return await fs.readFile(inside(workspace, args.path), "utf8");
    if (call.function.name === "write_file") {
      const full = inside(workspace, args.path);
      await fs.mkdir(path.dirname(full), { recursive: true });
      await fs.writeFile(full, args.content);
      return `Wrote ${args.path} (${Buffer.byteLength(args.content)} bytes).`;
    }
    return `Unknown tool '${call.function.name}'.`;
  } catch (error) {
    return `Error: ${error.message}`;
  }
}

/** One streamed completion, assembled: text fragments, tool calls keyed by index (id and name in the first delta). */
async function complete(messages) {
  const stream = await client.chat.completions.create({
    model: MODEL, messages, tools: TOOLS, stream: true, stream_options: { include_usage: true },
  });
  let content = "";
  const toolCalls = [];
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta;
    if (!delta) continue;
    if (delta.content) content += delta.content;
    for (const part of delta.tool_calls ?? []) {
      const call = (toolCalls[part.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
      if (part.id) call.id = part.id;
      if (part.function?.name) call.function.name = part.function.name;
      if (part.function?.arguments) call.function.arguments += part.function.arguments;
    }
  }
  return { role: "assistant", content: content || null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) };
}

async function session(i) {
  const workspace = path.join(workDir, "workspaces", `t${String(i).padStart(5, "0")}-0`);
  await fs.mkdir(workspace, { recursive: true });
  await fs.copyFile(path.join(template, "notes.txt"), path.join(workspace, "notes.txt"));
  const messages = [{ role: "system", content: SYSTEM }, { role: "user", content: PROMPT }];
  let lastStart = null;
  for (let turn = 1; turn <= workload.turns + 1; turn++) {
    const now = performance.now();
    if (lastStart !== null) steps.push(now - lastStart);
    lastStart = now;
    calls++;
    const assistant = await complete(messages);
    messages.push(assistant);
    if (!assistant.tool_calls) break;
    for (const call of assistant.tool_calls)
      messages.push({ role: "tool", tool_call_id: call.id, content: await runTool(workspace, call) });
  }
}

let next = 0;
let completed = 0;
const progress = setInterval(() => console.error(`  … node-bare: ${calls}/${workload.sessions * (workload.turns + 1)} model calls`), 5000);
const started = performance.now();
await Promise.all(Array.from({ length: Math.min(workload.concurrency, workload.sessions) }, async () => {
  while (next < workload.sessions) {
    await session(next++);
    completed++;
  }
}));
const wallSeconds = (performance.now() - started) / 1000;
clearInterval(progress);

steps.sort((a, b) => a - b);
const at = (q) => (steps.length ? steps[Math.min(steps.length - 1, Math.ceil(q * steps.length) - 1)] : 0);
const cpu = process.cpuUsage();
console.log("RESULT " + JSON.stringify({
  mode: "node-bare",
  workload: workload.name,
  sessions: workload.sessions,
  sessionsCompleted: completed,
  modelCalls: calls,
  wallSeconds,
  stepsPerSecond: calls / wallSeconds,
  stepP50Ms: at(0.5),
  stepP99Ms: at(0.99),
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  cpuMsPerStep: (cpu.user + cpu.system) / 1000 / calls,
}));
