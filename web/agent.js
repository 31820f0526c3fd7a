// agent.js — the agent page: status, the offer pop, the call and its
// controls, wrap-up, today's calls. The state is fetched from the API
// whenever the event stream says it may be stale (first connection,
// reload, resync) and then kept up to date by the stream's events.
import {
  api, ApiError, showError, clearError, loginFlow, EventStream, el, $,
  fmtDuration, fmtTime, callsSince, todaysCalls, secondsSince,
  stateSync, othersEvent, callStep,
} from './common.js';
import { nbaCall, nbaEvent, nbaLoad } from './nba.js';

const S = {
  me: null,            // {id, name, role}
  statuses: [],
  queues: new Map(),   // id -> queue
  agents: [],          // transfer targets (supervisors can list them)
  runtime: null,
  offer: null,         // {call, from, queue, waited_s, deadline (ms)}
  call: null,          // {id, from, queue, since (ms), muted, held}
  wrapup: null,        // {id, until (ms)}
  history: [],
  unsupported: new Set(),   // control paths this server does not have
  dtmf: '',
  // the current (or last) call's live transcript: finals in order, and
  // per leg the partial of the utterance under way
  transcript: { call: null, finals: [], partial: {} },
};

// -- rendering ----------------------------------------------------------

function queueName(id) {
  const q = S.queues.get(id);
  return q ? q.name : (id || '');
}

function renderStatus() {
  const sel = $('status');
  const cur = S.runtime ? S.runtime.status : '';
  if (sel.options.length !== S.statuses.length) {
    sel.replaceChildren(...S.statuses.map((s) =>
      el('option', { value: s.id }, s.name)));
  }
  sel.value = cur;
  const rt = S.runtime;
  $('presence').textContent = !rt ? '' :
    (rt.present ? 'Phone registered' : 'No phone registered') +
    (rt.routable ? ' · taking calls' : ' · not taking calls');
}

function renderOffer() {
  const o = S.offer;
  const box = $('offer');
  const wasHidden = box.hidden;
  box.hidden = !o;
  if (!o) return;
  $('offer-from').textContent = o.from || 'Unknown caller';
  $('offer-queue').textContent = queueName(o.queue);
  if (wasHidden) {
    // a new offer: announce it and put the keyboard on Accept
    $('offer-hint').hidden = true;
    $('accept').focus();
  }
}

function renderCall() {
  const c = S.call;
  $('call').hidden = !c;
  $('dial-box').hidden = !!c || S.unsupported.has('dial');
  if (!c) return;
  $('call-title').textContent = c.dialing ? 'Calling…' : 'On a call';
  $('call-from').textContent = c.from || 'Unknown caller';
  $('call-queue').textContent = c.queue ? 'Queue: ' + queueName(c.queue) : '';
  const hold = $('hold');
  hold.textContent = c.held ? 'Resume' : 'Hold';
  hold.setAttribute('aria-pressed', String(!!c.held));
  const mute = $('mute');
  mute.textContent = c.muted ? 'Unmute' : 'Mute';
  mute.setAttribute('aria-pressed', String(!!c.muted));
  $('call-flags').textContent = [c.held && 'On hold', c.muted && 'Muted']
    .filter(Boolean).join(' · ');
  for (const [id, path] of [['hold', 'hold'], ['mute', 'mute'],
    ['hangup', 'hangup']]) {
    $(id).hidden = S.unsupported.has(path);
  }
  $('dtmf-box').hidden = S.unsupported.has('dtmf');
  $('transfer-box').hidden = S.unsupported.has('transfer');
  $('dtmf-sent').textContent = S.dtmf;
}

function renderWrapup() {
  const w = S.wrapup;
  const box = $('wrapup');
  const wasHidden = box.hidden;
  box.hidden = !w;
  if (!w) return;
  if (wasHidden) {
    $('wrapup-form').reset();
    $('disposition').focus();
  }
}

