/*
 * harness.js — the real parts the connector's tests run against, as
 * tests/lib/sbtest.py starts them for the Python tests: a switchboard
 * process (build/switchboard, or $BUILD/switchboard) on free loopback
 * ports with its own database, and SIPp (tests/scenarios/*.xml) as the
 * trunk's callers, the agents' phones and the carrier. Every process
 * started here is stopped by stopAll(), by its own handle.
 */
'use strict';
const { spawn, execFileSync } = require('child_process');
const dgram = require('dgram');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BUILD = path.resolve(ROOT, process.env.BUILD || 'build');
const BIN = path.join(BUILD, 'switchboard');
const SCENARIOS = path.join(ROOT, 'tests', 'scenarios');
const ADMIN_TOKEN = 'test-admin-token-0123456789';

const procs = new Set();

function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(pred, { timeout = 15000, what = 'condition',
    every = 50 } = {}) {
    const end = Date.now() + timeout;
    for (;;) {
        const v = await pred();
        if (v) {
            return v;
        }
        if (Date.now() > end) {
            throw new Error('timed out waiting for ' + what);
        }
        await sleep(every);
    }
}

function bindTcp(port) {
    return new Promise((resolve) => {
        const s = net.createServer();
        s.once('error', () => resolve(false));
        s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
}

function bindUdp(port) {
    return new Promise((resolve) => {
        const s = dgram.createSocket('udp4');
        s.once('error', () => { s.close(); resolve(false); });
        s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
}

/* Below the kernel's ephemeral range, as sbtest.free_port does, so no
 * client socket takes it between this check and the peer's bind. */
async function freePort(udpToo = true) {
    for (let i = 0; i < 200; i++) {
        const p = 20000 + Math.floor(Math.random() * 12760);
        if (await bindTcp(p) && (!udpToo || await bindUdp(p))) {
            return p;
        }
    }
    throw new Error('no free port');
}

/* even P with P..P+2 free: SIPp's -mp binds audio and "video" echo */
async function freeMediaPort(avoid) {
    for (let i = 0; i < 200; i++) {
        const p = 20000 + 2 * Math.floor(Math.random() * 6380);
        if (avoid && p - 1 <= avoid && avoid <= p + 3) {
            continue;
        }
        if (await bindUdp(p) && await bindUdp(p + 1) && await bindUdp(p + 2)) {
            return p;
        }
    }
    throw new Error('no free media port');
}

function track(proc) {
    procs.add(proc);
    proc.on('exit', () => procs.delete(proc));
    return proc;
}

/* kills the peers this harness started that still run (not switchboard:
 * Switchboard.stop() ends it and checks how) */
async function stopAll() {
    const waits = [];
    for (const p of procs) {
        waits.push(new Promise((r) => p.once('exit', r)));
        p.kill('SIGKILL');
    }
    await Promise.all(waits);
}

class Switchboard {
    /* Ports are picked free, then bound by switchboard a moment later:
     * another suite on the machine may take one in between, so a start
     * that lost that race picks new ports. */
    static async start(provision, args = []) {
        for (let attempt = 1; ; attempt++) {
            try {
                return await Switchboard.startOnce(provision, args);
            } catch (e) {
                if (attempt === 3 || !/Address already in use/.test(e.message)) {
                    throw e;
                }
            }
        }
    }

    static async startOnce(provision, args) {
        const sb = new Switchboard();
        sb.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scvtest-'));
        sb.sipPort = await freePort(true);
        sb.httpPort = await freePort(false);
        const base = 40000 + 200 * Math.floor(Math.random() * 95);
        sb.url = 'http://127.0.0.1:' + sb.httpPort;
        const prov = path.join(sb.dir, 'provision.json');
        fs.writeFileSync(prov, JSON.stringify(provision));
        sb.logPath = path.join(sb.dir, 'switchboard.log');
        const log = fs.openSync(sb.logPath, 'a');
        sb.proc = (spawn(BIN, ['serve',
            '--sip-listen', '127.0.0.1:' + sb.sipPort,
            '--http-listen', '127.0.0.1:' + sb.httpPort,
            '--db', path.join(sb.dir, 'switchboard.db'),
            '--admin-token', ADMIN_TOKEN,
            '--rtp-ports', base + '-' + (base + 199),
            '--provision', prov].concat(args),
        { cwd: sb.dir, stdio: ['ignore', log, log] }));
        fs.closeSync(log);
        sb.exit = new Promise((r) => sb.proc.once('exit', (code, sig) =>
            r({ code, sig })));
        await waitFor(async () => {
            if (sb.proc.exitCode !== null) {
                throw new Error('switchboard exited: ' + sb.log());
            }
            try {
                return (await fetch(sb.url + '/api/v1/health')).ok;
            } catch (e) {
                return false;
            }
        }, { timeout: 15000, what: 'switchboard to start' });
        return sb;
    }

    log() {
        try {
            return fs.readFileSync(this.logPath, 'utf8');
        } catch (e) {
            return '';
        }
    }

    async api(method, p, body, token = ADMIN_TOKEN) {
        const headers = {};
        if (token) {
            headers.Authorization = 'Bearer ' + token;
        }
        if (body !== undefined) {
            headers['Content-Type'] = 'application/json';
        }
        const r = await fetch(this.url + p, { method, headers,
            body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await r.text();
        return { status: r.status, body: text ? JSON.parse(text) : null };
    }

    async login(id, password) {
        const r = await this.api('POST', '/api/v1/login', { id, password }, null);
        if (r.status !== 200) {
            throw new Error('login ' + id + ': ' + JSON.stringify(r));
        }
        return r.body.token;
    }

    async record(id, pred = (r) => r.ended) {
        return waitFor(async () => {
            const r = await this.api('GET', '/api/v1/calls/' + id);
            return r.status === 200 && pred(r.body) ? r.body : null;
        }, { timeout: 20000, what: 'record of ' + id });
    }

    /* SIGTERM, and the exit status: a crash or a sanitizer report fails */
    async stop() {
        if (this.proc.exitCode === null && this.proc.signalCode === null) {
            this.proc.kill('SIGTERM');
        }
        let timer;
        const { code, sig } = await Promise.race([this.exit,
            new Promise((r) => {
                timer = setTimeout(() => r({ code: null, sig: 'timeout' }), 10000);
            })]);
        clearTimeout(timer);
        fs.rmSync(this.dir, { recursive: true, force: true });
        if (code !== 0) {
            throw new Error('switchboard exited ' + code + '/' + sig + ':\n' +
                this.log().slice(-3000));
        }
    }
}

let pcap = null;
/* sbtest's PCMU tone, written once per machine by the Python helper */
function defaultPcap() {
    if (!pcap) {
        pcap = execFileSync('python3', ['-c', 'import sys; sys.path.insert(0, ' +
            JSON.stringify(path.join(ROOT, 'tests', 'lib')) +
            '); import sbtest; print(sbtest.default_pcap())'],
        { encoding: 'utf8' }).trim();
    }
    return pcap;
}

const DEFAULT_KEYS = {
    'caller.xml': () => ({ from: '15550001', talk_ms: '1000', pcap: defaultPcap() }),
    'caller_hears_bye.xml': () => ({ from: '15550001', pcap: defaultPcap() }),
    'caller_held.xml': () => ({ from: '15550001', pcap: defaultPcap() }),
    'agent.xml': () => ({ ring_ms: '100' }),
    'carrier.xml': () => ({ ring_ms: '100', talk_ms: '1000', pcap: defaultPcap() }),
    'register.xml': () => ({ expires: '300' })
};

/* One SIPp process: resolves { code, output } when it exits. */
function sipp(target, scenario, args, keys, timeoutS = 60) {
    const all = Object.assign({}, (DEFAULT_KEYS[scenario] || (() => ({})))(),
        keys || {});
    const cmd = [];
    if (target) {
        cmd.push('127.0.0.1:' + target);
    }
    cmd.push('-i', '127.0.0.1', '-nostdin', '-timeout', timeoutS + 's',
        '-timeout_error', '-sf', path.join(SCENARIOS, scenario));
    cmd.push(...args.map(String));
    for (const [k, v] of Object.entries(all)) {
        cmd.push('-key', k, String(v));
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scvsipp-'));
    const proc = track(spawn('sipp', cmd, { cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'] }));
    let output = '';
    proc.stdout.on('data', (d) => { output = (output + d).slice(-20000); });
    proc.stderr.on('data', (d) => { output = (output + d).slice(-20000); });
    const done = new Promise((resolve) => proc.once('exit', (code) => {
        resolve({ code, output });
    }));
    return { proc, done, dir };
}

/* A phone (UAS) on its own port: answers `calls` INVITEs, then exits. */
async function phone(scenario = 'agent.xml', { calls = 1, keys,
    rtpEcho = true } = {}) {
    const port = await freePort(true);
    const media = await freeMediaPort(port);
    const p = sipp(null, scenario, ['-p', port, '-mp', media, '-m', calls,
        '-trace_logs', '-log_file', 'calls.log'].concat(rtpEcho ?
        ['-rtp_echo'] : []), keys, 90);
    /* ready when SIPp holds its port */
    await waitFor(async () => {
        if (p.proc.exitCode !== null) {
            throw new Error('sipp ' + scenario + ' exited: ' +
                (await p.done).output);
        }
        return !(await bindUdp(port));
    }, { timeout: 5000, what: 'sipp ' + scenario + ' to bind' });
    return Object.assign(p, { port,
        calls: () => {
            try {
                return fs.readFileSync(path.join(p.dir, 'calls.log'), 'utf8')
                    .split('\n').filter((l) => l.startsWith('CALL '))
                    .map((l) => l.split(/\s+/)[1]);
            } catch (e) {
                return [];
            }
        } });
}

async function register(sb, user, sipPassword, contactPort) {
    const r = await sipp(sb.sipPort, 'register.xml',
        ['-p', await freePort(true), '-m', 1],
        { user, password: sipPassword, contact_port: contactPort }, 10).done;
    if (r.code !== 0) {
        throw new Error('register ' + user + ': ' + r.output.slice(-2000));
    }
}

async function caller(sb, dest, scenario = 'caller_hears_bye.xml', keys = {}) {
    return sipp(sb.sipPort, scenario, ['-p', await freePort(true), '-m', 1],
        Object.assign({ dest }, keys), 60);
}

module.exports = { Switchboard, ADMIN_TOKEN, phone, register, caller,
    freePort, waitFor, sleep, stopAll };
