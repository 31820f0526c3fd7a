/*
 * switchboard-api.js — the connector's client of switchboard's REST API and
 * events WebSocket (docs/API.md), as a browser page inside Salesforce uses
 * them: a session token in "Authorization: Bearer" for REST, and in
 * "?access_token=" for the WebSocket (a browser can set no header there,
 * and a page framed by Salesforce gets no SameSite=Strict cookie).
 *
 * The event stream keeps the last seq and stream id it handled and
 * reconnects with ?since=&stream=, so the server replays what was missed;
 * when it cannot (a restart, or the gap is too old), it says "resync" and
 * the owner re-reads its state. Reconnects back off from 0.5 s to 10 s.
 *
 * Works in a browser (window.SwitchboardApi) and under Node (require).
 */
(function (root, factory) {
    if (typeof module === 'object' && module.exports) {
        module.exports = factory();
    } else {
        root.SwitchboardApi = factory();
    }
}(this, function () {
    'use strict';

    const RETRY_MIN_MS = 500;
    const RETRY_MAX_MS = 10000;

    /** An error answer of the API: status, code, message, field. */
    class ApiError extends Error {
        constructor(status, code, message, field) {
            super(message);
            this.name = 'ApiError';
            this.status = status;
            this.code = code;
            this.field = field;
        }
    }

    class Client {
        /**
         * @param {object} opts
         * @param {string} opts.baseUrl  e.g. https://switchboard.example.com
         * @param {function} [opts.fetch]  the page's fetch
         * @param {function} [opts.WebSocket]  the page's WebSocket
         */
        constructor({ baseUrl, fetch, WebSocket }) {
            const u = new URL(baseUrl);
            if (u.protocol !== 'https:' && u.protocol !== 'http:') {
                throw new Error('switchboard URL must be http(s): ' + baseUrl);
            }
            this.base = u.origin;
            this.fetch = fetch || root().fetch.bind(root());
            this.WebSocket = WebSocket || root().WebSocket;
            this.token = null;
        }

        async request(method, path, body) {
            const headers = {};
            if (this.token) {
                headers.Authorization = 'Bearer ' + this.token;
            }
            const init = { method, headers };
            if (body !== undefined) {
                headers['Content-Type'] = 'application/json';
                init.body = JSON.stringify(body);
            }
            let res;
            try {
                res = await this.fetch(this.base + path, init);
            } catch (e) {
                /* a browser says no more when CORS refused the answer */
                throw new ApiError(0, 'unreachable', 'switchboard at ' +
                    this.base + ' cannot be reached (' + e.message + '); if ' +
                    'it runs, its api_allowed_origins must list this ' +
                    'page\'s origin');
            }
            const text = await res.text();
            let json = null;
            if (text) {
                try {
                    json = JSON.parse(text);
                } catch (e) {
                    throw new ApiError(res.status, 'bad_reply',
                        'switchboard answered ' + res.status + ' with no JSON');
                }
            }
            if (!res.ok) {
                const err = (json && json.error) || {};
                throw new ApiError(res.status, err.code || 'http_' + res.status,
                    err.message || 'HTTP ' + res.status, err.field);
            }
            return json;
        }

        async login(id, password) {
            const r = await this.request('POST', '/api/v1/login', { id, password });
            this.token = r.token;
            return r;
        }

        eventsUrl(since, stream) {
            const u = new URL('/api/v1/events', this.base);
            u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
            u.searchParams.set('access_token', this.token);
            if (since !== null && since !== undefined) {
                u.searchParams.set('since', String(since));
                if (stream) {
                    u.searchParams.set('stream', stream);
                }
            }
            return u.toString();
        }
    }

    /**
     * The live event stream. handlers: onHello(data, resumed), onEvent(msg),
     * onResync(data), onDown(info) (each time the socket closes),
     * onUp() (each time a hello arrives).
     */
    class EventStream {
        constructor(client, handlers) {
            this.client = client;
            this.h = handlers;
            this.seq = null;          /* last event handled */
            this.stream = null;
            this.ws = null;
            this.stopped = false;
            this.retryMs = RETRY_MIN_MS;
            this.timer = null;
            this.connected = false;
            this.everConnected = false;
        }

        /** Resolves at the first hello (rejects if that socket fails). */
        start() {
            return new Promise((resolve, reject) => {
                this.firstHello = { resolve, reject };
                this.open();
            });
        }

        open() {
            if (this.stopped) {
                return;
            }
            let ws;
            try {
                ws = new this.client.WebSocket(
                    this.client.eventsUrl(this.seq, this.stream));
            } catch (e) {
                this.closed(null, e);
                return;
            }
            this.ws = ws;
            ws.onmessage = (ev) => this.message(ws, ev.data);
            ws.onclose = (ev) => this.closed(ws, null, ev && ev.code);
            ws.onerror = () => { /* onclose follows */ };
        }

        message(ws, data) {
            if (ws !== this.ws) {
                return;
            }
            let msg;
            try {
                msg = JSON.parse(data);
            } catch (e) {
                return;
            }
            if (msg.type === 'hello') {
                const resumed = this.seq !== null;
                this.connected = true;
                this.everConnected = true;
                this.retryMs = RETRY_MIN_MS;
                if (this.stream === null || msg.data.stream === this.stream) {
                    /* without since, live events start after hello's seq */
                    if (this.seq === null) {
                        this.seq = msg.data.seq;
                    }
                }
                this.prevStream = this.stream;
                this.stream = msg.data.stream;
                if (this.h.onHello) {
                    this.h.onHello(msg.data, resumed);
                }
                if (this.firstHello) {
                    this.firstHello.resolve(msg.data);
                    this.firstHello = null;
                }
                return;
            }
            if (msg.type === 'resync') {
                /* What we knew is stale: events from oldest on follow.
                 * From the same server, those up to seq were handled
                 * already; from a restarted one, none was. */
                if (this.prevStream !== msg.data.stream || this.seq === null) {
                    this.seq = msg.data.oldest - 1;
                }
                if (this.h.onResync) {
                    this.h.onResync(msg.data);
                }
                return;
            }
            if (typeof msg.seq === 'number') {
                if (this.seq !== null && msg.seq <= this.seq) {
                    return;     /* already handled */
                }
                this.seq = msg.seq;
            }
            this.h.onEvent(msg);
        }

        closed(ws, error, code) {
            if (ws && ws !== this.ws) {
                return;
            }
            this.ws = null;
            const was = this.connected;
            this.connected = false;
            if (this.firstHello) {
                this.firstHello.reject(error || new Error(
                    'the event stream closed before its hello (code ' + code + ')'));
                this.firstHello = null;
                return;
            }
            if (this.stopped) {
                return;
            }
            if (this.h.onDown) {
                this.h.onDown({ code, wasConnected: was, retryMs: this.retryMs });
            }
            this.timer = setTimeout(() => {
                this.timer = null;
                this.open();
            }, this.retryMs);
            this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
        }

        stop() {
            this.stopped = true;
            if (this.timer) {
                clearTimeout(this.timer);
                this.timer = null;
            }
            if (this.ws) {
                const ws = this.ws;
                this.ws = null;
                try {
                    ws.close();
                } catch (e) { /* closing anyway */ }
            }
        }
    }

    function root() {
        return typeof window !== 'undefined' ? window : globalThis;
    }

    return { Client, EventStream, ApiError };
}));