function renderHistory() {
  const rows = S.history.filter((r) => r.ended).map((r) => el('tr', {},
    el('td', {}, fmtTime(r.arrived)),
    el('td', {}, r.direction === 'outbound' ? 'To ' + r.to :
      r.from_number || r.from || ''),
    el('td', {}, queueName(r.queue)),
    el('td', {}, r.duration_s === null || r.duration_s === undefined ?
      '' : fmtDuration(r.duration_s)),
    el('td', {}, r.disposition || r.end_reason || '')));
  $('history').replaceChildren(...rows);
  $('history-empty').hidden = rows.length > 0;
}

function renderTranscript() {
  const t = S.transcript;
  const line = (seg, partial) => el('p',
    { class: partial ? 'muted' : '' },
    el('strong', {}, seg.role === 'agent' ? 'You: ' : 'Customer: '),
    seg.gap ? '[audio dropped]' : seg.text);
  const lines = t.finals.map((f) => line(f, false));
  for (const leg of ['a', 'b']) {
    if (t.partial[leg]) lines.push(line(t.partial[leg], true));
  }
  const box = $('transcript');
  if (!lines.length) {
    box.replaceChildren(el('p', { class: 'muted' }, 'No transcript yet.'));
    return;
  }
  box.replaceChildren(...lines);
  box.scrollTop = box.scrollHeight;
}

function onTranscript(ev, d) {
  const t = S.transcript;
  if (t.call !== d.call) {
    if (!S.call || S.call.id !== d.call) return;
    S.transcript = { call: d.call, finals: [], partial: {} };
  }
  if (ev.type === 'transcript.final') {
    S.transcript.partial[d.leg] = null;
    if (d.text || d.gap) S.transcript.finals.push(d);
  } else {
    S.transcript.partial[d.leg] = d;
  }
  renderTranscript();
}

function renderTransferTargets() {
  const sel = $('transfer-target');
  const opts = [];
  for (const q of S.queues.values()) {
    opts.push(el('option', { value: 'queue:' + q.id }, 'Queue: ' + q.name));
  }
  for (const a of S.agents) {
    if (a.id !== S.me.id) {
      opts.push(el('option', { value: 'agent:' + a.id }, 'Agent: ' + a.name));
    }
  }
  sel.replaceChildren(...opts);
}

function render() {
  renderStatus();
  renderOffer();
  renderCall();
  renderWrapup();
  renderHistory();
}

// once a second: the timers
function tick() {
  if (S.runtime && S.runtime.status_since) {
    $('status-time').textContent = 'for ' +
      fmtDuration(secondsSince(S.runtime.status_since));
  }
  if (S.offer) {
    const left = Math.max(0, Math.ceil((S.offer.deadline - Date.now()) /
      1000));
    $('offer-countdown').textContent = String(left);
    $('offer-wait').textContent = fmtDuration(S.offer.waited_s +
      (Date.now() - S.offer.shown) / 1000);
  }
  if (S.call) {
    $('call-timer').textContent = fmtDuration((Date.now() - S.call.since) /
      1000);
  }
  if (S.wrapup && S.wrapup.until) {
    const left = Math.max(0, Math.ceil((S.wrapup.until - Date.now()) / 1000));
    $('wrapup-info').textContent = 'Time left: ' + fmtDuration(left);
  }
}

// -- state from the API -------------------------------------------------

async function loadStatic() {
  const [st, qs] = await Promise.all([api('GET', '/statuses'),
    api('GET', '/queues')]);
  S.statuses = st.statuses;
  S.queues = new Map(qs.queues.map((q) => [q.id, q]));
  if (S.me.role !== 'agent') {
    try {
      S.agents = (await api('GET', '/agents')).agents;
    } catch (e) { S.agents = []; }
  }
  renderTransferTargets();
}

