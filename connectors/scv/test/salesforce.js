/*
 * salesforce.js — the one stand-in of these tests: Salesforce's side, and
 * the browser frame it loads the connector in.
 *
 * The frame: dist/connector.js (the bundle an admin uploads) runs in a
 * fresh JavaScript realm whose globals are what a framed page has: window
 * (postMessage events), fetch and WebSocket that behave as a browser's
 * towards another origin — the page's origin is a Salesforce one, so every
 * REST request is cross-origin: the stand-in sends the preflight the
 * browser would and refuses the answer unless switchboard's CORS headers
 * allow this origin, and the WebSocket carries the page's Origin.
 *
 * Salesforce: it posts SETUP_CONNECTOR with the call center's settings
 * and a MessagePort, as the Lightning page does, from a Salesforce origin
 * (the library checks it); it then sends the library's messages (ACCEPT_CALL,
 * HOLD, ...) on the port and records what comes back (CONNECTOR_READY,
 * TELEPHONY_EVENT_DISPATCHED, LOG), structured-cloned as a browser would.
 *
 * Test hooks: net.down (new WebSockets fail), net.drop() (cut the open
 * ones), net.rewrite(url) (change a WebSocket URL), net.delay(regexp, ms)
 * (hold a REST request), net.requests (what was fetched).
 */
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const { MessageChannel } = require('worker_threads');
const WS = require('ws');
const { waitFor, sleep } = require('./harness');

const BUNDLE = path.join(__dirname, '..', 'dist', 'connector.js');
const LIGHTNING = 'https://acme.lightning.force.com';
const FRAME_ORIGIN = 'https://acme--c.vf.force.com';

class Net {
    constructor(origin) {
        this.origin = origin;
        this.down = false;
        this.sockets = [];
        this.requests = [];
        this.delays = [];
        this.rewrite = null;
        this.wsUrls = [];
    }

    delay(re, ms) {
        this.delays.push({ re, ms });
    }

    drop() {
        for (const s of this.sockets) {
            s.terminate();
        }
        this.sockets = [];
    }

    /* what a browser does for a cross-origin fetch with a bearer token
     * and a JSON body: preflight, then the request, and the answer only
     * if its Access-Control-Allow-Origin names this page's origin */
    async fetch(url, init = {}) {
        const method = (init.method || 'GET').toUpperCase();
        const headers = Object.assign({}, init.headers || {});
        const names = Object.keys(headers).map((h) => h.toLowerCase());
        this.requests.push({ method, url });
        for (const d of this.delays) {
            if (d.re.test(url)) {
                await sleep(d.ms);
            }
        }
        /* the connector always sends a bearer token or a JSON body:
         * never a "simple" request, so always a preflight */
        const simple = ['GET', 'HEAD'].includes(method) && names.length === 0;
        if (!simple) {
            const pre = await fetch(url, { method: 'OPTIONS', headers: {
                Origin: this.origin,
                'Access-Control-Request-Method': method,
                'Access-Control-Request-Headers': names.sort().join(',') } });
            const allowMethods = (pre.headers.get('access-control-allow-methods') || '')
                .split(',').map((s) => s.trim().toUpperCase());
            const allowHeaders = (pre.headers.get('access-control-allow-headers') || '')
                .split(',').map((s) => s.trim().toLowerCase());
            if (!pre.ok || pre.headers.get('access-control-allow-origin') !== this.origin ||
                !allowMethods.includes(method) ||
                !names.every((h) => allowHeaders.includes(h))) {
                throw new TypeError('Failed to fetch (CORS preflight refused: ' +
                    pre.status + ')');
            }
        }
        const res = await fetch(url, { method, body: init.body,
            headers: Object.assign(headers, { Origin: this.origin }) });
        if (res.headers.get('access-control-allow-origin') !== this.origin) {
            throw new TypeError('Failed to fetch (no CORS answer)');
        }
        return res;
    }

    WebSocket() {
        const net = this;
        return function WebSocket(url) {
            if (net.rewrite) {
                url = net.rewrite(url);
            }
            net.wsUrls.push(url);
            if (net.down) {
                /* as a browser's socket that cannot connect */
                const dead = {};
                setTimeout(() => dead.onclose && dead.onclose({ code: 1006 }), 20);
                dead.close = () => {};
                return dead;
            }
            const ws = new WS(url, { origin: net.origin });
            net.sockets.push(ws);
            ws.on('close', () => {
                net.sockets = net.sockets.filter((s) => s !== ws);
            });
            return ws;
        };
    }
}

class Salesforce {
    constructor() {
        this.net = new Net(FRAME_ORIGIN);
        this.received = [];
        const listeners = [];
        const g = {
            console, setTimeout, clearTimeout, setInterval, clearInterval,
            URL,
            fetch: (u, i) => this.net.fetch(u, i),
            WebSocket: this.net.WebSocket(),
            addEventListener: (t, f) => { if (t === 'message') { listeners.push(f); } },
            removeEventListener: (t, f) => {
                const i = listeners.indexOf(f);
                if (t === 'message' && i >= 0) {
                    listeners.splice(i, 1);
                }
            }
        };
        g.window = g;
        this.listeners = listeners;
        this.frame = vm.createContext(g);
        vm.runInContext(fs.readFileSync(BUNDLE, 'utf8'), this.frame,
            { filename: 'connector.js' });
        this.lib = this.frame.SCVConnectorBase;
        this.connector = this.frame.switchboardConnector;
    }

    /* the Lightning page hands the frame its port and the settings */
    setup(connectorConfig, origin = LIGHTNING) {
        const { port1, port2 } = new MessageChannel();
        this.port = port1;
        port1.on('message', (m) => this.received.push(m));
        for (const f of this.listeners.slice()) {
            f({ data: { type: 'SETUP_CONNECTOR', connectorConfig }, origin,
                ports: [port2] });
        }
    }

    send(type, data = {}) {
        this.port.postMessage(Object.assign({ type }, data));
    }

    /* the telephony events published so far, in order */
    events(type) {
        return this.received.filter((m) => m.type === 'TELEPHONY_EVENT_DISPATCHED' &&
            (!type || m.payload.telephonyEventType === type))
            .map((m) => ({ type: m.payload.telephonyEventType,
                payload: m.payload.telephonyEventPayload }));
    }

    async event(type, pred = () => true, timeout = 20000) {
        return waitFor(() => this.events(type).find((e) => pred(e.payload)),
            { timeout, what: type + ' (got ' + this.events().map((e) => e.type)
                .join(', ') + ')' });
    }

    async ready(timeout = 20000) {
        return waitFor(() => this.received.find((m) => m.type === 'CONNECTOR_READY'),
            { timeout, what: 'CONNECTOR_READY' });
    }

    /* the errors the library reported (ERROR events and error logs) */
    errors() {
        return this.received.filter((m) => (m.type === 'LOG' && m.payload.isError) ||
            (m.type === 'TELEPHONY_EVENT_DISPATCHED' &&
             m.payload.telephonyEventType === 'ERROR'));
    }

    close() {
        if (this.connector) {
            this.connector.close();
        }
        this.net.drop();
        if (this.port) {
            this.port.close();
        }
    }
}

module.exports = { Salesforce, LIGHTNING, FRAME_ORIGIN };
