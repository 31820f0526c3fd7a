// pages.mjs — the browser half of tests/web/test_pages.py: drives the
// agent page (400 px wide, as in a side panel) and the supervisor page
// in Debian's headless Chromium with playwright-core.
//
// Settings come from the environment: SB_URL, AGENT, AGENT_PW, SUP,
// SUP_PW, SHOTS (folder for agent.png and supervisor.png), CHROMIUM
// (default /usr/bin/chromium). The Python side places calls: when this
// script needs one it prints {"need": "call"} on a line and waits for a
// line on stdin. Each step prints {"step": name, "ok": bool, "error"?}
// as it ends; the script stops at the first failed step, prints
// {"done": true, "console": [...]} and exits 0 only if every step passed.
import { chromium } from 'playwright-core';
import readline from 'node:readline';
import path from 'node:path';
import fs from 'node:fs';

const env = process.env;
const URL = env.SB_URL;
const STEP_MS = 15000;
const shots = env.SHOTS || 'build/screenshots';
const consoleErrors = [];

const lines = readline.createInterface({ input: process.stdin });
const pending = [];
lines.on('line', (l) => { const r = pending.shift(); if (r) r(l); });
function ask(need) {
  process.stdout.write(JSON.stringify({ need }) + '\n');
  return new Promise((resolve) => pending.push(resolve));
}

function say(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

async function step(name, fn) {
  try {
    await fn();
    say({ step: name, ok: true });
  } catch (e) {
    say({ step: name, ok: false, error: String(e && e.message || e) });
    throw e;
  }
}

function watch(page, who) {
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = (m.location() && m.location().url) || '';
    // expected: /me before login
    if (/\/api\/v1\/me$/.test(url) && /401/.test(m.text())) return;
    consoleErrors.push(who + ': ' + m.text() + ' ' + url);
  });
  page.on('pageerror', (e) => consoleErrors.push(who + ': ' + e.message));
}

async function login(page, id, pw) {
  await page.getByLabel(/id/i).first().fill(id);
  await page.getByLabel('Password').fill(pw);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#app').waitFor({ state: 'visible' });
}

async function waitingCount(sup, n) {
  await sup.locator('#queues tr[data-queue="billing"] [data-field="waiting"]')
    .filter({ hasText: new RegExp('^' + n + '$') })
    .waitFor({ timeout: STEP_MS });
}

let shot = false;
async function screenshots(agent, sup) {
  fs.mkdirSync(shots, { recursive: true });
  await agent.screenshot({ path: path.join(shots, 'agent.png'),
    fullPage: true });
  await sup.screenshot({ path: path.join(shots, 'supervisor.png'),
    fullPage: true });
  shot = true;
}

