/*
 * config.c — one table describes every setting: its key, type, where it
 * lives in struct config, and its help line. The file parser, the
 * command line and --help all read the same table.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "config.h"

enum opt_type { OPT_STR, OPT_U32, OPT_PORTS, OPT_LOGLEVEL, OPT_ADDR };

struct opt {
	const char *key;
	enum opt_type type;
	size_t off;
	uint32_t min, max;        /* OPT_U32 bounds */
	const char *help;
};

#define O(f) offsetof(struct config, f)

static const struct opt opts[] = {
	{"sip_listen",   OPT_ADDR, O(sip_listen), 0, 0,
	 "IP:PORT for SIP over UDP and TCP (127.0.0.1:5060)"},
	{"sip_advertise", OPT_STR, O(sip_advertise), 0, 0,
	 "IP put in Via, Contact and SDP when it differs from sip_listen"},
	{"http_listen",  OPT_ADDR, O(http_listen), 0, 0,
	 "IP:PORT for the HTTP API (127.0.0.1:8080)"},
	{"db",           OPT_STR,  O(db), 0, 0,
	 "SQLite database file (./switchboard.db)"},
	{"admin_token",  OPT_STR,  O(admin_token), 0, 0,
	 "bearer token for the admin API (generated if unset)"},
	{"provision",    OPT_STR,  O(provision), 0, 0,
	 "JSON provisioning file applied at start"},
	{"realm",        OPT_STR,  O(realm), 0, 0,
	 "SIP digest realm (switchboard)"},
	{"digest_algorithms", OPT_STR, O(digest_algorithms), 0, 0,
	 "SIP digest algorithms offered, preferred first (MD5)"},
	{"rtp_ports",    OPT_PORTS, 0, 0, 0,
	 "LOW-HIGH UDP ports for relayed media (10000-30000)"},
	{"reg_min_expires", OPT_U32, O(reg_min_expires), 1, 86400,
	 "shortest registration accepted, seconds (60)"},
	{"reg_max_expires", OPT_U32, O(reg_max_expires), 1, 604800,
	 "longest registration granted, seconds (3600)"},
	{"nonce_ttl",    OPT_U32,  O(nonce_ttl), 1, 86400,
	 "seconds a digest nonce stays valid (300)"},
	{"auth_max_failures", OPT_U32, O(auth_max_failures), 1, 1000,
	 "wrong passwords from one address before 403 (3)"},
	{"log_level",    OPT_LOGLEVEL, O(log_level), 0, 0,
	 "debug, info, warn or error (info)"},
	{"web_root",     OPT_STR,  O(web_root), 0, 0,
	 "folder of the agent and supervisor pages (web)"},
	{"web_frame_ancestors", OPT_STR, O(web_frame_ancestors), 0, 0,
	 "who may frame the pages: CSP frame-ancestors ('self')"},
	{"api_allowed_origins", OPT_STR, O(api_allowed_origins), 0, 0,
	 "other sites' origins whose pages may call the API, space-"
	 "separated (none)"},
	{"opencti_origins", OPT_STR, O(opencti_origins), 0, 0,
	 "Salesforce origins the Open CTI softphone loads from and is "
	 "framed by, space-separated (none)"},
	{"asr_backend",  OPT_STR,  O(asr_backend), 0, 0,
	 "live transcription for queues that name no backend: "
	 "pocketsphinx, ws or off (pocketsphinx)"},
	{"asr_lm",       OPT_STR,  O(asr_lm), 0, 0,
	 "pocketsphinx's language model: callcenter, general or the path "
	 "of an ARPA or binary model (callcenter)"},
	{"asr_ws_url",   OPT_STR,  O(asr_ws_url), 0, 0,
	 "the ws backend's server, ws://IP:PORT/PATH (none)"},
	{"asr_workers",  OPT_U32,  O(asr_workers), 0, 64,
	 "transcription decoder threads, 0 = one per core (0)"},
	{"asr_queue_s",  OPT_U32,  O(asr_queue_s), 1, 3600,
	 "seconds of speech that may wait per decoder before some is "
	 "dropped (20)"},
	{"asr_model",    OPT_STR,  O(asr_model), 0, 0,
	 "pocketsphinx acoustic model folder (the telephone-band model "
	 "make builds, else Debian's en-us)"},
	{"sf_url",       OPT_STR,  O(sf_url), 0, 0,
	 "Salesforce Telephony Integration API base, https://DOMAIN."
	 "my.salesforce-scrt.com/telephony/v1 (off)"},
	{"sf_org_id",    OPT_STR,  O(sf_org_id), 0, 0,
	 "Salesforce org id: the JWT's iss"},
	{"sf_call_center", OPT_STR, O(sf_call_center), 0, 0,
	 "contact center API name: the JWT's sub and callCenterApiName"},
	{"sf_key",       OPT_STR,  O(sf_key), 0, 0,
	 "PEM file of the RSA private key whose certificate the contact "
	 "center holds"},
	{"sf_audience",  OPT_STR,  O(sf_audience), 0, 0,
	 "the JWT's aud (https://scrt.salesforce.com)"},
	{"sf_disposition_field", OPT_STR, O(sf_disposition_field), 0, 0,
	 "VoiceCall field (callAttributes key) for the wrap-up disposition "
	 "(none)"},
	{"sf_jwt_lifetime_s", OPT_U32, O(sf_jwt_lifetime_s), 1, 180,
	 "seconds a signed JWT is valid, at most 180 (120)"},
	{"sf_calls_per_s", OPT_U32, O(sf_calls_per_s), 1, 100000,
	 "new VoiceCalls sent per second at most (50)"},
	{"sf_utterances_per_s", OPT_U32, O(sf_utterances_per_s), 1, 1000000,
	 "transcript messages sent per second at most (1400)"},
	{"webhook_url",  OPT_STR,  O(webhook_url), 0, 0,
	 "URL(s), space separated, that get call events as signed POSTs "
	 "(off)"},
	{"webhook_secret", OPT_STR, O(webhook_secret), 0, 0,
	 "HMAC-SHA256 key of X-Switchboard-Signature, 16+ characters"},
	{"outbox_retry_min_ms", OPT_U32, O(outbox_retry_min_ms), 1, 3600000,
	 "first retry of a failed delivery after about this, doubling "
	 "(1000)"},
	{"outbox_retry_max_ms", OPT_U32, O(outbox_retry_max_ms), 1, 86400000,
	 "longest wait between retries (300000)"},
};


