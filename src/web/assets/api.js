// SPDX-License-Identifier: LGPL-2.1-or-later
// The console's only way to the hub: the HTTP API of DESIGN.md §4, with the
// bearer token in the Authorization header, and its Server-Sent Events read
// through fetch() (EventSource cannot send the token) with reconnection.

export class ApiError extends Error {
  // status 0: the hub could not be reached.  problem: the RFC 9457 body.
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export class Api {
  constructor(token) {
    this.token = token;
  }

  headers(extra = {}) {
    return { Authorization: `Bearer ${this.token}`, ...extra };
  }

  async request(method, path, body) {
    const init = { method, headers: this.headers({ Accept: 'application/json' }) };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, { detail: e.message });
    }
    const type = response.headers.get('Content-Type') || '';
    const data = type.includes('json') ? await response.json().catch(() => null) : null;
    if (!response.ok)
      throw new ApiError(response.status, data);
    return data;
  }

  get(path) { return this.request('GET', path); }
  post(path, body) { return this.request('POST', path, body); }
  patch(path, body) { return this.request('PATCH', path, body); }
  delete(path) { return this.request('DELETE', path); }

  // A binary answer (the snapshot JPEG) as a Blob.
  async blob(path, signal) {
    let response;
    try {
      response = await fetch(path, { headers: this.headers(), signal });
    } catch (e) {
      if (e.name === 'AbortError')
        throw e;
      throw new ApiError(0, { detail: e.message });
    }
    if (!response.ok)
      throw new ApiError(response.status, null);
    return response.blob();
  }
}

// Lists come as a bare array or wrapped in an object; take either.
export function listOf(data, ...keys) {
  if (Array.isArray(data))
    return data;
  for (const key of keys) {
    if (data && Array.isArray(data[key]))
      return data[key];
  }
  return [];
}

const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 15000;
// The hub sends a comment line on idle streams (15 s); silence for longer
// than this means the connection is dead even if TCP has not noticed.
const STALL_MS = 45000;

// Follows /api/v1/events.  onEvent(name, data) for each event;
// onStatus(connected) when the stream comes up or goes down;
// onUnauthorized() when the hub refuses the token.
export class EventStream {
  constructor(api, { onEvent, onStatus, onUnauthorized }) {
    this.api = api;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.onUnauthorized = onUnauthorized;
    this.lastId = null;
    this.controller = null;
    this.stopped = true;
    this.backoff = BACKOFF_MIN_MS;
    this.connected = false;
  }

  start() {
    if (!this.stopped)
      return;
    this.stopped = false;
    this.loop();
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
  }

  setConnected(connected) {
    if (connected === this.connected)
      return;
    this.connected = connected;
    this.onStatus(connected);
  }

  async loop() {
    while (!this.stopped) {
      let unauthorized = false;
      try {
        unauthorized = await this.connectOnce();
      } catch {
        // Dropped or refused: fall through to the backoff.
      }
      this.setConnected(false);
      if (unauthorized) {
        this.stopped = true;
        this.onUnauthorized();
        return;
      }
      if (this.stopped)
        return;
      // Exponential backoff with jitter, so that many consoles do not come
      // back at the same instant after a restart of the hub.
      const delay = this.backoff * (0.75 + Math.random() * 0.5);
      this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  // One connection; resolves when it ends.  Returns true on a 401.
  async connectOnce() {
    this.controller = new AbortController();
    const headers = this.api.headers({ Accept: 'text/event-stream' });
    if (this.lastId !== null)
      headers['Last-Event-ID'] = this.lastId;
    const response = await fetch('/api/v1/events', {
      headers, signal: this.controller.signal, cache: 'no-store',
    });
    if (response.status === 401)
      return true;
    if (!response.ok || !response.body)
      return false;

    this.setConnected(true);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let stallTimer = null;
    const armStall = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => this.controller.abort(), STALL_MS);
    };
    armStall();

    let buffer = '';
    let event = { name: 'message', data: [], id: null };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done)
          break;
        armStall();
        this.backoff = BACKOFF_MIN_MS;
        buffer += value;
        let newline;
        while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
          event = this.feedLine(line, event);
        }
      }
    } finally {
      clearTimeout(stallTimer);
    }
    return false;
  }

  // The SSE line grammar (HTML Living Standard, "event stream interpretation").
  feedLine(line, event) {
    if (line === '') {
      if (event.id !== null)
        this.lastId = event.id;
      if (event.data.length > 0) {
        let data = null;
        try {
          data = JSON.parse(event.data.join('\n'));
        } catch {
          data = event.data.join('\n');
        }
        this.onEvent(event.name, data);
      }
      return { name: 'message', data: [], id: null };
    }
    if (line.startsWith(':'))
      return event;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' '))
      value = value.slice(1);
    if (field === 'event')
      event.name = value;
    else if (field === 'data')
      event.data.push(value);
    else if (field === 'id' && !value.includes('\0'))
      event.id = value;
    return event;
  }
}
