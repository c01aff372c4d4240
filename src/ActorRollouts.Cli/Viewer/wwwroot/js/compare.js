// Two sessions side by side, aligned by model turn: the prompts first, then each turn's request, answer and tool
// results in one row, so where two samples of a task diverge is plain to see.
import { api } from './api.js';
import { h, fill, fmt, statusBadge, links, setCrumbs } from './dom.js';
import { Timeline, byTurn } from './timeline.js';

export async function render(main, a, b) {
  setCrumbs(['fleets', '/'], ['compare']);
  if (!a || !b) throw new Error('Compare needs two sessions: /compare?a=SESSION_ID&b=SESSION_ID.');
  const [left, right] = await Promise.all([api.session(a), api.session(b)]);
  const turnsA = byTurn(left.lines), turnsB = byTurn(right.lines);
  const timelineA = new Timeline(), timelineB = new Timeline();
  const last = Math.max(...turnsA.keys(), ...turnsB.keys());
  const rows = [];
  for (let turn = 0; turn <= last; turn++) {
    rows.push(h('tr', { 'data-turn': turn },
      h('th', { class: 'turn' }, turn === 0 ? 'prompts' : `turn ${turn}`),
      h('td', {}, turnsA.has(turn) ? timelineA.render(turnsA.get(turn)) : h('span', { class: 'muted' }, '—')),
      h('td', {}, turnsB.has(turn) ? timelineB.render(turnsB.get(turn)) : h('span', { class: 'muted' }, '—'))));
  }
  fill(main,
    h('h1', {}, 'Compare'),
    h('table', { class: 'compare', id: 'compare' },
      h('thead', {}, h('tr', {}, h('th', { class: 'turn' }, ''), head(left.session), head(right.session))),
      h('tbody', {}, rows)));
}

function head(s) {
  return h('th', { class: 'side' },
    h('a', { href: links.session(s.session_id) }, s.session_id), ' ', statusBadge(s.status),
    h('div', { class: 'muted' }, `${s.model ?? ''} · ${fmt.int(s.turns)} turns · ${fmt.int(s.input_tokens + s.output_tokens)} tokens`,
      s.reward !== null ? ` · reward ${fmt.reward(s.reward)}` : '', s.stop_reason ? ` · ${s.stop_reason}` : ''));
}
