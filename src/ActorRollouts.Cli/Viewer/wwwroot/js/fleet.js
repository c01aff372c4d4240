// A fleet: its numbers, charts, downloads, and every session in a table that sorts, filters and pages (10,000 rows
// stay fast: only one page is in the DOM). Filters live in the URL, so a filtered view can be shared. Sessions' tool
// calls by tool and result come after the table is up (from the fleet's journal; older journals: the sessions').
import { api, follow } from './api.js';
import { h, fill, fmt, statusBadge, links, setCrumbs, setLive } from './dom.js';
import { barChart, barList, histogram } from './charts.js';

const PAGE = 100;
const COLUMNS = [
  ['session_id', 'session'], ['status', 'status'], ['stop_reason', 'stop reason'], ['turns', 'turns', 'num'],
  ['input_tokens', 'tokens in', 'num'], ['output_tokens', 'tokens out', 'num'], ['cost_usd', 'cost', 'num'],
  ['reward', 'reward', 'num'], ['error', 'error'], ['took', 'took', 'num'],
];
const FILTERS = ['status', 'stop', 'tool', 'code', 'min_reward', 'max_reward', 'q', 'sort', 'desc', 'page'];

export async function render(main, fleetId) {
  setCrumbs(['fleets', '/'], [fleetId]);
  const view = {
    fleetId, data: await api.fleet(fleetId), tools: null,
    filter: Object.fromEntries(FILTERS.map(k => [k, new URLSearchParams(location.search).get(k) ?? ''])),
    picked: new Set(),
  };
  const parts = {
    summary: h('section', { class: 'summary', id: 'fleet-summary' }),
    charts: h('section', { class: 'charts', id: 'charts' }),
    filters: h('section', { class: 'filters', id: 'filters' }),
    table: h('section', { id: 'sessions' }),
  };
  fill(main,
    h('h1', {}, fleetId, ' ', h('span', { id: 'fleet-status' })),
    parts.summary,
    h('p', { class: 'downloads' }, 'Download: ',
      h('a', { href: api.download(fleetId, 'trajectories'), download: `${fleetId}-trajectories.jsonl` }, 'trajectories.jsonl'), ' · ',
      h('a', { href: api.download(fleetId, 'openai-chat'), download: `${fleetId}-openai-chat.jsonl` }, 'export (OpenAI chat).jsonl'),
      h('span', { class: 'muted' }, ' — finished sessions, as actor-rollouts export writes them')),
    parts.charts, parts.filters, parts.table);

  // A live refresh leaves the filters alone, so a list being opened or a search being typed is not taken away.
  const redraw = ({ filters = true } = {}) => {
    drawSummary(parts.summary, view.data.summary);
    drawCharts(parts.charts, view);
    if (filters) drawFilters(parts.filters, view, () => drawTable(parts.table, view));
    drawTable(parts.table, view);
  };
  redraw();
  loadTools(view, redraw);

  if (view.data.summary.status !== 'complete') {
    setLive(true);
    let refreshing = false;
    const stop = follow(api.liveFleet(fleetId), {
      fleet: async summary => {
        const shown = view.data.summary;
        if (refreshing || (summary.seq === shown.seq && summary.status === shown.status)) return; // the feed opens with what is shown
        refreshing = true;
        try {
          view.data = await api.fleet(fleetId);
          redraw({ filters: false });
          if (summary.status === 'complete') {
            stop();
            setLive(false);
            loadTools(view, redraw);
          }
        } finally {
          refreshing = false;
        }
      },
    });
  }
}

async function loadTools(view, redraw) {
  view.tools = await api.tools(view.fleetId);
  redraw();
}

