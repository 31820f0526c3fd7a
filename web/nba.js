// nba.js — next best action on the agent page: a card per recommendation
// of the current call (title, body, action, why: the words the customer
// said and those that drove it, Accept / Dismiss) and the call's running
// sentiment. Fed by agent.js with the nba.* events of the agent's stream.
import { api, ApiError, showError, clearError, el, $ } from './common.js';

const N = {
  call: null,          // the call the cards are for
  cards: [],           // nba.recommendation data, with .outcome
  mood: null,          // last nba.sentiment of the customer
};

function pct(v) {
  return Math.round((v || 0) * 100) + '%';
}

function actionOf(a) {
  if (!a) return null;
  switch (a.type) {
    case 'url':
      // provisioning accepts only http(s) targets for links
      return el('p', { class: 'reco-action' }, el('a', {
        href: a.target, target: '_blank', rel: 'noopener noreferrer',
      }, 'Open: ' + a.target));
    case 'article':
      return el('p', { class: 'reco-action' }, 'Article: ', el('strong', {},
        a.target));
    case 'transfer':
      return el('p', { class: 'reco-action' }, 'Transfer to: ',
        el('strong', {}, a.target));
    default:
      return el('p', { class: 'reco-action script' }, a.target);
  }
}

async function answer(card, verb) {
  try {
    await api('POST', '/calls/' + encodeURIComponent(card.call) +
      '/recommendations/' + encodeURIComponent(card.recommendation) + '/' +
      verb, {});
    clearError();
    card.outcome = verb === 'accept' ? 'accepted' : 'dismissed';
  } catch (e) {
    // answered already (another tab, a supervisor): show what it is
    if (e instanceof ApiError && e.status === 409) card.outcome = 'answered';
    else showError(e);
  }
  render();
}

function cardOf(c) {
  const words = (c.drivers || []).map((w) => w.word).filter(Boolean);
  // the bank's needs it sounded like: "cancel_subscription" → "cancel subscription"
  const like = (c.needs || []).map((n) => String(n).replace(/_/g, ' '));
  const done = !!c.outcome;
  return el('article', { class: 'reco' + (done ? ' done' : ''),
    'data-reco': c.recommendation },
  el('h3', {}, c.title),
  c.body ? el('p', {}, c.body) : null,
  actionOf(c.action),
  el('p', { class: 'why muted' }, 'Why: ',
    c.role === 'agent' ? 'you said ' : 'the customer said ',
    el('q', {}, c.text),
    words.length ? ' — ' + words.join(', ') : '',
    like.length ? '; sounds like: ' + like.join(', ') : '',
    c.intent ? ' (' + c.intent + ', ' + pct(c.confidence) + ')' : ''),
  done ? el('p', { class: 'outcome', role: 'status' },
    c.outcome === 'accepted' ? 'Accepted' :
      c.outcome === 'dismissed' ? 'Dismissed' : 'Already answered') :
    el('div', { class: 'row buttons' },
      el('button', { type: 'button', class: 'primary',
        onclick: () => answer(c, 'accept') }, 'Accept'),
      el('button', { type: 'button',
        onclick: () => answer(c, 'dismiss') }, 'Dismiss')));
}

function render() {
  const box = $('recommendations');
  box.replaceChildren(...(N.cards.length ? N.cards.slice().reverse()
    .map(cardOf) : [el('p', { class: 'muted' }, 'No recommendations yet.')]));
  const m = N.mood;
  const mood = $('call-mood');
  if (!mood) return;
  mood.hidden = !m;
  if (!m) return;
  const score = m.running === null ? m.score : m.running;
  mood.className = 'mood' + (m.negative ? ' negative' : '');
  mood.textContent = 'Customer mood: ' + (score > 0.2 ? 'positive' :
    score < -0.2 ? 'negative' : 'neutral') + ' (' + score.toFixed(2) + ')' +
    (m.negative ? ' — call turned negative' : '');
}

// A new call: its own cards and mood.
export function nbaCall(id) {
  if (N.call === id) return;
  N.call = id;
  N.cards = [];
  N.mood = null;
  render();
}

// After a reload: what the current call was shown so far, and answers.
// A server without the read-out (404 for the path) leaves the pane empty.
export async function nbaLoad(id) {
  nbaCall(id);
  try {
    const r = await api('GET', '/calls/' + encodeURIComponent(id) +
      '/recommendations');
    if (N.call !== id) return;
    // the stored ones in the order shown; events that came meanwhile keep
    // what they know
    const stored = r.recommendations.map((c) => {
      const had = N.cards.find((x) => x.recommendation === c.recommendation);
      return Object.assign(c, { outcome: (had && had.outcome) ||
        c.outcome });
    });
    N.cards = stored.concat(N.cards.filter((x) => !stored.some((c) =>
      c.recommendation === x.recommendation)));
    render();
  } catch (e) {
    if (!(e instanceof ApiError)) showError(e);
  }
}

export function nbaEvent(ev) {
  const d = ev.data || {};
  if (d.call !== N.call) return false;
  switch (ev.type) {
    case 'nba.recommendation':
      // a replayed stream may repeat one
      if (!N.cards.some((c) => c.recommendation === d.recommendation)) {
        N.cards.push(Object.assign({}, d));
      }
      break;
    case 'nba.feedback': {
      const c = N.cards.find((x) => x.recommendation === d.recommendation);
      if (c) c.outcome = d.outcome;
      break;
    }
    case 'nba.sentiment':
      if (d.role !== 'customer') return true;
      N.mood = d;
      break;
    default:
      return false;
  }
  render();
  return true;
}
