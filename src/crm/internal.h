/*
 * internal.h — private to src/crm: the module's state and the helpers
 * its files share.
 */
#ifndef SWITCHBOARD_CRM_INTERNAL_H
#define SWITCHBOARD_CRM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "crm/crm.h"

struct curl_slist;
struct odict;

enum {
	CRM_ERR_MAX = 256,          /* a delivery error kept for health */
	CRM_KEEP_BODY = 1024,       /* a refusal's response body kept */
};

#define CRM_SF "salesforce"

/* jwt.c: RS256 bearer tokens for the Telephony Integration API */
struct crm_jwt;
int  crm_jwt_alloc(struct crm_jwt **jp, const char *keyfile,
		   const char *iss, const char *sub, const char *aud,
		   uint32_t lifetime_s, char *msg, size_t sz);
/* The cached token, or a new one when the cached one has less than a
 * quarter of its life left. NULL on error. */
const char *crm_jwt_token(struct crm_jwt *j, uint64_t now_s);
void crm_jwt_forget(struct crm_jwt *j);

/* http.c: one request at a time per call of crm_http_send */
typedef void (crm_http_h)(int err, uint16_t status, const char *retry_after,
			  const char *body, void *arg);
int  crm_http_init(void);
void crm_http_close(void);
/* headers: taken over (freed by http.c) */
int  crm_http_send(const char *method, const char *url,
		   struct curl_slist *headers, const char *body,
		   crm_http_h *h, void *arg);
uint32_t crm_http_in_flight(void);

/* retry_after.c: delta-seconds or an HTTP-date (RFC 9110 10.2.3) */
int  crm_retry_after(const char *value, uint64_t now_s, uint32_t *delay_s);

/* deliver.c: the outbox */
int  crm_deliver_init(struct store *st, const struct crm_conf *conf);
void crm_deliver_close(void);
int  crm_outbox_add(const char *dest, const char *okey, const char *kind,
		    const char *method, const char *path, const char *body);
int  crm_deliver_health(struct re_printf *pf, void *unused);

/* sf.c: call events to Telephony Integration API requests */
int  crm_sf_init(const struct crm_conf *conf, char *msg, size_t sz);
void crm_sf_close(void);
bool crm_sf_enabled(void);
void crm_sf_event(const char *type, const struct odict *data);
/* the URL and headers of a row's request; ENOENT: not configured now */
int  crm_sf_request(const char *path, char **url, struct curl_slist **hdrs);
void crm_sf_refused(uint16_t status);

/* webhook.c */
int  crm_webhook_init(const struct crm_conf *conf, char *msg, size_t sz);
void crm_webhook_close(void);
bool crm_webhook_enabled(void);
void crm_webhook_event(const char *type, const char *json,
		       const struct odict *data);
int  crm_webhook_request(const char *url, const char *kind,
			 const char *body, struct curl_slist **hdrs);
/* "t=<unix>,v1=<hex>" for body at t */
int  crm_webhook_sign(char *out, size_t sz, const char *secret,
		      uint64_t t, const char *body);

/* util */
uint64_t crm_now_ms(void);
int  crm_print_iso(struct re_printf *pf, const uint64_t *ms);

#endif