function drawSummary(box, s) {
  const status = document.getElementById('fleet-status');
  fill(status, statusBadge(s.status));
  fill(box,
    stat('sessions', fmt.int(s.sessions)),
    ...Object.entries(s.by_status).map(([k, v]) => stat(k, fmt.int(v), `st-${k}`)),
    stat('turns', fmt.int(s.turns)),
    stat('tokens in / out', `${fmt.int(s.input_tokens)} / ${fmt.int(s.output_tokens)}`),
    stat('cost', fmt.cost(s.cost_usd) || '$0'),
    stat('reward', s.reward ? `${fmt.reward(s.reward.mean)} mean of ${fmt.int(s.reward.graded)}` : '—'),
    stat('model', s.model ?? ''),
    stat('started', fmt.time(s.started_at)),
    stat('took', fmt.span(s.started_at, s.ended_at) || '—'));
}

function stat(label, value, cls) {
  return h('div', { class: `stat ${cls ?? ''}` }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value));
}

function drawCharts(box, view) {
  const rows = view.data.sessions;
  const rewards = rows.filter(r => r.reward !== null).map(r => r.reward);
  const started = rows.filter(r => r.started_at);
  const total = (tallies, key) => {
    const sums = {};
    for (const t of Object.values(tallies ?? {})) for (const [k, v] of Object.entries(t[key])) sums[k] = (sums[k] ?? 0) + v;
    return Object.entries(sums).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  };
  const pending = view.tools ? 'none' : 'reading the sessions’ tool calls…';
  fill(box,
    barChart('reward', histogram(rewards, 10, v => fmt.reward(v)), { empty: 'no graded sessions' }),
    barChart('turns per session', histogram(started.map(r => r.turns), 10)),
    barChart('tokens per session', histogram(started.map(r => r.input_tokens + r.output_tokens), 10, v => compactNumber(v))),
    barList('tool calls by tool', total(view.tools, 'by_tool'), { empty: pending }),
    barList('tool results by code', total(view.tools, 'by_result'), { empty: pending }));
}

