/*
 * fuzz/http_request.c — libFuzzer target for the HTTP API. The input is
 * what a client sends on one connection; it takes the path a TCP
 * client's bytes take: the framing (src/api/conn.c: Content-Length,
 * keep-alive, Expect: 100-continue, 400/411/413/431), routing and the
 * token (api.c), and the handlers (provisioning CRUD on JSON bodies, call
 * records with query strings, URL-decoded ids) on an in-memory store.
 * Only the socket is missing: replies are captured, not sent.
 *
 * Every input runs twice from the same provisioning: delivered in one
 * read, then cut into reads of pseudo-random sizes drawn from the input
 * itself, as TCP may deliver it. It traps on
 *   - a reply that does not start "HTTP/1.1 NNN ", whose header block
 *     does not end, that lacks a Content-Length (204 aside) or whose
 *     Content-Length is not its body's length, or whose body is not a
 *     strictly valid JSON object
 *   - a 4xx/5xx whose body is not {"error":{"code","message"[,"field"]}}
 *   - a reply after one that said "Connection: close"
 *   - the two deliveries answering differently (100 Continue aside: it
 *     is sent only when the headers come without the body)
 *
 * The admin token is "fuzz-token" (Authorization: Bearer fuzz-token).
 * Each run starts from queues billing and sales, agents alice (web and
 * SIP passwords) and bob, trunk carrier, route +15550100 -> billing, the
 * default statuses, and two call records; a run that changed
 * provisioning is undone after it. src/call is not started: the runtime
 * routes (/agents/{id}/status, /queues/{id}/stats, /calls/{id}/routing,
 * agents' "runtime") get what src/call answers when it is not running.
 *
 * FUZZ_PRINT=1 prints every reply to stderr, FUZZ_LOG=1 the server's log.
 *
 *   make fuzz && build/fuzz/http_request -max_total_time=60 \
 *       fuzz/corpus/http_request
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include "log.h"
#include "store/store.h"
#include "prov/prov_int.h"
#include "api/api_int.h"

#define TOKEN "fuzz-token"
#define TRAP() __builtin_trap()

static const char baseline[] =
	"{\"queues\":["
	"{\"id\":\"billing\",\"name\":\"Billing\",\"skills\":{\"billing\":3},"
	"\"push_timeout_s\":15,\"max_wait_s\":300},"
	"{\"id\":\"sales\"}],"
	"\"agents\":["
	"{\"id\":\"alice\",\"name\":\"Alice Ng\",\"password\":\"web-secret\","
	"\"sip\":{\"username\":\"alice\",\"password\":\"sip-secret\"},"
	"\"skills\":{\"english\":8,\"billing\":5},\"capacity\":1},"
	"{\"id\":\"bob\"}],"
	"\"trunks\":[{\"id\":\"carrier\",\"allow\":[\"127.0.0.1/32\","
	"\"10.0.0.0/8\",\"::1\"]}],"
	"\"routes\":[{\"number\":\"+15550100\",\"queue\":\"billing\"}]}";

/* 2026-11-27T10:00:00Z */
#define T0 1795773600000ULL

static struct store *st;
static struct api api;
static bool dirty;
static bool print;                 /* FUZZ_PRINT: replies to stderr */

/* what one delivery of the input produced */
struct capture {
	struct mbuf *out;          /* every reply but 100 Continue, in order */
	bool closed;               /* a reply said Connection: close */
};


static void change_h(enum prov_kind kind, enum prov_op op, const char *id,
		     void *arg)
{
	(void)kind;
	(void)op;
	(void)id;
	(void)arg;

	dirty = true;
}


struct ids {
	char **v;
	size_t n;
};


static int collect_h(const char *id, const char *doc, void *arg)
{
	struct ids *ids = arg;
	char **v;
	int err;
	(void)doc;

	/* libre's mem_realloc does not take NULL */
	if (ids->v)
		v = mem_realloc(ids->v, (ids->n + 1) * sizeof(*v));
	else
		v = mem_alloc(sizeof(*v), NULL);
	if (!v)
		return ENOMEM;
	ids->v = v;

	err = str_dup(&ids->v[ids->n], id);
	if (!err)
		++ids->n;

	return err;
}


/* Back to the baseline: empty the store's objects, reload provisioning
 * from it, apply the baseline. Call records are never written by the
 * API, so they stay. */
