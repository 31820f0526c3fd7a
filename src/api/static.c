/*
 * static.c — the agent and supervisor pages: the files of the web root
 * (web_root, default "web" in the working directory) served over the
 * API's HTTP, on every path outside /api/.
 *
 *   /                       302 to /agent.html
 *   /<name>.<ext>           the file web_root/<name>.<ext>
 *   /<dir>/<name>.<ext>     and below, up to PATH_DEPTH_MAX segments
 *
 * No credentials are needed for the files: they hold no data, which the
 * pages fetch from the authenticated API with the session cookie.
 *
 * What may be served is decided on the path as written, before the file
 * system is asked: GET or HEAD; segments of A-Z a-z 0-9 . _ - that do
 * not start with a dot (so no "..", no hidden files, no '%': an encoded
 * slash or dot never reaches a decoder); an extension from the table
 * below, which also gives the Content-Type. The file must then resolve
 * (realpath, symlinks followed) to a regular file inside the resolved
 * root, is opened with O_NOFOLLOW (the resolved path has no links left,
 * so a link swapped in after the check is refused) and read whole, at
 * most FILE_MAX bytes. Anything refused is a 404, so a probe learns
 * nothing about what exists outside the root.
 *
 * Files are read on each request, in the event loop: a few small files
 * from local disk, rarely fetched (Cache-Control: no-cache lets browsers
 * keep them but ask again), so a cache is not worth its invalidation.
 *
 * Every reply carries a strict Content-Security-Policy: scripts and
 * styles only from this origin (no inline code: the pages keep all their
 * JavaScript in files), connections to this origin and WebSockets.
 * frame-ancestors comes from web_frame_ancestors (default 'self'): the
 * agent page is meant to live in a side panel of another application,
 * whose origin must be listed there. X-Frame-Options is sent only with
 * the default, since a browser that knows frame-ancestors ignores it
 * and one that does not would refuse the listed origins.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <re.h>
#include "log.h"
#include "api/api.h"
#include "api/api_int.h"

#define LOG_MODULE "api"

enum {
	FILE_MAX = 1024 * 1024,
	PATH_DEPTH_MAX = 4,
	PATH_LEN_MAX = 256,
};

struct api_web {
	char *root;                /* realpath of web_root; NULL: no pages */
	char *headers;             /* the security headers, CRLF-ended */
	char *ancestors;           /* web_frame_ancestors */
	char *opencti_headers;     /* for opencti/..., or NULL (opencti.c) */
};

static const struct {
	const char *ext;
	const char *ctype;
} types[] = {
	{"html", "text/html; charset=utf-8"},
	{"js",   "text/javascript; charset=utf-8"},
	{"mjs",  "text/javascript; charset=utf-8"},
	{"css",  "text/css; charset=utf-8"},
	{"svg",  "image/svg+xml"},
	{"png",  "image/png"},
	{"ico",  "image/x-icon"},
};


static bool seg_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}


const char *api_static_path(char *rel, size_t sz, const struct pl *path)
{
	const char *ext = NULL;
	size_t segs = 0;

	if (!path || path->l < 2 || path->l > PATH_LEN_MAX ||
	    path->l >= sz || path->p[0] != '/')
		return NULL;

	for (size_t i = 1; i < path->l; i++) {
		const char c = path->p[i];

		if (c == '/') {
			/* no empty segment, none at the end */
			if (path->p[i - 1] == '/' || i + 1 == path->l)
				return NULL;
			ext = NULL;
			continue;
		}

		if (!seg_char(c))
			return NULL;

		if (path->p[i - 1] == '/') {
			if (c == '.' || ++segs > PATH_DEPTH_MAX)
				return NULL;
		}

		if (c == '.')
			ext = path->p + i + 1;
	}

	if (!ext)
		return NULL;

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		const size_t n = strlen(types[i].ext);

		if ((size_t)(path->p + path->l - ext) == n &&
		    !strncasecmp(ext, types[i].ext, n)) {
			memcpy(rel, path->p + 1, path->l - 1);
			rel[path->l - 1] = '\0';
			return types[i].ctype;
		}
	}

	return NULL;
}


/* The whole file at rel under root, if it is a regular file inside the
 * root and at most FILE_MAX bytes. ENOENT for anything refused. */