function compactNumber(v) {
  return v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${Math.round(v / 1e3)}k` : String(Math.round(v));
}

function drawFilters(box, view, onChange) {
  const rows = view.data.sessions;
  const f = view.filter;
  const distinct = values => [...new Set(values.filter(v => v !== null && v !== undefined && v !== ''))].sort();
  const toolKeys = key => distinct(Object.values(view.tools ?? {}).flatMap(t => Object.keys(t[key])));
  const set = (key, value) => {
    f[key] = value;
    if (key !== 'page') f.page = '';
    const q = new URLSearchParams(Object.entries(f).filter(([, v]) => v !== ''));
    history.replaceState(null, '', `${location.pathname}${q.size ? '?' + q : ''}`);
    onChange();
  };
  view.setFilter = set;
  const select = (key, label, options, disabledText) => h('label', {}, label, ' ',
    h('select', { name: key, onchange: e => set(key, e.target.value), disabled: disabledText ? true : null, title: disabledText ?? null },
      h('option', { value: '' }, disabledText ? 'loading…' : 'any'),
      options.map(o => h('option', { value: o, selected: o === f[key] ? true : null }, o))));
  const number = (key, label) => h('label', {}, label, ' ',
    h('input', { name: key, type: 'number', step: 'any', value: f[key], class: 'short', onchange: e => set(key, e.target.value) }));
  const loading = view.tools ? null : 'reading the sessions’ tool calls';
  fill(box,
    select('status', 'status', distinct(rows.map(r => r.status))),
    select('stop', 'stop reason', distinct(rows.map(r => r.stop_reason))),
    select('tool', 'tool', toolKeys('by_tool'), loading),
    select('code', 'result code', toolKeys('by_result'), loading),
    number('min_reward', 'reward ≥'), number('max_reward', 'reward ≤'),
    h('label', {}, 'search ', h('input', { name: 'q', type: 'search', value: f.q, placeholder: 'session, task or error', oninput: e => set('q', e.target.value) })));
}

function chosenRows(view) {
  const f = view.filter;
  const tools = view.tools ?? {};
  const q = f.q.toLowerCase();
  const rows = view.data.sessions.filter(r =>
    (!f.status || r.status === f.status) &&
    (!f.stop || r.stop_reason === f.stop) &&
    (!f.tool || tools[r.session_id]?.by_tool[f.tool]) &&
    (!f.code || tools[r.session_id]?.by_result[f.code]) &&
    (f.min_reward === '' || (r.reward !== null && r.reward >= Number(f.min_reward))) &&
    (f.max_reward === '' || (r.reward !== null && r.reward <= Number(f.max_reward))) &&
    (!q || r.session_id.toLowerCase().includes(q) || (r.error ?? '').toLowerCase().includes(q)));
  if (f.sort) {
    const key = f.sort === 'took' ? r => r.started_at && r.ended_at ? new Date(r.ended_at) - new Date(r.started_at) : null : r => r[f.sort];
    const sign = f.desc ? -1 : 1;
    rows.sort((a, b) => {
      const x = key(a), y = key(b);
      if (x === y) return 0;
      if (x === null || x === undefined) return 1; // empty cells last either way
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * sign;
    });
  }
  return rows;
}

function drawTable(box, view) {
  const rows = chosenRows(view);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  const page = Math.min(pages, Math.max(1, Number(view.filter.page) || 1));
  const shown = rows.slice((page - 1) * PAGE, page * PAGE);
  const sortBy = key => {
    view.filter.desc = view.filter.sort === key && !view.filter.desc ? '1' : '';
    view.setFilter('sort', key);
  };
  const picked = [...view.picked];
  fill(box,
    h('div', { class: 'table-bar' },
      h('span', { id: 'shown-count' }, `${fmt.int(rows.length)} of ${fmt.int(view.data.sessions.length)} sessions`),
      pager(page, pages, p => view.setFilter('page', String(p))),
      picked.length === 2
        ? h('a', { class: 'button', id: 'compare-picked', href: links.compare(picked[0], picked[1]) }, 'compare the two picked')
        : h('span', { class: 'muted' }, 'pick two sessions to compare them')),
    h('table', { class: 'grid sessions' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), COLUMNS.map(([key, label, cls]) =>
        h('th', { class: `sortable ${cls ?? ''}`, 'data-sort': key, onclick: () => sortBy(key),
          'aria-sort': view.filter.sort === key ? (view.filter.desc ? 'descending' : 'ascending') : null },
          label, view.filter.sort === key ? (view.filter.desc ? ' ▼' : ' ▲') : '')))),
      h('tbody', {}, shown.map(r => sessionRow(r, view, () => drawTable(box, view))))));
}

function pager(page, pages, go) {
  return h('span', { class: 'pager' },
    h('button', { onclick: () => go(page - 1), disabled: page <= 1 ? true : null }, '‹ prev'),
    ` page ${page} of ${pages} `,
    h('button', { onclick: () => go(page + 1), disabled: page >= pages ? true : null }, 'next ›'));
}

function sessionRow(r, view, redraw) {
  const pick = h('input', { type: 'checkbox', title: 'pick to compare', checked: view.picked.has(r.session_id) ? true : null,
    onchange: e => {
      if (e.target.checked) view.picked.add(r.session_id); else view.picked.delete(r.session_id);
      while (view.picked.size > 2) view.picked.delete(view.picked.values().next().value);
      redraw();
    } });
  return h('tr', { 'data-session': r.session_id, 'data-status': r.status },
    h('td', {}, pick),
    h('td', {}, h('a', { href: links.session(r.session_id) }, r.session_id)),
    h('td', {}, statusBadge(r.status)),
    h('td', {}, r.stop_reason ?? ''),
    h('td', { class: 'num' }, fmt.int(r.turns)),
    h('td', { class: 'num' }, fmt.int(r.input_tokens)),
    h('td', { class: 'num' }, fmt.int(r.output_tokens)),
    h('td', { class: 'num' }, fmt.cost(r.cost_usd)),
    h('td', { class: 'num' }, fmt.reward(r.reward)),
    h('td', { class: 'error-cell', title: r.error ?? '' }, r.error ?? ''),
    h('td', { class: 'num' }, fmt.span(r.started_at, r.ended_at)));
}
