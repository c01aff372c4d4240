// An MCP server of the tests' own, for the faults the npm servers do not show: a tool that fails, one that crashes the
// server mid-call, one that never answers, one that answers 10 MB, slow read-only and slow writing tools (each appends a
// line to MARKER_DIR/read.log or write.log when it starts, then makes read.started or write.started appear, for tests
// that kill the engine mid-call), and, with
// --never-initialize, a server that reads its input and answers nothing; a tool that says whether TOKEN is set, and one
// that tries the network. `hang` notes its cancellation in MARKER_DIR/cancelled.log; with MARKER_DIR/hide-whoami present
// when it starts, the server lists no `whoami` (a server that changed since the fleet listed its tools). Every start appends the pid to START_LOG, if set.
import { appendFileSync, existsSync, renameSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

if (process.env.START_LOG) appendFileSync(process.env.START_LOG, `${process.pid}\n`);
if (process.argv.includes("--never-initialize")) {
  process.stdin.resume(); // reads every request, answers none
} else {
  const server = new McpServer({ name: "fault-server", version: "1.0.0" });
  const text = (t) => ({ content: [{ type: "text", text: t }] });
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  // The line first, then NAME.started appears at once (a rename): a test that kills the engine when it sees the flag
  // finds the line written.
  const marker = (name) => {
    const dir = process.env.MARKER_DIR;
    if (!dir) return;
    appendFileSync(`${dir}/${name}.log`, `${process.pid}\n`);
    writeFileSync(`${dir}/.${name}.${process.pid}`, "");
    renameSync(`${dir}/.${name}.${process.pid}`, `${dir}/${name}.started`);
  };

  server.registerTool("fail", { description: "Fails, saying why.", annotations: { readOnlyHint: true } },
    async () => ({ isError: true, content: [{ type: "text", text: "the fault server failed on purpose" }] }));
  server.registerTool("crash", { description: "Exits in the middle of the call." }, async () => {
    process.stderr.write("fault-server: crashing in the middle of a call\n");
    process.exit(3);
  });
  server.registerTool("hang", { description: "Never answers; notes a cancellation.", annotations: { readOnlyHint: true } },
    (extra) => new Promise(() => extra.signal.addEventListener("abort", () => marker("cancelled"))));
  server.registerTool("big", { description: "Answers 10 MB of text.", annotations: { readOnlyHint: true } },
    async () => text("0123456789".repeat(1024 * 1024)));
  server.registerTool("slow_read", { description: "Reads slowly.", annotations: { readOnlyHint: true } },
    async () => { marker("read"); await sleep(3000); return text("read done"); });
  server.registerTool("slow_write", { description: "Writes slowly.", annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false } },
    async () => { marker("write"); await sleep(3000); return text("written"); });
  server.registerTool("net", { description: "Tries to open a TCP connection.", inputSchema: { host: z.string(), port: z.number() }, annotations: { readOnlyHint: true } },
    ({ host, port }) => new Promise((resolve) => {
      const socket = connect({ host, port }, () => { socket.end(); resolve(text("connected")); });
      socket.on("error", (e) => resolve(text(`unreachable: ${e.code}`)));
    }));
  if (!(process.env.MARKER_DIR && existsSync(`${process.env.MARKER_DIR}/hide-whoami`))) server.registerTool("whoami", { description: "Its process id.", inputSchema: { note: z.string().optional() }, annotations: { readOnlyHint: true } },
    async () => text(`pid ${process.pid}`));
  server.registerTool("token", { description: "Whether TOKEN is set, and its length (never its value).", annotations: { readOnlyHint: true } },
    async () => text(process.env.TOKEN ? `token set, ${process.env.TOKEN.length} characters` : "token unset"));
  await server.connect(new StdioServerTransport());
}
