// softphone.js — switchboard as the softphone of a Salesforce Lightning
// Open CTI call center (docs/OPENCTI.md): the page that `switchboard
// callcenter-xml` names as reqAdapterUrl. Salesforce frames it in the
// utility bar and adds ?sfdcIFrameOrigin=<the Lightning origin>; from
// there the page loads sforce.opencti (opencti_min.js) and uses it for
// click-to-dial, the screen pop of an incoming caller, and the call log
// (a Task) after wrap-up. The calls themselves go through switchboard's
// API exactly as the agent page's do.
//
// In a third-party frame the SameSite=Strict session cookie is never
// sent, so the page logs in for a token (POST /login) and sends it as a
// Bearer header and on the event stream's handshake (?access_token=).
// The token is kept in sessionStorage, not only in memory: Lightning
// reloads the utility frame when the user reloads the tab, and the agent
// would otherwise have to sign in again in the middle of a call.
// sessionStorage is per tab (and, for a framed page, per top-level site),
// is dropped when the tab closes, and the page's CSP lets no other script
// than ours and the org's library read it. A browser that blocks storage
// in third-party frames (third-party cookies blocked) throws on any use
// of it: the token then lives in memory only, and a reload asks the agent
// to sign in again.
import {
  api, ApiError, useToken, showError, clearError, EventStream, el, $,
  fmtDuration, stateSync, othersEvent, callStep,
} from '../common.js';

// opencti_min.js of this API version (38.0 or later has the Lightning
// methods used here)
const OPENCTI_VERSION = '62.0';
const TOKEN_KEY = 'switchboard.opencti.token';

const S = {
  me: null,
  statuses: [],
  runtime: null,
  offer: null,        // {call, from}
  call: null,         // {id, from, direction, since (ms), muted, held}
  wrapup: null,       // {id}
  records: new Map(), // call id -> {whoId, whatId} from the screen pop
  pendingLog: null,   // a Task that Salesforce did not take yet
  clickToDial: false,
};

let cti = null;       // window.sforce.opencti once loaded

const stored = {
  get() {
    try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  },
  set(t) {
    try {
      if (t) sessionStorage.setItem(TOKEN_KEY, t);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) { /* blocked in this frame: memory only */ }
  },
};

// -- the org's Open CTI library -----------------------------------------

