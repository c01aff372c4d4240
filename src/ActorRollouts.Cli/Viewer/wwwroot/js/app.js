// Routes by path: / (fleets), /fleets/ID, /sessions/ID, /compare?a=ID&b=ID. Every page is a plain module that renders
// into <main>; links are ordinary links, so the browser's back button and new tabs work as usual.
import { fill, errorBox } from './dom.js';

const routes = [
  [/^\/$/, () => import('./fleets.js'), () => []],
  [/^\/fleets\/(.+)$/, () => import('./fleet.js'), m => [decodeURIComponent(m[1])]],
  [/^\/sessions\/(.+)$/, () => import('./session.js'), m => [decodeURIComponent(m[1])]],
  [/^\/compare$/, () => import('./compare.js'), () => {
    const q = new URLSearchParams(location.search);
    return [q.get('a') ?? '', q.get('b') ?? ''];
  }],
];

async function start() {
  const main = document.getElementById('app');
  for (const [pattern, load, args] of routes) {
    const match = location.pathname.match(pattern);
    if (!match) continue;
    try {
      const page = await load();
      await page.render(main, ...args(match));
    } catch (e) {
      fill(main, errorBox(e.message));
    }
    performance.mark('rendered');
    document.body.dataset.ready = 'true'; // for tests and screenshots: the page has rendered
    return;
  }
  fill(main, errorBox(`No page at ${location.pathname}.`));
  document.body.dataset.ready = 'true';
}

start();