static int read_file(char **datap, size_t *lenp, const char *root,
		     const char *rel)
{
	char *want = NULL, *real = NULL;
	const size_t rlen = strlen(root);
	struct stat st;
	char *data = NULL;
	size_t got = 0;
	int fd = -1, err;

	err = re_sdprintf(&want, "%s/%s", root, rel);
	if (err)
		return err;

	real = realpath(want, NULL);
	if (!real || strncmp(real, root, rlen) || real[rlen] != '/') {
		err = ENOENT;
		goto out;
	}

	fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size > FILE_MAX) {
		err = ENOENT;
		goto out;
	}

	data = mem_alloc((size_t)st.st_size + 1, NULL);
	if (!data) {
		err = ENOMEM;
		goto out;
	}

	/* the size may change under us: read what fits, and no more */
	while (got < (size_t)st.st_size) {
		const ssize_t n = read(fd, data + got,
				       (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}

	*datap = data;
	*lenp = got;
	data = NULL;

 out:
	if (fd >= 0)
		(void)close(fd);
	free(real);
	mem_deref(want);
	mem_deref(data);
	return err;
}


static void reply_file(struct api_req *req, const char *ctype,
		       const char *rel)
{
	const struct api_web *web = req->api->web;
	const bool head = 0 == pl_strcmp(&req->msg->met, "HEAD");
	char *data = NULL;
	size_t len = 0;
	int err;

	err = read_file(&data, &len, web->root, rel);
	if (err) {
		if (err != ENOENT)
			log_warn("web: %s: %m", rel, err);
		api_reply_error(req, err == ENOENT ? 404 : 500,
				err == ENOENT ? "not_found" : "internal",
				NULL, "no such page: %r", &req->msg->path);
		return;
	}

	(void)api_conn_reply_as(req->conn, 200, ctype, "no-cache",
				web->opencti_headers &&
				!strncmp(rel, "opencti/", 8) ?
				web->opencti_headers : web->headers,
				data, len, head);
	mem_deref(data);
}


void api_static(struct api_req *req)
{
	const struct api_web *web = req->api->web;
	const struct http_msg *msg = req->msg;
	char rel[PATH_LEN_MAX + 1];
	const char *ctype;

	if (pl_strcmp(&msg->met, "GET") && pl_strcmp(&msg->met, "HEAD")) {
		api_reply_error_hdr(req, 405, "Allow: GET, HEAD\r\n",
				    "method_not_allowed", NULL, "%r is not "
				    "allowed here; allowed: GET, HEAD",
				    &msg->met);
		return;
	}

	if (!web || !web->root) {
		api_reply_error(req, 404, "not_found", NULL, "no such path: "
				"%r (no web_root)", &msg->path);
		return;
	}

	if (0 == pl_strcmp(&msg->path, "/")) {
		(void)api_conn_reply_as(req->conn, 302, NULL, "no-cache",
					"Location: /agent.html\r\n", NULL, 0,
					false);
		return;
	}

	ctype = api_static_path(rel, sizeof(rel), &msg->path);
	if (!ctype) {
		api_reply_error(req, 404, "not_found", NULL, "no such page: "
				"%r", &msg->path);
		return;
	}

	reply_file(req, ctype, rel);
}


/* A header value: printable ASCII, no CSP directive separator (which
 * would let the setting add directives of its own). */
static bool ancestors_ok(const char *s)
{
	if (!*s)
		return false;

	for (; *s; s++) {
		if (*s < 0x20 || *s > 0x7e || *s == ';' || *s == ',')
			return false;
	}

	return true;
}


static void web_destructor(void *arg)
{
	struct api_web *web = arg;

	free(web->root);
	mem_deref(web->headers);
	mem_deref(web->ancestors);
	mem_deref(web->opencti_headers);
}


int api_web(struct api *api, const char *root, const char *ancestors)
{
	struct api_web *web;
	const bool self = !strcmp(ancestors, "'self'");
	int err;

	if (!api || !root || !ancestors)
		return EINVAL;

	if (!ancestors_ok(ancestors))
		return EINVAL;

	web = mem_zalloc(sizeof(*web), web_destructor);
	if (!web)
		return ENOMEM;

	err = re_sdprintf(&web->headers,
			  "Content-Security-Policy: default-src 'self'; "
			  "script-src 'self'; style-src 'self'; "
			  "img-src 'self' data:; connect-src 'self' ws: wss:; "
			  "object-src 'none'; base-uri 'none'; "
			  "form-action 'self'; frame-ancestors %s\r\n"
			  "%s"
			  "X-Content-Type-Options: nosniff\r\n"
			  "Referrer-Policy: no-referrer\r\n",
			  ancestors,
			  self ? "X-Frame-Options: SAMEORIGIN\r\n" : "");
	err = err ? err : str_dup(&web->ancestors, ancestors);
	if (err) {
		mem_deref(web);
		return err;
	}

	/* a missing folder is not fatal: the API works without the pages */
	web->root = realpath(root, NULL);
	if (!web->root)
		log_warn("web_root %s: %m; the web pages are not served",
			 root, errno);
	else
		log_info("web pages from %s", web->root);

	mem_deref(api->web);
	api->web = web;

	return 0;
}


int api_web_opencti(struct api *api, const char *origins)
{
	struct api_web *web = api ? api->web : NULL;
	char *hdr = NULL;
	int err;

	if (!web || !origins || !api_opencti_origins_ok(origins))
		return EINVAL;

	if (!origins[strspn(origins, " ")]) {
		web->opencti_headers = mem_deref(web->opencti_headers);
		return 0;
	}

	err = api_opencti_headers(&hdr, web->ancestors, origins);
	if (err)
		return err;

	mem_deref(web->opencti_headers);
	web->opencti_headers = hdr;

	return 0;
}
