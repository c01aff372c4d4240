// A coding agent on the OpenAI Agents SDK for JavaScript (@openai/agents): one agent with a shell tool, run to its final
// output, on the Responses API (the SDK's default; AGENT_API=chat for Chat Completions), streamed when AGENT_STREAM=1.
// The SDK's client takes OPENAI_BASE_URL and OPENAI_API_KEY from the environment; its tracing export (to OpenAI's
// servers) is off, as it would be in any sandbox without the internet.
import { Agent, run, tool, setTracingDisabled, setOpenAIAPI } from '@openai/agents';
import { z } from 'zod';
import { execSync } from 'node:child_process';

setTracingDisabled(true);
setOpenAIAPI(process.env.AGENT_API === 'chat' ? 'chat_completions' : 'responses');

const shell = tool({
  name: 'shell',
  description: 'Run a shell command in the workspace and return its output.',
  parameters: z.object({ command: z.string() }),
  execute: async ({ command }) => {
    try {
      return execSync(command, { cwd: process.env.AGENT_WORKSPACE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      return `${error.stdout ?? ''}${error.stderr ?? ''}exit ${error.status}`;
    }
  },
});

const agent = new Agent({ name: 'fixer', instructions: 'You are a careful coding agent.', tools: [shell], model: 'gpt-4o' });
const stream = process.env.AGENT_STREAM === '1';
const result = await run(agent, process.env.AGENT_PROMPT, { maxTurns: 20, stream });
if (stream) await result.completed;
console.log(result.finalOutput);
