/*
 * digest.c — HTTP digest authentication for SIP (RFC 3261 section 22,
 * RFC 7616, RFC 8760): challenges offering SHA-256 and MD5 with
 * qop=auth, and verification against the agent's stored HA1.
 *
 * Nonces are stateless: hex(issue time) followed by an HMAC over that
 * time and the client's IP under a key made at start-up. So a nonce is
 * only accepted from the address it was issued to, until nonce_ttl, and
 * a restart invalidates all of them (phones simply re-authenticate).
 */
#include <ctype.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "util/crypto.h"
#include "sip/internal.h"

enum { NONCE_MAC = 16, NONCE_LEN = 16 + 2 * NONCE_MAC };

static uint8_t nonce_key[32];
static const char *offered[2];     /* algorithm names, preferred first */
static size_t noffered;


/* "SHA-256,MD5" (any order, case-insensitive, at least one) */
int digest_init(const char *algorithms)
{
	char buf[64], *tok, *save = NULL;

	noffered = 0;
	str_ncpy(buf, algorithms ? algorithms : "MD5,SHA-256", sizeof(buf));

	for (tok = strtok_r(buf, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		const char *name = !strcasecmp(tok, "MD5") ? "MD5" :
				   !strcasecmp(tok, "SHA-256") ? "SHA-256" :
				   NULL;

		if (!name || noffered == 2 ||
		    (noffered == 1 && offered[0] == name))
			return EINVAL;
		offered[noffered++] = name;
	}

	if (!noffered)
		return EINVAL;

	return crypto_random(nonce_key, sizeof(nonce_key));
}


static bool is_offered(const char *name)
{
	for (size_t i = 0; i < noffered; i++) {
		if (offered[i] == name)
			return true;
	}

	return false;
}


static void nonce_mac(char *hex, uint64_t ts, const struct sa *src)
{
	uint8_t mac[32];
	char msg[96];
	int n;

	n = re_snprintf(msg, sizeof(msg), "%016llx/%j",
			(unsigned long long)ts, src);
	(void)crypto_hmac_sha256(mac, nonce_key, sizeof(nonce_key), msg,
				 n > 0 ? (size_t)n : 0);

	for (size_t i = 0; i < NONCE_MAC; i++)
		(void)re_snprintf(hex + 2*i, 3, "%02x", mac[i]);
}


int digest_challenge(struct mbuf *mb, const char *hdr, const struct sa *src,
		     bool stale)
{
	char nonce[NONCE_LEN + 1];
	const uint64_t ts = (uint64_t)time(NULL);
	int err = 0;

	(void)re_snprintf(nonce, sizeof(nonce), "%016llx",
			  (unsigned long long)ts);
	nonce_mac(nonce + 16, ts, src);

	/* RFC 8760 section 2.4: one challenge per algorithm, the preferred
	 * first; clients use the first they support. */
	for (size_t i = 0; i < noffered; i++) {
		err |= mbuf_printf(mb, "%s: Digest realm=\"%s\", "
				   "nonce=\"%s\", algorithm=%s, qop=\"auth\""
				   "%s\r\n", hdr, sipd.conf.realm, nonce,
				   offered[i], stale ? ", stale=true" : "");
	}

	return err;
}


static void set_param(struct digest_resp *dr, const struct pl *name,
		      const struct pl *val)
{
	static const struct {
		const char *name;
		size_t off;
	} params[] = {
		{"username",  offsetof(struct digest_resp, username)},
		{"realm",     offsetof(struct digest_resp, realm)},
		{"nonce",     offsetof(struct digest_resp, nonce)},
		{"uri",       offsetof(struct digest_resp, uri)},
		{"response",  offsetof(struct digest_resp, response)},
		{"algorithm", offsetof(struct digest_resp, algorithm)},
		{"qop",       offsetof(struct digest_resp, qop)},
		{"nc",        offsetof(struct digest_resp, nc)},
		{"cnonce",    offsetof(struct digest_resp, cnonce)},
		{"opaque",    offsetof(struct digest_resp, opaque)},
	};

	for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
		if (!pl_strcasecmp(name, params[i].name)) {
			*(struct pl *)((char *)dr + params[i].off) = *val;
			return;
		}
	}
}


/* Parses 'Digest k=v, k="v", ...'. Quoted values may contain commas and
 * backslash escapes; the pl points inside the quotes, escapes kept (none
 * of the fields we compare may legally contain them). */
