// supervisor.js — queues, agents and live calls, kept up to date by the
// event stream (queue.stats, agent.status, call.*); a supervisor can set
// any agent's status. Without the stream the state is polled.
import {
  api, showError, clearError, loginFlow, EventStream, el, $, fmtDuration,
  callsSince, secondsSince,
  stateSync,
} from './common.js';

const S = {
  me: null,
  statuses: [],
  queues: new Map(),   // id -> {q, stats, statsAt (ms)}
  agents: new Map(),   // id -> {a, runtime, runtimeAt (ms), row}
  calls: new Map(),    // id -> {id, from, queue, agent, state, since (ms)}
};

function queueName(id) {
  const e = S.queues.get(id);
  return e ? e.q.name : (id || '');
}

function agentName(id) {
  const e = S.agents.get(id);
  return e ? e.a.name : (id || '');
}

// -- rendering ----------------------------------------------------------

function pct(v) {
  return v === null || v === undefined ? '—' : v.toFixed(1) + ' %';
}

function renderQueues() {
  const rows = [];
  for (const { q, stats } of S.queues.values()) {
    const st = stats || {};
    const today = st.today || {};
    rows.push(el('tr', { 'data-queue': q.id },
      el('th', { scope: 'row' }, q.name),
      el('td', { class: 'num', 'data-field': 'waiting' },
        st.waiting === undefined ? '' : st.waiting),
      el('td', { class: 'num', 'data-field': 'longest' }, ''),
      el('td', { class: 'num' }, st.agents_available === undefined ? '' :
        st.agents_available + ' / ' + st.agents_routable),
      el('td', { class: 'num' }, pct(today.service_level_pct)),
      el('td', { class: 'num' }, today.abandoned === undefined ? '' :
        today.abandoned)));
  }
  $('queues').replaceChildren(...rows);
  tick();
}

function currentCall(agentId) {
  for (const c of S.calls.values()) {
    if (c.agent === agentId) return c;
  }
  return null;
}

function statusSelect(id, current) {
  const sel = el('select', { 'aria-label': 'Status of ' + agentName(id),
    onchange: async (ev) => {
      try {
        const rt = await api('PUT', '/agents/' + encodeURIComponent(id) +
          '/status', { status: ev.target.value });
        clearError();
        setRuntime(id, rt);
      } catch (e) {
        showError(e);
        renderAgent(id);
      }
    } }, ...S.statuses.map((s) => el('option', { value: s.id }, s.name)));
  sel.value = current;
  return sel;
}

// One row per agent, kept: the status selector is updated in place so a
// keyboard user's focus is not lost when an event arrives.
function renderAgent(id) {
  const e = S.agents.get(id);
  if (!e) return;
  const rt = e.runtime || {};
  if (!e.row) {
    e.row = el('tr', { 'data-agent': id },
      el('th', { scope: 'row' }, e.a.name),
      el('td', {}, statusSelect(id, rt.status || '')),
      el('td', { class: 'num', 'data-field': 'in-status' }, ''),
      el('td', { 'data-field': 'call' }, ''),
      el('td', { class: 'num', 'data-field': 'handled' }, ''),
      el('td', { class: 'num', 'data-field': 'aht' }, ''));
  }
  const cells = e.row.children;
  const sel = cells[1].firstChild;
  if (sel.options.length !== S.statuses.length) {
    cells[1].replaceChildren(statusSelect(id, rt.status || ''));
  } else if (document.activeElement !== sel) {
    sel.value = rt.status || '';
  }
  const c = currentCall(id);
  cells[3].textContent = c ? (c.from || '') + ' · ' + c.state : '';
  cells[4].textContent = rt.accepted_today === undefined ? '' :
    rt.accepted_today;
  cells[5].textContent = rt.accepted_today ?
    fmtDuration(rt.talk_time_today_s / rt.accepted_today) : '—';
  if (!rt.present && rt.status) cells[2].title = 'no phone registered';
}

function renderAgents() {
  const rows = [];
  for (const id of S.agents.keys()) {
    renderAgent(id);
    rows.push(S.agents.get(id).row);
  }
  $('agents').replaceChildren(...rows);
  tick();
}

// the running sentiment of the customer (nba.sentiment); a call that
// turned negative is flagged
function moodCell(c) {
  if (typeof c.mood !== 'number') return el('td', {}, '');
  return el('td', { class: c.negative ? 'negative' : '' },
    (c.negative ? 'Negative ' : '') + c.mood.toFixed(2));
}

function renderCalls() {
  const rows = [...S.calls.values()].map((c) => el('tr', { 'data-call': c.id },
    el('td', {}, c.from || ''),
    el('td', {}, queueName(c.queue)),
    el('td', {}, c.agent ? agentName(c.agent) : ''),
    el('td', {}, c.state),
    el('td', { class: 'num', 'data-since': String(c.since) }, ''),
    moodCell(c)));
  $('calls').replaceChildren(...rows);
  $('calls-empty').hidden = rows.length > 0;
  for (const id of S.agents.keys()) renderAgent(id);
  tick();
}

