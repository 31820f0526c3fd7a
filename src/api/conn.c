/*
 * conn.c — HTTP/1.1 framing of one API connection, on libre's HTTP
 * message parser (http_msg_decode), with no transport: the bytes that
 * arrive go in through api_conn_recv, every complete request goes to the
 * request handler, and every reply leaves through the send handler as
 * one buffer. server.c puts this on libre's TCP; fuzz/http_request.c
 * drives it from a buffer, so the fuzzer reads what a client's bytes
 * reach.
 *
 * Why not libre's http_listen: in libre 1.1.0 (src/http/server.c) a
 * connection buffers whatever arrives up to BUFSIZE_MAX (512 KiB) and
 * then closes without a word; nothing looks at Content-Length before the
 * body is in memory. The API promises a 413 with a JSON body for bodies
 * over 1 MiB, and a 400/431 for garbage, so we frame requests ourselves:
 * the headers are parsed as soon as they are complete, the announced
 * length is checked before any of the body is kept, and a refused body is
 * read and dropped so the client sees our answer instead of a reset.
 *
 * After a 101 (ws.c) the connection is no longer HTTP: api_conn_upgrade
 * hands it, and whatever bytes came after the request, to the WebSocket,
 * which reaches the transport through the io the server set.
 *
 * Limits: 8 KiB of request line, 16 KiB of headers, 1 MiB of body.
 * Chunked bodies are refused (411); API clients send Content-Length.
 *
 * The answer to a request must not depend on how TCP cut it into reads,
 * and a client that sends a byte at a time must not make us parse the
 * same bytes over and over. So each limit is checked on the request, not
 * on what has arrived so far (a header block over 16 KiB is refused also
 * when it came in one read); the request line is checked before libre's
 * parser sees it (reqline_check); and once the headers are in, they are
 * parsed again only when the whole body is there.
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "api/api_int.h"

#define LOG_MODULE "api"

enum {
	REQLINE_MAX = 8192,           /* STARTLINE_MAX in libre's http/msg.c */
	HDR_MAX = 16384,
	DISCARD_MAX = 16 * 1024 * 1024,
};

struct api_conn {
	api_conn_send_h *sendh;
	api_srv_req_h *reqh;
	void *arg;
	struct mbuf *mb;           /* received, not yet handled */
	uint64_t discard;          /* refused body bytes still to drop */
	size_t need;               /* bytes of the request being received */
	bool want_close;           /* the request asked for it */
	bool closing;              /* replied with Connection: close */
	bool replied;
	bool continued;            /* sent 100 Continue for this request */
	uint16_t scode;            /* of the last reply, for the log */
	const struct api_conn_io *io;   /* the transport, beyond sending */
	struct api_ws *ws;         /* after a 101: the connection is its */
	struct sa peer;            /* the client, for login throttling */
	const char *extra;         /* api_conn_set_extra, or NULL */
};


static void destructor(void *arg)
{
	struct api_conn *conn = arg;

	mem_deref(conn->ws);
	mem_deref(conn->mb);
}


void api_conn_set_peer(struct api_conn *conn, const struct sa *peer)
{
	if (conn && peer)
		conn->peer = *peer;
}


const struct sa *api_conn_peer(const struct api_conn *conn)
{
	return &conn->peer;
}


void api_conn_set_extra(struct api_conn *conn, const char *hdrs)
{
	if (conn)
		conn->extra = hdrs;
}


int api_conn_alloc(struct api_conn **connp, api_conn_send_h *sendh,
		   api_srv_req_h *reqh, void *arg)
{
	struct api_conn *conn;

	if (!connp || !sendh || !reqh)
		return EINVAL;

	conn = mem_zalloc(sizeof(*conn), destructor);
	if (!conn)
		return ENOMEM;

	conn->sendh = sendh;
	conn->reqh = reqh;
	conn->arg = arg;

	*connp = conn;
	return 0;
}


bool api_conn_done(const struct api_conn *conn)
{
	return conn->closing && !conn->discard;
}