function loopbackHost(h) {
  return h === 'localhost' || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

// The origin Salesforce says frames us, if it is a plain https origin
// (http only on loopback, for a local trial). Whether this org may run
// its script here is then the server's CSP to decide (opencti_origins).
function orgOrigin() {
  const raw = new URLSearchParams(location.search).get('sfdcIFrameOrigin');
  if (!raw) return null;
  let u;
  try { u = new URL(raw); } catch (e) { return null; }
  if (u.origin !== raw.replace(/\/$/, '')) return null;
  if (u.protocol !== 'https:' &&
      !(u.protocol === 'http:' && loopbackHost(u.hostname))) {
    return null;
  }
  return u.origin;
}

function loadOpenCti() {
  return new Promise((resolve, reject) => {
    const origin = orgOrigin();
    if (!origin) {
      reject(new Error('Open this page as the softphone of a Salesforce ' +
        'call center (no valid sfdcIFrameOrigin).'));
      return;
    }
    const s = document.createElement('script');
    s.src = origin + '/support/api/' + OPENCTI_VERSION +
      '/lightning/opencti_min.js';
    s.onload = () => {
      const o = window.sforce && window.sforce.opencti;
      if (o) resolve(o);
      else reject(new Error('Salesforce Open CTI did not start'));
    };
    s.onerror = () => reject(new Error('Open CTI could not be loaded from ' +
      origin + ' (is it listed in switchboard\'s opencti_origins?)'));
    document.head.append(s);
  });
}

// Every sforce.opencti method answers {success, returnValue, errors} in
// its callback; resolves to {ok, value}. A failure is shown, never thrown
// into the page.
function ctiCall(method, args) {
  return new Promise((resolve) => {
    if (!cti) {
      resolve({ ok: false, value: null });
      return;
    }
    cti[method](Object.assign({}, args, {
      callback: (r) => {
        if (r && r.success) {
          resolve({ ok: true, value: r.returnValue });
          return;
        }
        const errs = (r && r.errors) || [];
        showError('Salesforce ' + method + ': ' + (errs.map((e) =>
          (e && e.description) || String(e)).join('; ') || 'failed'));
        resolve({ ok: false, value: null });
      },
    }));
  });
}

// -- the Salesforce side of a call --------------------------------------

// Contacts and leads are who a task is about (WhoId); any other record
// (account, case, opportunity...) is what it is about (WhatId).
function whoOrWhat(type, id) {
  if (!id) return {};
  return /^(Contact|Lead)$/.test(type || '') ? { whoId: id } : { whatId: id };
}

async function screenPop(callId, number) {
  await ctiCall('setSoftphonePanelVisibility', { visible: true });
  const { value: found } = await ctiCall('searchAndScreenPop', {
    searchParams: number || '',
    callType: cti ? cti.CALL_TYPE.INBOUND : 'inbound',
    deferred: false,
  });
  // {<record id>: {Id, Name, RecordType, ...}, ...}: one match is the
  // caller; with several the agent picks on Salesforce's search page
  const recs = found && typeof found === 'object' ? Object.values(found) : [];
  if (recs.length === 1 && recs[0] && recs[0].Id) {
    S.records.set(callId, whoOrWhat(recs[0].RecordType, recs[0].Id));
    if (S.call && S.call.id === callId) renderCall();
  }
}

function today() {
  const d = new Date();
  return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') +
    '-' + String(d.getDate()).padStart(2, '0');
}

// The Task that saveLog creates: what switchboard recorded for the call.
async function taskFor(id, disposition, notes) {
  const r = await api('GET', '/calls/' + encodeURIComponent(id));
  const out = r.direction === 'outbound';
  const number = out ? r.to : (r.from_number || r.from);
  const secs = r.answered && r.ended ?
    Math.max(0, Math.round((Date.parse(r.ended) - Date.parse(r.answered)) /
      1000)) : 0;
  const task = {
    entityApiName: 'Task',
    // Task text fields hold 255 characters
    Subject: ((out ? 'Call to ' : 'Call from ') + (number || 'unknown'))
      .slice(0, 255),
    CallType: out ? 'Outbound' : 'Inbound',
    CallDurationInSeconds: secs,
    CallDisposition: disposition,
    CallObject: id,
    Status: 'Completed',
    ActivityDate: today(),
  };
  if (notes) task.Description = notes;
  const rec = S.records.get(id) || {};
  if (rec.whoId) task.WhoId = rec.whoId;
  if (rec.whatId) task.WhatId = rec.whatId;
  return task;
}

async function saveLog(task) {
  S.pendingLog = task;
  renderLogRetry();
  const r = await ctiCall('saveLog', { value: task });
  if (r.ok || !cti) {
    if (cti) clearError();
    S.pendingLog = null;
    S.records.delete(task.CallObject);
    renderLogRetry();
  }
}

// -- rendering ----------------------------------------------------------

function renderStatus() {
  const sel = $('status');
  if (sel.options.length !== S.statuses.length) {
    sel.replaceChildren(...S.statuses.map((s) =>
      el('option', { value: s.id }, s.name)));
  }
  sel.value = S.runtime ? S.runtime.status : '';
}

function renderOffer() {
  const box = $('offer');
  const was = box.hidden;
  box.hidden = !S.offer;
  if (!S.offer) return;
  $('offer-from').textContent = S.offer.from || 'Unknown caller';
  $('offer-queue').textContent = S.offer.queue || '';
  if (was) $('accept').focus();
}

function renderCall() {
  const c = S.call;
  $('call').hidden = !c;
  $('dial').hidden = !!c;
  if (!c) return;
  $('call-from').textContent = c.from || '';
  $('mute').textContent = c.muted ? 'Unmute' : 'Mute';
  $('mute').setAttribute('aria-pressed', String(!!c.muted));
  $('hold').textContent = c.held ? 'Resume' : 'Hold';
  $('hold').setAttribute('aria-pressed', String(!!c.held));
  const rec = S.records.get(c.id) || {};
  $('call-record').textContent = rec.whoId || rec.whatId ?
    'Salesforce record ' + (rec.whoId || rec.whatId) : '';
}

function renderWrapup() {
  const f = $('wrapup');
  const was = f.hidden;
  f.hidden = !S.wrapup || !!S.call;
  if (!f.hidden && was) f.elements.disposition.focus();
}

function renderLogRetry() {
  $('log-retry').hidden = !S.pendingLog || !!S.wrapup;
}

function render() {
  renderStatus();
  renderOffer();
  renderCall();
  renderWrapup();
  renderLogRetry();
}

function tick() {
  if (S.call) {
    $('call-timer').textContent = fmtDuration((Date.now() - S.call.since) /
      1000);
  }
}

// -- state and events ---------------------------------------------------

async function loadState() {
  const [agent, calls] = await Promise.all([
    api('GET', '/agents/' + encodeURIComponent(S.me.id)),
    api('GET', '/calls?limit=20'),
  ]);
  S.runtime = agent.runtime || null;
  S.call = null;
  for (const r of calls.calls) {
    if (r.ended || r.agent !== S.me.id || !r.answered) continue;
    const out = r.direction === 'outbound';
    const ctl = r.control || r;
    S.call = { id: r.id, from: out ? r.to : (r.from_number || r.from),
      direction: r.direction, since: Date.parse(r.answered),
      muted: ctl.muted === true, held: ctl.held === true };
    break;
  }
  const wu = S.runtime && S.runtime.wrap_up;
  S.wrapup = wu && wu.call && !S.call ? { id: wu.call } : null;
  render();
}

function apply(ev) {
  const d = ev.data || {};
  if (othersEvent(S, ev)) return;
  const changed = callStep(S, ev);
  if (changed !== null) {
    const show = { offer: renderOffer, call: renderCall,
      wrapup: () => { renderWrapup(); renderLogRetry(); },
      all: render }[changed];
    if (show) show();
    return;
  }
  switch (ev.type) {
    case 'agent.status':
      S.runtime = Object.assign({}, S.runtime, d);
      renderStatus();
      break;
    case 'call.offered':
      S.offer = { call: d.call, from: d.from, queue: d.queue };
      renderOffer();
      screenPop(d.call, d.from);
      break;
    case 'call.dialing':
    case 'call.answered': {
      const out = d.direction === 'outbound' || ev.type === 'call.dialing';
      S.offer = null;
      S.wrapup = null;
      S.call = { id: d.call, from: out ? d.to : d.from,
        direction: out ? 'outbound' : 'inbound', since: Date.now(),
        muted: false, held: false };
      render();
      tick();
      $('hangup').focus();
      break;
    }
    case 'call.wrapup':
      S.wrapup = { id: d.call };
      renderWrapup();
      renderLogRetry();
      break;
    default:
      break;
  }
}

// -- actions ------------------------------------------------------------

async function control(what) {
  const id = (S.call && S.call.id) || (S.offer && S.offer.call);
  if (!id) return null;
  try {
    const r = await api('POST', '/calls/' + encodeURIComponent(id) + '/' +
      what, {});
    clearError();
    return r;
  } catch (e) {
    showError(e);
    return null;
  }
}

async function dial(number, record) {
  const to = String(number === undefined || number === null ? '' : number)
    .trim();
  if (!to) return;
  if (S.call) {
    showError('Already on a call');
    return;
  }
  try {
    const r = await api('POST', '/calls', { to });
    clearError();
    if (record) S.records.set(r.call, record);
    if (!S.call) {
      S.call = { id: r.call, from: to, direction: 'outbound',
        since: Date.now(), muted: false, held: false };
      render();
    }
  } catch (e) {
    showError(e);
  }
}

// onClickToDial's payload: {number, recordId, recordName, objectType,
// ...}; the record the number was clicked on is what the call is about
function onClickToDial(payload) {
  const p = payload || {};
  if (!S.me) {
    showError('Sign in to switchboard to call ' + (p.number || ''));
    return;
  }
  ctiCall('setSoftphonePanelVisibility', { visible: true });
  dial(p.number, whoOrWhat(p.objectType, p.recordId));
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
  $('accept').addEventListener('click', () => control('accept'));
  $('decline').addEventListener('click', () => control('decline'));
  $('hangup').addEventListener('click', () => control('hangup'));
  const toggle = (r) => {
    if (r && S.call && r.id === S.call.id) {
      if (typeof r.muted === 'boolean') S.call.muted = r.muted;
      if (typeof r.held === 'boolean') S.call.held = r.held;
      renderCall();
    }
  };
  $('mute').addEventListener('click', async () =>
    toggle(await control(S.call && S.call.muted ? 'unmute' : 'mute')));
  $('hold').addEventListener('click', async () =>
    toggle(await control(S.call && S.call.held ? 'resume' : 'hold')));
  $('dial').addEventListener('submit', (ev) => {
    ev.preventDefault();
    dial($('dial-number').value);
    $('dial-number').value = '';
  });

  // switchboard first: the disposition is the call's record there; the
  // Task follows, and stays offered for a retry if Salesforce refuses it
  $('wrapup').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!S.wrapup) return;
    const f = ev.target.elements;
    const id = S.wrapup.id;
    const disposition = f.disposition.value.trim();
    const notes = f.notes.value.trim();
    const body = { disposition };
    if (notes) body.notes = notes;
    let task;
    try {
      await api('POST', '/calls/' + encodeURIComponent(id) + '/wrapup', body);
      clearError();
      task = await taskFor(id, disposition, notes);
    } catch (e) {
      showError(e);
      return;
    }
    S.wrapup = null;
    f.disposition.value = '';
    f.notes.value = '';
    renderWrapup();
    await saveLog(task);
  });
  $('log-retry-button').addEventListener('click', () => {
    if (S.pendingLog) saveLog(S.pendingLog);
  });
}