// The calls of today, newest first; a live one is the current call, the
// offer ringing now, or a wrap-up still open.
async function loadState() {
  const [agent, calls] = await Promise.all([
    api('GET', '/agents/' + encodeURIComponent(S.me.id)),
    api('GET', '/calls?since=' + callsSince() + '&limit=100'),
  ]);
  S.runtime = agent.runtime || null;
  S.history = todaysCalls(calls.calls);
  S.offer = null;
  S.call = null;
  S.wrapup = null;
  for (const r of calls.calls) {
    if (r.ended) {
      const q = S.queues.get(r.queue);
      const until = Date.parse(r.ended) + (q && q.wrapup_s || 0) * 1000;
      if (!S.wrapup && r.agent === S.me.id && r.answered &&
          !r.disposition && until > Date.now()) {
        S.wrapup = { id: r.id, until };
      }
      continue;
    }
    if (r.direction === 'outbound' && r.agent === S.me.id) {
      S.call = { id: r.id, from: r.to, queue: null, dialing: !r.answered,
        since: Date.parse(r.answered || r.arrived), muted: false,
        held: false };
      continue;
    }
    if (r.answered && r.agent === S.me.id) {
      S.call = { id: r.id, from: r.from_number || r.from, queue: r.queue,
        since: Date.parse(r.answered), muted: false, held: false };
      const ctl = r.control || r;
      if (typeof ctl.muted === 'boolean') S.call.muted = ctl.muted;
      if (typeof ctl.held === 'boolean') S.call.held = ctl.held;
      continue;
    }
    const leg = (r.legs || []).find((l) => l.agent === S.me.id &&
      !l.ended && l.final_code === null);
    if (!r.answered && leg) {
      const q = S.queues.get(r.queue);
      const timeout = (q && q.push_timeout_s || 15) * 1000;
      S.offer = { call: r.id, from: r.from_number || r.from, queue: r.queue,
        waited_s: secondsSince(r.arrived), shown: Date.now(),
        deadline: Date.parse(leg.started) + timeout };
    }
  }
  // the runtime knows an open wrap-up for sure
  const wu = S.runtime && S.runtime.wrap_up;
  if (wu && wu.call) S.wrapup = { id: wu.call, until: Date.parse(wu.until) };
  else if (S.runtime && 'wrap_up' in S.runtime) S.wrapup = null;
  // an open wrap-up belongs to the call that just ended, not to one on
  if (S.call) S.wrapup = null;
  render();
  tick();
  if (S.call) {
    nbaLoad(S.call.id);
    loadTranscript(S.call.id);
  }
}

// After a reload: what was said so far on the current call (the finals
// are stored; partials are not). A server without transcripts (404 for
// the path) just leaves the pane empty.
async function loadTranscript(id) {
  try {
    const t = await api('GET', '/calls/' + encodeURIComponent(id) +
      '/transcript');
    if (!S.call || S.call.id !== id) return;
    S.transcript = { call: id, finals: t.segments, partial: {} };
    renderTranscript();
  } catch (e) {
    if (!(e instanceof ApiError)) showError(e);
  }
}

// -- events -------------------------------------------------------------

let stream = null;
// An offer lives only in the event stream until it is accepted (the
// phone is not rung before): where to replay from to see it again.
const OFFER_KEY = 'switchboard.offer';

const sync = stateSync(loadState, apply);