void api_conn_io_set(struct api_conn *conn, const struct api_conn_io *io)
{
	if (conn)
		conn->io = io;
}


bool api_conn_upgraded(const struct api_conn *conn)
{
	return conn && conn->ws;
}


size_t api_conn_queued(const struct api_conn *conn)
{
	return conn->io ? conn->io->queued(conn->arg) : 0;
}


void api_conn_watch_drain(struct api_conn *conn, bool on)
{
	if (conn->io)
		conn->io->watch(on, conn->arg);
}


void api_conn_close(struct api_conn *conn, bool flush)
{
	if (conn->io)
		conn->io->close(flush, conn->arg);
}


void api_conn_drained(struct api_conn *conn)
{
	if (conn && conn->ws)
		api_ws_drained(conn->ws);
}


int api_conn_send(struct api_conn *conn, struct mbuf *mb)
{
	return conn->sendh(mb, conn->arg);
}


int api_conn_upgrade(struct api_conn *conn, struct api_ws *ws,
		     const char *headers)
{
	struct mbuf *mb;
	int err;

	if (!conn || !ws || conn->replied || conn->ws)
		return EALREADY;

	mb = mbuf_alloc(256);
	if (!mb)
		return ENOMEM;

	/* not api_conn_reply: a 1xx has no Content-Length (RFC 9110) */
	err = mbuf_printf(mb, "HTTP/1.1 101 Switching Protocols\r\n%s\r\n",
			  headers ? headers : "");
	if (!err) {
		mb->pos = 0;
		err = conn->sendh(mb, conn->arg);
	}
	mem_deref(mb);
	if (err)
		return err;

	conn->replied = true;
	conn->scode = 101;
	conn->ws = ws;

	return 0;
}


int api_conn_reply_as(struct api_conn *conn, uint16_t scode,
		      const char *ctype, const char *cache,
		      const char *headers, const char *body, size_t len,
		      bool head)
{
	struct mbuf *mb;
	int err;

	if (!conn || conn->replied)
		return EALREADY;

	conn->replied = true;
	conn->scode = scode;
	if (conn->want_close)
		conn->closing = true;

	mb = mbuf_alloc(256 + len);
	if (!mb)
		return ENOMEM;

	err = mbuf_printf(mb, "HTTP/1.1 %u %s\r\n", scode, api_reason(scode));
	if (body && ctype)
		err |= mbuf_printf(mb, "Content-Type: %s\r\n", ctype);
	if (scode != 204)
		err |= mbuf_printf(mb, "Content-Length: %zu\r\n",
				   body ? len : 0);
	err |= mbuf_printf(mb, "Cache-Control: %s\r\n%s%s%s\r\n", cache,
			   headers ? headers : "",
			   conn->extra ? conn->extra : "",
			   conn->closing ? "Connection: close\r\n" : "");
	/* HEAD: the headers GET would get, Content-Length included */
	if (body && !head)
		err |= mbuf_write_mem(mb, (const uint8_t *)body, len);
	if (err)
		goto out;

	mb->pos = 0;
	err = conn->sendh(mb, conn->arg);
	if (err) {
		log_warn("reply %u: %m", scode, err);
		conn->closing = true;
	}

 out:
	mem_deref(mb);
	return err;
}


int api_conn_reply(struct api_conn *conn, uint16_t scode,
		   const char *headers, const char *body, size_t len)
{
	return api_conn_reply_as(conn, scode, "application/json", "no-store",
				 headers, body, len, false);
}


/* A reply from the framing layer, before any handler saw the request.
 * The stream can no longer be trusted, so the connection closes. */
static void frame_error(struct api_conn *conn, uint16_t scode,
			const char *code, const char *message)
{
	char *body = NULL;

	conn->want_close = true;
	conn->replied = false;

	if (api_error_json(&body, code, NULL, message)) {
		conn->closing = true;
		return;
	}

	(void)api_conn_reply(conn, scode, NULL, body, strlen(body));
	mem_deref(body);
}


