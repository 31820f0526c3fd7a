/*
 * The connector against a real switchboard (started per test, loopback
 * ports) with SIPp as callers, agents' phones and carrier; Salesforce and
 * the browser frame are played by ./salesforce.js. Each test walks what an
 * agent does in Salesforce and checks what the library published to
 * Salesforce and what switchboard did.
 */
'use strict';
const { Salesforce, FRAME_ORIGIN } = require('./salesforce');
const { Switchboard, phone, register, caller, waitFor, sleep, stopAll } =
    require('./harness');

const NUMBER = '+15550100';
const CUSTOMER = '+15551234';
const CALLER_ID = '+15550199';

function provision({ carrierPort = 9, wrapupS = 0 } = {}) {
    return {
        agents: [
            { id: 'alice', name: 'Alice Ng', password: 'alice-web-pw',
                sip: { username: 'alice', password: 'alice-sip' },
                queues: [{ id: 'billing', position: 0 }] },
            { id: 'bob', name: 'Bob Li', password: 'bob-web-pw',
                sip: { username: 'bob', password: 'bob-sip' },
                queues: [{ id: 'billing', position: 1 }, { id: 'support' }] }
        ],
        queues: [
            { id: 'billing', name: 'Billing', strategy: 'top-down',
                push_timeout_s: 15, max_wait_s: 60, wrapup_s: wrapupS },
            { id: 'support', name: 'Support', push_timeout_s: 15, max_wait_s: 60 }
        ],
        trunks: [{ id: 'carrier', allow: ['127.0.0.1/32'],
            outbound: { uri: 'sip:127.0.0.1:' + carrierPort,
                prefixes: ['+1555'], caller_id: CALLER_ID } }],
        routes: [{ number: NUMBER, queue: 'billing' }]
    };
}

let sb;
let sf;

async function start(prov) {
    sb = await Switchboard.start(prov, ['--api-allowed-origins', FRAME_ORIGIN]);
    sf = new Salesforce();
    return sb;
}

/* Salesforce loads the connector, which asks for a login; the agent signs
 * in on the connector's form (login() is what the form's submit calls) */
async function signIn(agent = 'alice', config = {}) {
    sf.setup(Object.assign({ switchboardUrl: sb.url }, config));
    await sf.event('SHOW_LOGIN');
    await sf.connector.login(agent, agent + '-web-pw');
    await sf.event('LOGIN_RESULT', (p) => p.success === true);
    return sf.ready();
}

afterEach(async () => {
    if (sf) {
        sf.close();
    }
    sf = null;
    await stopAll();
    if (sb) {
        const s = sb;
        sb = null;
        /* every process but switchboard is gone; it must exit cleanly */
        await s.stop();
    }
});

