// The viewer's JSON API and its Server-Sent Events feeds.

export async function getJson(url) {
  const response = await fetch(url); // as the page's preload asked for it, so the browser uses that response
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try { message = (await response.json()).error ?? message; } catch { /* not JSON */ }
    throw new Error(message);
  }
  return response.json();
}

/** Follows a feed: handlers by event name receive the parsed data. Returns a function that closes it. */
export function follow(url, handlers) {
  const source = new EventSource(url);
  for (const [name, handler] of Object.entries(handlers)) {
    source.addEventListener(name, e => handler(JSON.parse(e.data)));
  }
  return () => source.close();
}

export const api = {
  fleets: () => getJson('/api/fleets'),
  fleet: id => getJson(`/api/fleet?id=${encodeURIComponent(id)}`),
  tools: id => getJson(`/api/fleet/tools?id=${encodeURIComponent(id)}`),
  session: id => getJson(`/api/session?id=${encodeURIComponent(id)}`),
  workspace: (id, at) => getJson(`/api/workspace?id=${encodeURIComponent(id)}${at ? `&at=${at}` : ''}`),
  file: (id, at, path) => getJson(`/api/workspace/file?id=${encodeURIComponent(id)}&at=${at}&path=${encodeURIComponent(path)}`),
  download: (id, format) => `/api/fleet/download?id=${encodeURIComponent(id)}&format=${format}`,
  liveFleets: '/api/live/fleets',
  liveFleet: id => `/api/live/fleet?id=${encodeURIComponent(id)}`,
  liveSession: (id, after) => `/api/live/session?id=${encodeURIComponent(id)}&after=${after}`,
};