/* Content-Length: one, decimal, sane. 0 when absent. */
static int content_length(const struct http_msg *msg, uint64_t *clen)
{
	struct le *le;
	bool seen = false;

	*clen = 0;

	LIST_FOREACH(&msg->hdrl, le) {
		const struct http_hdr *h = le->data;
		uint64_t v = 0;

		if (h->id != HTTP_HDR_CONTENT_LENGTH)
			continue;

		if (seen || h->val.l == 0 || h->val.l > 15)
			return EBADMSG;

		for (size_t i = 0; i < h->val.l; i++) {
			if (h->val.p[i] < '0' || h->val.p[i] > '9')
				return EBADMSG;
			v = v * 10 + (uint64_t)(h->val.p[i] - '0');
		}

		*clen = v;
		seen = true;
	}

	return 0;
}


static bool wants_close(const struct http_msg *msg)
{
	if (http_msg_hdr_has_value(msg, HTTP_HDR_CONNECTION, "close"))
		return true;

	return 0 == pl_strcmp(&msg->ver, "1.0") &&
		!http_msg_hdr_has_value(msg, HTTP_HDR_CONNECTION,
					"keep-alive");
}


/* Keeps only the unread bytes of conn->mb, or frees it when none. */
static void compact(struct api_conn *conn)
{
	struct mbuf *mb = conn->mb, *rest;

	if (!mb)
		return;

	if (!mbuf_get_left(mb)) {
		conn->mb = mem_deref(mb);
		return;
	}

	if (!mb->pos)
		return;

	rest = mbuf_alloc(mbuf_get_left(mb));
	if (!rest)
		return;

	(void)mbuf_write_mem(rest, mbuf_buf(mb), mbuf_get_left(mb));
	rest->pos = 0;
	conn->mb = rest;
	mem_deref(mb);
}


static void send_continue(struct api_conn *conn)
{
	static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
	struct mbuf *mb = mbuf_alloc(sizeof(line));

	if (!mb)
		return;

	(void)mbuf_write_str(mb, line);
	mb->pos = 0;
	(void)conn->sendh(mb, conn->arg);
	mem_deref(mb);
}


static void refuse_body(struct api_conn *conn, uint64_t clen)
{
	const size_t have = mbuf_get_left(conn->mb);
	const uint64_t buffered = clen < have ? clen : have;

	frame_error(conn, 413, "too_large", "the body is over 1 MiB");

	conn->mb->pos += (size_t)buffered;
	if (clen - buffered <= DISCARD_MAX)
		conn->discard = clen - buffered;
}


/* Checks the request line before libre's parser sees it. That parser
 * finds the line with a regular expression whose time is quadratic in
 * the line's length when a bare CR is in it (70 ms at 8 KiB), and runs
 * again on every read until the headers are complete; it also gives up
 * on a line without its end only when more than 8 KiB of it arrived in
 * one piece. So: after any empty lines (which libre skips), the line
 * must end in LF within REQLINE_MAX bytes, with CRs only right before
 * the LF. 0: it does; ENODATA: its end has not arrived yet; E2BIG: too
 * long; EBADMSG: a bare CR. */
static int reqline_check(const struct mbuf *mb)
{
	const uint8_t *p = mbuf_buf(mb);
	const size_t n = mbuf_get_left(mb);
	bool cr = false;
	size_t i = 0;

	while (i < n && (p[i] == '\r' || p[i] == '\n'))
		++i;

	for (; i < n && i <= REQLINE_MAX; i++) {
		if (p[i] == '\n')
			return 0;
		else if (p[i] == '\r')
			cr = true;
		else if (cr)
			return EBADMSG;
	}

	return n > REQLINE_MAX ? E2BIG : ENODATA;
}


/* The request was upgraded: what came after it is the WebSocket's. */
static void upgraded(struct api_conn *conn)
{
	struct mbuf *mb = conn->mb;

	conn->mb = NULL;
	if (mbuf_get_left(mb))
		(void)api_ws_recv(conn->ws, mbuf_buf(mb), mbuf_get_left(mb));
	mem_deref(mb);
}