test('init, login, capabilities and the agent status round trip', async () => {
    await start(provision());
    const ready = await signIn();
    const caps = ready.payload.capabilities;
    /* truthful: what switchboard does, nothing else */
    expect(caps).toMatchObject({ MUTE: true, RECORD: false, MERGE: false,
        SWAP: false, SIGNED_RECORDING_URL: false, SUPERVISOR_LISTEN_IN: false,
        SUPERVISOR_BARGE_IN: false, BLIND_TRANSFER: true, MOS: false,
        TRANSFER_TO_OMNI_FLOW: false });
    expect(ready.payload.agentConfig.PHONES).toEqual(['DESK_PHONE']);
    expect(ready.payload.callInProgress).toBeNull();

    /* every REST call went through a CORS preflight and was allowed */
    expect(sf.net.requests.length).toBeGreaterThan(2);

    sf.send('SET_AGENT_STATUS', { agentStatus: 'Offline',
        statusInfo: { statusId: '0N5xx0000000001', statusApiName: 'Break',
            statusName: 'Break' } });
    await sf.event('SET_AGENT_STATUS_RESULT', (p) => p.success === true);
    let a = await sb.api('GET', '/api/v1/agents/alice');
    expect(a.body.runtime.status).toBe('break');

    sf.send('GET_AGENT_STATUS');
    const st = await sf.event('GET_AGENT_STATUS_RESULT');
    expect(st.payload).toMatchObject({ statusId: 'break', statusType: 'Offline',
        statusName: 'Break' });

    sf.send('SET_AGENT_STATUS', { agentStatus: 'Online',
        statusInfo: { statusId: '0N5xx0000000002', statusApiName: 'Available_Voice' } });
    await waitFor(() => sf.events('SET_AGENT_STATUS_RESULT').length === 2);
    a = await sb.api('GET', '/api/v1/agents/alice');
    expect(a.body.runtime.status).toBe('available');

    /* a status switchboard does not have: a clear error, nothing changes */
    const n = sf.events('ERROR').length;
    sf.send('SET_AGENT_STATUS', { agentStatus: 'Busy',
        statusInfo: { statusId: '0N5xx3', statusApiName: 'Training' } });
    await waitFor(() => sf.events('ERROR').length > n);
    expect(sf.events('ERROR').pop().payload.message).toBe('INVALID_AGENT_STATUS');
    a = await sb.api('GET', '/api/v1/agents/alice');
    expect(a.body.runtime.status).toBe('available');

    /* results are the library's classes (the library checks too) */
    const lib = sf.lib;
    expect(await sf.connector.getAgentStatus()).toBeInstanceOf(lib.AgentVendorStatusInfo);
    expect(await sf.connector.getCapabilities()).toBeInstanceOf(lib.CapabilitiesResult);
    expect(await sf.connector.getAgentConfig()).toBeInstanceOf(lib.AgentConfigResult);
    expect(await sf.connector.getActiveCalls()).toBeInstanceOf(lib.ActiveCallsResult);
    await expect(sf.connector.getSignedRecordingUrl('u', 'c1', 'x'))
        .rejects.toThrow(/does not record/);
});

test('a wrong password is refused and reported', async () => {
    await start(provision());
    sf.setup({ switchboardUrl: sb.url });
    await sf.event('SHOW_LOGIN');
    await expect(sf.connector.login('alice', 'wrong')).rejects.toThrow();
    await waitFor(() => sf.events('ERROR').find((e) =>
        e.payload.message === 'CAN_NOT_LOG_IN'));
    expect(sf.received.find((m) => m.type === 'CONNECTOR_READY')).toBeUndefined();
});

