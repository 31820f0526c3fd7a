// common.js — what the agent and supervisor pages share: the API (fetch
// with the session cookie, JSON errors shown to the user), logging in and
// out, the event stream (WebSocket with reconnect from the last seq), and
// small DOM and time helpers. The agent and supervisor pages keep no
// token in JavaScript: login sets an HttpOnly, SameSite=Strict cookie that
// fetch and the WebSocket send (the framed softphone cannot: useToken).

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

// A page framed by another site (web/opencti/, inside Salesforce) gets
// no SameSite=Strict cookie: it logs in for a token and sends it itself,
// as a Bearer header and on the event stream's handshake.
let bearer = null;
export function useToken(token) {
  bearer = token || null;
}

// fetch /api/v1<path>; resolves to the parsed body (null for 204), throws
// ApiError with the server's code and message on any other status.
export async function api(method, path, body) {
  const opts = { method, credentials: 'same-origin', headers: {} };
  if (bearer) opts.headers.Authorization = 'Bearer ' + bearer;
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch('/api/v1' + path, opts);
  } catch (e) {
    throw new ApiError(0, 'network', 'switchboard cannot be reached');
  }
  const text = await res.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch (e) { json = null; }
  }
  if (!res.ok) {
    const err = (json && json.error) || {};
    throw new ApiError(res.status, err.code || 'http_' + res.status,
      err.message || res.status + ' ' + res.statusText, err.field);
  }
  return json;
}

// The status line at the top of a page: role="alert" text that screen
// readers announce, cleared after a while or by the next message.
let errorTimer = null;
export function showError(err) {
  const box = document.getElementById('error');
  if (!box) return;
  const msg = err instanceof Error ? err.message : String(err);
  box.textContent = msg;
  box.hidden = !msg;
  clearTimeout(errorTimer);
  if (msg) errorTimer = setTimeout(() => { box.hidden = true; }, 8000);
}

export function clearError() {
  showError('');
}

// Wires the login form; resolves with /me once logged in (at once when
// the session cookie is still valid).
export async function loginFlow(onLoggedIn) {
  const form = document.getElementById('login');
  const app = document.getElementById('app');
  const show = (me) => {
    form.hidden = !!me;
    app.hidden = !me;
    if (me) onLoggedIn(me);
    else document.getElementById('login-id').focus();
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = form.elements.id.value.trim();
    const password = form.elements.password.value;
    try {
      await api('POST', '/login', { id, password });
      form.elements.password.value = '';
      clearError();
      show(await api('GET', '/me'));
    } catch (e) {
      showError(e.code === 'unauthorized' ? 'Wrong id or password' : e);
      form.elements.password.select();
    }
  });
  const out = document.getElementById('logout');
  if (out) {
    out.addEventListener('click', async () => {
      try { await api('POST', '/logout'); } catch (e) { /* gone anyway */ }
      location.reload();
    });
  }
  try {
    show(await api('GET', '/me'));
  } catch (e) {
    if (e.status !== 401) showError(e);
    show(null);
  }
}

// The event stream, GET /api/v1/events over a WebSocket. onHello(fresh)
// is called on every connection: fresh is true when the page's state may
// have missed events (first connection, a resync, a restarted server) and
// must be fetched again. onEvent(ev) gets each {seq,type,at,data}. After a
// drop it reconnects with since=<last seq> (backing off up to 10 s), so
// nothing is missed while the server still has it.
export class EventStream {
  // from: {stream, seq} to replay from on the first connection (a page
  // that reloads in the middle of something), or null
  constructor(onHello, onEvent, onState, from) {
    this.onHello = onHello;
    this.onEvent = onEvent;
    this.onState = onState || (() => {});
    this.seq = from ? from.seq : null;
    this.stream = from ? from.stream : null;
    this.delay = 500;
    this.closed = false;
    this.connect();
  }

  connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let url = proto + '//' + location.host + '/api/v1/events';
    if (this.seq !== null) {
      url += '?since=' + this.seq + '&stream=' +
        encodeURIComponent(this.stream);
    }
    if (bearer) {
      url += (url.includes('?') ? '&' : '?') + 'access_token=' +
        encodeURIComponent(bearer);
    }
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      this.retry();
      return;
    }
    this.ws = ws;
    let resumed = this.seq !== null;
    let helloSeq = 0;
    ws.onmessage = (m) => {
      let ev;
      try { ev = JSON.parse(m.data); } catch (e) { return; }
      if (ev.type === 'hello') {
        this.delay = 500;
        this.onState(true);
        helloSeq = ev.data.seq;
        const fresh = !resumed || this.stream !== ev.data.stream;
        this.stream = ev.data.stream;
        if (fresh) this.seq = helloSeq;
        this.onHello(fresh);
        return;
      }
      if (ev.type === 'resync') {
        // the state is fetched again as of the hello: the replay of
        // older events that follows would only take it back in time
        this.stream = ev.data.stream;
        this.seq = helloSeq;
        resumed = false;
        this.onHello(true);
        return;
      }
      if (typeof ev.seq === 'number') {
        if (this.seq !== null && ev.seq <= this.seq) return;
        this.seq = ev.seq;
      }
      this.onEvent(ev);
    };
    ws.onclose = () => {
      this.onState(false);
      if (!this.closed) this.retry();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  retry() {
    setTimeout(() => this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, 10000);
  }

  close() {
    this.closed = true;
    if (this.ws) this.ws.close();
  }
}

// -- helpers ------------------------------------------------------------

// el('button', {class: 'x', onclick: f}, 'text', child, ...)
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

export function $(id) {
  return document.getElementById(id);
}

// 75 -> "1:15", 3675 -> "1:01:15"
export function fmtDuration(s) {
  s = Math.max(0, Math.floor(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? h + ':' + String(m).padStart(2, '0') + ':' + ss : m + ':' + ss;
}

export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

// Midnight UTC today, as the API's "today" counts (UTC day).
function todayUtc() {
  const d = new Date();
  return d.toISOString().slice(0, 10) + 'T00:00:00Z';
}

// Where the pages' lists of calls start: a day back, not at midnight,
// so that a call still live when midnight passed (and the wrap-up of
// one that ended just before) is found after a reload. Lists of the
// day's calls keep only today's ended ones (todaysCalls).
export function callsSince() {
  return new Date(Date.now() - 24 * 3600 * 1000).toISOString();
}

export function todaysCalls(calls) {
  const day = Date.parse(todayUtc());
  return calls.filter((r) => !r.ended || Date.parse(r.arrived) >= day);
}

export function secondsSince(iso) {
  return iso ? (Date.now() - Date.parse(iso)) / 1000 : 0;
}

// The page's state is (re)loaded whenever the stream says it may be stale
// (first connection, reload, resync); events that arrive meanwhile are
// applied after the load, in order, so none is lost or applied to state
// that the load then overwrites.
export function stateSync(loadState, apply) {
  let loading = null;
  let queued = [];
  return {
    onHello(fresh) {
      if (!fresh) return;
      queued = [];
      loading = loadState()
        .catch(showError)
        .finally(() => {
          loading = null;
          const q = queued;
          queued = [];
          q.forEach(apply);
        });
    },
    onEvent(ev) {
      if (loading) queued.push(ev);
      else apply(ev);
    },
    get loading() { return loading !== null; },
  };
}

// The signed-in agent's calls, as the agent page and the Open CTI
// softphone both keep them (S.me, S.offer, S.call, S.wrapup).
// A supervisor's stream carries everyone's events: those that name
// another agent are not this page's; the rest are matched by call id.
const NAMES_AGENT = ['agent.status', 'call.offered', 'call.answered',
  'call.wrapup', 'call.dialing'];

export function othersEvent(S, ev) {
  return NAMES_AGENT.includes(ev.type) && (ev.data || {}).agent !== S.me.id;
}

// Applies the events that mean the same on both pages and returns what
// changed ('offer', 'call', 'wrapup', 'all'; '' for nothing), so that
// each page renders in its own way; null for the events it leaves to
// the page (offers and answers look different on each).
export function callStep(S, ev) {
  const d = ev.data || {};
  const isCall = S.call && S.call.id === d.call;
  switch (ev.type) {
    case 'call.offer_ended':
      if (!S.offer || S.offer.call !== d.call) return '';
      S.offer = null;
      return 'offer';
    case 'call.ended':
      if (S.offer && S.offer.call === d.call) S.offer = null;
      if (isCall) S.call = null;
      return 'all';
    case 'call.wrapup_ended':
      if (!S.wrapup || S.wrapup.id !== d.call) return '';
      S.wrapup = null;
      return 'wrapup';
    case 'call.muted':
    case 'call.unmuted':
      if (!isCall) return '';
      S.call.muted = ev.type === 'call.muted';
      return 'call';
    case 'call.held':
    case 'call.resumed':
      if (!isCall) return '';
      S.call.held = ev.type === 'call.held';
      return 'call';
    default:
      return null;
  }
}
