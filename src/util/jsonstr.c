/*
 * jsonstr.c — JSON string literals (RFC 8259 section 7).
 */
#include <string.h>
#include <re.h>
#include "util/jsonstr.h"


/* Length of the valid UTF-8 sequence at s (at most left bytes), or 0. */
static size_t utf8_seq(const uint8_t *s, size_t left)
{
	size_t n;
	uint8_t lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	else if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;

	/* the second byte's range excludes overlongs, surrogates and
	 * code points above U+10FFFF */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;

	if (left < n || s[1] < lo || s[1] > hi)
		return 0;

	for (size_t i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}

	return n;
}


int jsonstr_print(struct re_printf *pf, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *)s;
	size_t left, run = 0;
	int err;

	if (!s)
		return re_hprintf(pf, "null");

	left = strlen(s);

	err = pf->vph("\"", 1, pf->arg);

	/* Copy runs of plain characters in one call; escape the rest. */
	while (!err && left) {
		char esc[7] = "\\u00";
		size_t n = utf8_seq(p + run, left - run);
		const char *rep = NULL;
		size_t replen = 0;

		if (n > 1 || (n == 1 && p[run] >= 0x20 && p[run] != '"' &&
			      p[run] != '\\')) {
			run += n;
			if (run < left)
				continue;
		}
		else if (n == 0) {
			rep = "\\ufffd";
			replen = 6;
		}
		else if (p[run] == '"' || p[run] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)p[run];
			rep = esc;
			replen = 2;
		}
		else {
			switch (p[run]) {
			case '\n': rep = "\\n"; break;
			case '\r': rep = "\\r"; break;
			case '\t': rep = "\\t"; break;
			case '\b': rep = "\\b"; break;
			case '\f': rep = "\\f"; break;
			default:
				esc[4] = hex[p[run] >> 4];
				esc[5] = hex[p[run] & 0xf];
				rep = esc;
				break;
			}
			replen = strlen(rep);
		}

		if (run)
			err = pf->vph((const char *)p, run, pf->arg);

		if (!err && rep)
			err = pf->vph(rep, replen, pf->arg);

		/* an escaped byte is consumed together with the run */
		if (rep)
			++run;

		p += run;
		left -= run;
		run = 0;
	}

	if (!err)
		err = pf->vph("\"", 1, pf->arg);

	return err;
}


void jsonstr_sanitize(char *s)
{
	uint8_t *p = (uint8_t *)s;
	size_t left;

	if (!s)
		return;

	left = strlen(s);
	while (left) {
		size_t n = utf8_seq(p, left);

		if (!n || (n == 1 && *p < 0x20)) {
			*p = '?';
			n = 1;
		}
		p += n;
		left -= n;
	}
}
