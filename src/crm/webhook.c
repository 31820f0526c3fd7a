/*
 * webhook.c — call events for whoever has no Salesforce: each call.* and
 * transcript.final event is POSTed as {"id","type","created","data"} to
 * every configured URL, through the same outbox (ordered per call and
 * URL, retried, parked on a 4xx). Each attempt is signed afresh:
 *
 *   X-Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 *                            "<t>.<body>" keyed with webhook_secret>
 *
 * so a receiver checks the MAC and refuses a t too far from its clock
 * (replays). docs/API.md "Webhooks" shows how.
 */
#include <string.h>
#include <curl/curl.h>
#include <re.h>
#include "log.h"
#include "util/crypto.h"
#include "util/jsonstr.h"
#include "crm/internal.h"

#define LOG_MODULE "crm"

enum { URLS_MAX = 8, SECRET_MIN = 16 };

static struct {
	char *urls[URLS_MAX];
	size_t n;
	char *secret;
} wh;


int crm_webhook_sign(char *out, size_t sz, const char *secret, uint64_t t,
		     const char *body)
{
	uint8_t mac[32];
	char *msg = NULL;
	int err;

	err = re_sdprintf(&msg, "%llu.%s", (unsigned long long)t, body);
	if (err)
		return err;

	err = crypto_hmac_sha256(mac, secret, strlen(secret), msg,
				 strlen(msg));
	mem_deref(msg);
	if (err)
		return err;

	return re_snprintf(out, sz, "t=%llu,v1=%w", (unsigned long long)t,
			   mac, sizeof(mac)) < 0 ? ENOMEM : 0;
}


static bool wanted(const char *type)
{
	return !strncmp(type, "call.", 5) || !strcmp(type, "transcript.final");
}


void crm_webhook_event(const char *type, const char *json,
		       const struct odict *data)
{
	const struct odict_entry *e = odict_lookup(data, "call");
	char id[33], *body = NULL;

	if (!wh.n || !wanted(type) || !e || e->type != ODICT_STRING)
		return;

	if (crypto_random_hex(id, sizeof(id)))
		return;

	(void)re_sdprintf(&body, "{\"id\":\"%s\",\"type\":%H,"
			  "\"created\":%llu,\"data\":%s}", id, jsonstr_print,
			  type, (unsigned long long)crm_now_ms(), json);
	if (!body)
		return;

	for (size_t i = 0; i < wh.n; i++)
		(void)crm_outbox_add(wh.urls[i], e->u.str, "event", "POST", "",
				     body);

	mem_deref(body);
}


int crm_webhook_request(const char *url, const char *kind, const char *body,
			struct curl_slist **hdrs)
{
	struct curl_slist *h = NULL, *n;
	char sig[160], line[200];
	bool known = false;
	(void)kind;

	for (size_t i = 0; i < wh.n; i++)
		known |= !strcmp(wh.urls[i], url);
	if (!known)
		return ENOENT;

	if (crm_webhook_sign(sig, sizeof(sig), wh.secret,
			     crm_now_ms() / 1000, body))
		return ENOMEM;
	re_snprintf(line, sizeof(line), "X-Switchboard-Signature: %s", sig);

	n = curl_slist_append(h, "Content-Type: application/json");
	if (n)
		h = n;
	n = n ? curl_slist_append(h, line) : NULL;
	if (!n) {
		curl_slist_free_all(h);
		return ENOMEM;
	}

	*hdrs = n;
	return 0;
}


bool crm_webhook_enabled(void)
{
	return wh.n > 0;
}


int crm_webhook_init(const struct crm_conf *conf, char *msg, size_t sz)
{
	const char *p;

	if (!conf->webhook_urls || !*conf->webhook_urls)
		return 0;

	if (!conf->webhook_secret ||
	    strlen(conf->webhook_secret) < SECRET_MIN) {
		re_snprintf(msg, sz, "webhook_url is set: webhook_secret of "
			    "at least %u characters is needed", SECRET_MIN);
		return EINVAL;
	}

	p = conf->webhook_urls;
	while (*p) {
		size_t len = strcspn(p, " ,\t");

		if (len) {
			char *u = NULL;

			if (wh.n == URLS_MAX) {
				re_snprintf(msg, sz, "webhook_url: at most %u "
					    "URLs", URLS_MAX);
				return EINVAL;
			}
			if (re_sdprintf(&u, "%b", p, len))
				return ENOMEM;
			wh.urls[wh.n++] = u;
			if (strncmp(u, "https://", 8) &&
			    strncmp(u, "http://", 7)) {
				re_snprintf(msg, sz, "webhook_url '%s': an "
					    "http(s):// URL is needed", u);
				return EINVAL;
			}
		}
		p += len;
		p += strspn(p, " ,\t");
	}

	return str_dup(&wh.secret, conf->webhook_secret);
}


void crm_webhook_close(void)
{
	for (size_t i = 0; i < wh.n; i++)
		wh.urls[i] = mem_deref(wh.urls[i]);
	wh.n = 0;
	if (wh.secret)
		memset(wh.secret, 0, strlen(wh.secret));
	wh.secret = mem_deref(wh.secret);
}