test('inbound call: offer, accept, hold, mute, digits, end, wrap-up', async () => {
    await start(provision({ wrapupS: 60 }));
    const deskPhone = await phone('agent_autoanswer.xml');
    await register(sb, 'alice', 'alice-sip', deskPhone.port);
    await signIn();

    const call = await caller(sb, NUMBER, 'caller_held.xml');
    const queued = await sf.event('QUEUED_CALL_STARTED');
    const started = await sf.event('CALL_STARTED');
    const id = started.payload.callId;
    expect(queued.payload.callId).toBe(id);
    expect(started.payload).toMatchObject({ callType: 'Inbound',
        phoneNumber: '15550001', state: 'ringing' });
    expect(started.payload.callInfo.queueId).toBe('billing');
    /* the desktop has the offer: the phone is not rung before Accept */
    await sleep(500);
    expect(deskPhone.calls()).toEqual([]);
    const active = await sf.connector.getActiveCalls();
    expect(active.activeCalls.map((c) => c.callId)).toEqual([id]);

    sf.send('ACCEPT_CALL', { call: started.payload });
    const connected = await sf.event('CALL_CONNECTED');
    expect(connected.payload).toMatchObject({ callId: id, state: 'connected' });
    expect(deskPhone.calls()).toEqual(['alice']);
    await sleep(300);   /* the caller's ACK first */

    sf.send('HOLD', { call: connected.payload });
    await sf.event('HOLD_TOGGLE', (p) => p.isCustomerOnHold === true);
    sf.send('RESUME', { call: connected.payload });
    await sf.event('HOLD_TOGGLE', (p) => p.isCustomerOnHold === false);
    expect(sf.events('HOLD_TOGGLE')).toHaveLength(2);

    sf.send('MUTE');
    await sf.event('MUTE_TOGGLE', (p) => p.isMuted === true);
    sf.send('UNMUTE');
    await sf.event('MUTE_TOGGLE', (p) => p.isMuted === false);
    expect(sf.events('MUTE_TOGGLE')).toHaveLength(2);

    sf.send('SEND_DIGITS', { digits: '12#' });
    await expect(sf.connector.sendDigits('9')).resolves.toBeUndefined();

    sf.send('END_CALL', { call: connected.payload });
    const hangup = await sf.event('HANGUP');
    expect(hangup.payload[0]).toMatchObject({ callId: id, state: 'ended' });
    const acw = await sf.event('AFTER_CALL_WORK_STARTED');
    expect(acw.payload).toEqual({ callId: id });
    expect((await sf.connector.getActiveCalls()).activeCalls).toEqual([]);

    /* the caller heard hold, resume and the BYE, in order */
    const c = await call.done;
    expect(c.code).toBe(0);
    let rec = await sb.record(id);
    expect(rec).toMatchObject({ agent: 'alice', end_reason: 'completed',
        hangup_by: 'agent', disposition: null });
    let agent = await sb.api('GET', '/api/v1/agents/alice');
    expect(agent.body.runtime.wrap_up.call).toBe(id);

    sf.send('WRAP_UP_CALL', { call: hangup.payload[0] });
    const ended = await sf.event('WRAP_UP_ENDED');
    expect(ended.payload).toEqual({ callId: id });
    rec = await sb.record(id, (r) => r.disposition);
    expect(rec.disposition).toBe('salesforce');
    agent = await sb.api('GET', '/api/v1/agents/alice');
    expect(agent.body.runtime.wrap_up).toBeUndefined();

    /* each event once, in the order an agent lived them */
    expect(sf.events().map((e) => e.type).filter((t) => t !== 'SET_AGENT_STATUS_RESULT'))
        .toEqual(['SHOW_LOGIN', 'LOGIN_RESULT', 'QUEUED_CALL_STARTED',
            'CALL_STARTED', 'CALL_CONNECTED', 'HOLD_TOGGLE', 'HOLD_TOGGLE',
            'MUTE_TOGGLE', 'MUTE_TOGGLE', 'HANGUP', 'AFTER_CALL_WORK_STARTED',
            'WRAP_UP_ENDED']);
    expect(sf.errors()).toEqual([]);
    expect((await deskPhone.done).code).toBe(0);
});

test('declineCall hands the call to the next agent', async () => {
    await start(provision());
    const phones = await phone('agent.xml');
    await register(sb, 'alice', 'alice-sip', phones.port);
    await register(sb, 'bob', 'bob-sip', phones.port);
    await signIn();

    const call = await caller(sb, NUMBER);
    const started = await sf.event('CALL_STARTED');
    const id = started.payload.callId;
    sf.send('DECLINE_CALL', { call: started.payload });
    const hangup = await sf.event('HANGUP');
    expect(hangup.payload).toMatchObject({ callId: id });
    /* bob has no page open: his phone rings and answers */
    await sb.record(id, (r) => r.agent === 'bob' && r.answered);
    expect(phones.calls()).toEqual(['bob']);
    expect((await sf.connector.getActiveCalls()).activeCalls).toEqual([]);

    await sleep(300);
    expect((await sb.api('POST', '/api/v1/calls/' + id + '/hangup', {})).status)
        .toBe(200);
    expect((await call.done).code).toBe(0);
    const rec = await sb.record(id);
    expect(rec.legs.filter((l) => l.role === 'agent')
        .map((l) => [l.agent, l.final_code])).toEqual([['alice', 603], ['bob', 200]]);
    /* the offer's end did not make a second HANGUP */
    await sleep(300);
    expect(sf.events('HANGUP')).toHaveLength(1);
    expect(sf.errors()).toEqual([]);
});