int digest_decode(struct digest_resp *dr, const struct pl *hval)
{
	const char *p = hval->p, *end = hval->p + hval->l;

	memset(dr, 0, sizeof(*dr));

	if (hval->l < 7 || strncasecmp(p, "Digest", 6) ||
	    !isspace((unsigned char)p[6]))
		return EBADMSG;
	p += 7;

	while (p < end) {
		struct pl name, val;

		while (p < end && (isspace((unsigned char)*p) || *p == ','))
			++p;
		if (p >= end)
			break;

		name.p = p;
		while (p < end && *p != '=' && !isspace((unsigned char)*p))
			++p;
		name.l = (size_t)(p - name.p);

		while (p < end && isspace((unsigned char)*p))
			++p;
		if (p >= end || *p != '=' || !name.l)
			return EBADMSG;
		++p;
		while (p < end && isspace((unsigned char)*p))
			++p;

		if (p < end && *p == '"') {
			val.p = ++p;
			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end)
					++p;
				++p;
			}
			if (p >= end)
				return EBADMSG;
			val.l = (size_t)(p - val.p);
			++p;
		}
		else {
			val.p = p;
			while (p < end && *p != ',' &&
			       !isspace((unsigned char)*p))
				++p;
			val.l = (size_t)(p - val.p);
		}

		set_param(dr, &name, &val);
	}

	if (!pl_isset(&dr->username) || !pl_isset(&dr->realm) ||
	    !pl_isset(&dr->nonce) || !pl_isset(&dr->uri) ||
	    !pl_isset(&dr->response))
		return EBADMSG;

	return 0;
}


static int nonce_check(const struct pl *nonce, const struct sa *src)
{
	char buf[NONCE_LEN + 1], mac[2 * NONCE_MAC + 1];
	uint64_t ts;

	if (nonce->l != NONCE_LEN)
		return EBADMSG;

	pl_strcpy(nonce, buf, sizeof(buf));
	for (size_t i = 0; i < 16; i++) {
		if (!isxdigit((unsigned char)buf[i]))
			return EBADMSG;
	}

	ts = pl_x64(&(struct pl){buf, 16});
	nonce_mac(mac, ts, src);

	if (!crypto_equal(mac, buf + 16, 2 * NONCE_MAC))
		return EBADMSG;

	if ((uint64_t)time(NULL) > ts + sipd.conf.nonce_ttl)
		return ETIMEDOUT;

	return 0;
}


int digest_verify(const struct digest_resp *dr, const struct pl *method,
		  const char *ha1_md5, const char *ha1_sha256,
		  const struct sa *src)
{
	enum crypto_algo algo;
	char ha2[CRYPTO_HEX_MAX], want[CRYPTO_HEX_MAX];
	char m[16], uri[512], nonce[NONCE_LEN + 1];
	const char *ha1;
	int err;

	if (pl_strcmp(&dr->realm, sipd.conf.realm))
		return EBADMSG;

	/* only what we offered: no downgrade to an algorithm the admin
	 * switched off */
	if ((!pl_isset(&dr->algorithm) ||
	     !pl_strcasecmp(&dr->algorithm, "MD5")) && is_offered("MD5"))
		algo = CRYPTO_MD5, ha1 = ha1_md5;
	else if (!pl_strcasecmp(&dr->algorithm, "SHA-256") &&
		 is_offered("SHA-256"))
		algo = CRYPTO_SHA256, ha1 = ha1_sha256;
	else
		return EBADMSG;

	err = nonce_check(&dr->nonce, src);
	if (err)
		return err;

	if (!ha1 || !ha1[0] || dr->uri.l >= sizeof(uri) ||
	    method->l >= sizeof(m))
		return EACCES;

	pl_strcpy(method, m, sizeof(m));
	pl_strcpy(&dr->uri, uri, sizeof(uri));
	pl_strcpy(&dr->nonce, nonce, sizeof(nonce));

	err = crypto_hex(algo, ha2, sizeof(ha2), m, ":", uri, NULL);
	if (err)
		return err;

	if (pl_isset(&dr->qop)) {
		char nc[16], cnonce[256];

		if (pl_strcasecmp(&dr->qop, "auth") || dr->nc.l >= sizeof(nc) ||
		    dr->cnonce.l >= sizeof(cnonce) || !pl_isset(&dr->nc))
			return EACCES;

		pl_strcpy(&dr->nc, nc, sizeof(nc));
		pl_strcpy(&dr->cnonce, cnonce, sizeof(cnonce));

		err = crypto_hex(algo, want, sizeof(want), ha1, ":", nonce,
				 ":", nc, ":", cnonce, ":auth:", ha2, NULL);
	}
	else {
		err = crypto_hex(algo, want, sizeof(want), ha1, ":", nonce,
				 ":", ha2, NULL);
	}
	if (err)
		return err;

	if (dr->response.l != crypto_hex_len(algo))
		return EACCES;

	/* Hex case is not specified as lower by older RFCs; compare the
	 * canonical form without leaking where they differ. */
	{
		char got[CRYPTO_HEX_MAX];

		for (size_t i = 0; i < dr->response.l; i++)
			got[i] = (char)tolower((unsigned char)dr->response.p[i]);

		return crypto_equal(got, want, dr->response.l) ? 0 : EACCES;
	}
}
