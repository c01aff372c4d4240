// A session's trace lines (the same JSON lines `actor-rollouts trace` prints) as a timeline: prompts, assistant
// messages with reasoning and tool calls, tool results with their diffs, model attempts with retries and errors,
// confirmations, resumes, the end and the reward. Each entry shows its journal sequence number, time and latency.
import { h, fmt } from './dom.js';

/** Renders lines in order. A model attempt is one entry — its request, then its answer or its failure fill it in — and
 * a tool call is one entry, its start replaced by its result: half the entries of one per line, and easier to read. */
export class Timeline {
  constructor({ onStep } = {}) {
    this.answered = new Set();
    this.attempts = new Map(); // turn → the entry of its latest attempt
    this.running = new Map(); // tool call id → the entry of its start, until its result comes
    this.onStep = onStep; // called with a sequence number when "files at #n" is clicked
  }

  /** The entries for these lines, in a fragment (some lines only fill in an earlier entry, here or already on the page). */
  render(lines) {
    const nodes = document.createDocumentFragment();
    for (const line of lines) {
      const node = this.entry(line);
      if (node) nodes.append(node);
    }
    return nodes;
  }

  entry(line) {
    if (line._type === 'metadata') return this.metadata(line);
    if (line._type === 'message') return this.message(line);
    const d = line.data ?? {};
    switch (line.type) {
      case 'model_request_started': {
        const attempt = this.row(line, 'attempt', `model request · turn ${d.turn} · attempt ${d.attempt}`, `${d.model} via ${d.api}`);
        this.attempts.set(d.turn, attempt);
        return attempt;
      }
      case 'model_request_failed':
        return this.fillAttempt(line, d, 'failed-attempt', [`failed · #${line.seq} · `, h('span', { class: 'chip' }, d.error_kind), ' ',
          d.http_status && !String(d.error).includes(`HTTP ${d.http_status}`) ? `HTTP ${d.http_status}: ` : '',
          h('span', { class: 'error-text' }, d.error),
          d.will_retry ? h('strong', {}, ` — retrying${d.retry_after_ms ? ` after ${fmt.ms(d.retry_after_ms)}` : ''}`) : h('strong', {}, ' — giving up')]);
      case 'model_response_received':
        return this.fillAttempt(line, d, 'answered',
          `answered · #${line.seq} · ${fmt.int(d.usage?.input_tokens)} in / ${fmt.int(d.usage?.output_tokens)} out${d.usage?.reasoning_tokens ? ` (${fmt.int(d.usage.reasoning_tokens)} reasoning)` : ''} · ${d.finish_reason ?? ''}`,
          d.latency_ms);
      case 'usage_update':
        return null; // the running total is in the header; each response shows its own tokens
      case 'tool_call_started': {
        const started = this.row(line, 'tool-start', `tool call running · ${d.name}`, d.tool_call_id);
        this.running.set(d.tool_call_id, started);
        return started;
      }
      case 'tool_call_completed': {
        this.answered.add(d.tool_call_id);
        const result = this.toolResult(line, d);
        const started = this.running.get(d.tool_call_id);
        this.running.delete(d.tool_call_id);
        if (!started) return result;
        started.replaceWith(result); // in this batch's fragment or already on the page
        return null;
      }
      case 'confirmation_requested':
        return this.row(line, 'confirm', `confirmation requested · ${d.name}`, d.arguments ?? '');
      case 'confirmation_resolved':
        return this.row(line, 'confirm', `confirmation ${d.approved ? 'approved' : 'denied'}`, `by ${d.decided_by}`);
      case 'session_resumed':
        return this.row(line, 'resumed', 'session resumed',
          `from #${d.from_sequence_nr}${d.node ? ` on ${d.node}` : ''}${d.rerun_tool_call_ids?.length ? ` · re-running ${d.rerun_tool_call_ids.join(', ')}` : ''}`);
      case 'settings_changed':
        return this.row(line, 'settings', 'settings changed', (d.changes ?? []).join('; '));
      case 'session_completed':
        return this.row(line, 'end', `session completed · ${d.stop_reason}`, d.detail ?? '');
      case 'session_failed':
        return this.row(line, 'end failed', 'session failed', h('span', { class: 'error-text' }, d.error));
      case 'reward_assigned':
        return this.row(line, 'reward', `reward ${fmt.reward(d.reward)}`, [`grader: ${d.grader}`, d.details ? h('pre', { class: 'out' }, d.details) : null]);
      case 'grading_failed':
        return this.row(line, 'end failed', 'grading failed', `${d.grader}: ${d.reason}`);
      case 'agent_request':
        return this.row(line, 'agent-request', `agent request · turn ${d.turn} · thread ${d.thread}`,
          `${d.new_messages} new message${d.new_messages === 1 ? '' : 's'} after ${d.base_length} resent` +
          `${d.from_thread !== null && d.from_thread !== undefined ? ` from thread ${d.from_thread}` : ''}` +
          ` · ${d.api}${d.stream ? ', streamed' : ''} · names ${d.model ?? 'no model'}${d.tools ? ` · tools: ${d.tools.join(', ')}` : ''}`);
      case 'agent_request_rejected':
        return this.row(line, 'end failed', 'agent request refused', h('span', { class: 'error-text' }, d.error));
      case 'replay_diverged':
        return this.row(line, 'resumed', `replay parted from the journal · ${d.kept} turns kept`, d.what);
      case 'agent_exited':
        return this.row(line, d.exit_code === 0 ? 'end' : 'end failed',
          `agent program ${d.timed_out ? 'timed out' : d.exit_code === null ? 'stopped' : `exited ${d.exit_code}`}`,
          d.stderr_tail ? h('pre', { class: 'out' }, d.stderr_tail) : '');
      default:
        if (line.type?.startsWith('file_')) return this.fileChange(line, d);
        return this.row(line, 'other', line.type, JSON.stringify(d));
    }
  }

