// nba_pages.mjs — the browser half of tests/web/test_nba_pages.py: the
// agent page shows a next best action card for what the caller says, with
// why, and Accept records it; the supervisor page shows the call's
// sentiment. Settings as pages.mjs; the protocol is driver.mjs's
// ({"need": "call"} has the Python side place the call).
import { agentAndSupervisor, ask, drive, env, fitsWidth, login,
  screenshot, step } from './driver.mjs';

const URL = env.SB_URL;
const STEP_MS = 20000;

drive(async (browser) => {
  const { agent, sup } = await agentAndSupervisor(browser, STEP_MS);
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
    if (!/cancel my subscription/.test(why) ||
        !/sounds like: .*cancel subscription/.test(why))
      throw new Error('why ' + why);
    const action = await card.locator('.reco-action').textContent();
    if (!/KB-1042/.test(action)) throw new Error('action ' + action);
    // the running sentiment is on the call panel
    await agent.locator('#call-mood').waitFor({ state: 'visible' });
    const mood = await agent.locator('#call-mood').textContent();
    if (!/Customer mood: \w+ \(-?\d\.\d\d\) — call turned negative/
      .test(mood)) {
      throw new Error('mood ' + mood);
    }
    await fitsWidth(agent, 400);
  });

  // the customer's words, as the recognizer heard them, are on the
  // Transcript pane as final lines labelled with who spoke
  const customerSaid = async (what) => {
    const line = agent.locator('#transcript p:not(.muted)', {
      hasText: /^Customer: .*cancel.*subscription/ });
    await line.first().waitFor({ state: 'visible' });
    const you = await agent.locator('#transcript p',
      { hasText: /^You: / }).count();
    if (you !== 0) throw new Error(what + ': customer words shown as the agent\'s');
  };

  await step('transcript_pane', async () => {
    await customerSaid('live');
  });

  await step('reload_keeps_cards', async () => {
    await agent.reload();
    await agent.locator('#call').waitFor({ state: 'visible' });
    const card = agent.locator('.reco[data-reco="retention_offer"]');
    await card.waitFor({ state: 'visible' });
    const why = await card.locator('.why').textContent();
    if (!/cancel my subscription/.test(why)) throw new Error('why ' + why);
    await agent.locator('.reco[data-reco="calm_customer"]').waitFor();
    await customerSaid('after reload');
  });

  await step('supervisor_flags_negative', async () => {
    await sup.waitForFunction(() => {
      const row = document.querySelector('#calls tr');
      const cell = row && row.lastElementChild;
      return cell && cell.classList.contains('negative') &&
        /^Negative -?\d\.\d\d$/.test(cell.textContent);
    }, null, { timeout: STEP_MS });
  });

  await screenshot(agent, 'agent-nba.png');
  await screenshot(sup, 'supervisor-nba.png');

  await step('accept_recommendation', async () => {
    const card = agent.locator('.reco[data-reco="retention_offer"]');
    await card.getByRole('button', { name: 'Accept' }).click();
    await card.locator('.outcome').filter({ hasText: 'Accepted' })
      .waitFor();
    if (await card.getByRole('button').count() !== 0) {
      throw new Error('buttons still on an answered card');
    }
  });
});
