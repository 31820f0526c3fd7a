/*
 * ws.c — RFC 6455 WebSocket, server side, on an API connection that a
 * handler upgraded (conn.c, server.c).
 *
 * Why not libre's websock module: websock_accept takes libre's own
 * struct http_conn, which exists only under libre's HTTP server, and we
 * frame HTTP ourselves (see conn.c). The part of the protocol a one-way
 * event stream needs is small, so it is here.
 *
 * Server to client: unmasked text frames, and a ping every 30 s so that
 * proxies keep an idle stream open; a client that has sent nothing (not
 * even the pong) for a whole interval after a ping is gone and is cut.
 * Client to server: every frame masked (else close 1002); ping answered
 * with pong; pong and text ignored (the stream is one-way); binary and
 * fragmented messages refused (1003); payloads over API_WS_FRAME_MAX
 * refused (1009); a close echoed, then the TCP connection closed.
 *
 * Memory: one partial client frame (at most API_WS_FRAME_MAX plus a
 * header); output beyond API_WS_OUT_MAX is the owner's to refuse (it
 * checks api_ws_queued before it sends).
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "util/crypto.h"
#include "api/api_int.h"

#define LOG_MODULE "api"

enum {
	PING_MS = 30000,
	KEY_LEN = 24,                 /* base64 of 16 bytes */
	CLOSE_FLUSH = true,
};

enum opcode {
	OP_CONT = 0x0,
	OP_TEXT = 0x1,
	OP_BINARY = 0x2,
	OP_CLOSE = 0x8,
	OP_PING = 0x9,
	OP_PONG = 0xa,
};

enum close_code {
	CLOSE_NORMAL = 1000,
	CLOSE_GOING_AWAY = 1001,
	CLOSE_PROTOCOL = 1002,
	CLOSE_UNSUPPORTED = 1003,
	CLOSE_TOO_BIG = 1009,
};

static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

struct api_ws {
	struct api_conn *conn;     /* owns us */
	struct mbuf *rx;           /* a client frame not yet complete */
	struct tmr ping_tmr;
	void *owner;               /* freed with us */
	api_ws_drain_h *drainh;
	bool closing;              /* our close frame is out: send no more */
	bool heard;                /* the client sent something since the
				      last ping */
};


static void destructor(void *arg)
{
	struct api_ws *ws = arg;

	tmr_cancel(&ws->ping_tmr);
	mem_deref(ws->owner);
	mem_deref(ws->rx);
}


/* One frame of ours: no mask, FIN set. */
static int frame_write(struct mbuf *mb, uint8_t opcode, const uint8_t *p,
		       size_t len)
{
	int err = mbuf_write_u8(mb, 0x80 | opcode);

	if (len < 126) {
		err |= mbuf_write_u8(mb, (uint8_t)len);
	}
	else if (len <= 0xffff) {
		err |= mbuf_write_u8(mb, 126);
		err |= mbuf_write_u16(mb, htons((uint16_t)len));
	}
	else {
		err |= mbuf_write_u8(mb, 127);
		err |= mbuf_write_u32(mb, htonl((uint32_t)((uint64_t)len >>
							   32)));
		err |= mbuf_write_u32(mb, htonl((uint32_t)len));
	}

	if (len)
		err |= mbuf_write_mem(mb, p, len);

	return err;
}


int api_ws_text_frame(struct mbuf *mb, const char *text, size_t len)
{
	if (!mb || (!text && len))
		return EINVAL;

	return frame_write(mb, OP_TEXT, (const uint8_t *)text, len);
}


