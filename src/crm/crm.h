/*
 * crm.h — CRM sync: what happens to calls is told to Salesforce's
 * Telephony Integration REST API (VoiceCall records, transcript
 * messages) and to generic webhooks, through a durable outbox in the
 * store. Everything runs on the event loop; HTTP is libcurl's multi
 * interface driven by libre's fd_listen and a timer.
 */
#ifndef SWITCHBOARD_CRM_H
#define SWITCHBOARD_CRM_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct re_printf;

struct crm_conf {
	/* Salesforce; sf_url "" = off */
	const char *sf_url;           /* https://X.my.salesforce-scrt.com/
					 telephony/v1 */
	const char *sf_org_id;        /* JWT iss */
	const char *sf_call_center;   /* JWT sub, callCenterApiName */
	const char *sf_key;           /* PEM file: the RSA private key */
	const char *sf_audience;      /* JWT aud */
	const char *sf_disposition_field; /* callAttributes key, "" = none */
	uint32_t sf_jwt_lifetime_s;
	uint32_t sf_calls_per_s;      /* new VoiceCalls */
	uint32_t sf_utterances_per_s; /* transcript messages */
	/* webhooks; "" = off */
	const char *webhook_urls;     /* separated by spaces or commas */
	const char *webhook_secret;
	/* both destinations */
	uint32_t retry_min_ms, retry_max_ms;
};

/* Checks the configuration (the key is read and must be RSA), loads
 * what the outbox still holds and starts delivering it. Nothing
 * configured: 0 and nothing runs. An error leaves a sentence for the
 * operator in msg. */
int  crm_init(struct store *st, const struct crm_conf *conf, char *msg,
	      size_t sz);
void crm_close(void);
/* ,"crm":{...} for GET /api/v1/health while CRM sync runs; nothing
 * when it is off (the health body stays as it was). */
int  crm_health_json(struct re_printf *pf, void *unused);

#endif
