/*
 * connector.js — switchboard as Service Cloud Voice partner telephony: a
 * VendorConnector of @salesforce/scv-connector-base 3.6.2 (in that version
 * one class carries the telephony methods too; there is no separate
 * TelephonyConnector).
 *
 * Salesforce calls the methods below through the library; what switchboard
 * does on its own (an offer, the caller hanging up, a wrap-up ending, a
 * hold from the agent's desk phone page) comes from its event stream and is
 * published with publishEvent. One model of the agent's calls (this.calls)
 * serves both, so each change is published once: a change this connector
 * asked for is published by the library from the method's result, and the
 * matching stream event only updates the model.
 *
 * Nothing is published before Salesforce has the connector ready: events
 * that arrive during a slow init() are applied to the model and held, then
 * published in order right after CONNECTOR_READY (see release()).
 *
 * After a dropped stream the client reconnects with ?since= and the server
 * replays what was missed; when it cannot (resync), the calls are read
 * again and the differences published (reload()).
 */
(function (root, factory) {
    if (typeof module === 'object' && module.exports) {
        module.exports = factory(require('@salesforce/scv-connector-base'),
            require('./switchboard-api'));
    } else {
        root.SwitchboardConnector = factory(root.SCVConnectorBase,
            root.SwitchboardApi).SwitchboardConnector;
    }
}(this, function (SCV, SB) {
    'use strict';

    const {
        Constants, VendorConnector, publishEvent, publishError,
        ActiveCallsResult, AgentConfigResult, CapabilitiesResult,
        CallResult, HangupResult, HoldToggleResult, MuteToggleResult,
        InitResult, GenericResult, LogoutResult, PhoneContactsResult,
        ParticipantResult, AgentVendorStatusInfo, PhoneCall, CallInfo,
        PhoneCallAttributes, Contact, Phone
    } = SCV;
    const E = Constants.EVENT_TYPE;
    const STATE = Constants.CALL_STATE;

    const TOKEN_KEY = 'switchboard-scv-token';
    const ENDED_KEPT = 50;           /* ended calls remembered for dedup */
    const ACCEPT_EXTRA_MS = 10000;   /* beyond push_timeout_s for Accept */
    const RELOAD_WINDOW_MS = 24 * 3600 * 1000;

    /* an Error whose message survives the library's log of it (which
     * copies enumerable properties only) */
    function errorOf(type, message) {
        const e = new Error(message);
        e.type = type;
        Object.defineProperty(e, 'message', { value: message, enumerable: true });
        return e;
    }

    /* the call center setting `name`, given as is or as a field
     * "/<section>/req<Name>" of the call center definition */
    function setting(config, name) {
        if (!config) {
            return undefined;
        }
        if (config[name] !== undefined && config[name] !== '') {
            return config[name];
        }
        const tail = '/req' + name[0].toUpperCase() + name.slice(1);
        for (const k of Object.keys(config)) {
            if (k.endsWith(tail) && config[k] !== '') {
                return config[k];
            }
        }
        return undefined;
    }

    class SwitchboardConnector extends VendorConnector {
        /**
         * @param {object} [env] the page's fetch, WebSocket, sessionStorage,
         *   location (defaults: the window's), and onShowLogin().
         */
        constructor(env) {
            super();
            this.env = env || {};
            this.calls = new Map();      /* id -> call model */
            this.held = [];              /* events waiting for ready */
            this.ready = false;
            this.me = null;              /* the agent: {id, name, role} */
            this.statuses = [];
            this.runtime = null;
            this.stream = null;
            this.dialing = 0;
            this.failures = 0;
        }

        /* ---------------------------------------------------- setup */

        async init(config) {
            this.config = config || {};
            let url = setting(this.config, 'switchboardUrl');
            if (!url && this.env.location) {
                url = this.env.location.origin;   /* served by switchboard */
            }
            if (!url) {
                throw errorOf(Constants.ERROR_TYPE.INVALID_PARAMS,
                    'switchboardUrl is not set in the call center settings');
            }
            try {
                this.client = new SB.Client({ baseUrl: url,
                    fetch: this.env.fetch, WebSocket: this.env.WebSocket });
            } catch (e) {
                throw errorOf(Constants.ERROR_TYPE.INVALID_PARAMS, e.message);
            }
            this.queuedEvents = String(setting(this.config,
                'switchboardQueuedCallEvents')) !== 'false';
            this.disposition = setting(this.config,
                'switchboardWrapupDisposition') || 'salesforce';
            try {
                this.statusMap = JSON.parse(setting(this.config,
                    'switchboardStatusMap') || '{}');
            } catch (e) {
                throw errorOf(Constants.ERROR_TYPE.INVALID_PARAMS,
                    'switchboardStatusMap is not JSON: ' + e.message);
            }

            const token = setting(this.config, 'switchboardToken') ||
                this.savedToken();
            if (token) {
                this.client.token = token;
                try {
                    await this.connect();
                    this.release();
                    return new InitResult({});
                } catch (e) {
                    if (e.status !== 401) {
                        throw e;
                    }
                    this.client.token = null;
                    this.saveToken(null);
                }
            }
            if (this.env.onShowLogin) {
                this.env.onShowLogin();
            }
            return new InitResult({ showLogin: true, loginFrameHeight: 300 });
        }

        /** The login form's submit: id and web password of the agent. */
        async login(id, password) {
            try {
                await this.client.login(id, password);
                await this.connect();
            } catch (e) {
                publishError({ eventType: E.LOGIN_RESULT, error: e });
                throw e;
            }
            this.saveToken(this.client.token);
            publishEvent({ eventType: E.LOGIN_RESULT,
                payload: new GenericResult({ success: true }) });
            this.release();
        }

        /* Who we are, the statuses, the event stream (opened before the
         * state is read, so nothing falls between the two), the calls. */
        async connect() {
            const me = await this.client.request('GET', '/api/v1/me');
            if (!me.agent) {
                throw errorOf(Constants.ERROR_TYPE.GENERIC_ERROR,
                    'the token is not an agent\'s session');
            }
            this.me = me.agent;
            this.statuses = (await this.client.request('GET',
                '/api/v1/statuses')).statuses;
            this.stream = new SB.EventStream(this.client, {
                onEvent: (m) => this.onEvent(m),
                onResync: () => this.resync(),
                onHello: () => { this.failures = 0; },
                onDown: () => this.onDown()
            });
            await this.stream.start();
            await this.reload(false);
        }

        /* Salesforce posts CONNECTOR_READY after init (or LOGIN_RESULT)
         * resolves, reading getAgentConfig, getCapabilities and
         * getActiveCalls, all answered from memory without waiting: a
         * timer runs after that, and publishes what was held. */
        release() {
            setTimeout(() => {
                this.ready = true;
                const held = this.held;
                this.held = [];
                for (const ev of held) {
                    publishEvent(ev);
                }
            }, 0);
        }

        emit(eventType, payload) {
            if (this.ready) {
                publishEvent({ eventType, payload });
            } else {
                this.held.push({ eventType, payload });
            }
        }

        savedToken() {
            try {
                return this.env.sessionStorage ?
                    this.env.sessionStorage.getItem(TOKEN_KEY) : null;
            } catch (e) {
                return null;
            }
        }

        saveToken(token) {
            try {
                if (!this.env.sessionStorage) {
                    return;
                }
                if (token) {
                    this.env.sessionStorage.setItem(TOKEN_KEY, token);
                } else {
                    this.env.sessionStorage.removeItem(TOKEN_KEY);
                }
            } catch (e) { /* storage refused: log in again next time */ }
        }

        /* The stream is down. After a few failed reconnects, find out
         * whether the session is gone (switchboard restarted, the agent was
         * changed): then reconnecting cannot help and the agent must know. */
        async onDown() {
            if (++this.failures !== 3) {
                return;
            }
            try {
                await this.client.request('GET', '/api/v1/me');
            } catch (e) {
                if (e.status === 401) {
                    this.stream.stop();
                    this.saveToken(null);
                    publishError({ eventType: E.AGENT_ERROR, error:
                        errorOf(Constants.ERROR_TYPE.GENERIC_ERROR,
                            'the switchboard session ended: log in again') });
                    return;
                }
            }
            publishError({ eventType: E.AGENT_ERROR, error: errorOf(
                Constants.ERROR_TYPE.GENERIC_ERROR,
                'the switchboard event stream is down; reconnecting') });
        }

        /* ---------------------------------------------------- the model */

        call(id) {
            return this.calls.get(id);
        }

        active() {
            return [...this.calls.values()].filter((c) => c.active);
        }

        /* the agent's one connected call (mute() names none) */
        current() {
            return this.active().find((c) => c.state === STATE.CONNECTED);
        }

        add(id, fields) {
            let c = this.calls.get(id);
            if (!c) {
                c = { id, active: true, muted: false, held: false,
                    busy: {}, since: new Date() };
                this.calls.set(id, c);
            }
            Object.assign(c, fields);
            return c;
        }

        /* the call is over for this agent (its HANGUP is out or coming) */
        finish(c, reason) {
            c.active = false;
            c.state = STATE.ENDED;
            c.reason = reason;
            const ended = [...this.calls.values()].filter((x) => !x.active);
            for (let i = 0; i < ended.length - ENDED_KEPT; i++) {
                this.calls.delete(ended[i].id);
            }
        }

        phoneCall(c) {
            const number = c.number || undefined;
            return new PhoneCall({
                callId: c.id,
                callType: c.direction === 'outbound' ?
                    Constants.CALL_TYPE.OUTBOUND : Constants.CALL_TYPE.INBOUND,
                phoneNumber: number,
                contact: new Contact({ phoneNumber: number }),
                state: c.state,
                reason: c.reason,
                callAttributes: new PhoneCallAttributes({
                    participantType: Constants.PARTICIPANT_TYPE.INITIAL_CALLER,
                    isOnHold: c.held }),
                callInfo: new CallInfo({
                    callStateTimestamp: c.since,
                    isOnHold: c.held,
                    isMuted: c.muted,
                    queueId: c.queue || null,
                    queueName: c.queue || null,
                    /* the agent talks on its SIP phone, not the browser */
                    isSoftphoneCall: false,
                    swapEnabled: false,
                    conferenceEnabled: false,
                    recordEnabled: false,
                    addCallerEnabled: false,
                    showRecordButton: false,
                    showAddCallerButton: false,
                    showMergeButton: false,
                    showSwapButton: false
                })
            });
        }

        hangupResult(c) {
            return new HangupResult({ calls: [this.phoneCall(c)] });
        }

        /* HANGUP once per call, then the wrap-up if it began meanwhile */
        published(c) {
            c.hangupOut = true;
            if (c.wrapup && !c.acwOut) {
                c.acwOut = true;
                this.emit(E.AFTER_CALL_WORK_STARTED, { callId: c.id });
            }
        }

        /* ---------------------------------------------------- the stream */

        onEvent(msg) {
            const d = msg.data || {};
            const mine = d.agent === this.me.id;
            let c = d.call ? this.call(d.call) : undefined;

            switch (msg.type) {
            case 'call.offered': {
                if (!mine || (c && c.active)) {
                    return;
                }
                c = this.add(d.call, { state: STATE.RINGING,
                    direction: 'inbound', number: d.from, queue: d.queue,
                    pushTimeoutS: d.push_timeout_s, acceptVia: d.accept_via,
                    since: new Date(), active: true, reason: undefined,
                    /* offered again after a decline: a new offer */
                    hangupOut: false, ending: false, wrapup: false,
                    acwOut: false, wrapupEndedOut: false });
                const result = new CallResult({ call: this.phoneCall(c) });
                if (this.queuedEvents) {
                    this.emit(E.QUEUED_CALL_STARTED, result);
                }
                this.emit(E.CALL_STARTED, result);
                return;
            }
            case 'call.dialing':
                if (!mine || (c && c.active)) {
                    return;
                }
                c = this.add(d.call, { state: STATE.RINGING,
                    direction: 'outbound', number: d.to, since: new Date() });
                /* our own dial(): the library publishes its CALL_STARTED */
                if (!this.dialing) {
                    this.emit(E.CALL_STARTED,
                        new CallResult({ call: this.phoneCall(c) }));
                }
                return;
            case 'call.answered':
                if (!mine) {
                    return;
                }
                c = this.add(d.call, { state: STATE.CONNECTED,
                    direction: d.direction, since: new Date(),
                    number: d.direction === 'outbound' ? d.to : d.from,
                    queue: d.queue });
                if (c.accepted) {
                    c.accepted();       /* acceptCall's result says it */
                } else {
                    this.emit(E.CALL_CONNECTED,
                        new CallResult({ call: this.phoneCall(c) }));
                }
                return;
            case 'call.offer_ended':
                if (!mine || !c || !c.active || c.state !== STATE.RINGING) {
                    return;
                }
                this.finish(c, d.outcome);
                if (c.failAccept) {
                    c.failAccept(new Error('the offer ended: ' + d.outcome));
                }
                if (!c.hangupOut) {
                    this.emit(E.HANGUP, this.hangupResult(c));
                    this.published(c);
                }
                return;
            case 'call.held':
            case 'call.resumed':
                if (c && c.active) {
                    this.toggled(c, 'held', msg.type === 'call.held');
                }
                return;
            case 'call.muted':
            case 'call.unmuted':
                if (c && c.active) {
                    this.toggled(c, 'muted', msg.type === 'call.muted');
                }
                return;
            case 'call.transferred':
                if (d.from_agent === this.me.id && c && c.active) {
                    this.finish(c, 'transferred');
                    if (!c.hangupOut) {
                        this.emit(E.HANGUP, this.hangupResult(c));
                        this.published(c);
                    }
                }
                return;
            case 'call.ended':
                if (!c || !c.active) {
                    return;
                }
                this.finish(c, d.reason);
                if (c.failAccept) {
                    c.failAccept(new Error('the call ended: ' + d.reason));
                }
                if (!c.hangupOut && !c.ending) {
                    this.emit(E.HANGUP, this.hangupResult(c));
                    this.published(c);
                }
                return;
            case 'call.wrapup':
                if (!mine || !c) {
                    return;
                }
                c.wrapup = true;
                if (c.hangupOut && !c.acwOut) {
                    c.acwOut = true;
                    this.emit(E.AFTER_CALL_WORK_STARTED, { callId: c.id });
                }
                return;
            case 'call.wrapup_ended':
                if (mine && c && c.wrapup && !c.wrapupEndedOut) {
                    c.wrapupEndedOut = true;
                    this.emit(E.WRAP_UP_ENDED, { callId: c.id });
                }
                return;
            case 'agent.status':
                if (mine) {
                    this.runtime = d;
                }
                return;
            default:
                return;
            }
        }

        /* a hold or mute that switchboard reports: published unless this
         * connector's own request for it is under way (the library
         * publishes that one from the result) or nothing changed */
        toggled(c, what, on) {
            if (c[what] === on) {
                return;
            }
            c[what] = on;
            if (c.busy[what]) {
                return;
            }
            if (what === 'held') {
                this.emit(E.HOLD_TOGGLE, this.holdResult(c));
            } else {
                this.emit(E.MUTE_TOGGLE, new MuteToggleResult({ isMuted: on }));
            }
        }

        holdResult(c) {
            return new HoldToggleResult({ isCustomerOnHold: c.held,
                isThirdPartyOnHold: false,
                calls: { [c.id]: this.phoneCall(c) } });
        }

        /* The server could not replay what we missed: read the calls
         * again and publish what changed. */
        resync() {
            this.reload(true).catch((e) => publishError({
                eventType: E.AGENT_ERROR, error: e }));
        }

        async reload(publish) {
            const [agent, list] = await Promise.all([
                this.client.request('GET', '/api/v1/agents/' +
                    encodeURIComponent(this.me.id)),
                this.client.request('GET', '/api/v1/calls?since=' +
                    encodeURIComponent(new Date(Date.now() -
                        RELOAD_WINDOW_MS).toISOString()) + '&limit=1000')
            ]);
            this.runtime = agent.runtime || null;
            const mine = (r) => r.agent === this.me.id;
            const live = new Map();
            const byId = new Map();
            for (const r of list.calls) {
                byId.set(r.id, r);
                if (r.ended) {
                    continue;
                }
                const out = r.direction === 'outbound';
                if (mine(r) && (r.answered || out)) {
                    live.set(r.id, { state: r.answered || !out ?
                        STATE.CONNECTED : STATE.RINGING, record: r });
                    continue;
                }
                const legs = r.legs.filter((l) => l.role === 'agent');
                const last = legs[legs.length - 1];
                if (!r.answered && last && last.agent === this.me.id &&
                    !last.ended) {
                    live.set(r.id, { state: STATE.RINGING, record: r });
                }
            }

            /* A call this agent knows is over only when its record says
             * so (ended, or answered by someone else): an offer waiting
             * on the desktop may not show in the list yet. */
            for (const c of this.active()) {
                let r = byId.get(c.id);
                if (!r) {
                    try {
                        r = await this.client.request('GET', '/api/v1/calls/' +
                            encodeURIComponent(c.id));
                    } catch (e) {
                        if (e.status !== 403 && e.status !== 404) {
                            throw e;
                        }
                        r = { ended: true };
                    }
                }
                if (!r.ended && !(r.answered && !mine(r))) {
                    continue;
                }
                this.finish(c, 'ended');
                const w = this.runtime && this.runtime.wrap_up;
                c.wrapup = !!(w && w.call === c.id);
                if (publish && !c.hangupOut) {
                    this.emit(E.HANGUP, this.hangupResult(c));
                    this.published(c);
                }
            }

            for (const [id, l] of live) {
                const known = this.call(id);
                /* an event since the list was read says more */
                if (known && (!known.active || known.state === l.state)) {
                    continue;
                }
                const r = l.record;
                const out = r.direction === 'outbound';
                const c = this.add(id, { state: l.state,
                    direction: r.direction, queue: r.queue,
                    number: out ? r.to : r.from_number,
                    since: new Date(r.answered || r.arrived) });
                if (publish) {
                    this.emit(l.state === STATE.CONNECTED ? E.CALL_CONNECTED :
                        E.CALL_STARTED, new CallResult({
                            call: this.phoneCall(c) }));
                }
            }
        }

        /* ---------------------------------------------------- requests */

        callPath(id, action) {
            return '/api/v1/calls/' + encodeURIComponent(id) + '/' + action;
        }

        known(call) {
            const c = call && this.call(call.callId);
            if (!c || !c.active) {
                throw errorOf(Constants.ERROR_TYPE.INVALID_PARTICIPANT,
                    'switchboard has no live call ' + (call && call.callId) +
                    ' for this agent');
            }
            return c;
        }

        getActiveCalls() {
            return Promise.resolve(new ActiveCallsResult({
                activeCalls: this.active().map((c) => this.phoneCall(c)) }));
        }

        async acceptCall(call) {
            const c = this.known(call);
            if (c.state === STATE.CONNECTED) {
                return new CallResult({ call: this.phoneCall(c) });
            }
            const answered = new Promise((resolve, reject) => {
                const t = setTimeout(() => reject(new Error(
                    'the agent\'s phone did not answer')),
                (c.pushTimeoutS || 30) * 1000 + ACCEPT_EXTRA_MS);
                c.accepted = () => { clearTimeout(t); resolve(); };
                c.failAccept = (e) => { clearTimeout(t); reject(e); };
            });
            answered.catch(() => {});
            try {
                await this.client.request('POST', this.callPath(c.id, 'accept'),
                    {});
                await answered;
            } finally {
                c.accepted = null;
                c.failAccept = null;
            }
            return new CallResult({ call: this.phoneCall(c) });
        }

        async declineCall(call) {
            const c = this.known(call);
            c.hangupOut = true;      /* the library publishes HANGUP */
            try {
                await this.client.request('POST',
                    this.callPath(c.id, 'decline'), {});
            } catch (e) {
                c.hangupOut = false;
                throw e;
            }
            this.finish(c, 'declined');
            return new CallResult({ call: this.phoneCall(c) });
        }

        async endCall(call) {
            const c = this.known(call);
            c.ending = true;
            try {
                await this.client.request('POST',
                    this.callPath(c.id, 'hangup'), {});
            } catch (e) {
                c.ending = false;
                throw e;
            }
            this.finish(c, Constants.HANGUP_REASON.PHONE_CALL_ENDED);
            /* the library publishes HANGUP from the result after reading
             * getActiveCalls; the wrap-up, if any, comes after */
            setTimeout(() => this.published(c), 0);
            return this.hangupResult(c);
        }

        async toggle(c, what, action, on) {
            c.busy[what] = (c.busy[what] || 0) + 1;
            try {
                const r = await this.client.request('POST',
                    this.callPath(c.id, action), {});
                c[what] = what === 'held' ? r.held : r.muted;
                if (c[what] !== on) {
                    throw new Error(action + ' did not take effect');
                }
            } finally {
                c.busy[what]--;
            }
        }

        async mute() {
            const c = this.current();
            if (!c) {
                throw new Error('no connected call to mute');
            }
            await this.toggle(c, 'muted', 'mute', true);
            return new MuteToggleResult({ isMuted: true });
        }

        async unmute() {
            const c = this.current();
            if (!c) {
                throw new Error('no connected call to unmute');
            }
            await this.toggle(c, 'muted', 'unmute', false);
            return new MuteToggleResult({ isMuted: false });
        }

        async hold(call) {
            const c = this.known(call);
            await this.toggle(c, 'held', 'hold', true);
            return this.holdResult(c);
        }

        async resume(call) {
            const c = this.known(call);
            await this.toggle(c, 'held', 'resume', false);
            return this.holdResult(c);
        }

        async sendDigits(digits) {
            const c = this.current();
            if (!c) {
                throw new Error('no connected call to send digits to');
            }
            await this.client.request('POST', this.callPath(c.id, 'dtmf'),
                { digits: String(digits) });
        }

        async dial(contact) {
            const to = contact && contact.phoneNumber;
            if (!to || !/^\+[0-9]{3,15}$/.test(to)) {
                throw errorOf(Constants.ERROR_TYPE.INVALID_DESTINATION,
                    'switchboard dials E.164 numbers (+ and 3 to 15 digits), ' +
                    'not ' + JSON.stringify(to));
            }
            this.dialing++;
            let r;
            try {
                r = await this.client.request('POST', '/api/v1/calls', { to });
            } catch (e) {
                if (e.status === 400 || e.status === 403) {
                    throw errorOf(Constants.ERROR_TYPE.INVALID_DESTINATION,
                        e.message);
                }
                throw e;
            } finally {
                this.dialing--;
            }
            const c = this.add(r.call, { direction: 'outbound', number: to,
                state: this.call(r.call) && this.call(r.call).state ===
                    STATE.CONNECTED ? STATE.CONNECTED : STATE.RINGING });
            return new CallResult({ call: this.phoneCall(c) });
        }

        async getPhoneContacts(filter) {
            const dir = await this.client.request('GET', '/api/v1/directory');
            const f = filter || {};
            const text = (f.contains || '').toLowerCase();
            const type = f.type;
            const T = Constants.CONTACTS_FILTER_TYPES || {};
            const contacts = [];
            if (!type || type === T.QUEUE || type === 'QUEUE') {
                for (const q of dir.queues) {
                    contacts.push(new Contact({ id: q.id, name: q.name,
                        type: Constants.CONTACT_TYPE.QUEUE }));
                }
            }
            if (!type || type === T.AGENT || type === 'AGENT') {
                for (const a of dir.agents) {
                    if (a.id !== this.me.id) {
                        contacts.push(new Contact({ id: a.id, name: a.name,
                            type: Constants.CONTACT_TYPE.AGENT }));
                    }
                }
            }
            const shown = contacts.filter((c) => !text ||
                c.name.toLowerCase().includes(text) ||
                c.id.toLowerCase().includes(text));
            return new PhoneContactsResult({ contacts: shown, contactTypes: [
                Constants.CONTACT_TYPE.QUEUE, Constants.CONTACT_TYPE.AGENT,
                Constants.CONTACT_TYPE.PHONENUMBER] });
        }

        /* switchboard transfers blind only: no consultation, no
         * conference */
        async addParticipant(contact, call, isBlindTransfer) {
            if (!isBlindTransfer) {
                throw new Error('switchboard supports blind transfer only');
            }
            const c = this.known(call);
            let body;
            if (contact.type === Constants.CONTACT_TYPE.QUEUE) {
                body = { queue: contact.id };
            } else if (contact.type === Constants.CONTACT_TYPE.AGENT) {
                body = { agent: contact.id };
            } else if (contact.phoneNumber) {
                body = { number: contact.phoneNumber };
            } else {
                throw errorOf(Constants.ERROR_TYPE.INVALID_DESTINATION,
                    'a transfer needs a queue, an agent or a phone number');
            }
            c.hangupOut = true;      /* the library publishes HANGUP */
            try {
                await this.client.request('POST',
                    this.callPath(c.id, 'transfer'), body);
            } catch (e) {
                c.hangupOut = false;
                if (e.status === 400 || e.status === 403) {
                    throw errorOf(Constants.ERROR_TYPE.INVALID_DESTINATION,
                        e.message);
                }
                throw e;
            }
            this.finish(c, 'transferred');
            return new ParticipantResult({ initialCallHasEnded: true,
                callInfo: this.phoneCall(c).callInfo,
                phoneNumber: contact.phoneNumber || contact.name || contact.id,
                callId: c.id });
        }

        async wrapUpCall(call) {
            const c = call && this.call(call.callId);
            if (!c || !c.wrapup || c.wrapupEndedOut) {
                return new GenericResult({ success: false });
            }
            await this.client.request('POST', this.callPath(c.id, 'wrapup'),
                { disposition: this.disposition });
            return new GenericResult({ success: true });
        }

        /* ---------------------------------------------------- the agent */

        statusFor(agentStatus, statusInfo) {
            const info = statusInfo || {};
            const ids = new Set(this.statuses.map((s) => s.id));
            for (const key of [info.statusApiName, info.statusId,
                info.statusName]) {
                if (key && this.statusMap[key]) {
                    return this.statusMap[key];
                }
            }
            for (const key of [info.statusApiName, info.statusName]) {
                if (key && ids.has(key.toLowerCase())) {
                    return key.toLowerCase();
                }
            }
            if (agentStatus === Constants.AGENT_STATUS.ONLINE) {
                return 'available';
            }
            if (agentStatus === Constants.AGENT_STATUS.OFFLINE) {
                return ids.has('offline') ? 'offline' : null;
            }
            return null;
        }

        async setAgentStatus(agentStatus, statusInfo) {
            /* switchboard's wrap-up follows the queue's wrapup_s itself */
            if (agentStatus === Constants.AGENT_STATUS.ACW) {
                return new GenericResult({ success: true });
            }
            const status = this.statusFor(agentStatus, statusInfo);
            if (!status) {
                throw errorOf(Constants.ERROR_TYPE.INVALID_AGENT_STATUS,
                    'no switchboard status for ' + JSON.stringify(
                        (statusInfo && statusInfo.statusApiName) ||
                        agentStatus) + ' (see switchboardStatusMap)');
            }
            this.runtime = await this.client.request('PUT', '/api/v1/agents/' +
                encodeURIComponent(this.me.id) + '/status', { status });
            return new GenericResult({ success: true });
        }

        async getAgentStatus() {
            const a = await this.client.request('GET', '/api/v1/agents/' +
                encodeURIComponent(this.me.id));
            this.runtime = a.runtime || null;
            const id = this.runtime ? this.runtime.status : undefined;
            const s = this.statuses.find((x) => x.id === id);
            return new AgentVendorStatusInfo({ statusId: id,
                statusType: this.runtime && this.runtime.routable ?
                    Constants.AGENT_STATUS.ONLINE : Constants.AGENT_STATUS.OFFLINE,
                statusName: s ? s.name : id });
        }

        getAgentConfig() {
            return Promise.resolve(new AgentConfigResult({
                phones: [Constants.PHONE_TYPE.DESK_PHONE],
                selectedPhone: new Phone({ type: Constants.PHONE_TYPE.DESK_PHONE })
            }));
        }

        async setAgentConfig(config) {
            const phone = config && config.selectedPhone;
            if (phone && phone.type !== Constants.PHONE_TYPE.DESK_PHONE) {
                throw new Error('switchboard rings the agent\'s SIP phone; ' +
                    'there is no softphone in the browser');
            }
            return new GenericResult({ success: true });
        }

        /* only what switchboard does: mute, hold, DTMF, blind transfer */
        getCapabilities() {
            return Promise.resolve(new CapabilitiesResult({
                hasMute: true,
                hasRecord: false,
                hasMerge: false,
                hasSwap: false,
                hasSignedRecordingUrl: false,
                debugEnabled: false,
                hasContactSearch: true,
                hasAgentAvailability: false,
                hasQueueWaitTime: false,
                supportsMos: false,
                hasSupervisorListenIn: false,
                hasSupervisorBargeIn: false,
                hasBlindTransfer: true,
                hasTransferToOmniFlow: false,
                hasPendingStatusChange: false,
                hasPhoneBook: false
            }));
        }

        async logout() {
            try {
                await this.client.request('POST', '/api/v1/logout', {});
            } finally {
                if (this.stream) {
                    this.stream.stop();
                }
                this.saveToken(null);
            }
            return new LogoutResult({ success: true });
        }

        handleMessage() { /* nothing is sent to this connector */ }

        async getSignedRecordingUrl(recordingUrl, vendorCallKey) {
            throw new Error('switchboard does not record calls: there is ' +
                'no recording of ' + vendorCallKey);
        }

        pauseRecording() {
            return Promise.reject(new Error('switchboard does not record calls'));
        }

        resumeRecording() {
            return Promise.reject(new Error('switchboard does not record calls'));
        }

        swap() {
            return Promise.reject(new Error('switchboard has no second line to swap to'));
        }

        conference() {
            return Promise.reject(new Error('switchboard has no conferences'));
        }

        superviseCall() {
            return Promise.reject(new Error('switchboard has no listen-in'));
        }

        supervisorDisconnect() {
            return Promise.reject(new Error('switchboard has no listen-in'));
        }

        supervisorBargeIn() {
            return Promise.reject(new Error('switchboard has no barge-in'));
        }

        /** Stops the stream (tests; a closing page needs nothing). */
        close() {
            if (this.stream) {
                this.stream.stop();
            }
        }
    }

    return { SwitchboardConnector, setting };
}));
