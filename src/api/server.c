/*
 * server.c — HTTP/1.1 connections for the API, on libre's TCP and its
 * HTTP message parser (http_msg_decode).
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
 * Limits: 16 KiB of headers, 1 MiB of body, 256 connections, 60 s to
 * send a request on an idle connection. Chunked bodies are refused (411);
 * API clients send Content-Length.
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "api/api_int.h"

#define LOG_MODULE "api"

enum {
	HDR_MAX = 16384,
	DISCARD_MAX = 16 * 1024 * 1024,
	CONN_MAX = 256,
	IDLE_MS = 60000,
	TXQ_MAX = 16 * 1024 * 1024,   /* a long calls list */
};

struct api_srv {
	struct tcp_sock *ts;
	struct list conns;
	api_srv_req_h *reqh;
	void *arg;
};

struct api_conn {
	struct le le;
	struct api_srv *srv;
	struct tcp_conn *tc;
	struct tmr tmr;
	struct mbuf *mb;           /* received, not yet handled */
	uint64_t discard;          /* refused body bytes still to drop */
	bool want_close;           /* the request asked for it */
	bool closing;              /* replied with Connection: close */
	bool replied;
	bool continued;            /* sent 100 Continue for this request */
	uint16_t scode;            /* of the last reply, for the log */
};


static void conn_destructor(void *arg)
{
	struct api_conn *conn = arg;

	list_unlink(&conn->le);
	tmr_cancel(&conn->tmr);
	mem_deref(conn->tc);
	mem_deref(conn->mb);
}


static void srv_destructor(void *arg)
{
	struct api_srv *srv = arg;

	list_flush(&srv->conns);
	mem_deref(srv->ts);
}


static void send_handler(void *arg)
{
	struct api_conn *conn = arg;

	/* libre calls this when its send queue is empty */
	mem_deref(conn);
}


/* After a closing reply: close once it is on its way and the refused
 * body has been drained. Returns true if conn is gone. */
static bool finish(struct api_conn *conn)
{
	if (!conn->closing || conn->discard)
		return false;

	if (!tcp_conn_txqsz(conn->tc)) {
		mem_deref(conn);
		return true;
	}

	if (tcp_set_send(conn->tc, send_handler)) {
		mem_deref(conn);
		return true;
	}

	return false;
}


int api_conn_reply(struct api_conn *conn, uint16_t scode,
		   const char *headers, const char *body, size_t len)
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
	if (body)
		err |= mbuf_printf(mb, "Content-Type: application/json\r\n");
	if (scode != 204)
		err |= mbuf_printf(mb, "Content-Length: %zu\r\n",
				   body ? len : 0);
	err |= mbuf_printf(mb, "Cache-Control: no-store\r\n%s%s\r\n",
			   headers ? headers : "",
			   conn->closing ? "Connection: close\r\n" : "");
	if (body)
		err |= mbuf_write_mem(mb, (const uint8_t *)body, len);
	if (err)
		goto out;

	mb->pos = 0;
	err = tcp_send(conn->tc, mb);
	if (err) {
		log_warn("reply %u: %m", scode, err);
		conn->closing = true;
	}

 out:
	mem_deref(mb);
	return err;
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


static void timeout_handler(void *arg)
{
	mem_deref(arg);
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
	(void)tcp_send(conn->tc, mb);
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


/* Handles every complete request in conn->mb, in order. */
static void process(struct api_conn *conn)
{
	while (!conn->closing && conn->mb && mbuf_get_left(conn->mb)) {
		const size_t start = conn->mb->pos;
		struct http_msg *msg = NULL;
		uint64_t clen;
		struct pl body;
		int err;

		err = http_msg_decode(&msg, conn->mb, true);
		if (err == ENODATA) {
			conn->mb->pos = start;
			if (mbuf_get_left(conn->mb) > HDR_MAX)
				frame_error(conn, 431, "headers_too_large",
					    "the request headers are over "
					    "16 KiB");
			break;
		}
		if (err) {
			frame_error(conn, 400, "bad_request",
				    "malformed HTTP request");
			break;
		}

		if (http_msg_hdr(msg, HTTP_HDR_TRANSFER_ENCODING)) {
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

			conn->srv->reqh(conn, msg, &body, conn->srv->arg);

			if (!conn->replied)
				(void)api_conn_reply(conn, 500, NULL, NULL, 0);

			/* method and path only: never headers (the token)
			 * nor the query */
			log_debug("%r %r -> %u", &msg->met, &msg->path,
				  conn->scode);

			conn->mb->pos += (size_t)clen;
			tmr_start(&conn->tmr, IDLE_MS, timeout_handler, conn);
		}

		mem_deref(msg);
	}

	compact(conn);
}


static void recv_handler(struct mbuf *mb, void *arg)
{
	struct api_conn *conn = arg;
	size_t n = mbuf_get_left(mb);

	if (conn->discard) {
		const size_t d = n < conn->discard ? n : (size_t)conn->discard;

		conn->discard -= d;
		mb->pos += d;
		n -= d;
	}

	/* nothing after a closing reply is for us */
	if (n && !conn->closing) {
		if (!conn->mb)
			conn->mb = mbuf_alloc(n);

		if (!conn->mb) {
			mem_deref(conn);
			return;
		}

		conn->mb->pos = conn->mb->end;
		if (mbuf_write_mem(conn->mb, mbuf_buf(mb), n)) {
			mem_deref(conn);
			return;
		}
		conn->mb->pos = 0;

		process(conn);
	}

	(void)finish(conn);
}


static void close_handler(int err, void *arg)
{
	(void)err;

	mem_deref(arg);
}


static void connect_handler(const struct sa *peer, void *arg)
{
	struct api_srv *srv = arg;
	struct api_conn *conn;
	int err;

	if (list_count(&srv->conns) >= CONN_MAX) {
		log_warn("%J: too many connections", peer);
		tcp_reject(srv->ts);
		return;
	}

	conn = mem_zalloc(sizeof(*conn), conn_destructor);
	if (!conn) {
		tcp_reject(srv->ts);
		return;
	}

	conn->srv = srv;
	list_append(&srv->conns, &conn->le, conn);

	err = tcp_accept(&conn->tc, srv->ts, NULL, recv_handler,
			 close_handler, conn);
	if (err) {
		mem_deref(conn);
		tcp_reject(srv->ts);
		return;
	}

	tcp_conn_txqsz_set(conn->tc, TXQ_MAX);
	tmr_start(&conn->tmr, IDLE_MS, timeout_handler, conn);
}


int api_srv_alloc(struct api_srv **srvp, const struct sa *laddr,
		  api_srv_req_h *reqh, void *arg)
{
	struct api_srv *srv;
	int err;

	if (!srvp || !laddr || !reqh)
		return EINVAL;

	srv = mem_zalloc(sizeof(*srv), srv_destructor);
	if (!srv)
		return ENOMEM;

	srv->reqh = reqh;
	srv->arg = arg;

	err = tcp_listen(&srv->ts, laddr, connect_handler, srv);
	if (err)
		mem_deref(srv);
	else
		*srvp = srv;

	return err;
}
