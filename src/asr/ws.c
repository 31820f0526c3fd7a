/*
 * ws.c — the ws backend: each transcribed direction streams its audio
 * over a WebSocket to an external recognizer speaking Vosk-server's
 * protocol (Vosk, sherpa-onnx's or a cloud bridge): a text
 * {"config":{"sample_rate":8000}} first, then binary frames of 16-bit
 * little-endian PCM every CHUNK_MS, {"eof" : 1} at the end (spelled so:
 * Vosk's asr_server.py compares the text, not the JSON); the server
 * answers {"partial":"..."} and {"text":"...","result":[{"word","start",
 * "end","conf"}...]}, finding the utterances itself.
 *
 * 8 kHz because that is all a call carries: 16 kHz would double the
 * bytes for nothing, and these servers resample to their model's rate.
 *
 * It all runs on the event loop (libre's websocket client); the media
 * path never waits for it. What is sent but not yet taken by the kernel
 * (libre's TCP queue) plus what waits for the next frame is bounded by
 * BACKLOG_MS of audio, and the kernel's own send buffer is made small
 * (SNDBUF) so that a server that stops reading is noticed within
 * seconds, not megabytes: past that audio is dropped, and so is audio while
 * there is no connection; either becomes a gap result (text "", gap
 * true) covering what the server never heard. A refused or lost
 * connection is tried again RECONNECT_MAX times (backing off from
 * RECONNECT_MS), then the stream gives up: one gap to its end.
 *
 * The server's times count the audio it received on the connection;
 * offsets in the call are that plus where the connection's audio began
 * plus whatever was not sent before that point (drops, and silence the
 * party did not send): a short table of such shifts.
 *
 * After the call, the stream's reference passes to the connection
 * itself, which lives on until the server answers the eof and closes,
 * or DRAIN_MS. w.all lists every connection (not a reference) so that
 * shutdown can end them.
 */
#include <math.h>
#include <string.h>
#include <sys/socket.h>
#include <re.h>
#include "log.h"
#include "asr/asr.h"

#define LOG_MODULE "asr"

enum {
	RATE = 8000,
	CHUNK_MS = 160,
	BACKLOG_MS = 2000,
	SNDBUF = 8192,             /* the kernel doubles it: ~1 s of audio */
	RECONNECT_MAX = 3,
	RECONNECT_MS = 500,
	DRAIN_MS = 5000,
	SHIFTS_MAX = 32,
	MSG_MAX = 65536,           /* bigger text frames are ignored */
	CHUNK_BYTES = CHUNK_MS * RATE / 1000 * 2,
	BACKLOG_BYTES = BACKLOG_MS * RATE / 1000 * 2,
};

static const char EOF_MSG[] = "{\"eof\" : 1}";

struct shift {
	uint64_t at_ms;            /* server time from which it applies */
	uint64_t ms;               /* total not sent before that */
};

struct asr_ws {
	struct le le;              /* in w.all */
	struct websock_conn *conn;
	char *url;                 /* with ?call=&leg=&role= */
	char *call_id, *agent;
	const char *leg, *role;    /* literals */
	struct tmr tmr;            /* reconnect or drain */
	struct mbuf *pend;         /* PCM waiting for the next frame */
	bool estab, ended, gave_up;
	bool fresh;                /* a new connection: no audio yet */
	uint32_t attempts;         /* failures in a row */
	uint64_t base_ms;          /* offset of the connection's audio */
	uint64_t sent_ms;          /* audio put on the connection */
	struct shift shifts[SHIFTS_MAX];
	size_t nshifts;
	uint64_t next_ms;          /* offset of the next sample */
	bool in_gap;
	uint64_t gap_ms;           /* where the open gap began */
	uint64_t utt_ms;           /* offset where the next result begins */
};

static struct {
	struct list all;
	struct dnsc *dnsc;
	struct http_cli *cli;
	struct websock *sock;
} w;