function apply(ev) {
  const d = ev.data || {};
  if (['call.offer_ended', 'call.answered', 'call.ended'].includes(ev.type)) {
    sessionStorage.removeItem(OFFER_KEY);
  }
  if (othersEvent(S, ev)) return;
  const changed = callStep(S, ev);
  if (changed !== null) {
    const show = { offer: renderOffer, call: renderCall,
      wrapup: renderWrapup, all: render }[changed];
    if (show) show();
    if (ev.type === 'call.ended' || ev.type === 'call.wrapup_ended') {
      refreshHistory();
    }
    return;
  }
  switch (ev.type) {
    case 'agent.status':
      S.runtime = Object.assign({}, S.runtime, d);
      delete S.runtime.agent;
      renderStatus();
      break;
    case 'call.offered': {
      // a replayed offer (after a reload) counts from when it was made
      const at = Date.parse(ev.at);
      const t0 = at && at < Date.now() ? at : Date.now();
      S.offer = { call: d.call, from: d.from_name ?
        d.from_name + ' ' + (d.from || '') : d.from, queue: d.queue,
        waited_s: d.waited_s || 0, shown: t0,
        deadline: t0 + (d.push_timeout_s || 15) * 1000 };
      if (S.offer.deadline <= Date.now()) S.offer = null;
      // a reload before it ends replays the stream from just before it
      if (S.offer && stream && stream.stream) {
        sessionStorage.setItem(OFFER_KEY, JSON.stringify(
          { stream: stream.stream, seq: ev.seq - 1 }));
      }
      renderOffer();
      tick();
      break;
    }
    case 'call.dialing':
      // the agent's own click-to-dial: its phone rings, then the number
      S.call = { id: d.call, from: d.to, queue: null, since: Date.now(),
        muted: false, held: false, dialing: true };
      S.dtmf = '';
      render();
      tick();
      $('hangup').focus();
      break;
    case 'call.answered':
      S.offer = null;
      S.call = { id: d.call, from: d.direction === 'outbound' ? d.to : d.from,
        queue: d.queue, since: Date.now(), muted: false, held: false };
      S.dtmf = '';
      S.wrapup = null;
      S.transcript = { call: d.call, finals: [], partial: {} };
      renderTranscript();
      nbaCall(d.call);
      render();
      tick();
      $('hangup').focus();
      break;
    case 'call.wrapup':
      S.wrapup = { id: d.call, until: Date.parse(d.until) };
      renderWrapup();
      tick();
      break;
    case 'transcript.partial':
    case 'transcript.final':
      onTranscript(ev, d);
      break;
    case 'nba.recommendation':
    case 'nba.sentiment':
    case 'nba.feedback':
      nbaEvent(ev);
      break;
    default:
      break;
  }
}

// Records are written in batches a moment after the change (50 ms):
// ask a little later, once for a burst of events.
let historyTimer = null;
function refreshHistory() {
  clearTimeout(historyTimer);
  historyTimer = setTimeout(loadHistory, 300);
}

async function loadHistory() {
  try {
    const calls = await api('GET', '/calls?since=' + callsSince() +
      '&limit=100');
    S.history = todaysCalls(calls.calls);
    renderHistory();
  } catch (e) {
    showError(e);
  }
}

// -- actions ------------------------------------------------------------

// POST /calls/{id}/{what}: a control the server does not have (404 "no
// such path", 405, 501 not implemented) is hidden from then on rather
// than failing again.
async function control(what, body) {
  const id = (S.call && S.call.id) || (S.offer && S.offer.call);
  if (!id) return null;
  try {
    const r = await api('POST', '/calls/' + encodeURIComponent(id) + '/' +
      what, body || {});
    clearError();
    return r;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 405 || e.status === 501 ||
        (e.status === 404 && /no such path/.test(e.message)))) {
      S.unsupported.add(what);
      render();
      return null;
    }
    showError(e);
    return null;
  }
}

function applyControl(r) {
  if (r && S.call && r.id === S.call.id) {
    if (typeof r.muted === 'boolean') S.call.muted = r.muted;
    if (typeof r.held === 'boolean') S.call.held = r.held;
    renderCall();
  }
}

