// opencti.mjs — the browser half of tests/web/test_opencti.py: the Open
// CTI softphone (web/opencti/softphone.html) in an iframe of a stand-in
// "Lightning" page served from another loopback origin (ORG_URL), which
// also serves the sforce.opencti test double (opencti_double.js) as the
// org's opencti_min.js. Headless Debian Chromium via playwright-core.
//
// Environment: SB_URL, ORG_URL, BAD_ORG (an origin not in
// opencti_origins), AGENT, AGENT_PW, CALLER, CONTACT_ID, CUSTOMER,
// ACCOUNT_ID, SHOTS, CHROMIUM. The protocol with the Python side is
// driver.mjs's: {"need": "call"} has it place the call, {"need":
// "carrier"} wait for the carrier's; "done" also carries the double's
// record ("calls") and what it found wrong ("violations").
import { ask, drive, env, fitsWidth, login, say, screenshot, step,
  watch } from './driver.mjs';

const STEP_MS = 20000;

const softphoneUrl = (org) => env.SB_URL + '/opencti/softphone.html' +
  '?sfdcIFrameOrigin=' + encodeURIComponent(org) + '&mode=Lightning';

// the softphone's frame inside the stand-in Lightning page
function phoneFrame(page) {
  const f = page.frames().find((x) => x.url().includes('/opencti/'));
  if (!f) throw new Error('no softphone frame');
  return f;
}

async function ctiCalls(page) {
  return phoneFrame(page).evaluate(() => window.__opencti.calls);
}