static int connect_ws(struct asr_ws *ws);


static void destructor(void *arg)
{
	struct asr_ws *ws = arg;

	list_unlink(&ws->le);
	tmr_cancel(&ws->tmr);
	mem_deref(ws->conn);
	mem_deref(ws->pend);
	mem_deref(ws->url);
	mem_deref(ws->call_id);
	mem_deref(ws->agent);
}


static void emit(const struct asr_ws *ws, uint64_t start, uint64_t end,
		 const char *text, double conf, bool gap, bool partial)
{
	struct asr_result r;

	memset(&r, 0, sizeof(r));
	r.call_id = ws->call_id;
	r.agent = ws->agent;
	r.leg = ws->leg;
	r.role = ws->role;
	r.start_ms = start;
	r.end_ms = end > start ? end : start;
	r.text = text;
	r.confidence = conf;
	r.gap = gap;
	r.partial = partial;
	asr_pool_emit(&r);
}


static void gap_open(struct asr_ws *ws, uint64_t at)
{
	if (ws->in_gap)
		return;

	ws->in_gap = true;
	ws->gap_ms = at;
}


/* where the audio waiting for a frame began, ms into the stream */
static uint64_t pend_start(const struct asr_ws *ws)
{
	return ws->next_ms - ws->pend->end / (RATE / 1000 * 2);
}


static void gap_close(struct asr_ws *ws, uint64_t at)
{
	if (!ws->in_gap)
		return;

	ws->in_gap = false;
	if (at > ws->gap_ms)
		emit(ws, ws->gap_ms, at, "", 0, true, false);
	if (ws->utt_ms < at)
		ws->utt_ms = at;
}


/* ms of audio not sent on this connection before ms of server time */
static void shift_add(struct asr_ws *ws, uint64_t ms)
{
	struct shift *last = ws->nshifts ? &ws->shifts[ws->nshifts - 1] :
		NULL;
	const uint64_t total = (last ? last->ms : 0) + ms;

	/* a full table folds new shifts into its last row: later words
	 * come out early by what was skipped since */
	if (last && (last->at_ms == ws->sent_ms ||
		     ws->nshifts == SHIFTS_MAX)) {
		last->ms = total;
		return;
	}

	ws->shifts[ws->nshifts].at_ms = ws->sent_ms;
	ws->shifts[ws->nshifts].ms = total;
	++ws->nshifts;
}


static uint64_t call_ms(const struct asr_ws *ws, double s)
{
	uint64_t t = (uint64_t)llround(s * 1000), sh = 0;

	for (size_t i = 0; i < ws->nshifts && ws->shifts[i].at_ms <= t; i++)
		sh = ws->shifts[i].ms;

	return ws->base_ms + t + sh;
}


static void send_pend(struct asr_ws *ws)
{
	int err;

	if (!ws->estab || !ws->pend->end)
		return;

	err = websock_send(ws->conn, WEBSOCK_BIN, "%b", ws->pend->buf,
			   ws->pend->end);
	if (err)
		log_warn("call %s: audio to the recognizer: %m", ws->call_id,
			 err);
	mbuf_rewind(ws->pend);
}


static void finish(struct asr_ws *ws)
{
	gap_close(ws, ws->next_ms);
	mem_deref(ws);
}


static void drain_timeout(void *arg)
{
	struct asr_ws *ws = arg;

	log_warn("call %s: the recognizer sent no last result in %u ms",
		 ws->call_id, DRAIN_MS);
	finish(ws);
}