int api_ws_frame_parse(struct api_ws_frame *f, uint16_t *code,
		       const uint8_t *buf, size_t n)
{
	size_t hdr = 2;
	uint64_t len;

	if (!f || !code || (!buf && n))
		return EINVAL;

	if (n < 2)
		return ENODATA;

	memset(f, 0, sizeof(*f));
	f->fin = buf[0] & 0x80;
	f->opcode = buf[0] & 0x0f;
	f->masked = buf[1] & 0x80;
	len = buf[1] & 0x7f;

	/* no extension was agreed, so no RSV bit may be set */
	if (buf[0] & 0x70) {
		*code = CLOSE_PROTOCOL;
		return EPROTO;
	}

	switch (f->opcode) {

	case OP_CLOSE:
	case OP_PING:
	case OP_PONG:
		if (!f->fin || len > 125) {
			*code = CLOSE_PROTOCOL;
			return EPROTO;
		}
		break;

	case OP_TEXT:
	case OP_CONT:
	case OP_BINARY:
		break;

	default:
		*code = CLOSE_PROTOCOL;
		return EPROTO;
	}

	if (!f->masked) {
		*code = CLOSE_PROTOCOL;
		return EPROTO;
	}

	if (len == 126) {
		if (n < 4)
			return ENODATA;
		len = (uint64_t)buf[2] << 8 | buf[3];
		hdr = 4;
	}
	else if (len == 127) {
		if (n < 10)
			return ENODATA;
		len = 0;
		for (size_t i = 2; i < 10; i++)
			len = len << 8 | buf[i];
		hdr = 10;
		if (len >> 63) {
			*code = CLOSE_PROTOCOL;
			return EPROTO;
		}
	}

	/* what we do not take is refused before its payload arrives */
	if (f->opcode == OP_BINARY || f->opcode == OP_CONT ||
	    (f->opcode == OP_TEXT && !f->fin)) {
		*code = CLOSE_UNSUPPORTED;
		return EPROTO;
	}

	if (len > API_WS_FRAME_MAX) {
		*code = CLOSE_TOO_BIG;
		return EMSGSIZE;
	}

	if (n < hdr + 4)
		return ENODATA;

	memcpy(f->mask, buf + hdr, 4);
	f->hdr = hdr + 4;
	f->len = len;

	return 0;
}


static int send_frame(struct api_ws *ws, uint8_t opcode, const uint8_t *p,
		      size_t len)
{
	struct mbuf *mb = mbuf_alloc(len + 10);
	int err;

	if (!mb)
		return ENOMEM;

	err = frame_write(mb, opcode, p, len);
	if (!err) {
		mb->pos = 0;
		err = api_conn_send(ws->conn, mb);
	}

	mem_deref(mb);
	return err;
}


/* Ends the stream: our close frame (code 0: an empty one, the echo of a
 * close that had no code), then the TCP connection once it is out. */
static void close_with(struct api_ws *ws, uint16_t code, const char *reason)
{
	uint8_t p[125];
	size_t len = 0;

	if (ws->closing)
		return;

	ws->closing = true;
	tmr_cancel(&ws->ping_tmr);

	if (code) {
		const size_t rl = reason ? strlen(reason) : 0;

		p[0] = (uint8_t)(code >> 8);
		p[1] = (uint8_t)code;
		len = 2 + (rl < sizeof(p) - 2 ? rl : sizeof(p) - 2);
		if (rl)
			memcpy(p + 2, reason, len - 2);
	}

	(void)send_frame(ws, OP_CLOSE, p, len);
	api_conn_close(ws->conn, CLOSE_FLUSH);
}


void api_ws_close(struct api_ws *ws, uint16_t code, const char *reason)
{
	if (ws)
		close_with(ws, code, reason);
}


/* Codes a peer may send (RFC 6455 7.4): not the reserved ones, nor
 * those that only name a state (1005, 1006, 1015). */
static bool close_code_ok(uint16_t c)
{
	if (c >= 3000 && c <= 4999)
		return true;

	return c >= 1000 && c <= 1014 && c != 1004 && c != 1005 &&
		c != 1006;
}


/* Whole frames off the front of ws->rx, in order. */
static void handle_frames(struct api_ws *ws)
{
	struct mbuf *mb = ws->rx;

	while (!ws->closing && mbuf_get_left(mb)) {
		uint8_t payload[API_WS_FRAME_MAX];
		struct api_ws_frame f;
		uint16_t code = 0;
		int err;

		err = api_ws_frame_parse(&f, &code, mbuf_buf(mb),
					 mbuf_get_left(mb));
		if (err == ENODATA)
			break;
		if (err) {
			log_debug("websocket: refused a frame (%u)", code);
			close_with(ws, code, code == CLOSE_TOO_BIG ?
				   "frame too large" : code ==
				   CLOSE_UNSUPPORTED ? "only text frames "
				   "of one fragment are taken" :
				   "protocol error");
			return;
		}

		if (mbuf_get_left(mb) < f.hdr + f.len)
			break;

		for (size_t i = 0; i < f.len; i++)
			payload[i] = mbuf_buf(mb)[f.hdr + i] ^ f.mask[i & 3];
		mb->pos += f.hdr + (size_t)f.len;
		ws->heard = true;

		switch (f.opcode) {

		case OP_PING:
			(void)send_frame(ws, OP_PONG, payload, (size_t)f.len);
			break;

		case OP_CLOSE:
			/* echo its code; a close without one gets none
			 * back, and a one-byte payload is malformed */
			if (f.len == 1) {
				close_with(ws, CLOSE_PROTOCOL, "bad close");
			}
			else {
				const uint16_t c = f.len ? (uint16_t)
					(payload[0] << 8 | payload[1]) : 0;
				close_with(ws, !f.len || close_code_ok(c) ? c :
					   CLOSE_PROTOCOL, NULL);
			}
			return;

		default:
			/* text, pong: nothing for us to do */
			break;
		}
	}
}