// waits until the double has recorded a call of method matching pred
async function waitCall(page, method, pred, what) {
  const deadline = Date.now() + STEP_MS;
  for (;;) {
    const c = (await ctiCalls(page)).filter((x) => x.method === method &&
      (!pred || pred(x.args)));
    if (c.length) return c[c.length - 1];
    if (Date.now() > deadline) {
      throw new Error('no ' + method + ' call' + (what ? ' ' + what : '') +
        '; calls: ' + JSON.stringify(await ctiCalls(page)));
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// the softphone's error line (role=alert) must stay empty: a failed API
// or Open CTI call shows there, not in the console
async function noError(page) {
  const t = await phoneFrame(page).evaluate(() => {
    const e = document.getElementById('error');
    return e.hidden ? '' : e.textContent;
  });
  if (t) throw new Error('the softphone says: ' + t);
}

const signIn = (f) => login(f, env.AGENT, env.AGENT_PW);

// the double answers searches for the caller with one contact (its
// directory is the frame's: set again after each load)
async function knowCaller(page) {
  await phoneFrame(page).evaluate(([n, id]) => {
    window.__opencti.directory[n] = { Id: id, Name: 'Pat Caller',
      RecordType: 'Contact' };
  }, [env.CALLER, env.CONTACT_ID]);
}

drive(async (browser, done) => {
  let page;
  try {
    const ctx = await browser.newContext({ viewport: { width: 360,
      height: 800 } });
    ctx.setDefaultTimeout(STEP_MS);

    // the page's CSP lets only opencti_origins run script in it
    await step('unlisted_org_refused', async () => {
      const p = await ctx.newPage();
      await p.goto(softphoneUrl(env.BAD_ORG));
      await p.locator('#crm').filter({ hasText: 'opencti_origins' })
        .waitFor();
      const has = await p.evaluate(() => !!(window.sforce));
      if (has) throw new Error('a script from an unlisted origin ran');
      await p.close();
    });

    // where the browser gives the page storage (here: opened on its own,
    // not framed), the session survives a reload: no second sign-in
    await step('token_survives_reload_where_storage_allowed', async () => {
      const p = await ctx.newPage();
      await p.goto(softphoneUrl(env.ORG_URL));
      await p.locator('#login').waitFor({ state: 'visible' });
      await signIn(p);
      const kept = await p.evaluate(() =>
        !!sessionStorage.getItem('switchboard.opencti.token'));
      if (!kept) throw new Error('the token was not kept');
      await p.reload();
      await p.locator('#app').waitFor({ state: 'visible' });
      // signing out ends it and turns click-to-dial off; the next load
      // asks again (the double's record of calls is kept over the reload)
      await p.evaluate(() => addEventListener('pagehide', () =>
        sessionStorage.setItem('test.calls', JSON.stringify(
          window.__opencti.calls.map((c) => c.method)))));
      await p.getByRole('button', { name: 'Sign out' }).click();
      await p.locator('#login').waitFor({ state: 'visible' });
      const before = await p.evaluate(() =>
        JSON.parse(sessionStorage.getItem('test.calls')));
      if (!before || before[before.length - 1] !== 'disableClickToDial') {
        throw new Error('calls before sign-out: ' + JSON.stringify(before));
      }
      const left = await p.evaluate(() =>
        sessionStorage.getItem('switchboard.opencti.token'));
      if (left) throw new Error('the token outlived sign-out');
      await p.close();
    });

    page = await ctx.newPage();
    // no console error is expected here, not even /me's 401: the
    // softphone asks /me only with a token it holds
    watch(page, 'lightning', []);
    const frame = () => page.frameLocator('#softphone');

    await step('load_notifies_salesforce', async () => {
      await page.goto(env.ORG_URL + '/lightning/page/home?phone=' +
        encodeURIComponent(softphoneUrl(env.ORG_URL)));
      await frame().locator('#login').waitFor({ state: 'visible' });
      await waitCall(page, 'notifyInitializationComplete');
      await waitCall(page, 'onClickToDial');
      const crm = await frame().locator('#crm').textContent();
      if (crm.trim()) throw new Error('#crm says ' + crm);
      await knowCaller(page);
      await noError(page);
    });

    await step('login_in_frame_enables_click_to_dial', async () => {
      await signIn(frame());
      await waitCall(page, 'enableClickToDial');
      // the frame is cross-site: no session cookie was sent or needed
      await fitsWidth(phoneFrame(page), 360);
    });

    // Lightning reloads the frame with the tab: the session survives it
    // where the browser gives third-party frames storage; where it does
    // not (this headless Chromium blocks it), the page must ask to sign
    // in again, cleanly
    await step('reload_inside_the_frame', async () => {
      const storage = await phoneFrame(page).evaluate(() => {
        try { sessionStorage.getItem('x'); return true; } catch (e) {
          return false;
        }
      });
      say({ note: 'third-party frame storage ' +
        (storage ? 'allowed' : 'blocked') });
      await page.reload();
      if (storage) {
        await frame().locator('#app').waitFor({ state: 'visible' });
      } else {
        await frame().locator('#login').waitFor({ state: 'visible' });
        await signIn(frame());
      }
      await waitCall(page, 'enableClickToDial');
      await knowCaller(page);
      await noError(page);
    });

    await step('available', async () => {
      await frame().getByLabel('Status', { exact: true })
        .selectOption('available');
      await frame().locator('#conn').waitFor({ state: 'hidden' });
      await noError(page);
    });

    await step('offer_pops_the_caller', async () => {
      await ask('call');
      await frame().locator('#offer').waitFor({ state: 'visible' });
      const from = await frame().locator('#offer-from').textContent();
      if (!from.includes(env.CALLER)) throw new Error('offer from ' + from);
      await waitCall(page, 'setSoftphonePanelVisibility',
        (a) => a.visible === true);
      await waitCall(page, 'searchAndScreenPop', (a) =>
        a.searchParams === env.CALLER && a.callType === 'inbound',
      'for ' + env.CALLER);
      await noError(page);
    });

    await step('accept', async () => {
      await frame().getByRole('button', { name: 'Accept' }).click();
      await frame().locator('#call').waitFor({ state: 'visible' });
      await frame().locator('#call-record')
        .filter({ hasText: env.CONTACT_ID }).waitFor();
      await noError(page);
    });

    await step('mute_hold', async () => {
      const pressed = (id, v) => frame().locator('#' + id +
        '[aria-pressed="' + v + '"]').waitFor();
      await frame().getByRole('button', { name: 'Mute' }).click();
      await pressed('mute', 'true');
      await frame().getByRole('button', { name: 'Unmute' }).click();
      await pressed('mute', 'false');
      await frame().getByRole('button', { name: 'Hold' }).click();
      await pressed('hold', 'true');
      await frame().getByRole('button', { name: 'Resume' }).click();
      await pressed('hold', 'false');
      // the call lasts a little, so that its duration is not 0
      await new Promise((r) => setTimeout(r, 1200));
      await noError(page);
    });

    await step('hangup_wrapup_saves_the_task', async () => {
      await frame().getByRole('button', { name: 'Hang up' }).click();
      await frame().locator('#wrapup').waitFor({ state: 'visible' });
      await frame().getByLabel('Disposition').fill('resolved');
      await frame().getByLabel('Notes').fill('billing question answered');
      // Salesforce refuses the first Task: the call stays wrapped up in
      // switchboard, the agent is told and saves the Task again
      await phoneFrame(page).evaluate(() => {
        window.__opencti.failNext = 'saveLog';
      });
      await frame().getByRole('button', { name: 'Save call log' }).click();
      await frame().locator('#wrapup').waitFor({ state: 'hidden' });
      await frame().locator('#log-retry').waitFor({ state: 'visible' });
      await frame().locator('#error').filter({ hasText: 'saveLog' })
        .waitFor();
      await frame().getByRole('button', { name: 'Save the task again' })
        .click();
      await frame().locator('#log-retry').waitFor({ state: 'hidden' });
      const logs = (await ctiCalls(page)).filter((c) =>
        c.method === 'saveLog');
      if (logs.length !== 2 || JSON.stringify(logs[0].args) !==
          JSON.stringify(logs[1].args)) {
        throw new Error('saveLog calls: ' + JSON.stringify(logs));
      }
      await noError(page);
    });

    await step('click_to_dial_reaches_the_trunk', async () => {
      await phoneFrame(page).evaluate(([n, id]) =>
        window.__opencti.clickToDial({ number: n, recordId: id,
          recordName: 'Acme', objectType: 'Account' }),
      [env.CUSTOMER, env.ACCOUNT_ID]);
      await frame().locator('#call').waitFor({ state: 'visible' });
      const to = await frame().locator('#call-from').textContent();
      if (!to.includes(env.CUSTOMER)) throw new Error('call to ' + to);
      await ask('carrier');       // Python waits for the carrier's call
      // the carrier hangs up
      await frame().locator('#call').waitFor({ state: 'hidden',
        timeout: 30000 });
      await noError(page);
    });

    await screenshot(page, 'opencti.png', false).catch(() => {});
  } finally {
    done.calls = [];
    done.violations = [];
    if (page) {
      try {
        done.calls = await ctiCalls(page);
        done.violations = await phoneFrame(page).evaluate(() =>
          window.__opencti.violations);
      } catch (e) { /* the frame is gone: the steps said why */ }
    }
  }
});