static void estab_handler(void *arg)
{
	struct asr_ws *ws = arg;
	const int sndbuf = SNDBUF;
	int err, fd;

	ws->estab = true;
	ws->attempts = 0;

	/* the audio kept while connecting will be heard: a gap open since
	 * before it (an earlier attempt failed) ends where it begins */
	if (ws->pend->end && ws->in_gap && ws->gap_ms <= pend_start(ws))
		gap_close(ws, pend_start(ws));

	/* fixed, so no longer grown by the kernel's autotuning */
	fd = tcp_conn_fd(websock_tcp(ws->conn));
	if (fd >= 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				 sizeof(sndbuf));

	err = websock_send(ws->conn, WEBSOCK_TEXT,
			   "{\"config\":{\"sample_rate\":%u}}", RATE);
	if (err) {
		log_warn("call %s: recognizer config: %m", ws->call_id, err);
		return;
	}

	send_pend(ws);
	if (ws->ended)
		(void)websock_send(ws->conn, WEBSOCK_TEXT, "%s", EOF_MSG);
}


static void recv_handler(const struct websock_hdr *hdr, struct mbuf *mb,
			 void *arg)
{
	struct asr_ws *ws = arg;
	struct asr_ws_msg m;
	uint64_t start, end;

	if (hdr->opcode != WEBSOCK_TEXT || mbuf_get_left(mb) > MSG_MAX)
		return;

	if (asr_ws_msg_parse(&m, (const char *)mbuf_buf(mb),
			     mbuf_get_left(mb))) {
		log_debug("call %s: a recognizer message that is neither "
			  "partial nor result", ws->call_id);
		return;
	}

	/* nothing recognized: nothing to show or keep */
	if (!*m.text) {
		mem_deref(m.text);
		return;
	}

	start = m.timed ? call_ms(ws, m.start_s) : ws->utt_ms;
	end = m.timed ? call_ms(ws, m.end_s) : ws->next_ms;
	if (m.partial) {
		emit(ws, start, ws->next_ms, m.text, 0, false, true);
	}
	else {
		emit(ws, start, end, m.text, m.conf, false, false);
		ws->utt_ms = end;
	}

	mem_deref(m.text);
}


static void retry(void *arg)
{
	struct asr_ws *ws = arg;
	int err = connect_ws(ws);

	if (err)
		log_warn("call %s: recognizer %s: %m", ws->call_id, ws->url,
			 err);
}


static void close_handler(int err, void *arg)
{
	struct asr_ws *ws = arg;
	const bool was = ws->estab;

	ws->conn = mem_deref(ws->conn);
	ws->estab = false;

	if (ws->ended) {
		finish(ws);
		return;
	}

	/* what was waiting for a frame is lost with the connection */
	gap_open(ws, pend_start(ws));
	mbuf_rewind(ws->pend);

	if (was)
		ws->attempts = 0;
	if (++ws->attempts > RECONNECT_MAX) {
		log_warn("call %s: recognizer %s: %m; giving up", ws->call_id,
			 ws->url, err);
		ws->gave_up = true;
		return;
	}

	log_info("call %s: recognizer %s: %m; trying again", ws->call_id,
		 ws->url, err);
	tmr_start(&ws->tmr, RECONNECT_MS << (ws->attempts - 1), retry, ws);
}


static int connect_ws(struct asr_ws *ws)
{
	int err;

	if (!w.sock) {
		err = dnsc_alloc(&w.dnsc, NULL, NULL, 0);
		err = err ? err : http_client_alloc(&w.cli, w.dnsc);
		err = err ? err : websock_alloc(&w.sock, NULL, NULL);
		if (err) {
			asr_ws_close_all();
			return err;
		}
	}

	ws->fresh = true;
	err = websock_connect(&ws->conn, w.sock, w.cli, ws->url, 0,
			      estab_handler, recv_handler, close_handler, ws,
			      "");
	if (err) {
		/* as if refused: the same retries */
		close_handler(err, ws);
		return 0;
	}

	return 0;
}


