/*
 * test_http.c — the API's HTTP framing (src/api/conn.c) without a
 * socket: the same bytes cut into reads of any size get the same
 * replies; the limits (request line, headers) hold however the bytes
 * arrive; a request line with a bare CR is refused as soon as it shows;
 * a body that trickles in is still answered once; error messages that
 * echo a long method or path are cut, not emptied; paths under an
 * object (/agents/{id}/status, ...) match exactly, with their methods.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "api/api_int.h"
#include "unit.h"

struct capture {
	struct mbuf *out;          /* replies, 100 Continue left out */
	unsigned nreplies;
	unsigned ncontinue;
};


static int send_h(struct mbuf *mb, void *arg)
{
	struct capture *cap = arg;
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

	if (mbuf_get_left(mb) == sizeof(cont) - 1 &&
	    !memcmp(mbuf_buf(mb), cont, sizeof(cont) - 1)) {
		++cap->ncontinue;
		return 0;
	}

	++cap->nreplies;
	return mbuf_write_mem(cap->out, mbuf_buf(mb), mbuf_get_left(mb));
}


/* answers {"path":"<path>","len":<body length>} */
static void echo_h(struct api_conn *conn, const struct http_msg *msg,
		   const struct pl *body, void *arg)
{
	char json[128];
	(void)arg;

	(void)re_snprintf(json, sizeof(json), "{\"path\":\"%r\",\"len\":%zu}",
			  &msg->path, body->l);
	(void)api_conn_reply(conn, 200, NULL, json, strlen(json));
}


/* The routes and handlers of api.c; nothing here reaches the store. */
static struct api api = {.token = "t"};

static void api_h(struct api_conn *conn, const struct http_msg *msg,
		  const struct pl *body, void *arg)
{
	(void)arg;

	api_request(conn, msg, body, &api);
}


/* Feeds in: first bytes in one read (0: none), then reads of step bytes
 * (0: the rest at once), until the connection is done, as server.c
 * would; cap->out gets what was sent. */
static int feed2(struct capture *cap, api_srv_req_h *reqh, const char *in,
		 size_t len, size_t first, size_t step)
{
	struct api_conn *conn = NULL;
	size_t off = 0;
	int err;

	memset(cap, 0, sizeof(*cap));
	cap->out = mbuf_alloc(512);
	if (!cap->out)
		return ENOMEM;

	err = api_conn_alloc(&conn, send_h, reqh, cap);

	while (!err && off < len && !api_conn_done(conn)) {
		size_t n = len - off;

		if (off == 0 && first)
			n = first < len ? first : len;
		else if (step && step < n)
			n = step;

		err = api_conn_recv(conn, (const uint8_t *)in + off, n);
		off += n;
	}

	mem_deref(conn);
	if (!err)
		err = mbuf_write_u8(cap->out, 0);
	return err;
}


static int feed(struct capture *cap, api_srv_req_h *reqh, const char *in,
		size_t len, size_t step)
{
	return feed2(cap, reqh, in, len, 0, step);
}


static const char *out(const struct capture *cap)
{
	return (const char *)cap->out->buf;
}


/* A request of about len bytes whose request line, or one header, is
 * padded out to make it so. */
static char *padded(bool in_line, size_t len)
{
	const char *tail = in_line ? " HTTP/1.1\r\nHost: x\r\n\r\n"
				   : "\r\n\r\n";
	const char *head = in_line ? "GET /api/v1/health?"
				   : "GET /api/v1/health HTTP/1.1\r\nX-Pad: ";
	char *s = mem_zalloc(len + 64, NULL);
	size_t n;

	if (!s)
		return NULL;

	n = strlen(head);
	memcpy(s, head, n);
	memset(s + n, 'a', len - n);
	strcpy(s + len, tail);
	return s;
}


static void test_reads_of_any_size(void)
{
	static const char stream[] =
		"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
		"POST /b HTTP/1.1\r\nContent-Length: 5\r\n"
		"Expect: 100-continue\r\n\r\nhello"
		"\r\nPATCH /c HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
		"DELETE /d HTTP/1.0\r\n\r\n"
		"GET /not-read HTTP/1.1\r\n\r\n";
	static const size_t steps[] = {1, 2, 3, 7, 64, 8192};
	struct capture whole, part;
	unsigned nrep;

	CHECK_EQ(0, feed(&whole, echo_h, stream, strlen(stream), 0));
	nrep = whole.nreplies;
	CHECK_EQ(4u, nrep);
	CHECK(strstr(out(&whole), "{\"path\":\"/b\",\"len\":5}"));
	CHECK(strstr(out(&whole), "Connection: close"));
	CHECK(!strstr(out(&whole), "not-read"));

	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		bool same;

		CHECK_EQ(0, feed(&part, echo_h, stream, strlen(stream),
				 steps[i]));
		same = !strcmp(out(&whole), out(&part)) &&
			part.nreplies == nrep;
		mem_deref(part.out);
		CHECK(same);
	}

	/* the headers without the body: 100 Continue, once */
	CHECK_EQ(0, feed(&part, echo_h, stream,
			 (size_t)(strstr(stream, "hello") - stream), 1));
	mem_deref(part.out);
	CHECK_EQ(1u, part.ncontinue);
	CHECK_EQ(1u, part.nreplies);

	mem_deref(whole.out);
}


