/*
 * fuzz/ws_frame.c — libFuzzer target for the WebSocket side of the event
 * stream (src/api/ws.c). The input is what a client sends after the
 * handshake. It goes two ways:
 *
 *   - api_ws_frame_parse on every prefix-sized window of the input, with
 *     the checks: a parsed header is masked, within the input, of a
 *     length we take (control frames <= 125, data <= API_WS_FRAME_MAX),
 *     a refusal names a close code the RFC allows us to send;
 *   - a whole connection: a real handshake through conn.c and
 *     api_ws_accept, then the input delivered in one read and again in
 *     reads of sizes drawn from the input itself. What the server sends
 *     back must be well-formed unmasked frames, nothing after its close
 *     frame, the same whichever way the input was cut.
 *
 *   make fuzz && build/fuzz/ws_frame -max_total_time=60 \
 *       fuzz/corpus/ws_frame
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <re.h>
#include "api/api_int.h"

#define TRAP() __builtin_trap()

static const char handshake[] =
	"GET /api/v1/events HTTP/1.1\r\n"
	"Host: 127.0.0.1\r\n"
	"Upgrade: websocket\r\n"
	"Connection: Upgrade\r\n"
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	"Sec-WebSocket-Version: 13\r\n"
	"\r\n";

struct capture {
	struct mbuf *out;
	struct api_ws *ws;
};


static int capture_send(struct mbuf *mb, void *arg)
{
	struct capture *c = arg;

	return mbuf_write_mem(c->out, mbuf_buf(mb), mbuf_get_left(mb));
}


static void accept_req(struct api_conn *conn, const struct http_msg *msg,
		       const struct pl *body, void *arg)
{
	struct capture *c = arg;
	struct api_req req;

	memset(&req, 0, sizeof(req));
	req.conn = conn;
	req.msg = msg;
	req.body = *body;
	req.who.role = API_ROLE_ADMIN;

	if (api_ws_accept(&c->ws, &req))
		TRAP();
}


/* The server's bytes after the 101: whole frames, unmasked, FIN, and
 * nothing after a close. */
static void check_output(const struct mbuf *out)
{
	const uint8_t *p = out->buf;
	size_t n = out->end, i;
	const char *end;

	end = memmem(p, n, "\r\n\r\n", 4);
	if (!end || memcmp(p, "HTTP/1.1 101 ", 13))
		TRAP();
	i = (size_t)((const uint8_t *)end - p) + 4;

	while (i < n) {
		uint64_t len;
		uint8_t op;

		if (n - i < 2 || !(p[i] & 0x80) || (p[i + 1] & 0x80))
			TRAP();
		op = p[i] & 0x0f;
		len = p[i + 1] & 0x7f;
		i += 2;
		if (len == 126) {
			if (n - i < 2)
				TRAP();
			len = (uint64_t)p[i] << 8 | p[i + 1];
			i += 2;
		}
		else if (len == 127) {
			TRAP();            /* nothing of ours is that long */
		}
		if (n - i < len)
			TRAP();
		if (op != 0x1 && op != 0x8 && op != 0x9 && op != 0xa)
			TRAP();
		if (op >= 0x8 && len > 125)
			TRAP();
		i += (size_t)len;
		if (op == 0x8 && i != n)
			TRAP();
	}
}


static void run(const uint8_t *data, size_t size, bool cut,
		struct mbuf *out)
{
	struct capture c = {out, NULL};
	struct api_conn *conn = NULL;
	size_t i = 0, k = 0;

	if (api_conn_alloc(&conn, capture_send, accept_req, &c))
		return;

	if (api_conn_recv(conn, (const uint8_t *)handshake,
			  sizeof(handshake) - 1) || !c.ws)
		TRAP();

	while (i < size) {
		size_t len = size - i;

		if (cut) {
			len = 1 + (data[k++ % size] % 64);
			if (len > size - i)
				len = size - i;
		}
		if (api_conn_recv(conn, data + i, len))
			break;
		i += len;
	}

	check_output(out);
	mem_deref(conn);
}


static void parse_windows(const uint8_t *data, size_t size)
{
	for (size_t n = 0; n <= size && n <= 20; n++) {
		struct api_ws_frame f;
		uint16_t code = 0;
		int err = api_ws_frame_parse(&f, &code, data, n);

		if (!err) {
			if (!f.masked || f.hdr > n || f.hdr < 6 || f.hdr > 14)
				TRAP();
			if (f.len > API_WS_FRAME_MAX)
				TRAP();
			if (f.opcode >= 0x8 && f.len > 125)
				TRAP();
		}
		else if (err != ENODATA) {
			if (code != 1002 && code != 1003 && code != 1009)
				TRAP();
		}
	}
}


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;

	return libre_init();
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbuf *a = mbuf_alloc(256), *b = mbuf_alloc(256);

	if (!a || !b)
		goto out;

	parse_windows(data, size);
	run(data, size, false, a);
	run(data, size, true, b);

	/* the masks are the client's, so the answers are the same bytes
	 * whichever way TCP cut the input */
	if (a->end != b->end || memcmp(a->buf, b->buf, a->end))
		TRAP();

 out:
	mem_deref(a);
	mem_deref(b);
	return 0;
}
