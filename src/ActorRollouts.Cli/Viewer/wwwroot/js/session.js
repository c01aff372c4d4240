// A session: its header, its whole timeline (live while it runs), and its workspace at any step, rebuilt from the
// journal. A compare box opens it beside another session.
import { api, follow } from './api.js';
import { h, fill, fmt, statusBadge, links, setCrumbs, setLive } from './dom.js';
import { Timeline } from './timeline.js';

export async function render(main, sessionId) {
  const data = await api.session(sessionId);
  const s = data.session;
  setCrumbs(['fleets', '/'], [s.fleet_id ?? '?', s.fleet_id ? links.fleet(s.fleet_id) : null], [sessionId]);

  const header = h('section', { class: 'summary', id: 'session-summary' });
  const files = h('aside', { class: 'files', id: 'files' });
  const timeline = new Timeline({ onStep: seq => showFiles(files, sessionId, seq) });
  const list = h('div', { class: 'timeline', id: 'timeline' }, timeline.render(data.lines));
  const compareInput = h('input', { name: 'other', placeholder: 'another session id', list: 'none', size: 40 });
  fill(main,
    h('h1', {}, sessionId, ' ', h('span', { id: 'session-status' })),
    header,
    h('form', { class: 'compare-form', onsubmit: e => {
      e.preventDefault();
      if (compareInput.value.trim()) location.href = links.compare(sessionId, compareInput.value.trim());
    } }, 'Compare with ', compareInput, ' ', h('button', { type: 'submit' }, 'compare')),
    h('div', { class: 'session-layout' }, list, files));
  drawHeader(header, s);
  showFiles(files, sessionId, null);

  if (!s.settled) {
    setLive(true);
    let last = s.last_seq;
    const stop = follow(api.liveSession(sessionId, last), {
      lines: lines => {
        list.append(timeline.render(lines));
        last = lines[lines.length - 1].seq;
        drawHeader(header, { ...s, last_seq: last, status: 'running' });
      },
      end: header => {
        stop();
        setLive(false);
        drawHeader(document.getElementById('session-summary'), header);
        showFiles(files, sessionId, null);
      },
    });
  }
}

function drawHeader(box, s) {
  fill(document.getElementById('session-status'), statusBadge(s.status));
  const item = (label, value) => value === null || value === undefined || value === '' ? null
    : h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value));
  fill(box,
    item('task', `${s.task_id} · sample ${s.sample}`),
    item('model', s.model),
    item('stop reason', s.stop_reason),
    item('turns', fmt.int(s.turns)),
    item('tokens in / out', `${fmt.int(s.input_tokens)} / ${fmt.int(s.output_tokens)}`),
    item('cost', fmt.cost(s.cost_usd)),
    item('reward', fmt.reward(s.reward)),
    item('resumes', s.resumes ? String(s.resumes) : null),
    item('forked from', s.parent_session_id ? `${s.parent_session_id} at #${s.forked_at_seq}` : null),
    item('started', fmt.time(s.started_at)),
    item('took', fmt.span(s.started_at, s.ended_at)),
    item('journal', `#${s.last_seq}`),
    s.error ? h('div', { class: 'stat wide' }, h('div', { class: 'stat-label' }, 'error'), h('div', { class: 'stat-value error-text' }, s.error)) : null);
}

/** The workspace after step `at` (null: the latest), and a file's content when one is clicked. */
async function showFiles(box, sessionId, at) {
  fill(box, h('h2', {}, 'Workspace'), h('p', { class: 'muted' }, 'rebuilding from the journal…'));
  let listing;
  try {
    listing = await api.workspace(sessionId, at);
  } catch (e) {
    fill(box, h('h2', {}, 'Workspace'), h('p', { class: 'muted' }, e.message));
    return;
  }
  const content = h('div', { class: 'file-view', id: 'file-view' });
  const stepInput = h('input', { type: 'number', min: 1, max: listing.last_seq, value: listing.at, class: 'short', name: 'at' });
  fill(box,
    h('h2', {}, 'Workspace'),
    h('form', { class: 'step', onsubmit: e => { e.preventDefault(); showFiles(box, sessionId, Number(stepInput.value)); } },
      'after #', stepInput, ` of ${listing.last_seq} `, h('button', { type: 'submit' }, 'show')),
    h('ul', { class: 'file-list', id: 'file-list' }, listing.entries.length === 0 ? h('li', { class: 'muted' }, 'empty') : listing.entries.map(e =>
      h('li', { class: `kind-${e.kind}` },
        e.kind === 'file'
          ? h('button', { class: 'link', 'data-path': e.path, onclick: () => showFile(content, sessionId, listing.at, e.path) }, e.path)
          : h('span', {}, e.path, e.kind === 'symlink' ? ` → ${e.target}` : '/'),
        e.kind === 'file' ? h('span', { class: 'muted' }, ` ${fmt.int(e.size)} B`) : null))),
    content);
}

async function showFile(box, sessionId, at, path) {
  const file = await api.file(sessionId, at, path);
  fill(box,
    h('div', { class: 'diff-path' }, `${file.path} · ${fmt.int(file.size)} bytes after #${at}${file.truncated ? ' (first 1 MB)' : ''}`),
    file.binary ? h('p', { class: 'muted' }, 'binary file') : h('pre', { class: 'out' }, file.text));
}
