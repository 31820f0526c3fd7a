/*
 * include.c — script includes of the Open CTI and console libraries,
 * found in text that is a URL or holds one: string literals, template
 * literals, markup attribute values.
 *
 * A page may build the URL at run time: `${host}/support/api/${v}/…` or
 * host + '/support/api/' + v + '/lightning/opencti_min.js'. For the
 * second, the literal holding the file name looks back a little in the
 * source for the '/support/' part and shows the pieces between literals
 * as ${…}, so the report says what a reader would see.
 */
#include <string.h>
#include <re.h>
#include "audit/internal.h"

enum { LOOKBACK = 256, URL_MAX = 400 };

enum mode { M_ATTR = 0, M_STRING = 1, M_TEMPLATE = 2 };

static const struct lib {
	const char *tail;	/* what the URL ends with */
	const char *name;	/* as reported */
	const char *needs;	/* a path the URL must have, or NULL */
} libs[] = {
	{"lightning/opencti_min.js", "lightning/opencti_min.js", NULL},
	{"opencti_min.js", "lightning/opencti_min.js", NULL},
	{"lightning/opencti.js", "lightning/opencti.js", NULL},
	{"/interaction.js", "interaction.js", "/support/api/"},
	{"/integration.js", "integration.js", "/support/console/"},
};


static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_';
}


static const char *rmemmem(const char *b, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = n; i >= k; i--)
		if (!memcmp(b + i - k, needle, k))
			return b + i - k;
	return NULL;
}


static bool url_char(char c, bool tmpl)
{
	if (tmpl && (c == '$' || c == '{' || c == '}'))
		return true;
	return c > ' ' && !strchr("\"'`<>()=,;+", c);
}


/* The URL as shown: literal text as is, code between literals as ${…}. */
static void concat_url(struct mbuf *mb, const char *p, size_t n, char q)
{
	size_t piece = 0, plen = 0;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (q) {
			if (c == q)
				q = 0;
			else
				(void)mbuf_write_u8(mb, (uint8_t)c);
			continue;
		}
		if (c == '\'' || c == '"' || c == '`' || c == '+') {
			while (plen && p[piece + plen - 1] == ' ')
				--plen;
			if (plen)
				(void)mbuf_printf(mb, "${%b}", p + piece,
						  plen);
			plen = 0;
			if (c != '+')
				q = c;
			continue;
		}
		if (!plen && (c == ' ' || c == '\t' || c == '\r' ||
			      c == '\n'))
			continue;
		if (!plen)
			piece = i;
		++plen;
	}
}


static char *version_of(const char *url)
{
	static const char *const pre[] = {"/support/api/",
		"/support/console/"};
	char *v = NULL;

	for (size_t k = 0; k < ARRAY_SIZE(pre); k++) {
		const char *p = strstr(url, pre[k]);
		size_t n = 0;

		if (!p)
			continue;
		p += strlen(pre[k]);
		while ((p[n] >= '0' && p[n] <= '9') || p[n] == '.')
			++n;
		if (n && p[n] == '/')
			(void)scan_str(&v, p, n);
		break;
	}

	return v;
}


static void add(struct scan *s, size_t pos, const struct lib *lib,
		struct mbuf *mb)
{
	struct inc_finding f;

	(void)mbuf_write_u8(mb, 0);
	if (lib->needs && !strstr((char *)mb->buf, lib->needs))
		return;

	memset(&f, 0, sizeof(f));
	f.line = scan_line(s, pos, &f.col);
	f.library = lib->name;
	f.version = version_of((char *)mb->buf);
	if (str_dup(&f.url, (char *)mb->buf)) {
		mem_deref(f.version);
		return;
	}

	f.file = scan_file(s);
	if (vec_push(&s->rep->incs, &f)) {
		mem_deref(f.file);
		mem_deref(f.url);
		mem_deref(f.version);
	}
}


/* One URL ending at te (just after the library's file name). */
static void one(struct scan *s, size_t b, size_t te, const struct lib *lib,
		int mode)
{
	const char *buf = s->buf;
	const char *sp = rmemmem(buf + b, te - b, "/support/");
	struct mbuf *mb = mbuf_alloc(64);
	size_t us;

	if (!mb)
		return;

	if (!sp && mode == M_STRING) {
		/* host + '/support/api/' + v + '/lightning/…' */
		size_t lo = b > LOOKBACK ? b - LOOKBACK : 0;
		const char *semi = rmemmem(buf + lo, b - lo, ";");
		const char *q;

		if (semi)
			lo = (size_t)(semi - buf) + 1;
		sp = rmemmem(buf + lo, b - lo, "/support/");
		if (sp) {
			for (q = sp; q > buf + lo && !strchr("'\"`", q[-1]);
			     q--)
				;
			if (q > buf + lo) {
				/* and the code before it: host + '/sup… */
				const char *h = q - 1;

				while (h > buf + lo && (name_char(h[-1]) ||
				       strchr(" \t\r\n+.$", h[-1])))
					--h;
				while (h < q - 1 && strchr(" \t\r\n+", *h))
					++h;
				us = (size_t)(h - buf);
				if (te - us < URL_MAX) {
					concat_url(mb, buf + us, te - us, 0);
					add(s, us, lib, mb);
				}
				goto out;
			}
		}
	}

	us = sp ? (size_t)(sp - buf) : te - strlen(lib->tail);
	while (us > b && url_char(buf[us - 1], mode == M_TEMPLATE))
		--us;
	if (te - us < URL_MAX) {
		(void)mbuf_write_mem(mb, (const uint8_t *)buf + us, te - us);
		add(s, us, lib, mb);
	}
 out:
	mem_deref(mb);
}


void include_check(struct scan *s, size_t begin, size_t end, int mode)
{
	const char *buf = s->buf;
	size_t i = begin;

	while (i + 3 <= end) {
		const char *js = memmem(buf + i, end - i, ".js", 3);
		size_t te;

		if (!js)
			return;
		te = (size_t)(js - buf) + 3;
		i = te;

		/* "opencti.js?v=2" and "x.json" differ: the name must end */
		if (te < end && name_char(buf[te]))
			continue;

		for (size_t k = 0; k < ARRAY_SIZE(libs); k++) {
			size_t tl = strlen(libs[k].tail);

			if (te - begin < tl ||
			    memcmp(buf + te - tl, libs[k].tail, tl))
				continue;
			one(s, begin, te, &libs[k], mode);
			break;
		}
	}
}