function tick() {
  for (const [id, e] of S.queues) {
    const cell = document.querySelector(
      `tr[data-queue="${CSS.escape(id)}"] [data-field="longest"]`);
    if (!cell || !e.stats) continue;
    const w = e.stats.waiting ? e.stats.longest_wait_s +
      (Date.now() - e.statsAt) / 1000 : 0;
    cell.textContent = fmtDuration(w);
  }
  for (const e of S.agents.values()) {
    if (e.row && e.runtime && e.runtime.status_since) {
      e.row.children[2].textContent =
        fmtDuration(secondsSince(e.runtime.status_since));
    }
  }
  for (const cell of document.querySelectorAll('#calls [data-since]')) {
    cell.textContent = fmtDuration((Date.now() - Number(cell.dataset.since)) /
      1000);
  }
}

// -- state --------------------------------------------------------------

function setRuntime(id, rt) {
  const e = S.agents.get(id);
  if (!e) return;
  e.runtime = Object.assign({}, e.runtime, rt);
  delete e.runtime.agent;
  renderAgent(id);
}

async function loadState() {
  const [st, qs, ags, calls] = await Promise.all([
    api('GET', '/statuses'), api('GET', '/queues'), api('GET', '/agents'),
    api('GET', '/calls?since=' + callsSince() + '&limit=500'),
  ]);
  S.statuses = st.statuses;
  const stats = await Promise.all(qs.queues.map((q) =>
    api('GET', '/queues/' + encodeURIComponent(q.id) + '/stats')
      .catch(() => null)));
  S.queues = new Map(qs.queues.map((q, i) => [q.id,
    { q, stats: stats[i], statsAt: Date.now() }]));
  S.agents = new Map(ags.agents.map((a) => [a.id,
    { a, runtime: a.runtime || null, row: null }]));
  S.calls = new Map();
  for (const r of calls.calls) {
    if (r.ended) continue;
    const ringing = (r.legs || []).find((l) => l.role === 'agent' &&
      !l.ended && l.final_code === null);
    S.calls.set(r.id, { id: r.id, from: r.from_number || r.from,
      queue: r.queue, agent: r.agent || (ringing && ringing.agent) || null,
      state: r.answered ? 'talking' : (ringing ? 'ringing' : 'waiting'),
      since: Date.parse(r.answered || r.arrived) });
  }
  renderQueues();
  renderAgents();
  renderCalls();
}


const sync = stateSync(loadState, apply);

function apply(ev) {
  const d = ev.data || {};
  const c = d.call ? S.calls.get(d.call) : null;
  switch (ev.type) {
    case 'queue.stats': {
      const e = S.queues.get(d.queue);
      if (e) {
        e.stats = d;
        e.statsAt = Date.now();
        renderQueues();
      }
      break;
    }
    case 'agent.status':
      setRuntime(d.agent, d);
      break;
    case 'call.offered':
      S.calls.set(d.call, { id: d.call, from: d.from, queue: d.queue,
        agent: d.agent, state: 'ringing',
        since: c ? c.since : Date.now() - (d.waited_s || 0) * 1000 });
      renderCalls();
      break;
    case 'call.offer_ended':
      if (c && c.state === 'ringing' && d.outcome !== 'accepted') {
        c.state = 'waiting';
        c.agent = null;
        renderCalls();
      }
      break;
    case 'call.answered':
      S.calls.set(d.call, { id: d.call, from: d.from, queue: d.queue,
        agent: d.agent, state: 'talking', since: Date.now(),
        mood: c ? c.mood : null, negative: c ? c.negative : false });
      renderCalls();
      break;
    case 'nba.sentiment':
      if (c && d.role === 'customer' && typeof d.running === 'number') {
        c.mood = d.running;
        c.negative = !!d.negative;
        renderCalls();
      }
      break;
    case 'call.held':
    case 'call.resumed':
      if (c) {
        c.state = ev.type === 'call.held' ? 'on hold' : 'talking';
        renderCalls();
      }
      break;
    case 'call.wrapup':
      S.calls.set(d.call, { id: d.call, from: c ? c.from : '',
        queue: c ? c.queue : null, agent: d.agent, state: 'wrap-up',
        since: Date.now() });
      renderCalls();
      break;
    case 'call.ended':
      if (c && c.state !== 'wrap-up') {
        S.calls.delete(d.call);
        renderCalls();
      }
      break;
    case 'call.wrapup_ended':
      S.calls.delete(d.call);
      renderCalls();
      break;
    default:
      break;
  }
}

async function start(me) {
  S.me = me.agent || { id: '', name: 'admin', role: 'admin' };
  $('me-name').textContent = S.me.name || S.me.id;
  if (me.role === 'agent') {
    showError('This page needs a supervisor: your role is agent.');
    return;
  }
  setInterval(tick, 1000);
  let live = false;
  sync.onHello(true);
  setInterval(() => { if (!live && !sync.loading) sync.onHello(true); },
              3000);
  new EventStream(sync.onHello, sync.onEvent, (up) => {
    live = up;
    $('conn').hidden = up;
  });
}

loginFlow(start);
