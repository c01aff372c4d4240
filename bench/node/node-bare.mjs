// node-bare: the benchmark's workload as a Node user would hand-write it on the official `openai` npm SDK: the same
// streaming Chat Completions calls, the same two tools on a per-session copy of the template, a plain async loop, at
// most C sessions at once, nothing persisted.
//
//   node node-bare.mjs WORKLOAD_JSON BASE_URL WORK_DIR    (prints one line: RESULT {...})
import OpenAI from "openai";
import * as common from "./common.mjs";

const { workload, baseUrl, workDir } = common.args();
const TOOLS = [
  { type: "function", function: { ...common.READ_FILE,
    parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"], additionalProperties: false } } },
  { type: "function", function: { ...common.WRITE_FILE,
    parameters: { type: "object", properties: { path: { type: "string" }, content: { type: "string" } }, required: ["path", "content"], additionalProperties: false } } },
];
const client = new OpenAI({ baseURL: baseUrl, apiKey: "no-key", maxRetries: 0, timeout: 120_000 });
const template = await common.template(workDir);
const clock = new common.StepClock();

/** One streamed completion, assembled: text fragments, tool calls keyed by index (id and name in the first delta). */
async function complete(messages) {
  const stream = await client.chat.completions.create({
    model: common.MODEL, messages, tools: TOOLS, stream: true, stream_options: { include_usage: true },
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

async function runTool(folder, call) {
  let args;
  try {
    args = JSON.parse(call.function.arguments || "{}");
  } catch (error) {
    return `Error: the arguments are not JSON (${error.message})`;
  }
  if (call.function.name === "read_file") return common.readFile(folder, args);
  if (call.function.name === "write_file") return common.writeFile(folder, args);
  return `Unknown tool '${call.function.name}'.`;
}

await common.run("node-bare", workload, clock, async (i) => {
  const folder = await common.workspace(workDir, template, i);
  const messages = [{ role: "system", content: common.SYSTEM }, { role: "user", content: common.PROMPT }];
  for (let turn = 1; turn <= workload.turns + 1; turn++) {
    clock.callStarting(i);
    const assistant = await complete(messages);
    messages.push(assistant);
    if (!assistant.tool_calls) break;
    for (const call of assistant.tool_calls) messages.push({ role: "tool", tool_call_id: call.id, content: await runTool(folder, call) });
  }
});