function wire() {
  $('status').addEventListener('change', async (ev) => {
    try {
      S.runtime = await api('PUT', '/agents/' + encodeURIComponent(S.me.id) +
        '/status', { status: ev.target.value });
      clearError();
    } catch (e) {
      showError(e);
    }
    renderStatus();
  });

  // Accept and Decline: while this page's stream is open the offer waits
  // for them (docs/API.md); Accept rings the phone, which answers. On a
  // server without them the agent answers or rejects on the phone, which
  // the page follows (call.answered, call.offer_ended), and says so.
  const onPhone = async (what, hint) => {
    if (!S.unsupported.has(what)) await control(what);
    if (S.unsupported.has(what) && S.offer) {
      $('offer-hint').textContent = hint;
      $('offer-hint').hidden = false;
    }
  };
  $('accept').addEventListener('click', () => onPhone('accept',
    'Answer on your phone to take the call.'));
  $('decline').addEventListener('click', () => onPhone('decline',
    'Reject the call on your phone to decline it.'));

  $('hangup').addEventListener('click', () => control('hangup'));
  $('hold').addEventListener('click', async () => {
    applyControl(await control(S.call && S.call.held ? 'resume' : 'hold'));
  });
  $('mute').addEventListener('click', async () => {
    applyControl(await control(S.call && S.call.muted ? 'unmute' : 'mute'));
  });

  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
  $('keypad').replaceChildren(...keys.map((k) => el('button', {
    type: 'button', 'aria-label': 'digit ' + k,
    onclick: async () => {
      if (await control('dtmf', { digits: k }) !== null) {
        S.dtmf = (S.dtmf + k).slice(-32);
        $('dtmf-sent').textContent = S.dtmf;
      }
    },
  }, k)));

  $('transfer').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const number = $('transfer-number').value.trim();
    if (number) {
      if (await control('transfer', { number }) !== null) {
        $('transfer-number').value = '';
      }
      return;
    }
    const [kind, id] = $('transfer-target').value.split(/:(.*)/s);
    if (!id) return;
    await control('transfer', { [kind]: id });
  });

  // Click-to-dial: the call panel shows at once; call.dialing and
  // call.answered follow on the stream.
  $('dial').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const to = $('dial-number').value.trim();
    if (!to || S.call) return;
    try {
      const r = await api('POST', '/calls', { to });
      clearError();
      $('dial-number').value = '';
      if (!S.call) {
        S.call = { id: r.call, from: to, queue: null, since: Date.now(),
          muted: false, held: false, dialing: true };
        S.dtmf = '';
        render();
        tick();
        $('hangup').focus();
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 405) {
        S.unsupported.add('dial');
        render();
      }
      showError(e);
    }
  });

  $('wrapup-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!S.wrapup) return;
    const f = ev.target.elements;
    const body = { disposition: f.disposition.value.trim() };
    if (f.notes.value.trim()) body.notes = f.notes.value.trim();
    try {
      await api('POST', '/calls/' + encodeURIComponent(S.wrapup.id) +
        '/wrapup', body);
      clearError();
      S.wrapup = null;
      renderWrapup();
      refreshHistory();
    } catch (e) {
      showError(e);
    }
  });
}

async function start(me) {
  S.me = me.agent || { id: '', name: 'admin', role: 'admin' };
  $('me-name').textContent = S.me.name || S.me.id;
  if (!me.agent) {
    showError('Sign in as an agent: the admin token has no calls.');
    return;
  }
  try {
    await loadStatic();
  } catch (e) {
    showError(e);
  }
  wire();
  setInterval(tick, 1000);
  // Without the stream (not connected yet, or a server without it) the
  // state is polled, so the page still follows, only later.
  let live = false;
  sync.onHello(true);
  setInterval(() => { if (!live && !sync.loading) sync.onHello(true); },
              3000);
  let from = null;
  try {
    from = JSON.parse(sessionStorage.getItem(OFFER_KEY));
  } catch (e) { from = null; }
  stream = new EventStream(sync.onHello, sync.onEvent, (up) => {
    live = up;
    $('conn').hidden = up;
  }, from && typeof from.seq === 'number' ? from : null);
}

loginFlow(start);
