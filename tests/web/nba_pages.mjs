// nba_pages.mjs — the browser half of tests/web/test_nba_pages.py: the
// agent page shows a next best action card for what the caller says, with
// why, and Accept records it; the supervisor page shows the call's
// sentiment. Same protocol and settings as pages.mjs (steps as JSON
// lines, {"need": "call"} to have the Python side place the call).
import { chromium } from 'playwright-core';
import readline from 'node:readline';
import path from 'node:path';
import fs from 'node:fs';

const env = process.env;
const URL = env.SB_URL;
const STEP_MS = 20000;
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

async function main() {
  const browser = await chromium.launch({
    executablePath: env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
    timeout: 30000,
  });
  let agent, sup;
  try {
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

    await step('logins', async () => {
      await agent.goto(URL + '/agent.html');
      await login(agent, env.AGENT, env.AGENT_PW);
      await agent.locator('#me-name').filter({ hasText: /\S/ }).waitFor();
      await sup.goto(URL + '/supervisor.html');
      await login(sup, env.SUP, env.SUP_PW);
      await sup.locator('#agents tr[data-agent="' + env.AGENT + '"]')
        .waitFor();
    });

    await step('accept_call', async () => {
      await ask('call');
      await agent.locator('#offer').waitFor({ state: 'visible' });
      await agent.getByRole('button', { name: 'Accept' }).click();
      await agent.locator('#call').waitFor({ state: 'visible' });
    });

    await step('recommendation_card', async () => {
      const card = agent.locator('.reco[data-reco="retention_offer"]');
      await card.waitFor({ state: 'visible' });
      const h = await card.locator('h3').textContent();
      if (h !== 'Offer 20% retention discount') throw new Error('title ' + h);
      const why = await card.locator('.why').textContent();
      if (!/cancel my subscription/.test(why)) throw new Error('why ' + why);
      const action = await card.locator('.reco-action').textContent();
      if (!/KB-1042/.test(action)) throw new Error('action ' + action);
      // the running sentiment is on the call panel
      await agent.locator('#call-mood').waitFor({ state: 'visible' });
      const mood = await agent.locator('#call-mood').textContent();
      if (!/Customer mood: \w+ \(-?\d\.\d\d\) — call turned negative/
        .test(mood)) {
        throw new Error('mood ' + mood);
      }
      // nothing may be wider than the side panel
      const w = await agent.evaluate(() =>
        document.documentElement.scrollWidth);
      if (w > 400) throw new Error('page is ' + w + ' px wide at 400');
    });

    await step('reload_keeps_cards', async () => {
      await agent.reload();
      await agent.locator('#call').waitFor({ state: 'visible' });
      const card = agent.locator('.reco[data-reco="retention_offer"]');
      await card.waitFor({ state: 'visible' });
      const why = await card.locator('.why').textContent();
      if (!/cancel my subscription/.test(why)) throw new Error('why ' + why);
      await agent.locator('.reco[data-reco="calm_customer"]').waitFor();
    });

    await step('supervisor_flags_negative', async () => {
      await sup.waitForFunction(() => {
        const row = document.querySelector('#calls tr');
        const cell = row && row.lastElementChild;
        return cell && cell.classList.contains('negative') &&
          /^Negative -?\d\.\d\d$/.test(cell.textContent);
      }, null, { timeout: STEP_MS });
    });

    fs.mkdirSync(shots, { recursive: true });
    await agent.screenshot({ path: path.join(shots, 'agent-nba.png'),
      fullPage: true });
    await sup.screenshot({ path: path.join(shots, 'supervisor-nba.png'),
      fullPage: true });

    await step('accept_recommendation', async () => {
      const card = agent.locator('.reco[data-reco="retention_offer"]');
      await card.getByRole('button', { name: 'Accept' }).click();
      await card.locator('.outcome').filter({ hasText: 'Accepted' })
        .waitFor();
      if (await card.getByRole('button').count() !== 0) {
        throw new Error('buttons still on an answered card');
      }
    });
  } finally {
    say({ done: true, console: consoleErrors });
    await browser.close();
    lines.close();
  }
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