/* Handles every complete request in conn->mb, in order. */
static void process(struct api_conn *conn)
{
	while (!conn->closing && conn->mb && mbuf_get_left(conn->mb)) {
		const size_t start = conn->mb->pos;
		struct http_msg *msg = NULL;
		uint64_t clen;
		struct pl body;
		int err;

		/* headers in, body on its way: no need to parse again */
		if (mbuf_get_left(conn->mb) < conn->need)
			break;

		err = reqline_check(conn->mb);
		if (!err)
			err = http_msg_decode(&msg, conn->mb, true);
		if (err == ENODATA) {
			conn->mb->pos = start;
			if (mbuf_get_left(conn->mb) > HDR_MAX)
				frame_error(conn, 431, "headers_too_large",
					    "the request headers are over "
					    "16 KiB");
			break;
		}
		if (err == E2BIG) {
			frame_error(conn, 400, "bad_request", "the request "
				    "line is over 8 KiB");
			break;
		}
		if (err) {
			frame_error(conn, 400, "bad_request",
				    "malformed HTTP request");
			break;
		}

		if (conn->mb->pos - start > HDR_MAX) {
			frame_error(conn, 431, "headers_too_large",
				    "the request headers are over 16 KiB");
		}
		else if (http_msg_hdr(msg, HTTP_HDR_TRANSFER_ENCODING)) {
			frame_error(conn, 411, "length_required", "send the "
				    "body with Content-Length (chunked "
				    "transfer encoding is not supported)");
		}
		else if (content_length(msg, &clen)) {
			frame_error(conn, 400, "bad_request", "invalid "
				    "Content-Length");
		}
		else if (clen > API_BODY_MAX) {
			refuse_body(conn, clen);
		}
		else if (mbuf_get_left(conn->mb) < clen) {
			/* wait for the body; say we want it if asked */
			if (!conn->continued &&
			    http_msg_hdr_has_value(msg, HTTP_HDR_EXPECT,
						   "100-continue")) {
				send_continue(conn);
				conn->continued = true;
			}
			conn->need = conn->mb->pos - start + (size_t)clen;
			conn->mb->pos = start;
			mem_deref(msg);
			break;
		}
		else {
			body.p = (const char *)mbuf_buf(conn->mb);
			body.l = (size_t)clen;

			conn->want_close = wants_close(msg);
			conn->replied = false;
			conn->continued = false;
			conn->need = 0;

			conn->reqh(conn, msg, &body, conn->arg);

			if (!conn->replied)
				(void)api_conn_reply(conn, 500, NULL, NULL, 0);

			/* method and path only: never headers (the token)
			 * nor the query */
			log_debug("%r %r -> %u", &msg->met, &msg->path,
				  conn->scode);

			conn->mb->pos += (size_t)clen;

			if (conn->ws) {
				mem_deref(msg);
				upgraded(conn);
				return;
			}
		}

		mem_deref(msg);
	}

	compact(conn);
}


int api_conn_recv(struct api_conn *conn, const uint8_t *buf, size_t len)
{
	if (!conn || (!buf && len))
		return EINVAL;

	if (conn->ws)
		return api_ws_recv(conn->ws, buf, len);

	if (conn->discard) {
		const size_t d = len < conn->discard ? len
						     : (size_t)conn->discard;

		conn->discard -= d;
		buf += d;
		len -= d;
	}

	/* nothing after a closing reply is for us */
	if (!len || conn->closing)
		return 0;

	if (!conn->mb)
		conn->mb = mbuf_alloc(len);
	if (!conn->mb)
		return ENOMEM;

	conn->mb->pos = conn->mb->end;
	if (mbuf_write_mem(conn->mb, buf, len))
		return ENOMEM;
	conn->mb->pos = 0;

	process(conn);

	return 0;
}