  /** Adds a failure or an answer to its attempt's entry (a line of its own if the attempt's request is not shown). */
  fillAttempt(line, d, kind, detail, latencyMs) {
    const attempt = this.attempts.get(d.turn);
    if (!attempt) return this.row(line, kind, `model attempt · turn ${d.turn}`, detail, latencyMs);
    attempt.classList.add(kind);
    attempt.querySelector('.body').append(h('div', { class: 'detail' }, detail));
    if (latencyMs !== undefined && latencyMs !== null) attempt.querySelector('.gutter').append(h('div', { class: 'latency' }, fmt.ms(latencyMs)));
    return null;
  }

  gutter(line, latencyMs) {
    return h('div', { class: 'gutter' },
      h('button', { class: 'seq', title: 'browse the workspace as it was after this step', 'data-seq': line.seq,
        onclick: () => this.onStep?.(line.seq) }, `#${line.seq}`),
      h('div', { class: 'clock', title: line.timestamp ?? '' }, fmt.clock(line.timestamp ?? line.created_at)),
      latencyMs !== undefined && latencyMs !== null ? h('div', { class: 'latency' }, fmt.ms(latencyMs)) : null);
  }

  row(line, kind, title, detail, latencyMs) {
    return h('div', { class: `entry ${kind}`, 'data-seq': line.seq, 'data-type': line.type },
      this.gutter(line, latencyMs),
      h('div', { class: 'body' }, h('span', { class: 'title' }, title), detail ? [' ', h('span', { class: 'detail' }, detail)] : null));
  }

