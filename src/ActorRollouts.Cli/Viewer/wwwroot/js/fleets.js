// The front page: every fleet in the journal, newest first; running fleets update live.
import { api, follow } from './api.js';
import { h, fill, fmt, statusBadge, links, setCrumbs, setLive } from './dom.js';
import { sparkBars } from './charts.js';

const ORDER = ['completed', 'failed', 'running', 'interrupted', 'pending'];

export async function render(main) {
  setCrumbs(['fleets']);
  const fleets = await api.fleets();
  const body = h('tbody');
  const rows = new Map();
  const put = fleet => {
    const row = fleetRow(fleet);
    const old = rows.get(fleet.fleet_id);
    if (old) old.replaceWith(row); else body.prepend(row);
    rows.set(fleet.fleet_id, row);
  };
  for (const fleet of [...fleets].reverse()) put(fleet);

  fill(main,
    h('h1', {}, 'Fleets'),
    fleets.length === 0
      ? h('p', { class: 'muted', id: 'no-fleets' }, 'No fleets in this journal yet. Start one with actor-rollouts run; it appears here as it starts.')
      : null,
    h('table', { class: 'grid', id: 'fleets' },
      h('thead', {}, h('tr', {}, ['fleet', 'status', 'sessions', 'by status', 'turns', 'tokens in', 'tokens out', 'cost', 'reward', 'model', 'started', 'took']
        .map(c => h('th', {}, c)))),
      body));
  // New fleets appear too, so the feed stays open while the page is.
  setLive(true);
  follow(api.liveFleets, {
    fleet: fleet => {
      document.getElementById('no-fleets')?.remove();
      put(fleet);
    },
  });
}

function fleetRow(f) {
  const reward = f.reward;
  return h('tr', { 'data-fleet': f.fleet_id, 'data-status': f.status },
    h('td', {}, h('a', { href: links.fleet(f.fleet_id) }, f.fleet_id)),
    h('td', {}, statusBadge(f.status)),
    h('td', { class: 'num' }, fmt.int(f.sessions)),
    h('td', { class: 'counts' }, ORDER.filter(s => f.by_status[s]).map(s => h('span', { class: `chip st-${s}`, title: s }, `${s} ${fmt.int(f.by_status[s])}`))),
    h('td', { class: 'num' }, fmt.int(f.turns)),
    h('td', { class: 'num' }, fmt.int(f.input_tokens)),
    h('td', { class: 'num' }, fmt.int(f.output_tokens)),
    h('td', { class: 'num' }, fmt.cost(f.cost_usd)),
    h('td', { class: 'reward' }, reward
      ? [sparkBars(reward.histogram, `rewards from ${fmt.reward(reward.min)} to ${fmt.reward(reward.max)}`),
        ` mean ${fmt.reward(reward.mean)} (${fmt.int(reward.graded)})`]
      : h('span', { class: 'muted' }, '—')),
    h('td', {}, f.model ?? ''),
    h('td', { class: 'nowrap' }, fmt.time(f.started_at)),
    h('td', { class: 'num' }, fmt.span(f.started_at, f.ended_at)));
}