async function main() {
  const browser = await chromium.launch({
    executablePath: env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
    timeout: 30000,
  });
  let agent, sup;
  try {
    // separate contexts: separate cookies, as two people would have
    const actx = await browser.newContext({ viewport: { width: 400,
      height: 900 } });
    const sctx = await browser.newContext({ viewport: { width: 1280,
      height: 800 } });
    actx.setDefaultTimeout(STEP_MS);
    sctx.setDefaultTimeout(STEP_MS);
    agent = await actx.newPage();
    sup = await sctx.newPage();
    watch(agent, 'agent');
    watch(sup, 'supervisor');

    await step('agent_login', async () => {
      await agent.goto(URL + '/');
      if (!agent.url().endsWith('/agent.html')) {
        throw new Error('/ did not lead to /agent.html: ' + agent.url());
      }
      await login(agent, env.AGENT, env.AGENT_PW);
      await agent.locator('#me-name').filter({ hasText: /\S/ }).waitFor();
      // nothing may be wider than the side panel
      const w = await agent.evaluate(() =>
        document.documentElement.scrollWidth);
      if (w > 400) throw new Error('page is ' + w + ' px wide at 400');
    });

    await step('supervisor_login', async () => {
      await sup.goto(URL + '/supervisor.html');
      await login(sup, env.SUP, env.SUP_PW);
      await sup.locator('#agents tr[data-agent="' + env.AGENT + '"]')
        .waitFor();
      await waitingCount(sup, 0);
    });

    // the agent is on break: the call waits, and the supervisor sees it
    await step('supervisor_sees_waiting_call', async () => {
      await ask('call');
      await waitingCount(sup, 1);
    });

    await step('agent_available', async () => {
      await agent.getByLabel('Status', { exact: true }).selectOption('available');
      // the supervisor's row follows (agent.status, or the next poll)
      await sup.waitForFunction((id) => {
        const s = document.querySelector(
          `#agents tr[data-agent="${id}"] select`);
        return s && s.value === 'available';
      }, env.AGENT, { timeout: STEP_MS });
    });

    await step('offer_shown', async () => {
      const offer = agent.locator('#offer');
      await offer.waitFor({ state: 'visible' });
      const from = await agent.locator('#offer-from').textContent();
      if (!from.includes(env.CALLER)) {
        throw new Error('offer from "' + from + '"');
      }
      const q = await agent.locator('#offer-queue').textContent();
      if (!/Billing/.test(q)) throw new Error('offer queue "' + q + '"');
      await agent.waitForFunction(() =>
        Number(document.getElementById('offer-countdown').textContent) > 0);
      // the offer came by the event stream, not a poll
      if (!await agent.locator('#conn').isHidden()) {
        throw new Error('the event stream is not connected');
      }
      const focused = await agent.evaluate(() => document.activeElement.id);
      if (focused !== 'accept') throw new Error('focus on ' + focused);
      await waitingCount(sup, 0);
    });

    await step('reload_keeps_offer', async () => {
      await agent.reload();
      await agent.locator('#offer').waitFor({ state: 'visible' });
      const from = await agent.locator('#offer-from').textContent();
      if (!from.includes(env.CALLER)) throw new Error('offer from ' + from);
      await agent.waitForFunction(() =>
        document.activeElement && document.activeElement.id === 'accept');
    });

    await step('accept_call_panel', async () => {
      await agent.keyboard.press('Enter');      // Accept has the focus
      await agent.locator('#call').waitFor({ state: 'visible' });
      await agent.locator('#offer').waitFor({ state: 'hidden' });
      const from = await agent.locator('#call-from').textContent();
      if (!from.includes(env.CALLER)) throw new Error('call from ' + from);
      await agent.waitForFunction(() =>
        /\d+:\d\d/.test(document.getElementById('call-timer').textContent));
      await sup.locator('#calls tr').filter({ hasText: 'talking' })
        .waitFor();
    });

    await step('reload_keeps_call_panel', async () => {
      await agent.reload();
      await agent.locator('#call').waitFor({ state: 'visible' });
      const from = await agent.locator('#call-from').textContent();
      if (!from.includes(env.CALLER)) throw new Error('call from ' + from);
    });

    await screenshots(agent, sup);

    await step('mute_hold_dtmf', async () => {
      const pressed = (id, v) => agent.waitForFunction(([i, x]) =>
        document.getElementById(i).getAttribute('aria-pressed') === x,
      [id, v]);
      await agent.getByRole('button', { name: 'Mute' }).click();
      await pressed('mute', 'true');
      await agent.getByRole('button', { name: 'Unmute' }).click();
      await pressed('mute', 'false');
      await agent.getByRole('button', { name: 'Hold' }).click();
      await pressed('hold', 'true');
      await sup.locator('#calls tr').filter({ hasText: 'on hold' }).waitFor();
      await agent.getByRole('button', { name: 'Resume' }).click();
      await pressed('hold', 'false');
      await agent.locator('#dtmf-box summary').click();
      await agent.getByRole('button', { name: 'digit 5' }).click();
      await agent.locator('#dtmf-sent').filter({ hasText: '5' }).waitFor();
    });

    await step('hangup', async () => {
      await agent.getByRole('button', { name: 'Hang up' }).click();
      await agent.locator('#call').waitFor({ state: 'hidden' });
    });

    await step('wrapup', async () => {
      await agent.locator('#wrapup').waitFor({ state: 'visible' });
      await agent.getByLabel('Disposition').fill('resolved');
      await agent.getByLabel('Notes').fill('billing question answered');
      await agent.locator('#wrapup-form button[type=submit]').click();
      await agent.locator('#wrapup').waitFor({ state: 'hidden' });
      await agent.locator('#history tr').filter({ hasText: 'resolved' })
        .waitFor();
    });

    // the supervisor puts the agent on break; the agent's page follows
    await step('supervisor_sets_status', async () => {
      await sup.locator('#agents tr[data-agent="' + env.AGENT + '"] select')
        .selectOption('break');
      await agent.waitForFunction(() =>
        document.getElementById('status').value === 'break');
    });
  } finally {
    // a failed run still leaves what the pages looked like
    if (!shot && agent && sup) await screenshots(agent, sup).catch(() => {});
    say({ done: true, console: consoleErrors });
    await browser.close();
    lines.close();
  }
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