/* Limits hold whether the bytes come in one read or in libre's 8 KiB
 * reads. Before, a request line of 8-16 KiB or a header block of 16-24
 * KiB was served when it came in few enough reads, and refused when a
 * read ended inside it. */
static void test_limits_whatever_the_reads(void)
{
	static const struct {
		bool in_line;
		size_t len;
		const char *status;
	} cases[] = {
		{true,  8000,  "HTTP/1.1 200 "},
		{true,  9000,  "HTTP/1.1 400 "},
		{true,  20000, "HTTP/1.1 400 "},
		{false, 16000, "HTTP/1.1 200 "},
		{false, 20000, "HTTP/1.1 431 "},
		{false, 30000, "HTTP/1.1 431 "},
	};
	static const size_t steps[] = {0, 100, 8192, 16384};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *req = padded(cases[i].in_line, cases[i].len);

		CHECK(req);
		for (size_t j = 0; j < ARRAY_SIZE(steps); j++) {
			struct capture cap;
			bool ok;

			if (feed(&cap, api_h, req, strlen(req), steps[j]))
				break;
			ok = cap.nreplies == 1 &&
				0 == strncmp(out(&cap), cases[i].status, 13);
			mem_deref(cap.out);
			if (!ok) {
				mem_deref(req);
				CHECK(ok);
			}
		}
		mem_deref(req);
	}
}


/* libre's parser took time quadratic in the request line's length when
 * a bare CR was in it, for every read until the line was complete (70
 * ms per read at 8 KiB): such a line is now refused at the bare CR. */
static void test_bare_cr_refused(void)
{
	char *line = padded(true, 8000);
	const char *req;
	struct capture cap;

	CHECK(line);
	memcpy(line + 7000, "\rX", 2);
	line[7002] = '\0';

	CHECK_EQ(0, feed(&cap, api_h, line, strlen(line), 0));
	mem_deref(line);
	CHECK(0 == strncmp(out(&cap), "HTTP/1.1 400 ", 13));
	CHECK(strstr(out(&cap), "\"malformed HTTP request\""));
	mem_deref(cap.out);

	/* a CR right before the LF is fine, as are empty lines first */
	req = "\r\n\nGET /api/v1/health HTTP/1.1\r\r\n\r\n";
	CHECK_EQ(0, feed(&cap, api_h, req, strlen(req), 1));
	CHECK(0 == strncmp(out(&cap), "HTTP/1.1 200 ", 13));
	mem_deref(cap.out);
}


/* A body that arrives a byte at a time is answered once it is complete,
 * and the headers before it are not parsed again for every byte (before:
 * a 15 KiB header block parsed for each of 64 Ki reads, seconds of CPU
 * at -O2). */