static void reset(void)
{
	struct prov_error perr;

	prov_close();

	for (int k = 0; k < PROV_KINDS; k++) {
		const char *kind = prov_kind_name((enum prov_kind)k);
		struct ids ids = {NULL, 0};

		if (store_obj_foreach(st, kind, collect_h, &ids))
			TRAP();

		for (size_t i = 0; i < ids.n; i++) {
			if (store_obj_delete(st, kind, ids.v[i]))
				TRAP();
			mem_deref(ids.v[i]);
		}
		mem_deref(ids.v);
	}

	memset(&perr, 0, sizeof(perr));
	if (prov_init(st, "switchboard") || prov_subscribe(change_h, NULL) ||
	    prov_apply_json(baseline, strlen(baseline), &perr))
		TRAP();

	dirty = false;
}


static void seed_calls(void)
{
	const struct store_leg legs[2] = {
		{.role = "caller", .uri = "sip:+15551234@carrier",
		 .final_code = 200, .started = T0, .answered = T0 + 4000,
		 .ended = T0 + 64000, .rtp_in = 3000, .rtp_out = 2990},
		{.role = "agent", .agent = "alice", .uri = "sip:alice@pc",
		 .final_code = 200, .started = T0 + 1500,
		 .answered = T0 + 4000, .ended = T0 + 64000},
	};
	const struct store_call calls[2] = {
		{.id = "c1", .from = "\"Ann\" <sip:+15551234@carrier>",
		 .from_number = "+15551234", .to = "+15550100",
		 .trunk = "carrier", .queue = "billing", .agent = "alice",
		 .arrived = T0, .offered = T0 + 1500, .answered = T0 + 4000,
		 .ended = T0 + 64000, .end_reason = "completed",
		 .hangup_by = "caller", .caller_code = 200,
		 .legs = legs, .nlegs = 2},
		{.id = "c 2/%", .from = "sip:anon@carrier", .to = "+15550100",
		 .trunk = "carrier", .queue = "sales", .arrived = T0 + 90000,
		 .ended = T0 + 95000, .end_reason = "abandoned",
		 .hangup_by = "caller", .caller_code = 487,
		 .legs = legs, .nlegs = 1},
	};

	for (size_t i = 0; i < 2; i++) {
		if (store_call_save(st, &calls[i]))
			TRAP();
	}
}


int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;

	/* prov logs every change; the fuzzer would spend its time there */
	log_set_level(getenv("FUZZ_LOG") ? LOG_DEBUG : LOG_ERROR);
	print = NULL != getenv("FUZZ_PRINT");

	if (libre_init() || store_open(&st, ":memory:"))
		TRAP();

	seed_calls();
	reset();

	api.st = st;
	api.token = TOKEN;
	if (api_auth_alloc(&api.auth))
		TRAP();

	return 0;
}


/* A header's value in head (the header block, start line excluded), or
 * NULL. Names are matched without case. */
static const char *header(const char *head, size_t len, const char *name,
			  size_t *vlen)
{
	const size_t nl = strlen(name);
	const char *p = head, *end = head + len;

	while (p < end) {
		const char *eol = memchr(p, '\r', (size_t)(end - p));

		if (!eol || eol + 1 >= end || eol[1] != '\n')
			TRAP();

		if ((size_t)(eol - p) > nl + 1 && p[nl] == ':' &&
		    !strncasecmp(p, name, nl)) {
			p += nl + 1;
			while (*p == ' ')
				++p;
			*vlen = (size_t)(eol - p);
			return p;
		}

		p = eol + 2;
	}

	return NULL;
}


static bool has_str(const struct odict *o, const char *key)
{
	return NULL != odict_get_type(o, ODICT_STRING, key);
}


/* {"error":{"code":"...","message":"..."[,"field":"..."]}} and no more */
static bool is_error(const struct odict *o)
{
	const struct odict_entry *e = odict_get_type(o, ODICT_OBJECT, "error");
	const struct odict *eo;
	size_t n = 2;

	if (!e || odict_count(o, false) != 1)
		return false;

	eo = e->u.odict;
	if (!has_str(eo, "code") || !has_str(eo, "message") ||
	    !odict_string(eo, "code")[0] || !odict_string(eo, "message")[0])
		return false;

	if (odict_lookup(eo, "field")) {
		if (!has_str(eo, "field"))
			return false;
		++n;
	}

	return odict_count(eo, false) == n;
}


/* The header's value is a decimal equal to n. */
static bool is_length(const char *v, size_t vlen, size_t n)
{
	char num[24];
	char *end;

	if (!vlen || vlen >= sizeof(num) || v[0] < '0' || v[0] > '9')
		return false;

	memcpy(num, v, vlen);
	num[vlen] = '\0';

	return strtoull(num, &end, 10) == n && !*end;
}


