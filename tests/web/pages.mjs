// pages.mjs — the browser half of tests/web/test_pages.py: drives the
// agent page (400 px wide, as in a side panel) and the supervisor page
// in Debian's headless Chromium with playwright-core.
//
// Settings come from the environment: SB_URL, AGENT, AGENT_PW, SUP,
// SUP_PW, CALLER, SHOTS (folder for agent.png and supervisor.png),
// CHROMIUM (default /usr/bin/chromium). The protocol with the Python side
// is driver.mjs's; {"need": "call"} has it place the call.
import { agentAndSupervisor, ask, drive, env, fitsWidth, login,
  screenshot, step } from './driver.mjs';

const URL = env.SB_URL;
const STEP_MS = 15000;

async function waitingCount(sup, n) {
  await sup.locator('#queues tr[data-queue="billing"] [data-field="waiting"]')
    .filter({ hasText: new RegExp('^' + n + '$') })
    .waitFor({ timeout: STEP_MS });
}

let shot = false;
async function screenshots(agent, sup) {
  await screenshot(agent, 'agent.png');
  await screenshot(sup, 'supervisor.png');
  shot = true;
}

drive(async (browser) => {
  let agent, sup;
  try {
    ({ agent, sup } = await agentAndSupervisor(browser, STEP_MS));

    await step('agent_login', async () => {
      await agent.goto(URL + '/');
      if (!agent.url().endsWith('/agent.html')) {
        throw new Error('/ did not lead to /agent.html: ' + agent.url());
      }
      await login(agent, env.AGENT, env.AGENT_PW);
      await agent.locator('#me-name').filter({ hasText: /\S/ }).waitFor();
      await fitsWidth(agent, 400);
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

    // the call is still live when midnight UTC passes: pages opened
    // then (their own contexts, clocks just past the next midnight)
    // still show it, though they list the day's calls
    await step('after_midnight_still_shows_call', async () => {
      const at = new Date();
      at.setUTCHours(24, 0, 30, 0);
      const open = async (path, id, pw, width) => {
        const ctx = await browser.newContext({ viewport: { width,
          height: 900 } });
        ctx.setDefaultTimeout(STEP_MS);
        await ctx.clock.setFixedTime(at);
        const page = await ctx.newPage();
        await page.goto(URL + path);
        await login(page, id, pw);
        return { ctx, page };
      };
      const a = await open('/agent.html', env.AGENT, env.AGENT_PW, 400);
      try {
        await a.page.locator('#call').waitFor({ state: 'visible' });
        const from = await a.page.locator('#call-from').textContent();
        if (!from.includes(env.CALLER)) throw new Error('call from ' + from);
      } finally {
        await a.ctx.close();
      }
      const s = await open('/supervisor.html', env.SUP, env.SUP_PW, 1280);
      try {
        await s.page.locator('#calls tr').filter({ hasText: 'talking' })
          .waitFor();
      } finally {
        await s.ctx.close();
      }
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
  }
});