void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	str_ncpy(cfg->sip_listen, "127.0.0.1:5060", sizeof(cfg->sip_listen));
	str_ncpy(cfg->http_listen, "127.0.0.1:8080", sizeof(cfg->http_listen));
	str_ncpy(cfg->db, "./switchboard.db", sizeof(cfg->db));
	str_ncpy(cfg->realm, "switchboard", sizeof(cfg->realm));
	str_ncpy(cfg->digest_algorithms, "MD5",
		 sizeof(cfg->digest_algorithms));
	cfg->rtp_min = 10000;
	cfg->rtp_max = 30000;
	cfg->reg_min_expires = 60;
	cfg->reg_max_expires = 3600;
	cfg->nonce_ttl = 300;
	str_ncpy(cfg->asr_backend, "pocketsphinx", sizeof(cfg->asr_backend));
	str_ncpy(cfg->asr_lm, "callcenter", sizeof(cfg->asr_lm));
	cfg->asr_queue_s = 20;
	cfg->auth_max_failures = 3;
	cfg->log_level = LOG_INFO;
	str_ncpy(cfg->web_root, "web", sizeof(cfg->web_root));
	str_ncpy(cfg->web_frame_ancestors, "'self'",
		 sizeof(cfg->web_frame_ancestors));
	str_ncpy(cfg->sf_audience, "https://scrt.salesforce.com",
		 sizeof(cfg->sf_audience));
	cfg->sf_jwt_lifetime_s = 120;
	cfg->sf_calls_per_s = 50;
	cfg->sf_utterances_per_s = 1400;
	cfg->outbox_retry_min_ms = 1000;
	cfg->outbox_retry_max_ms = 300000;
}


