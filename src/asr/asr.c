/*
 * asr.c — the server's transcription defaults and which backend a
 * stream gets: queues name "pocketsphinx", "ws" or "off", or nothing
 * and get the server's asr_backend.
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "asr/asr.h"

#define LOG_MODULE "asr"

enum {
	URL_MAX = 255,
};

static struct {
	const char *backend;       /* one of the literals below */
	char *ws_url;
} d = {"off", NULL};


/* ws://HOST[:PORT][/PATH]: HOST an IP literal, v6 in brackets */
static int parse(const char *url, struct sa *sa, const char **why)
{
	const char *h = url + 5, *he, *r;
	struct pl host;
	uint32_t port = 80;
	struct sa tmp;

	if (*h == '[') {
		he = strchr(++h, ']');
		if (!he) {
			*why = "the URL's IPv6 address has no ]";
			return EINVAL;
		}
		r = he + 1;
	}
	else {
		he = h + strcspn(h, ":/?");
		r = he;
	}

	host.p = h;
	host.l = (size_t)(he - h);
	if (!host.l) {
		*why = "the URL has no host";
		return EINVAL;
	}
	if (sa_set(sa ? sa : &tmp, &host, 0)) {
		*why = "the URL's host must be an IP address (host names are "
			"not resolved)";
		return EINVAL;
	}

	if (*r == ':') {
		size_t n = strspn(++r, "0123456789");

		port = 0;
		for (size_t i = 0; i < n && i < 6; i++)
			port = port * 10 + (uint32_t)(r[i] - '0');
		if (!n || n > 5 || !port || port > 65535) {
			*why = "the URL's port must be 1 to 65535";
			return EINVAL;
		}
		r += n;
	}
	if (*r && *r != '/' && *r != '?') {
		*why = "the URL's path must start with /";
		return EINVAL;
	}

	if (sa)
		sa_set_port(sa, (uint16_t)port);
	return 0;
}


int asr_ws_url_check(const char *url, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;

	if (!url || !*url) {
		*why = "the URL is empty";
		return EINVAL;
	}
	if (strlen(url) > URL_MAX) {
		*why = "the URL is longer than 255 characters";
		return EINVAL;
	}
	if (strncmp(url, "ws://", 5)) {
		*why = "the URL must start with ws:// (wss is not supported)";
		return EINVAL;
	}
	for (const char *c = url; *c; c++) {
		if ((unsigned char)*c <= ' ' || *c == 0x7f) {
			*why = "the URL has a space or a control character";
			return EINVAL;
		}
	}

	return parse(url, NULL, why);
}


int asr_ws_default(const char *url)
{
	d.ws_url = mem_deref(d.ws_url);

	if (!url || !*url)
		return 0;

	if (asr_ws_url_check(url, NULL))
		return EINVAL;

	return str_dup(&d.ws_url, url);
}


const char *asr_ws_default_url(void)
{
	return d.ws_url;
}


const char *asr_default_backend(void)
{
	return d.backend;
}


bool asr_enabled(void)
{
	return strcmp(d.backend, "off") != 0;
}


int asr_init(const char *backend, uint32_t workers, uint32_t queue_s)
{
	asr_pool_config(workers, queue_s);

	if (!backend || !strcmp(backend, "off")) {
		d.backend = "off";
		return 0;
	}

	if (!strcmp(backend, "pocketsphinx")) {
		d.backend = "pocketsphinx";
		return asr_pool_start();
	}

	if (!strcmp(backend, "ws")) {
		/* a default nobody can use is a configuration mistake */
		if (!d.ws_url)
			return EDESTADDRREQ;
		d.backend = "ws";
		log_info("transcription: ws, %s", d.ws_url);
		return 0;
	}

	return ENOTSUP;
}


void asr_close(void)
{
	asr_ws_close_all();
	asr_pool_close();
	d.backend = "off";
	d.ws_url = mem_deref(d.ws_url);
}
