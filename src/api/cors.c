/*
 * cors.c — which other sites' pages may call the API (api_allowed_origins).
 *
 * A telephony connector runs inside the CRM's pages (Salesforce Service
 * Cloud Voice loads it in a frame of a Salesforce origin), so its requests
 * are cross-origin. Only the origins configured here get CORS answers:
 * Access-Control-Allow-Origin echoes the request's Origin when it is
 * listed, never "*" and never an unlisted one. No
 * Access-Control-Allow-Credentials: such pages authenticate with a bearer
 * token, and the session cookie (SameSite=Strict) must stay useless to
 * another site.
 *
 * The same list lets those origins open the events WebSocket (ws.c),
 * which browsers do not guard with CORS at all.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include "api/api.h"
#include "api/api_int.h"

/* Preflights may be cached this long (seconds): a changed list takes at
 * most this to reach a browser. */
#define MAX_AGE "600"

/* "scheme://host[:port]", scheme http or https, nothing after: what a
 * browser sends as Origin. */
static bool origin_valid(const char *p, size_t n)
{
	size_t i, h, digits = 0;

	if (n > 8 && !strncasecmp(p, "https://", 8))
		i = 8;
	else if (n > 7 && !strncasecmp(p, "http://", 7))
		i = 7;
	else
		return false;

	for (h = i; i < n && (isalnum((unsigned char)p[i]) ||
			      p[i] == '.' || p[i] == '-'); i++)
		;
	if (i == h)
		return false;

	if (i < n && p[i] == ':') {
		for (i++; i < n && isdigit((unsigned char)p[i]); i++)
			digits++;
		if (digits < 1 || digits > 5)
			return false;
	}

	return i == n;
}


/* the next space-separated word of *rest into *w; false at the end */
static bool next_word(struct pl *w, struct pl *rest)
{
	while (rest->l && rest->p[0] == ' ') {
		rest->p++;
		rest->l--;
	}
	if (!rest->l)
		return false;

	w->p = rest->p;
	for (w->l = 0; w->l < rest->l && w->p[w->l] != ' '; w->l++)
		;
	rest->p += w->l;
	rest->l -= w->l;
	return true;
}


int api_allowed_origins(struct api *api, const char *origins)
{
	struct pl rest, o;
	char *copy = NULL;
	int err;

	if (!api || !origins)
		return EINVAL;

	pl_set_str(&rest, origins);
	while (next_word(&o, &rest)) {
		if (!origin_valid(o.p, o.l))
			return EINVAL;
	}

	err = str_dup(&copy, origins);
	if (err)
		return err;

	mem_deref(api->origins);
	api->origins = copy;
	return 0;
}


bool api_origin_allowed(const struct api *api, const struct pl *origin)
{
	struct pl rest, o;

	if (!api->origins || !origin || !origin->l)
		return false;

	pl_set_str(&rest, api->origins);
	while (next_word(&o, &rest)) {
		if (0 == pl_casecmp(&o, origin))
			return true;
	}

	return false;
}


int api_cors_headers(char *buf, size_t sz, const struct api *api,
		     const struct http_msg *msg)
{
	const struct http_hdr *o = http_msg_xhdr(msg, "Origin");

	buf[0] = '\0';
	if (!o || !api_origin_allowed(api, &o->val))
		return 0;

	/* Retry-After (429) and WWW-Authenticate (401) must be readable */
	return re_snprintf(buf, sz, "Access-Control-Allow-Origin: %r\r\n"
			   "Access-Control-Expose-Headers: Retry-After, "
			   "WWW-Authenticate\r\n"
			   "Vary: Origin\r\n", &o->val) < 0 ? ENOSPC : 0;
}


bool api_cors_preflight(struct api_req *req)
{
	const struct http_msg *msg = req->msg;
	const struct http_hdr *o = http_msg_xhdr(msg, "Origin");

	if (pl_strcmp(&msg->met, "OPTIONS") || !o ||
	    !http_msg_xhdr(msg, "Access-Control-Request-Method"))
		return false;

	if (!api_origin_allowed(req->api, &o->val)) {
		api_reply_error(req, 403, "forbidden", NULL, "the origin %r "
				"may not call this API (api_allowed_origins)",
				&o->val);
		return true;
	}

	/* Access-Control-Allow-Origin and Vary: api_cors_headers, which
	 * api.c adds to every reply of a listed origin, this one too */
	(void)api_conn_reply(req->conn, 204,
			     "Access-Control-Allow-Methods: GET, POST, PUT, "
			     "PATCH, DELETE\r\n"
			     "Access-Control-Allow-Headers: Authorization, "
			     "Content-Type\r\n"
			     "Access-Control-Max-Age: " MAX_AGE "\r\n",
			     NULL, 0);
	return true;
}