static void test_body_trickle(void)
{
	const size_t blen = 64 * 1024;
	struct capture cap;
	struct timespec t0, t1;
	struct mbuf *mb = mbuf_alloc(96 * 1024);
	size_t hlen;
	char want[64];
	double ms;
	int err = 0;

	CHECK(mb);
	err |= mbuf_printf(mb, "POST /trickle HTTP/1.1\r\n");
	for (int i = 0; i < 1400; i++)
		err |= mbuf_printf(mb, "X-%d: v\r\n", i);
	err |= mbuf_printf(mb, "Content-Length: %zu\r\n\r\n", blen);
	hlen = mb->end;
	err |= mbuf_fill(mb, 'b', blen);
	if (err || hlen > 16384) {
		mem_deref(mb);
		CHECK(!err && hlen <= 16384);
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = feed2(&cap, echo_h, (const char *)mb->buf, mb->end, hlen, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	mem_deref(mb);
	CHECK_EQ(0, err);

	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	(void)re_snprintf(want, sizeof(want), "{\"path\":\"/trickle\","
			  "\"len\":%zu}", blen);
	err = cap.nreplies == 1 && strstr(out(&cap), want) ? 0 : EPROTO;
	mem_deref(cap.out);
	CHECK_EQ(0, err);

	/* generous: sanitizers, a loaded machine; before it was seconds
	 * even without them */
	CHECK(ms < 1500);
}


/* re_vsnprintf leaves out a piece that does not fit whole: a 405 for a
 * 600-letter method said nothing at all. */
static void test_long_echo_cut(void)
{
	struct mbuf *mb = mbuf_alloc(2048);
	struct capture cap;
	const char *msg, *end;
	int err;

	CHECK(mb);
	err = mbuf_fill(mb, 'M', 600);
	err |= mbuf_printf(mb, " /api/v1/health HTTP/1.1\r\n\r\n");
	err |= feed(&cap, api_h, (const char *)mb->buf, mb->end, 0);
	mem_deref(mb);
	CHECK_EQ(0, err);

	msg = strstr(out(&cap), "\"message\":\"MMMM");
	end = msg ? strstr(msg, "...\"}}") : NULL;
	err = 0 == strncmp(out(&cap), "HTTP/1.1 405 ", 13) && msg && end &&
		end + 3 - (msg + 11) == 512 ? 0 : EPROTO;
	mem_deref(cap.out);
	CHECK_EQ(0, err);
}


/* The paths under an object (/agents/{id}/status, /queues/{id}/stats,
 * /calls/{id}/routing): matched exactly, with their methods; nothing
 * provisioned here, so the handlers answer 404 before asking src/call. */
static void test_sub_paths(void)
{
	static const struct {
		const char *req;
		const char *want;          /* the status line, then a header */
	} vc[] = {
		{"GET /api/v1/agents/a/status HTTP/1.1\r\n"
		 "Authorization: Bearer t\r\n\r\n",
		 "HTTP/1.1 405 Method Not Allowed\r\nAllow: PUT\r\n"},
		{"POST /api/v1/queues/q/stats HTTP/1.1\r\n"
		 "Authorization: Bearer t\r\nContent-Length: 0\r\n\r\n",
		 "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\n"},
		{"DELETE /api/v1/calls/c1/routing HTTP/1.1\r\n"
		 "Authorization: Bearer t\r\n\r\n",
		 "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\n"},
		{"PUT /api/v1/agents/a/status HTTP/1.1\r\n"
		 "Authorization: Bearer t\r\nContent-Length: 17\r\n\r\n"
		 "{\"status\":\"break\"}",
		 "HTTP/1.1 404 Not Found\r\n"},
		{"PUT /api/v1/agents/a/status HTTP/1.1\r\n"
		 "Authorization: Bearer t\r\nContent-Type: text/plain\r\n"
		 "Content-Length: 2\r\n\r\n{}",
		 "HTTP/1.1 415 Unsupported Media Type\r\n"},
		{"PUT /api/v1/agents/a/status HTTP/1.1\r\n"
		 "Content-Length: 2\r\n\r\n{}",
		 "HTTP/1.1 401 Unauthorized\r\n"},
		{"GET /api/v1/queues/q/stats HTTP/1.1\r\n"
		 "Authorization: Bearer t\r\n\r\n",
		 "HTTP/1.1 404 Not Found\r\n"},
		{"GET /api/v1/agents/a/stats HTTP/1.1\r\n"
		 "Authorization: Bearer t\r\n\r\n",
		 "HTTP/1.1 404 Not Found\r\n"},
		{"GET /api/v1/queues/q/status HTTP/1.1\r\n"
		 "Authorization: Bearer t\r\n\r\n",
		 "HTTP/1.1 404 Not Found\r\n"},
		{"GET /api/v1/agents/a/status/x HTTP/1.1\r\n"
		 "Authorization: Bearer t\r\n\r\n",
		 "HTTP/1.1 404 Not Found\r\n"},
		{"GET /api/v1/agents/a/ HTTP/1.1\r\n"
		 "Authorization: Bearer t\r\n\r\n",
		 "HTTP/1.1 404 Not Found\r\n"},
		{"GET /api/v1/agents//status HTTP/1.1\r\n"
		 "Authorization: Bearer t\r\n\r\n",
		 "HTTP/1.1 404 Not Found\r\n"},
		{"GET /api/v1/health/x/y HTTP/1.1\r\n\r\n",
		 "HTTP/1.1 401 Unauthorized\r\n"},
		{"PUT /api/v1/statuses/lunch HTTP/1.1\r\n"
		 "Authorization: Bearer t\r\nContent-Length: 2\r\n\r\n{}",
		 "HTTP/1.1 405 Method Not Allowed\r\n"
		 "Allow: GET, PATCH, DELETE\r\n"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(vc); i++) {
		const char *allow = strstr(vc[i].want, "\r\n") + 2;
		struct capture cap;
		int err;

		err = feed(&cap, api_h, vc[i].req, strlen(vc[i].req), 0);
		if (!err && (strncmp(out(&cap), vc[i].want,
				     (size_t)(allow - vc[i].want)) ||
			     !strstr(out(&cap), allow))) {
			re_printf("    case %zu: %s\n", i, out(&cap));
			err = EPROTO;
		}
		mem_deref(cap.out);
		CHECK_EQ(0, err);
	}
}


UNIT_SUITE(http,
	UNIT_CASE(test_reads_of_any_size),
	UNIT_CASE(test_limits_whatever_the_reads),
	UNIT_CASE(test_bare_cr_refused),
	UNIT_CASE(test_body_trickle),
	UNIT_CASE(test_long_echo_cut),
	UNIT_CASE(test_sub_paths),
);