static const struct opt *opt_find(const char *key)
{
	char norm[64];
	size_t i;

	for (i = 0; key[i] && i < sizeof(norm) - 1; i++)
		norm[i] = key[i] == '-' ? '_' : key[i];
	norm[i] = '\0';

	for (i = 0; i < ARRAY_SIZE(opts); i++) {
		if (0 == strcmp(opts[i].key, norm))
			return &opts[i];
	}

	return NULL;
}


bool config_has_key(const char *key)
{
	return opt_find(key) != NULL;
}


static int parse_u32(uint32_t *v, const char *s)
{
	char *end;
	unsigned long n;

	if (!isdigit((unsigned char)*s))
		return EINVAL;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || n > UINT32_MAX)
		return EINVAL;

	*v = (uint32_t)n;
	return 0;
}


static int seterr(struct config_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)re_vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);

	return EINVAL;
}


int config_set(struct config *cfg, const char *key, const char *value,
	       struct config_error *err)
{
	const struct opt *o = opt_find(key);
	char *field;
	uint32_t u, lo, hi;
	struct sa sa;

	if (!o)
		return seterr(err, "unknown key '%s'", key);

	field = (char *)cfg + o->off;

	switch (o->type) {

	case OPT_ADDR:
		if (sa_decode(&sa, value, strlen(value)) || !sa_port(&sa))
			return seterr(err, "key '%s': '%s' is not IP:PORT",
				      o->key, value);
		/*@fallthrough@*/
	case OPT_STR:
		if (strlen(value) >= CONFIG_STR)
			return seterr(err, "key '%s': value too long", o->key);
		str_ncpy(field, value, CONFIG_STR);
		break;

	case OPT_U32:
		if (parse_u32(&u, value) || u < o->min || u > o->max)
			return seterr(err, "key '%s': '%s' is not a number "
				      "from %u to %u", o->key, value, o->min,
				      o->max);
		memcpy(field, &u, sizeof(u));
		break;

	case OPT_PORTS: {
		char buf[32], *dash;

		str_ncpy(buf, value, sizeof(buf));
		dash = strchr(buf, '-');
		if (dash)
			*dash = '\0';
		if (!dash || parse_u32(&lo, buf) || parse_u32(&hi, dash + 1) ||
		    lo < 1024 || hi > 65535 || hi < lo + 3)
			return seterr(err, "key '%s': '%s' is not LOW-HIGH "
				      "within 1024-65535 with room for one "
				      "call (4 ports)", o->key, value);
		cfg->rtp_min = (uint16_t)lo;
		cfg->rtp_max = (uint16_t)hi;
		break;
	}

	case OPT_LOGLEVEL: {
		enum log_level lvl;

		if (log_level_parse(&lvl, value))
			return seterr(err, "key '%s': '%s' is not debug, "
				      "info, warn or error", o->key, value);
		memcpy(field, &lvl, sizeof(lvl));
		break;
	}
	}

	return 0;
}


static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		++s;

	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';

	return s;
}


int config_load(struct config *cfg, const char *path,
		struct config_error *err)
{
	char line[1024];
	unsigned lineno = 0;
	FILE *f;
	int ret = 0;

	f = fopen(path, "r");
	if (!f)
		return seterr(err, "%s: cannot open: %m", path, errno);

	while (fgets(line, sizeof(line), f)) {
		struct config_error e;
		char *key, *val, *eq;

		++lineno;

		if (!strchr(line, '\n') && !feof(f)) {
			ret = seterr(err, "%s:%u: line too long", path, lineno);
			break;
		}

		key = trim(line);
		if (!*key || *key == '#')
			continue;

		eq = strchr(key, '=');
		if (!eq) {
			ret = seterr(err, "%s:%u: expected 'key = value'",
				     path, lineno);
			break;
		}

		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);

		if (config_set(cfg, key, val, &e)) {
			ret = seterr(err, "%s:%u: %s", path, lineno, e.msg);
			break;
		}
	}

	fclose(f);
	return ret;
}


void config_usage_options(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		char name[64];
		size_t j;

		for (j = 0; opts[i].key[j] && j < sizeof(name) - 1; j++)
			name[j] = opts[i].key[j] == '_' ? '-' : opts[i].key[j];
		name[j] = '\0';

		fprintf(f, "  --%-20s %s\n", name, opts[i].help);
	}
}