// -- start ----------------------------------------------------------------

function showLogin(on) {
  $('login').hidden = !on;
  $('app').hidden = on;
  if (on) $('login-id').focus();
}

async function loggedIn(me) {
  S.me = me.agent;
  $('me-name').textContent = S.me.name || S.me.id;
  showLogin(false);
  try {
    S.statuses = (await api('GET', '/statuses')).statuses;
  } catch (e) {
    showError(e);
  }
  wire();
  setInterval(tick, 1000);
  const sync = stateSync(loadState, apply);
  new EventStream(sync.onHello, sync.onEvent, (up) => {
    $('conn').hidden = up;
  });
  if (cti && !S.clickToDial) {
    S.clickToDial = (await ctiCall('enableClickToDial', {})).ok;
  }
}

function wireLogin() {
  const form = $('login');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = form.elements.id.value.trim();
    const password = form.elements.password.value;
    try {
      const r = await api('POST', '/login', { id, password });
      form.elements.password.value = '';
      useToken(r.token);
      stored.set(r.token);
      const me = await api('GET', '/me');
      if (!me.agent) throw new Error('Sign in as an agent');
      clearError();
      await loggedIn(me);
    } catch (e) {
      showError(e instanceof ApiError && e.code === 'unauthorized' ?
        'Wrong id or password' : e);
      form.elements.password.select();
    }
  });
  $('logout').addEventListener('click', async () => {
    if (S.clickToDial) await ctiCall('disableClickToDial', {});
    try { await api('POST', '/logout'); } catch (e) { /* gone anyway */ }
    stored.set(null);
    location.reload();
  });
}

async function main() {
  wireLogin();
  try {
    cti = await loadOpenCti();
    $('crm').textContent = '';
  } catch (e) {
    $('crm').textContent = e.message;
  }
  if (cti) {
    cti.onClickToDial({ listener: onClickToDial });
    // Salesforce shows its loading icon (and may switch to a standby
    // URL) until this: the page is ready, signed in or not
    ctiCall('notifyInitializationComplete', {});
  }
  const token = stored.get();
  if (token) {
    useToken(token);
    try {
      const me = await api('GET', '/me');
      if (me.agent) {
        await loggedIn(me);
        return;
      }
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) showError(e);
    }
    useToken(null);
    stored.set(null);
  }
  showLogin(true);
}

main();
