// driver.mjs — what the browser test drivers (pages.mjs, nba_pages.mjs,
// opencti.mjs) share: headless Debian Chromium via playwright-core, and
// the line protocol with their Python side (tests/lib/browser.py).
//
// Protocol, one JSON object a line on stdout:
//   {"need": name}            the Python side does it, then answers a
//                             line on stdin (ask)
//   {"step": name, "ok": bool, "error"?}   as each step ends (step)
//   {"note": text}            printed, nothing checked
//   {"done": true, "console": [...], ...}  last, however the run ended
// A driver stops at its first failed step and exits 0 only if all passed.
import { chromium } from 'playwright-core';
import readline from 'node:readline';
import path from 'node:path';
import fs from 'node:fs';

export const env = process.env;
const shots = env.SHOTS || 'build/screenshots';
const consoleErrors = [];

// answers come in the order the needs went out: one queue of resolvers
const lines = readline.createInterface({ input: process.stdin });
const pending = [];
lines.on('line', (l) => { const r = pending.shift(); if (r) r(l); });

export function say(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

export function ask(need) {
  say({ need });
  return new Promise((resolve) => pending.push(resolve));
}

export async function step(name, fn) {
  try {
    await fn();
    say({ step: name, ok: true });
  } catch (e) {
    say({ step: name, ok: false, error: String(e && e.message || e) });
    throw e;
  }
}

// The one console error the agent and supervisor pages may log: they ask
// GET /api/v1/me to learn whether they hold a session, and before login
// the answer is 401.
export const ME_BEFORE_LOGIN = (text, url) =>
  /\/api\/v1\/me$/.test(url) && /401/.test(text);

// Every other console error or uncaught exception on page is collected
// and goes out with "done", where the Python side fails the test on it.
// expected: predicates (text, url) for errors a page logs by design.
export function watch(page, who, expected = [ME_BEFORE_LOGIN]) {
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = (m.location() && m.location().url) || '';
    if (expected.some((ok) => ok(m.text(), url))) return;
    consoleErrors.push(who + ': ' + m.text() + ' ' + url);
  });
  page.on('pageerror', (e) => consoleErrors.push(who + ': ' + e.message));
}

// at works on a page, a frame or a frameLocator alike
export async function login(at, id, pw) {
  await at.getByLabel(/id/i).first().fill(id);
  await at.getByLabel('Password').fill(pw);
  await at.getByRole('button', { name: 'Sign in' }).click();
  await at.locator('#app').waitFor({ state: 'visible' });
}

// the pages are meant for a side panel: nothing may scroll sideways
export async function fitsWidth(at, px) {
  const w = await at.evaluate(() => document.documentElement.scrollWidth);
  if (w > px) throw new Error('page is ' + w + ' px wide at ' + px);
}

export async function screenshot(page, name, fullPage = true) {
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, name), fullPage });
}

// The agent page at side-panel width and the supervisor page, each in its
// own context: separate cookies, as two people would have.
export async function agentAndSupervisor(browser, stepMs) {
  const open = async (width, height, who) => {
    const ctx = await browser.newContext({ viewport: { width, height } });
    ctx.setDefaultTimeout(stepMs);
    const page = await ctx.newPage();
    watch(page, who);
    return page;
  };
  return { agent: await open(400, 900, 'agent'),
    sup: await open(1280, 800, 'supervisor') };
}

// Runs body(browser, done) and exits: 0 if it returned, 1 if it threw.
// However it ends, the "done" line goes out with the console errors and
// whatever body put in done (its own results for the Python side).
export function drive(body) {
  const run = async () => {
    const browser = await chromium.launch({
      executablePath: env.CHROMIUM || '/usr/bin/chromium',
      headless: true, args: ['--no-sandbox'], timeout: 30000,
    });
    const done = {};
    try {
      await body(browser, done);
    } finally {
      say({ done: true, console: consoleErrors, ...done });
      await browser.close();
      lines.close();
    }
  };
  run().then(() => process.exit(0), (e) => {
    process.stderr.write(String(e && e.stack || e) + '\n');
    process.exit(1);
  });
}
