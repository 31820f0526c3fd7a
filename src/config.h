/*
 * config.h — switchboard's settings: defaults, then the config file, then
 * command-line options, each overriding the one before. The file is
 * "key = value" lines with # comments; keys are the long option names
 * with '_' or '-' (sip_listen, sip-listen). See switchboard.conf.example.
 */
#ifndef SWITCHBOARD_CONFIG_H
#define SWITCHBOARD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "log.h"

enum { CONFIG_STR = 256 };

struct config {
	char sip_listen[CONFIG_STR];     /* UDP and TCP, "ip:port" */
	char sip_advertise[CONFIG_STR];  /* address in Via/Contact/SDP; "" = listen */
	char http_listen[CONFIG_STR];
	char db[CONFIG_STR];
	char admin_token[CONFIG_STR];    /* "" = generated, see main.c */
	char provision[CONFIG_STR];
	char realm[CONFIG_STR];          /* SIP digest realm */
	char digest_algorithms[CONFIG_STR]; /* offered, in order: "MD5,SHA-256" */
	uint16_t rtp_min, rtp_max;       /* even..odd port range for media */
	uint32_t reg_min_expires;        /* shorter REGISTER → 423 */
	uint32_t reg_max_expires;        /* longer are shortened to this */
	uint32_t nonce_ttl;              /* seconds a digest nonce is fresh */
	uint32_t auth_max_failures;      /* bad digests before 403 */
	enum log_level log_level;
	char web_root[CONFIG_STR];       /* the pages' folder, see api/static.c */
	char web_frame_ancestors[CONFIG_STR]; /* CSP frame-ancestors value */
	char api_allowed_origins[CONFIG_STR]; /* CORS, see api/cors.c */
	char opencti_origins[CONFIG_STR]; /* Salesforce orgs of /opencti/ */
	char asr_backend[CONFIG_STR];    /* "pocketsphinx", "ws" or "off" */
	char asr_lm[CONFIG_STR];         /* "callcenter", "general" or a path */
	char asr_ws_url[CONFIG_STR];     /* ws backend default, or "" */
	uint32_t asr_workers;            /* decoder threads; 0 = one per core */
	uint32_t asr_queue_s;            /* audio waiting per worker, seconds */
	char asr_model[CONFIG_STR];      /* pocketsphinx -hmm; "" = default */
	/* CRM sync (src/crm): Salesforce's Telephony Integration API */
	char sf_url[CONFIG_STR];         /* "" = off */
	char sf_org_id[CONFIG_STR];
	char sf_call_center[CONFIG_STR];
	char sf_key[CONFIG_STR];         /* PEM file of the RSA private key */
	char sf_audience[CONFIG_STR];
	char sf_disposition_field[CONFIG_STR];
	uint32_t sf_jwt_lifetime_s;
	uint32_t sf_calls_per_s, sf_utterances_per_s;
	char webhook_url[CONFIG_STR];    /* "" = off; several: spaces */
	char webhook_secret[CONFIG_STR];
	uint32_t outbox_retry_min_ms, outbox_retry_max_ms;
};

/* An error names where it came from: "FILE:LINE: key 'x': message" for the
 * file, "--option: message" for the command line. */
struct config_error {
	char msg[512];
};

void config_defaults(struct config *cfg);
int  config_load(struct config *cfg, const char *path,
		 struct config_error *err);
int  config_set(struct config *cfg, const char *key, const char *value,
		struct config_error *err);
bool config_has_key(const char *key);
void config_usage_options(FILE *f);

#endif