test('dial places the call through the trunk; the customer hangs up', async () => {
    const carrier = await phone('carrier.xml', { rtpEcho: false,
        keys: { to: CUSTOMER, from: CALLER_ID } });
    await start(provision({ carrierPort: carrier.port }));
    const deskPhone = await phone('agent_autoanswer.xml');
    await register(sb, 'alice', 'alice-sip', deskPhone.port);
    await signIn();

    sf.send('DIAL', { contact: { phoneNumber: CUSTOMER } });
    const started = await sf.event('CALL_STARTED');
    const id = started.payload.callId;
    expect(started.payload).toMatchObject({ callType: 'Outbound',
        phoneNumber: CUSTOMER });
    const connected = await sf.event('CALL_CONNECTED');
    expect(connected.payload).toMatchObject({ callId: id, callType: 'Outbound',
        state: 'connected' });
    /* carrier.xml hangs up after talking */
    const hangup = await sf.event('HANGUP');
    expect(hangup.payload[0]).toMatchObject({ callId: id, state: 'ended' });
    expect((await carrier.done).code).toBe(0);
    const rec = await sb.record(id);
    expect(rec).toMatchObject({ direction: 'outbound', to: CUSTOMER,
        agent: 'alice', hangup_by: 'customer' });
    expect(sf.events('CALL_STARTED')).toHaveLength(1);
    expect(sf.errors()).toEqual([]);

    /* a number switchboard refuses: CALL_FAILED and the reason */
    for (const bad of ['12', '+4420555000']) {
        const n = sf.events('CALL_FAILED').length;
        sf.send('DIAL', { contact: { phoneNumber: bad } });
        await waitFor(() => sf.events('CALL_FAILED').length > n);
        await waitFor(() => sf.events('ERROR').find((e) =>
            e.payload.message === 'INVALID_DESTINATION'));
    }
    expect((await sb.api('GET', '/api/v1/calls')).body.calls).toHaveLength(1);
});

test('phone contacts and a blind transfer to another agent', async () => {
    await start(provision());
    const phones = await phone('agent_autoanswer.xml');
    const bobPhone = await phone('agent.xml');
    await register(sb, 'alice', 'alice-sip', phones.port);
    await register(sb, 'bob', 'bob-sip', bobPhone.port);
    await signIn();

    sf.send('GET_PHONE_CONTACTS');
    const contacts = await sf.event('PHONE_CONTACTS');
    const list = contacts.payload.contacts.map((c) => [c.type, c.id, c.name])
        .sort();
    expect(list).toEqual([['Agent', 'bob', 'Bob Li'], ['Queue', 'billing', 'Billing'],
        ['Queue', 'support', 'Support']]);
    const bob = contacts.payload.contacts.find((c) => c.id === 'bob');
    const r = await sf.connector.getPhoneContacts({ contains: 'sup' });
    expect(r).toBeInstanceOf(sf.lib.PhoneContactsResult);
    expect(r.contacts.map((c) => c.id)).toEqual(['support']);

    const call = await caller(sb, NUMBER);
    const started = await sf.event('CALL_STARTED');
    const id = started.payload.callId;
    sf.send('ACCEPT_CALL', { call: started.payload });
    const connected = await sf.event('CALL_CONNECTED');
    await sleep(300);

    sf.send('ADD_PARTICIPANT', { contact: bob, call: connected.payload,
        isBlindTransfer: true });
    const added = await sf.event('PARTICIPANT_ADDED');
    expect(added.payload).toMatchObject({ callId: id, initialCallHasEnded: true });
    await sf.event('HANGUP');
    await sb.record(id, (r) => r.agent === 'bob');
    expect(bobPhone.calls()).toEqual(['bob']);
    expect((await sf.connector.getActiveCalls()).activeCalls).toEqual([]);

    await sleep(300);
    await sb.api('POST', '/api/v1/calls/' + id + '/hangup', {});
    expect((await call.done).code).toBe(0);
    const rec = await sb.record(id);
    expect(rec.legs.filter((l) => l.role === 'agent').map((l) => l.agent))
        .toEqual(['alice', 'bob']);
    await sleep(300);
    expect(sf.events('HANGUP')).toHaveLength(1);
    expect(sf.errors()).toEqual([]);

    /* no consultation or conference in switchboard: a clear refusal */
    await expect(sf.connector.addParticipant(bob, connected.payload, false))
        .rejects.toThrow(/blind transfer only/);
});

async function acceptedCall() {
    const call = await caller(sb, NUMBER);
    const started = await sf.event('CALL_STARTED');
    sf.send('ACCEPT_CALL', { call: started.payload });
    await sf.event('CALL_CONNECTED');
    await sleep(300);
    return { call, id: started.payload.callId };
}