int api_ws_recv(struct api_ws *ws, const uint8_t *buf, size_t len)
{
	if (!ws || (!buf && len))
		return EINVAL;

	/* after our close, the client's bytes are not read */
	if (ws->closing || !len)
		return 0;

	if (!ws->rx) {
		ws->rx = mbuf_alloc(len);
		if (!ws->rx)
			return ENOMEM;
	}

	ws->rx->pos = ws->rx->end;
	if (mbuf_write_mem(ws->rx, buf, len))
		return ENOMEM;
	ws->rx->pos = 0;

	handle_frames(ws);

	/* keep only the start of the next frame: at most a header and
	 * API_WS_FRAME_MAX, as anything longer was refused */
	if (ws->rx && !mbuf_get_left(ws->rx)) {
		ws->rx = mem_deref(ws->rx);
	}
	else if (ws->rx && ws->rx->pos) {
		struct mbuf *rest = mbuf_alloc(mbuf_get_left(ws->rx));

		if (!rest)
			return ENOMEM;
		(void)mbuf_write_mem(rest, mbuf_buf(ws->rx),
				     mbuf_get_left(ws->rx));
		rest->pos = 0;
		mem_deref(ws->rx);
		ws->rx = rest;
	}

	return 0;
}


static void ping_timeout(void *arg)
{
	struct api_ws *ws = arg;

	if (!ws->heard) {
		log_debug("websocket: no answer to our ping");
		close_with(ws, CLOSE_GOING_AWAY, "no pong");
		return;
	}

	ws->heard = false;
	(void)send_frame(ws, OP_PING, NULL, 0);
	tmr_start(&ws->ping_tmr, PING_MS, ping_timeout, ws);
}


int api_ws_send(struct api_ws *ws, const uint8_t *frame, size_t len)
{
	struct mbuf *mb;
	int err;

	if (!ws || !frame)
		return EINVAL;

	if (ws->closing)
		return ECONNRESET;

	mb = mbuf_alloc(len);
	if (!mb)
		return ENOMEM;

	err = mbuf_write_mem(mb, frame, len);
	if (!err) {
		mb->pos = 0;
		err = api_conn_send(ws->conn, mb);
	}

	mem_deref(mb);
	return err;
}


int api_ws_send_text(struct api_ws *ws, const char *text)
{
	if (!ws || !text)
		return EINVAL;

	if (ws->closing)
		return ECONNRESET;

	return send_frame(ws, OP_TEXT, (const uint8_t *)text, strlen(text));
}


size_t api_ws_queued(const struct api_ws *ws)
{
	return ws ? api_conn_queued(ws->conn) : 0;
}


void api_ws_want_drain(struct api_ws *ws)
{
	if (ws && !ws->closing)
		api_conn_watch_drain(ws->conn, true);
}


void api_ws_drained(struct api_ws *ws)
{
	api_conn_watch_drain(ws->conn, false);

	if (!ws->closing && ws->drainh)
		ws->drainh(ws->owner);
}


void api_ws_set_owner(struct api_ws *ws, void *owner, api_ws_drain_h *drainh)
{
	if (!ws)
		return;

	mem_deref(ws->owner);
	ws->owner = owner;
	ws->drainh = drainh;
}


/* token in a comma-separated header value, any case, any header line */
static bool has_token(const struct http_msg *msg, enum http_hdrid id,
		      const char *token)
{
	const size_t tl = strlen(token);
	struct le *le;

	LIST_FOREACH(&msg->hdrl, le) {
		const struct http_hdr *h = le->data;
		const char *p, *end;

		if (h->id != id)
			continue;

		p = h->val.p;
		end = h->val.p + h->val.l;
		while (p < end) {
			const char *s, *e;

			while (p < end && (*p == ' ' || *p == '\t' ||
					   *p == ','))
				++p;
			s = p;
			while (p < end && *p != ',')
				++p;
			e = p;
			while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
				--e;
			if ((size_t)(e - s) == tl && !strncasecmp(s, token, tl))
				return true;
		}
	}

	return false;
}