  metadata(m) {
    return h('div', { class: 'entry metadata', 'data-seq': m.seq, 'data-type': 'metadata' },
      this.gutter(m),
      h('div', { class: 'body' },
        h('span', { class: 'title' }, m.parent_session_id ? 'session forked' : 'session started'),
        h('dl', { class: 'meta' },
          ...[['model', m.model], ['api', m.api], ['endpoint', m.base_url], ['tools', (m.tools ?? []).join(', ')],
            ['max turns', m.max_turns], ['workspace', m.workspace],
            ['forked from', m.parent_session_id ? `${m.parent_session_id} at #${m.forked_at_seq}` : null]]
            .filter(([, v]) => v !== null && v !== undefined)
            .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]))));
  }

  message(m) {
    if (m.role === 'tool') {
      if (this.answered.has(m.tool_call_id)) return null; // shown as its tool result card
      return h('div', { class: 'entry message tool', 'data-seq': m.seq, 'data-type': 'message' }, this.gutter(m),
        h('div', { class: 'body' }, h('div', { class: 'role' }, `tool result · ${m.tool_call_id}${threadOf(m)}`), text(m.content)));
    }
    return h('div', { class: `entry message ${m.role}${m.inherited ? ' inherited' : ''}`, 'data-seq': m.seq, 'data-type': 'message', 'data-role': m.role },
      this.gutter(m),
      h('div', { class: 'body' },
        h('div', { class: 'role' }, m.role, threadOf(m), m.inherited ? ' (inherited from the parent)' : ''),
        m.reasoning_content ? h('details', { class: 'reasoning' }, h('summary', {}, 'reasoning'), text(m.reasoning_content)) : null,
        m.content ? text(m.content) : null,
        (m.tool_calls ?? []).map(call => h('div', { class: 'call' },
          h('span', { class: 'call-name' }, `→ ${call.name}`), ' ', h('span', { class: 'muted' }, call.id),
          h('pre', { class: 'args' }, prettyJson(call.arguments))))));
  }

  toolResult(line, d) {
    return h('div', { class: `entry result ${d.ok ? 'ok' : 'not-ok'}`, 'data-seq': line.seq, 'data-type': line.type },
      this.gutter(line, d.duration_ms),
      h('div', { class: 'body' },
        h('div', { class: 'role' }, `${d.name} → `, d.ok ? h('span', { class: 'ok-text' }, 'ok') : h('span', { class: 'error-text' }, d.error_code ?? 'error'),
          h('span', { class: 'muted' }, ` ${d.tool_call_id}`)),
        collapsible(d.content),
        (d.data?.media ?? []).map(mediaView),
        (d.diffs ?? []).map(diff => diffView(diff.path, diff.diff))));
  }

  fileChange(line, d) {
    const sizes = d.old_bytes !== undefined || d.new_bytes !== undefined ? ` (${d.old_bytes ?? 0} → ${d.new_bytes ?? 0} bytes)` : '';
    return this.row(line, 'file', `file ${d.change}`, [h('span', { class: 'path' }, d.path), sizes,
      d.link_target ? ` → ${d.link_target}` : '']);
  }
}

/** An agent's message beyond its first conversation says which thread it is of. */
function threadOf(m) {
  return m.thread ? ` · thread ${m.thread}` : '';
}

/** An image or a sound an MCP tool answered with, from the blob store. */
export function mediaView(m) {
  const src = `/api/blob?sha=${encodeURIComponent(m.sha256)}&type=${encodeURIComponent(m.mime_type ?? '')}`;
  const label = `${m.mime_type ?? m.type}, ${m.bytes} bytes`;
  return m.type === 'image' ? h('img', { class: 'media', src, alt: label, title: label, 'data-sha': m.sha256 })
    : m.type === 'audio' ? h('audio', { class: 'media', src, controls: '', title: label, 'data-sha': m.sha256 })
    : h('a', { class: 'media', href: src, download: m.sha256 }, `${m.type}: ${label}`);
}

/** A unified diff, line by line, coloured by its first character. */
export function diffView(path, diff) {
  return h('div', { class: 'diff', 'data-path': path },
    h('div', { class: 'diff-path' }, path),
    h('pre', {}, (diff ?? '').split('\n').filter((l, i, all) => l !== '' || i < all.length - 1).map(l =>
      h('span', { class: l.startsWith('+++') || l.startsWith('---') ? 'd-file' : l.startsWith('@@') ? 'd-hunk' : l.startsWith('+') ? 'd-add' : l.startsWith('-') ? 'd-del' : 'd-ctx' }, l + '\n'))));
}

function text(content) {
  return h('pre', { class: 'text' }, content ?? '');
}

/** Long tool output folds to its first lines. */
function collapsible(content) {
  if (!content) return null;
  const lines = content.split('\n');
  if (lines.length <= 12 && content.length <= 2000) return h('pre', { class: 'out' }, content);
  return h('details', { class: 'long-out' }, h('summary', {}, `${lines.length} lines, ${fmt.int(content.length)} characters`),
    h('pre', { class: 'out' }, content));
}

function prettyJson(s) {
  try { return JSON.stringify(JSON.parse(s), null, 2); } catch { return s ?? ''; }
}

/** Lines grouped by model turn (a Map from turn number to lines): turn 0 holds what came before the first model request
 * (the metadata and the prompts); each model request opens its turn, and the tool calls it asked for stay in it. */
export function byTurn(lines) {
  const turns = new Map([[0, []]]);
  let current = 0;
  for (const line of lines) {
    if (line._type === 'event' && line.type.startsWith('model_') && line.data?.turn !== undefined) current = line.data.turn;
    if (!turns.has(current)) turns.set(current, []);
    turns.get(current).push(line);
  }
  return turns;
}