test('the stream drops mid-call; the hangup meanwhile arrives after', async () => {
    await start(provision());
    const deskPhone = await phone('agent_autoanswer.xml');
    await register(sb, 'alice', 'alice-sip', deskPhone.port);
    await signIn();
    const { call, id } = await acceptedCall();

    sf.net.down = true;
    sf.net.drop();
    await sleep(300);
    /* still known while the stream is down */
    expect((await sf.connector.getActiveCalls()).activeCalls
        .map((c) => c.callId)).toEqual([id]);
    /* the caller's side ends while the connector cannot hear it */
    expect((await sb.api('POST', '/api/v1/calls/' + id + '/hangup', {})).status)
        .toBe(200);
    expect((await call.done).code).toBe(0);
    await sleep(1000);
    expect(sf.events('HANGUP')).toHaveLength(0);

    sf.net.down = false;
    const hangup = await sf.event('HANGUP', () => true, 30000);
    expect(hangup.payload[0]).toMatchObject({ callId: id, state: 'ended' });
    /* it resumed where it stopped: no resync needed */
    const last = sf.net.wsUrls[sf.net.wsUrls.length - 1];
    expect(last).toMatch(/[?&]since=\d+/);
    expect(last).toMatch(/[?&]stream=[0-9a-f]+/);
    expect((await sf.connector.getActiveCalls()).activeCalls).toEqual([]);
    await sleep(500);
    expect(sf.events('HANGUP')).toHaveLength(1);
    expect(sf.events('CALL_STARTED')).toHaveLength(1);
});

test('a resync after a reconnect re-reads the calls', async () => {
    await start(provision());
    const deskPhone = await phone('agent_autoanswer.xml');
    await register(sb, 'alice', 'alice-sip', deskPhone.port);
    await signIn();
    const { call, id } = await acceptedCall();

    sf.net.down = true;
    sf.net.drop();
    await sb.api('POST', '/api/v1/calls/' + id + '/hangup', {});
    expect((await call.done).code).toBe(0);
    /* the server no longer knows the client's stream (as after it
     * restarted): it answers resync and the connector reads its calls */
    sf.net.rewrite = (u) => u.replace(/stream=[0-9a-f]+/, 'stream=0123456789abcdef');
    const reads = sf.net.requests.length;
    sf.net.down = false;
    const hangup = await sf.event('HANGUP', () => true, 30000);
    expect(hangup.payload[0]).toMatchObject({ callId: id });
    expect(sf.net.requests.slice(reads).some((r) =>
        /\/api\/v1\/calls\?since=/.test(r.url))).toBe(true);
    await sleep(500);
    /* the events replayed after the resync are not published again */
    expect(sf.events().map((e) => e.type).filter((t) => /CALL|HANGUP/.test(t)))
        .toEqual(['QUEUED_CALL_STARTED', 'CALL_STARTED', 'CALL_CONNECTED', 'HANGUP']);
});

test('events during a slow init are held, then published after ready', async () => {
    await start(provision());
    const deskPhone = await phone('agent_autoanswer.xml');
    await register(sb, 'alice', 'alice-sip', deskPhone.port);
    const token = await sb.login('alice', 'alice-web-pw');
    /* the last step of init (reading the calls) takes 3 s */
    sf.net.delay(/\/api\/v1\/calls\?since=/, 3000);
    sf.setup({ switchboardUrl: sb.url, switchboardToken: token });
    await waitFor(() => sf.net.sockets.length === 1, { what: 'the stream' });
    await sleep(300);
    const call = await caller(sb, NUMBER);
    const offered = await waitFor(async () => {
        const r = await sb.api('GET', '/api/v1/calls');
        return r.body.calls.find((c) => c.offered);
    }, { what: 'the offer' });
    /* the offer reached the connector during init: nothing published */
    expect(sf.received.find((m) => m.type === 'CONNECTOR_READY')).toBeUndefined();
    expect(sf.events()).toEqual([]);

    const ready = await sf.ready();
    const started = await sf.event('CALL_STARTED');
    expect(started.payload.callId).toBe(offered.id);
    expect(sf.received.indexOf(ready)).toBeLessThan(sf.received.findIndex((m) =>
        m.type === 'TELEPHONY_EVENT_DISPATCHED' &&
        m.payload.telephonyEventType === 'QUEUED_CALL_STARTED'));
    expect(ready.payload.callInProgress.callId).toBe(offered.id);
    expect(sf.events('SHOW_LOGIN')).toEqual([]);

    sf.send('ACCEPT_CALL', { call: started.payload });
    await sf.event('CALL_CONNECTED');
    await sleep(300);
    sf.send('END_CALL', { call: started.payload });
    await sf.event('HANGUP');
    expect((await call.done).code).toBe(0);
    expect(sf.errors()).toEqual([]);
});

