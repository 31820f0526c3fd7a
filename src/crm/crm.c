/*
 * crm.c — the module's start, stop and its listener of call events:
 * each event is decoded once and handed to Salesforce sync (sf.c) and
 * webhooks (webhook.c), which turn it into outbox rows (deliver.c).
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "log.h"
#include "call/call.h"
#include "crm/internal.h"

#define LOG_MODULE "crm"

static struct {
	bool on;
} crm;


uint64_t crm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


/* 2026-11-27T18:30:00.123Z */
int crm_print_iso(struct re_printf *pf, const uint64_t *ms)
{
	const time_t t = (time_t)(*ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return EINVAL;

	return re_hprintf(pf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
			  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			  tm.tm_hour, tm.tm_min, tm.tm_sec,
			  (unsigned)(*ms % 1000));
}


static void event_handler(const char *type, const char *agent,
			  const char *data, void *arg)
{
	struct odict *d = NULL;
	(void)agent;
	(void)arg;

	if (strncmp(type, "call.", 5) && strcmp(type, "transcript.final"))
		return;

	if (json_decode_odict(&d, 16, data, strlen(data), 8)) {
		log_warn("cannot decode a %s event", type);
		return;
	}

	crm_sf_event(type, d);
	crm_webhook_event(type, data, d);
	mem_deref(d);
}


int crm_init(struct store *st, const struct crm_conf *conf, char *msg,
	     size_t sz)
{
	int err;

	if (!st || !conf)
		return EINVAL;

	err = crm_sf_init(conf, msg, sz);
	if (!err)
		err = crm_webhook_init(conf, msg, sz);
	if (err)
		goto out;

	/* rows may be waiting even if nothing is configured now: they
	 * stay, and are parked if their destination is gone */
	if (!crm_sf_enabled() && !crm_webhook_enabled())
		return 0;

	err = crm_http_init();
	if (err) {
		re_snprintf(msg, sz, "libcurl: cannot start (%m)", err);
		goto out;
	}

	err = crm_deliver_init(st, conf);
	if (err) {
		re_snprintf(msg, sz, "outbox: cannot load (%m)", err);
		goto out;
	}

	err = call_event_listen(event_handler, &crm);
	if (err)
		goto out;

	crm.on = true;
	log_info("CRM sync on:%s%s", crm_sf_enabled() ? " salesforce" : "",
		 crm_webhook_enabled() ? " webhooks" : "");

 out:
	if (err)
		crm_close();

	return err;
}


void crm_close(void)
{
	call_event_unlisten(&crm);
	crm_http_close();
	crm_deliver_close();
	crm_sf_close();
	crm_webhook_close();
	crm.on = false;
}


int crm_health_json(struct re_printf *pf, void *unused)
{
	(void)unused;

	if (!crm.on)
		return 0;

	return re_hprintf(pf, ",\"crm\":{\"salesforce\":%s,"
			  "\"webhooks\":%s,%H}",
			  crm_sf_enabled() ? "true" : "false",
			  crm_webhook_enabled() ? "true" : "false",
			  crm_deliver_health, NULL);
}
