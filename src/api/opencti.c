/*
 * opencti.c — the Content-Security-Policy of the Open CTI softphone
 * (web/opencti/, docs/OPENCTI.md). That page runs in an iframe of a
 * Salesforce Lightning page and must load sforce.opencti from the org
 * (<org>/support/api/<ver>/lightning/opencti_min.js), so for paths under
 * /opencti/ only, the origins of opencti_origins are added to
 * script-src (that one library) and to frame-ancestors (the Lightning
 * page that frames it). Every other page keeps script-src 'self'.
 *
 * Each origin is checked at start, as the setting is written into a
 * header: scheme://host[:port], nothing else; https, or http for a
 * loopback host (a local trial or test); host of letters, digits, '-'
 * and '.', or a bracketed IPv6 address; no wildcard, since one listed
 * origin is one org that may run its script in our page.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "api/api_int.h"
#include "util/loopback.h"

enum { ORIGIN_MAX = 255, ORIGINS_MAX = 16 };


static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '.';
}


bool api_opencti_origin_ok(const char *o, size_t n)
{
	const char *host, *end = o + n, *p;
	const char *host_end = end;
	bool https;

	if (n > ORIGIN_MAX)
		return false;

	if (n > 8 && !strncmp(o, "https://", 8)) {
		https = true;
		host = o + 8;
	}
	else if (n > 7 && !strncmp(o, "http://", 7)) {
		https = false;
		host = o + 7;
	}
	else {
		return false;
	}

	if (*host == '[') {
		p = memchr(host, ']', (size_t)(end - host));
		if (!p)
			return false;
		for (const char *q = host + 1; q < p; q++) {
			if (!(*q == ':' || (*q >= '0' && *q <= '9') ||
			      (*q >= 'a' && *q <= 'f') ||
			      (*q >= 'A' && *q <= 'F')))
				return false;
		}
		host_end = p + 1;
	}
	else {
		for (p = host; p < end && host_char(*p); p++)
			;
		host_end = p;
		if (host_end == host || *host == '.' || *host == '-')
			return false;
	}

	if (host_end < end) {
		unsigned port = 0;

		if (*host_end != ':' || host_end + 1 == end ||
		    end - host_end > 6)
			return false;
		for (p = host_end + 1; p < end; p++) {
			if (*p < '0' || *p > '9')
				return false;
			port = port * 10 + (unsigned)(*p - '0');
		}
		if (port < 1 || port > 65535)
			return false;
	}

	return https || loopback_host(host, (size_t)(host_end - host));
}


bool api_opencti_origins_ok(const char *s)
{
	unsigned count = 0;

	while (*s) {
		size_t n;

		if (*s == ' ') {
			s++;
			continue;
		}
		n = strcspn(s, " ");
		if (!api_opencti_origin_ok(s, n) || ++count > ORIGINS_MAX)
			return false;
		s += n;
	}

	return true;
}


int api_opencti_headers(char **hdrp, const char *ancestors,
			const char *origins)
{
	return re_sdprintf(hdrp,
			   "Content-Security-Policy: default-src 'self'; "
			   "script-src 'self' %s; style-src 'self'; "
			   "img-src 'self' data:; connect-src 'self' ws: wss:; "
			   "object-src 'none'; base-uri 'none'; "
			   "form-action 'self'; frame-ancestors %s %s\r\n"
			   "X-Content-Type-Options: nosniff\r\n"
			   "Referrer-Policy: no-referrer\r\n",
			   origins, ancestors, origins);
}