/* One reply, as api_conn_reply built it; traps on anything wrong. */
static void check_reply(struct capture *cap, const char *p, size_t len)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	const char *eol, *eoh, *head, *body, *v;
	unsigned scode;
	size_t vlen, hlen, blen;

	if (cap->closed)
		TRAP();

	if (len < 13 || memcmp(p, "HTTP/1.1 ", 9) ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9' || p[12] != ' ')
		TRAP();

	scode = (unsigned)(p[9] - '0') * 100 + (unsigned)(p[10] - '0') * 10 +
		(unsigned)(p[11] - '0');

	if (scode == 100) {
		if (len != sizeof(cont) - 1 || memcmp(p, cont, len))
			TRAP();
		return;
	}

	/* status line with a reason, header lines, empty line, body */
	eol = memchr(p, '\r', len);
	eoh = memmem(p, len, "\r\n\r\n", 4);
	if (!eoh || eol - p < 14)
		TRAP();

	head = eol + 2;
	hlen = (size_t)(eoh + 2 - head);
	body = eoh + 4;
	blen = len - (size_t)(body - p);

	/* a kept-alive connection needs it to find the next reply */
	v = header(head, hlen, "Content-Length", &vlen);
	if (v ? !is_length(v, vlen, blen) : scode != 204)
		TRAP();

	if (scode == 204 && blen)
		TRAP();

	if (blen) {
		struct prov_error perr;
		struct odict *od = NULL;

		memset(&perr, 0, sizeof(perr));
		if (prov_json_parse(&od, body, blen, &perr))
			TRAP();

		if (scode >= 400 && !is_error(od))
			TRAP();

		mem_deref(od);
	}
	else if (scode >= 400) {
		TRAP();
	}

	v = header(head, hlen, "Connection", &vlen);
	if (v) {
		if (vlen != 5 || strncmp(v, "close", 5))
			TRAP();
		cap->closed = true;
	}

	if (mbuf_write_mem(cap->out, (const uint8_t *)p, len))
		TRAP();
}


static int send_h(struct mbuf *mb, void *arg)
{
	if (print)
		(void)re_fprintf(stderr, "%b\n", mbuf_buf(mb),
				 mbuf_get_left(mb));

	check_reply(arg, (const char *)mbuf_buf(mb), mbuf_get_left(mb));
	return 0;
}


static void request_h(struct api_conn *conn, const struct http_msg *msg,
		      const struct pl *body, void *arg)
{
	(void)arg;

	api_request(conn, msg, body, &api);
}


/* The input through one connection in reads of the given sizes (a size
 * of 0: the rest); the connection ends once it is done, as on TCP. */
static void deliver(struct capture *cap, const uint8_t *data, size_t size,
		    uint64_t seed)
{
	struct api_conn *conn = NULL;
	size_t off = 0;

	if (api_conn_alloc(&conn, send_h, request_h, cap))
		TRAP();

	while (off < size && !api_conn_done(conn)) {
		size_t n = size - off;

		if (seed) {
			/* xorshift64: mostly short reads, some long ones */
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			n = 1 + (size_t)(seed >> 8) %
				((seed & 15) ? 16 : 1024);
			if (n > size - off)
				n = size - off;
		}

		if (api_conn_recv(conn, data + off, n))
			break;
		off += n;
	}

	mem_deref(conn);

	if (dirty)
		reset();

	/* sessions and failed logins: each delivery starts without any */
	api.auth = mem_deref(api.auth);
	if (api_auth_alloc(&api.auth))
		TRAP();
}


/* Session tokens are random: blank them before the deliveries are
 * compared. */
static void mask_tokens(struct mbuf *mb)
{
	static const char *const marks[] = {"sb_session=", "\"token\":\""};
	char *p = (char *)mb->buf, *end = p + mb->end;

	for (size_t k = 0; k < ARRAY_SIZE(marks); k++) {
		const size_t ml = strlen(marks[k]);

		for (char *q = p; q + ml + 64 <= end; q++) {
			if (memcmp(q, marks[k], ml))
				continue;
			memset(q + ml, 'x', 64);
		}
	}
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture whole = {NULL, false}, parts = {NULL, false};
	uint64_t seed = 0xcbf29ce484222325ULL;

	/* FNV-1a of the input: the same input is always cut the same way */
	for (size_t i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 0x100000001b3ULL;
	seed |= 1;

	whole.out = mbuf_alloc(1024);
	parts.out = mbuf_alloc(1024);
	if (!whole.out || !parts.out)
		TRAP();

	deliver(&whole, data, size, 0);
	deliver(&parts, data, size, seed);
	mask_tokens(whole.out);
	mask_tokens(parts.out);

	if (whole.out->end != parts.out->end ||
	    memcmp(whole.out->buf, parts.out->buf, whole.out->end))
		TRAP();

	mem_deref(whole.out);
	mem_deref(parts.out);

	return 0;
}
