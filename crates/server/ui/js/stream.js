// Follows the event stream (GET /api/v1/stream, Server-Sent Events) with the signed-in token.
// EventSource cannot send an Authorization header, so the stream is read with fetch and parsed
// here (the SSE format: `id:`, `event:`, `data:` lines, a blank line ends an event, `:` starts a
// comment such as the server's heartbeat). After a disconnect it resumes from the last event id
// it received (`Last-Event-ID`), so nothing is lost or repeated; a `stream_lagged` error (the
// page fell behind) resumes the same way. Only what the server sends is shown: it sends only
// the events the token may see.

import { session } from './api.js';

// Parses complete SSE blocks off the front of `buffer`; returns [events, rest].
export function parseBlocks(buffer) {
  const events = [];
  const blocks = buffer.split(/\r\n\r\n|\n\n|\r\r/);
  const rest = blocks.pop();
  for (const block of blocks) {
    const event = { id: null, type: 'message', data: [] };
    let any = false;
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'id') event.id = value;
      else if (field === 'event') event.type = value;
      else if (field === 'data') event.data.push(value);
      else continue;
      any = true;
    }
    if (any) events.push({ id: event.id, type: event.type, data: event.data.join('\n') });
  }
  return [events, rest];
}

// Starts following; `query` is the stream's query string (filters), `onEvent(view)` gets each
// event's JSON (its `type`, `at`, `data`…), `onState(text, ok)` what the connection is doing.
// Returns a function that stops it.
export function follow(query, onEvent, onState) {
  const controller = new AbortController();
  let lastId = null;
  let stopped = false;
  let delay = 1000;

  async function connect() {
    const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${session.token()}` };
    if (lastId) headers['Last-Event-ID'] = lastId;
    const response = await fetch(`/api/v1/stream${query ? `?${query}` : ''}`, { headers, signal: controller.signal, credentials: 'omit' });
    if (!response.ok || !response.body) {
      const error = new Error(`the live feed was refused (status ${response.status})`);
      error.status = response.status;
      throw error;
    }
    onState('Live: new events you may see appear here as they happen.', true);
    delay = 1000;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      const [events, rest] = parseBlocks(buffer);
      buffer = rest;
      for (const e of events) {
        if (e.type === 'error') {
          // The server ends the stream (lagged, shutting down, token revoked) and says where
          // to resume from.
          let body = null;
          try {
            body = JSON.parse(e.data);
          } catch {
            body = null;
          }
          if (body && body.last_event_id) lastId = body.last_event_id;
          if (body && body.code === 'unauthenticated') {
            const error = new Error('your token is no longer accepted');
            error.status = 401;
            throw error;
          }
          continue;
        }
        if (e.id) lastId = e.id;
        let view;
        try {
          view = JSON.parse(e.data);
        } catch {
          continue;
        }
        onEvent(view);
      }
    }
  }

  (async () => {
    while (!stopped) {
      try {
        await connect();
        if (stopped) return;
        onState('The live feed was closed by the server; reconnecting…', false);
      } catch (e) {
        if (stopped || e.name === 'AbortError') return;
        if (e.status === 401 || e.status === 403) {
          onState(`The live feed is not available: ${e.message}.`, false);
          return;
        }
        onState(`The live feed is disconnected (${e.message}); reconnecting…`, false);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30000);
    }
  })();

  return () => {
    stopped = true;
    controller.abort();
  };
}