/* A browser says where the page came from; a page of another site
 * must not open the stream with this site's session cookie (cross-site
 * WebSocket hijacking). Origin's host[:port] must be the Host header,
 * or the origin one of api_allowed_origins (cors.c). */
static bool origin_ok(const struct api *api, const struct http_msg *msg)
{
	const struct http_hdr *o = http_msg_xhdr(msg, "Origin");
	const struct http_hdr *h = http_msg_hdr(msg, HTTP_HDR_HOST);
	struct pl scheme, host;

	if (!o || api_origin_allowed(api, &o->val))
		return true;

	if (!h || re_regex(o->val.p, o->val.l, "[a-z]+://[^/]+", &scheme,
			   &host))
		return false;

	return 0 == pl_casecmp(&host, &h->val);
}


static int accept_key(char *out, size_t *outlen, const struct pl *key)
{
	char buf[KEY_LEN + sizeof(guid)];
	uint8_t md[20];
	int err;

	memcpy(buf, key->p, KEY_LEN);
	memcpy(buf + KEY_LEN, guid, sizeof(guid) - 1);

	err = crypto_sha1(md, buf, KEY_LEN + sizeof(guid) - 1);
	if (err)
		return err;

	return base64_encode(md, sizeof(md), out, outlen);
}


static bool key_ok(const struct http_hdr *key)
{
	uint8_t raw[KEY_LEN];
	size_t rl = sizeof(raw);

	if (!key || key->val.l != KEY_LEN)
		return false;

	return 0 == base64_decode(key->val.p, key->val.l, raw, &rl) &&
		rl == 16;
}


int api_ws_accept(struct api_ws **wsp, struct api_req *req)
{
	const struct http_msg *msg = req->msg;
	const struct http_hdr *key, *ver;
	char accept[32], hdrs[160];
	size_t alen = sizeof(accept) - 1;
	struct api_ws *ws;
	int err;

	if (pl_strcmp(&msg->ver, "1.1") ||
	    !has_token(msg, HTTP_HDR_UPGRADE, "websocket") ||
	    !has_token(msg, HTTP_HDR_CONNECTION, "upgrade")) {
		api_reply_error(req, 400, "bad_request", NULL, "this is a "
				"WebSocket: send an HTTP/1.1 GET with "
				"Upgrade: websocket and Connection: Upgrade");
		return EPROTO;
	}

	ver = http_msg_hdr(msg, HTTP_HDR_SEC_WEBSOCKET_VERSION);
	if (!ver || pl_strcmp(&ver->val, "13")) {
		api_reply_error_hdr(req, 426, "Sec-WebSocket-Version: 13\r\n",
				    "bad_request", NULL, "only WebSocket "
				    "version 13 is spoken");
		return EPROTO;
	}

	key = http_msg_hdr(msg, HTTP_HDR_SEC_WEBSOCKET_KEY);
	if (!key_ok(key)) {
		api_reply_error(req, 400, "bad_request", NULL,
				"Sec-WebSocket-Key must be 16 bytes in "
				"base64");
		return EPROTO;
	}

	if (!origin_ok(req->api, msg)) {
		api_reply_error(req, 403, "forbidden", NULL, "the Origin "
				"is not this server's (Host) nor one of "
				"api_allowed_origins");
		return EPERM;
	}

	err = accept_key(accept, &alen, &key->val);
	if (err) {
		api_reply_error(req, 500, "internal", NULL, "handshake: %m",
				err);
		return err;
	}
	accept[alen] = '\0';

	ws = mem_zalloc(sizeof(*ws), destructor);
	if (!ws) {
		api_reply_error(req, 500, "internal", NULL, "out of memory");
		return ENOMEM;
	}
	ws->conn = req->conn;

	(void)re_snprintf(hdrs, sizeof(hdrs), "Upgrade: websocket\r\n"
			  "Connection: Upgrade\r\n"
			  "Sec-WebSocket-Accept: %s\r\n", accept);

	err = api_conn_upgrade(req->conn, ws, hdrs);
	if (err) {
		mem_deref(ws);
		return err;
	}

	ws->heard = true;
	tmr_start(&ws->ping_tmr, PING_MS, ping_timeout, ws);

	*wsp = ws;
	return 0;
}
