// langgraph-js-sqlite: the benchmark's workload as LangGraph.js users persist agent state: the prebuilt ReAct agent
// (createReactAgent) with ChatOpenAI and the same two tools, a SqliteSaver checkpointer on one SQLite file, one thread
// per session. Not streamed: with `streaming: true` the model call inside the agent never returns on Node 20 (see the
// README); the same ChatOpenAI's stream() does.
//
//   node langgraph-js-sqlite.mjs WORKLOAD_JSON BASE_URL WORK_DIR    (prints one line: RESULT {...})
import path from "node:path";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { ChatOpenAI } from "@langchain/openai";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import * as common from "./common.mjs";

const { workload, baseUrl, workDir } = common.args();
const template = await common.template(workDir);
const clock = new common.StepClock();

/** Notes each model call of a session: the run's thread id is the session. */
class Timing extends BaseCallbackHandler {
  name = "bench-timing";
  handleChatModelStart(_llm, _messages, _runId, _parentRunId, _extra, _tags, metadata) {
    clock.callStarting(metadata?.thread_id ?? "?");
  }
}

const llm = new ChatOpenAI({ model: common.MODEL, apiKey: "no-key", configuration: { baseURL: baseUrl }, streaming: false, maxRetries: 0, timeout: 120_000 });
const checkpointer = SqliteSaver.fromConnString(path.join(workDir, "checkpoints.db"));
const timing = new Timing();

await common.run("langgraph-js-sqlite", workload, clock, async (i) => {
  const folder = await common.workspace(workDir, template, i);
  const tools = [
    tool((args) => common.readFile(folder, args), { ...common.READ_FILE, schema: z.object({ path: z.string() }) }),
    tool((args) => common.writeFile(folder, args), { ...common.WRITE_FILE, schema: z.object({ path: z.string(), content: z.string() }) }),
  ];
  const agent = createReactAgent({ llm, tools, checkpointSaver: checkpointer, prompt: common.SYSTEM });
  await agent.invoke({ messages: [{ role: "user", content: common.PROMPT }] },
    { configurable: { thread_id: `t${i}` }, recursionLimit: 4 * (workload.turns + 2), callbacks: [timing] });
}, async () => ({ journalBytesPerStep: (await common.sqliteBytes(path.join(workDir, "checkpoints.db"))) / clock.calls }));
