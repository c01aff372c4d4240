// Building the page without HTML strings: every value from the journal (model output, tool output, file names) goes
// into the DOM as a text node, so a "<script>" in it shows as those characters and never runs. Nothing here uses
// innerHTML, insertAdjacentHTML or document.write.

/** h('div', {class: 'x', onclick: f}, 'text', child, [more]) — attributes are set with setAttribute (functions become
 * listeners); children that are strings or numbers become text nodes; null and false are skipped. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Replaces the element's children (null, undefined and false are skipped, unlike the DOM's own append). */
export function fill(el, ...children) {
  return append(clear(el), children);
}

export const fmt = {
  int: n => (n ?? 0).toLocaleString('en-US'),
  cost: n => n === null || n === undefined ? '' : '$' + Number(n).toFixed(Number(n) >= 1 ? 2 : 4),
  reward: r => r === null || r === undefined ? '' : Number(r).toFixed(3).replace(/\.?0+$/, '') || '0',
  time: t => t ? new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '',
  clock: t => t ? new Date(t).toISOString().slice(11, 23) : '',
  ms: ms => ms === null || ms === undefined ? '' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`,
  span: (a, b) => a && b ? fmt.ms(new Date(b) - new Date(a)) : '',
};

export function statusBadge(status) {
  return h('span', { class: `badge st-${status}` }, status);
}

/** A link to a page of the viewer (ids are encoded, so any character in a task id survives). */
export const links = {
  fleet: id => `/fleets/${encodeURIComponent(id)}`,
  session: id => `/sessions/${encodeURIComponent(id)}`,
  compare: (a, b) => `/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`,
};

export function setCrumbs(...items) {
  const nav = clear(document.getElementById('crumbs'));
  for (const [label, href] of items) {
    append(nav, [h('span', { class: 'sep' }, '/'), href ? h('a', { href }, label) : h('span', {}, label)]);
  }
}

/** Shows that the page follows the journal live (a dot in the header) while a feed is open. */
export function setLive(on) {
  document.getElementById('live').hidden = !on;
}

export function errorBox(message) {
  return h('div', { class: 'error-box', role: 'alert' }, message);
}
