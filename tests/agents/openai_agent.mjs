// A coding agent on the official `openai` SDK: Chat Completions, streamed, with a shell tool. It reads the task from
// stdin, runs the commands the model asks for in $AGENT_WORKSPACE, and ends when the model answers without a tool call.
// The SDK takes its endpoint and key from OPENAI_BASE_URL and OPENAI_API_KEY, as any deployment sets them.
import OpenAI from 'openai';
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const client = new OpenAI();
const tools = [{
  type: 'function',
  function: {
    name: 'shell',
    description: 'Run a shell command in the workspace and return its output.',
    parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
  },
}];

function shell(command) {
  try {
    return execSync(command, { cwd: process.env.AGENT_WORKSPACE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    return `${error.stdout ?? ''}${error.stderr ?? ''}exit ${error.status}`;
  }
}

const prompt = readFileSync(0, 'utf8') || process.env.AGENT_PROMPT;
const messages = [{ role: 'system', content: 'You are a careful coding agent.' }, { role: 'user', content: prompt }];
for (;;) {
  const stream = await client.chat.completions.create({ model: 'gpt-4o', messages, tools, stream: true, stream_options: { include_usage: true } });
  const message = { role: 'assistant', content: '' };
  const calls = [];
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta;
    if (!delta) continue;
    if (delta.content) message.content += delta.content;
    for (const call of delta.tool_calls ?? []) {
      calls[call.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } };
      calls[call.index].id += call.id ?? '';
      calls[call.index].function.name += call.function?.name ?? '';
      calls[call.index].function.arguments += call.function?.arguments ?? '';
    }
  }
  if (calls.length) message.tool_calls = calls;
  messages.push(message);
  if (!calls.length) {
    console.log(message.content);
    break;
  }
  for (const call of calls)
    messages.push({ role: 'tool', tool_call_id: call.id, content: shell(JSON.parse(call.function.arguments).command) });
}