test('a session that ended is reported as AGENT_ERROR', async () => {
    await start(provision());
    await signIn();
    /* the session ends on the server (as at a restart or a logout
     * elsewhere); the stream drops and cannot come back */
    const token = sf.connector.client.token;
    expect((await sb.api('POST', '/api/v1/logout', {}, token)).status).toBe(204);
    sf.net.drop();
    const err = await sf.event('ERROR', (p) => p.message === 'AGENT_ERROR', 30000);
    expect(err).toBeTruthy();
    const log = sf.received.find((m) => m.type === 'LOG' && m.payload.isError &&
        m.payload.eventType === 'AGENT_ERROR');
    expect(JSON.stringify(log.payload)).toMatch(/session ended/);
    /* and it stops trying */
    const tries = sf.net.wsUrls.length;
    await sleep(2500);
    expect(sf.net.wsUrls.length).toBe(tries);
});

test('init without a switchboard URL says which setting is missing', async () => {
    await start(provision());
    sf.setup({});
    const err = await sf.event('ERROR', (p) => p.message === 'INVALID_PARAMS');
    expect(err).toBeTruthy();
    const log = sf.received.find((m) => m.type === 'LOG' && m.payload.isError);
    expect(JSON.stringify(log.payload)).toMatch(/switchboardUrl/);
    expect(sf.received.find((m) => m.type === 'CONNECTOR_READY')).toBeUndefined();
});

test('an origin switchboard does not list cannot use it, and is told why', async () => {
    sb = await Switchboard.start(provision(), ['--api-allowed-origins',
        'https://other.example']);
    sf = new Salesforce();
    sf.setup({ switchboardUrl: sb.url });
    await sf.event('SHOW_LOGIN');
    await expect(sf.connector.login('alice', 'alice-web-pw'))
        .rejects.toThrow(/api_allowed_origins/);
    /* refused at the preflight: the login request was never sent */
    expect(sf.connector.client.token).toBeNull();
    expect(sf.net.requests.map((r) => r.method)).toEqual(['POST']);
    expect(sf.received.find((m) => m.type === 'CONNECTOR_READY')).toBeUndefined();
});

test('presence statuses map through switchboardStatusMap', async () => {
    await start(provision());
    await signIn('alice', { '/reqSwitchboard/reqSwitchboardStatusMap':
        JSON.stringify({ Lunch_Break: 'lunch', '0N5xx9': 'busy' }) });
    const setStatus = async (agentStatus, statusInfo, want) => {
        const n = sf.events('SET_AGENT_STATUS_RESULT').length;
        sf.send('SET_AGENT_STATUS', { agentStatus, statusInfo });
        await waitFor(() => sf.events('SET_AGENT_STATUS_RESULT').length > n);
        expect(sf.events('SET_AGENT_STATUS_RESULT').pop().payload.success).toBe(true);
        const a = await sb.api('GET', '/api/v1/agents/alice');
        expect(a.body.runtime.status).toBe(want);
    };
    await setStatus('Offline', { statusId: '0N5xx1', statusApiName: 'Lunch_Break' }, 'lunch');
    await setStatus('Offline', { statusId: '0N5xx9', statusApiName: 'Meeting' }, 'busy');
    await setStatus('Online', { statusId: '0N5xx2', statusApiName: 'Ready' }, 'available');
    /* after-call work is switchboard's wrap-up: nothing to change */
    await setStatus('AfterCallWork', { statusId: '0N5xx3' }, 'available');
    await setStatus('Offline', { statusId: '0N5xx4', statusApiName: 'Gone' }, 'offline');
    expect(sf.errors()).toEqual([]);
});
