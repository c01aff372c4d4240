// Small SVG bar charts, drawn with createElementNS (labels are text nodes, like everything else).
import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** A titled chart of bars: entries are [label, value, tooltip?]; each bar has a tooltip with its label and value. */
export function barChart(title, entries, { width = 320, height = 140, empty = 'nothing yet' } = {}) {
  const box = h('figure', { class: 'chart' }, h('figcaption', {}, title));
  if (entries.length === 0 || entries.every(([, v]) => v === 0)) {
    box.append(h('p', { class: 'muted' }, empty));
    return box;
  }
  const max = Math.max(...entries.map(([, v]) => v));
  const labelRow = 28, top = 14;
  const barWidth = Math.max(2, Math.min(48, (width - 8) / entries.length - 2));
  const plot = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  entries.forEach(([label, value, tip], i) => {
    const x = 4 + i * (barWidth + 2);
    const barHeight = max === 0 ? 0 : Math.round((height - labelRow - top) * value / max);
    const y = height - labelRow - barHeight;
    plot.append(svg('rect', { x, y, width: barWidth, height: Math.max(barHeight, value > 0 ? 1 : 0), class: 'bar' },
      svg('title', {}, `${tip ?? label}: ${value.toLocaleString('en-US')}`)));
    if (value > 0 && barWidth >= 16) plot.append(svg('text', { x: x + barWidth / 2, y: y - 3, class: 'bar-value' }, compact(value)));
    if (barWidth >= 16 || i === 0 || i === entries.length - 1) {
      plot.append(svg('text', { x: x + barWidth / 2, y: height - labelRow + 12, class: 'bar-label' }, shorten(String(label), barWidth)));
    }
  });
  box.append(plot);
  return box;
}

/** Counts of numbers in equal bins between their lowest and highest: [[lower bound, count, range], ...]. Whole numbers
 * over a short range (turns) get one bin per value instead. */
export function histogram(values, bins = 10, format = v => String(Math.round(v))) {
  if (values.length === 0) return [];
  const min = Math.min(...values), max = Math.max(...values);
  if (min === max) return [[format(min), values.length]];
  if (values.every(Number.isInteger) && max - min < 25) {
    const counts = new Array(max - min + 1).fill(0);
    for (const v of values) counts[v - min]++;
    return counts.map((c, i) => [format(min + i), c]);
  }
  const width = (max - min) / bins;
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - min) / width))]++;
  return counts.map((c, i) => [format(min + i * width), c, `${format(min + i * width)}–${format(min + (i + 1) * width)}`]);
}

/** Counts by name as horizontal bars, largest first, each labelled in full (tools, result codes). */
export function barList(title, entries, { empty = 'nothing yet' } = {}) {
  const box = h('figure', { class: 'chart bar-list' }, h('figcaption', {}, title));
  if (entries.length === 0) {
    box.append(h('p', { class: 'muted' }, empty));
    return box;
  }
  const max = Math.max(...entries.map(([, v]) => v));
  box.append(h('table', {}, h('tbody', {}, entries.map(([label, value]) => h('tr', { title: `${label}: ${value.toLocaleString('en-US')}` },
    h('td', { class: 'bar-name' }, label),
    h('td', { class: 'bar-cell' }, h('span', { class: 'hbar', 'data-width': Math.max(1, Math.round(100 * value / max)) })),
    h('td', { class: 'num' }, value.toLocaleString('en-US')))))));
  for (const bar of box.querySelectorAll('.hbar')) bar.style.width = `${bar.dataset.width}%`; // style set as a property: CSP allows it
  return box;
}

/** Ten tiny bars for a table cell (the reward distribution on the fleets page). */
export function sparkBars(counts, title) {
  const max = Math.max(1, ...counts);
  const plot = svg('svg', { width: 60, height: 16, viewBox: '0 0 60 16', class: 'spark', role: 'img', 'aria-label': title });
  counts.forEach((c, i) => plot.append(svg('rect', { x: i * 6, y: 16 - Math.round(15 * c / max), width: 5, height: Math.round(15 * c / max), class: 'bar' })));
  plot.append(svg('title', {}, title));
  return plot;
}

function compact(n) {
  return n >= 10000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

function shorten(text, width) {
  const fits = Math.max(3, Math.floor(width / 6));
  return text.length > fits ? text.slice(0, fits - 1) + '…' : text;
}
