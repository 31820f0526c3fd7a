/*
 * reply.c — JSON replies: {"error":{"code","message","field"?}} for
 * every error, whoever found it (framing, routing, provisioning, store).
 */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <re.h>
#include "util/jsonstr.h"
#include "api/api_int.h"

enum { MESSAGE_MAX = 512 };

static const struct {
	uint16_t scode;
	const char *reason;
} reasons[] = {
	{100, "Continue"},
	{200, "OK"},
	{201, "Created"},
	{204, "No Content"},
	{302, "Found"},
	{400, "Bad Request"},
	{401, "Unauthorized"},
	{403, "Forbidden"},
	{404, "Not Found"},
	{405, "Method Not Allowed"},
	{409, "Conflict"},
	{411, "Length Required"},
	{413, "Content Too Large"},
	{415, "Unsupported Media Type"},
	{426, "Upgrade Required"},
	{429, "Too Many Requests"},
	{431, "Request Header Fields Too Large"},
	{500, "Internal Server Error"},
	{501, "Not Implemented"},
};


const char *api_reason(uint16_t scode)
{
	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++) {
		if (reasons[i].scode == scode)
			return reasons[i].reason;
	}

	return scode < 500 ? "Bad Request" : "Internal Server Error";
}


int api_error_json(char **out, const char *code, const char *field,
		   const char *message)
{
	if (field && field[0])
		return re_sdprintf(out, "{\"error\":{\"code\":%H,\"message\":"
				   "%H,\"field\":%H}}", jsonstr_print, code,
				   jsonstr_print, message, jsonstr_print,
				   field);

	return re_sdprintf(out, "{\"error\":{\"code\":%H,\"message\":%H}}",
			   jsonstr_print, code, jsonstr_print, message);
}


void api_reply_json(struct api_req *req, uint16_t scode, const char *json)
{
	(void)api_conn_reply(req->conn, scode, NULL, json,
			     json ? strlen(json) : 0);
}


/* Cuts s to at most max bytes (max > 3), at a character boundary, with
 * "..." at the end to say so. */
static void shorten(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return;

	n = max - 3;
	while (n && ((uint8_t)s[n] & 0xc0) == 0x80)
		--n;

	memcpy(s + n, "...", 4);
}


static void verror(struct api_req *req, uint16_t scode, const char *hdrs,
		   const char *code, const char *field, const char *fmt,
		   va_list ap)
{
	char *msg = NULL, *body = NULL;
	int err;

	/* A message may echo what the client sent (a method, a path, a
	 * parameter's name), as long as that was. Printed into a fixed
	 * buffer, a piece that does not fit would be left out whole (so a
	 * long method gave an empty message); print it all, then cut. */
	err = re_vsdprintf(&msg, fmt, ap);
	if (!err) {
		shorten(msg, MESSAGE_MAX);
		err = api_error_json(&body, code, field, msg);
	}
	if (err) {
		(void)api_conn_reply(req->conn, 500, NULL, NULL, 0);
		goto out;
	}

	(void)api_conn_reply(req->conn, scode, hdrs, body, strlen(body));

 out:
	mem_deref(body);
	mem_deref(msg);
}


void api_reply_error(struct api_req *req, uint16_t scode, const char *code,
		     const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(req, scode, NULL, code, field, fmt, ap);
	va_end(ap);
}


void api_reply_error_hdr(struct api_req *req, uint16_t scode,
			 const char *headers, const char *code,
			 const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(req, scode, headers, code, field, fmt, ap);
	va_end(ap);
}


/* The answer to a prov_* call: its JSON with scode on success, its error
 * (which says the status) otherwise. */
void api_reply_prov(struct api_req *req, int err, uint16_t scode,
		    const char *json, const struct prov_error *perr)
{
	if (!err) {
		if (json)
			api_reply_json(req, scode, json);
		else
			(void)api_conn_reply(req->conn, scode, NULL, NULL, 0);
		return;
	}

	if (!perr->status) {
		api_reply_error(req, 500, "internal", NULL, "internal error "
				"(%m)", err);
		return;
	}

	api_reply_error(req, perr->status, perr->code, perr->field, "%s",
			perr->message);
}


/* %XX sequences decoded; a bad escape or a NUL is an error. */
int api_pct_decode(char **out, const struct pl *in)
{
	char *s;
	size_t n = 0;

	s = mem_alloc(in->l + 1, NULL);
	if (!s)
		return ENOMEM;

	for (size_t i = 0; i < in->l; i++) {
		char c = in->p[i];

		if (c == '%') {
			if (i + 2 >= in->l)
				goto bad;
			if (!isxdigit((unsigned char)in->p[i + 1]) ||
			    !isxdigit((unsigned char)in->p[i + 2]))
				goto bad;
			c = (char)(ch_hex(in->p[i + 1]) << 4 |
				   ch_hex(in->p[i + 2]));
			i += 2;
			if (!c)
				goto bad;
		}

		s[n++] = c;
	}

	s[n] = '\0';
	*out = s;
	return 0;

 bad:
	mem_deref(s);
	return EINVAL;
}


/* The value of name in a query string ("?a=1&b=2"); false if absent. */
bool api_query_get(struct pl *val, const struct pl *prm, const char *name)
{
	const size_t nl = strlen(name);
	struct pl q = *prm;

	if (q.l && q.p[0] == '?') {
		++q.p;
		--q.l;
	}

	while (q.l) {
		const char *amp = pl_strchr(&q, '&');
		struct pl part = {q.p, amp ? (size_t)(amp - q.p) : q.l};

		if (part.l > nl && part.p[nl] == '=' &&
		    !memcmp(part.p, name, nl)) {
			val->p = part.p + nl + 1;
			val->l = part.l - nl - 1;
			return true;
		}

		if (!amp)
			break;
		q.l -= part.l + 1;
		q.p = amp + 1;
	}

	return false;
}