int asr_ws_alloc(struct asr_ws **wp, const char *url,
		 const struct asr_result *meta)
{
	struct asr_ws *ws;
	int err;

	if (!wp || !url || !meta || asr_ws_url_check(url, NULL))
		return EINVAL;

	ws = mem_zalloc(sizeof(*ws), destructor);
	if (!ws)
		return ENOMEM;

	ws->leg = meta->leg;
	ws->role = meta->role;
	ws->pend = mbuf_alloc(CHUNK_BYTES * 2);
	err = ws->pend ? 0 : ENOMEM;
	err = err ? err : str_dup(&ws->call_id, meta->call_id);
	if (!err && meta->agent)
		err = str_dup(&ws->agent, meta->agent);
	err = err ? err : re_sdprintf(&ws->url, "%s%sleg=%s&role=%s&call=%s",
				      url, strchr(url, '?') ? "&" : "?",
				      meta->leg, meta->role, meta->call_id);
	if (err) {
		mem_deref(ws);
		return err;
	}

	list_append(&w.all, &ws->le, ws);
	err = connect_ws(ws);
	if (err) {
		mem_deref(ws);
		return err;
	}

	*wp = ws;
	return 0;
}


int asr_ws_agent(struct asr_ws *ws, const char *agent, const char *role)
{
	if (!ws)
		return EINVAL;

	if (role)
		ws->role = role;
	ws->agent = mem_deref(ws->agent);
	return agent ? str_dup(&ws->agent, agent) : 0;
}


void asr_ws_audio(struct asr_ws *ws, const int16_t *pcm, size_t n,
		  uint64_t at_ms)
{
	size_t backlog;

	if (!ws || ws->ended)
		return;

	if (ws->fresh) {
		ws->fresh = false;
		ws->base_ms = at_ms;
		ws->sent_ms = 0;
		ws->nshifts = 0;
	}
	else if (at_ms > ws->next_ms) {
		/* the party sent nothing for a while: the server hears it
		 * as if it had gone on */
		shift_add(ws, at_ms - ws->next_ms);
	}
	ws->next_ms = at_ms + n * 1000 / RATE;

	backlog = ws->pend->end;
	if (ws->estab)
		backlog += tcp_conn_txqsz(websock_tcp(ws->conn));

	if (!ws->conn || backlog + 2 * n > BACKLOG_BYTES) {
		gap_open(ws, at_ms);
		if (ws->conn)
			shift_add(ws, n * 1000 / RATE);
		return;
	}

	/* kept for a connection still being made, the audio is not heard
	 * yet: a gap goes on until it is (estab_handler), or on through a
	 * failed attempt as one gap, not one per attempt */
	if (ws->estab)
		gap_close(ws, at_ms);

	for (size_t i = 0; i < n; i++) {
		(void)mbuf_write_u8(ws->pend, (uint8_t)(pcm[i] & 0xff));
		(void)mbuf_write_u8(ws->pend, (uint8_t)((uint16_t)pcm[i] >> 8));
	}
	ws->sent_ms += n * 1000 / RATE;

	if (ws->pend->end >= CHUNK_BYTES)
		send_pend(ws);
}


void asr_ws_end(struct asr_ws *ws)
{
	if (!ws || ws->ended)
		return;

	ws->ended = true;

	if (!ws->conn) {
		finish(ws);
		return;
	}

	if (ws->estab) {
		send_pend(ws);
		(void)websock_send(ws->conn, WEBSOCK_TEXT, "%s", EOF_MSG);
	}

	tmr_start(&ws->tmr, DRAIN_MS, drain_timeout, ws);
}


void asr_ws_close_all(void)
{
	struct le *le = w.all.head;

	/* ended ones own themselves; the others belong to a stream */
	while (le) {
		struct asr_ws *ws = le->data;

		le = le->next;
		list_unlink(&ws->le);
		tmr_cancel(&ws->tmr);
		ws->conn = mem_deref(ws->conn);
		ws->estab = false;
		ws->gave_up = true;
		if (ws->ended)
			mem_deref(ws);
	}

	w.sock = mem_deref(w.sock);
	w.cli = mem_deref(w.cli);
	w.dnsc = mem_deref(w.dnsc);
}
