/*
 * jwt.c — the bearer token of the Telephony Integration REST API: a JWT
 * signed RS256 with the private key whose certificate is uploaded to the
 * contact center. Claims per Salesforce's "Telephony Integration REST API
 * Authorization": iss (org id), sub (call center API name), aud
 * (https://scrt.salesforce.com), iat, exp (at most 3 minutes ahead), and
 * a unique id (jti). The token is reused until a quarter of its life is
 * left, so one in flight never arrives expired.
 *
 * Neither the key nor a token is ever logged.
 */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <re.h>
#include "util/crypto.h"
#include "util/jsonstr.h"
#include "crm/internal.h"

struct crm_jwt {
	EVP_PKEY *key;
	char *iss, *sub, *aud;
	uint32_t lifetime_s;
	char *token;
	uint64_t exp;
};


static void destructor(void *arg)
{
	struct crm_jwt *j = arg;

	EVP_PKEY_free(j->key);
	mem_deref(j->iss);
	mem_deref(j->sub);
	mem_deref(j->aud);
	if (j->token)
		memset(j->token, 0, strlen(j->token));
	mem_deref(j->token);
}


/* base64url without padding (RFC 7515 2) */
static int b64url(struct mbuf *mb, const uint8_t *in, size_t len)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz0123456789-_";
	int err = 0;

	for (size_t i = 0; i < len && !err; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		const size_t n = len - i < 3 ? len - i : 3;

		if (n > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (n > 2)
			v |= in[i + 2];

		err |= mbuf_write_u8(mb, (uint8_t)al[(v >> 18) & 63]);
		err |= mbuf_write_u8(mb, (uint8_t)al[(v >> 12) & 63]);
		if (n > 1)
			err |= mbuf_write_u8(mb, (uint8_t)al[(v >> 6) & 63]);
		if (n > 2)
			err |= mbuf_write_u8(mb, (uint8_t)al[v & 63]);
	}

	return err;
}


int crm_jwt_alloc(struct crm_jwt **jp, const char *keyfile,
		  const char *iss, const char *sub, const char *aud,
		  uint32_t lifetime_s, char *msg, size_t sz)
{
	struct crm_jwt *j;
	FILE *f;
	int err = 0;

	if (!jp || !keyfile || !iss || !sub || !aud)
		return EINVAL;

	j = mem_zalloc(sizeof(*j), destructor);
	if (!j)
		return ENOMEM;

	f = fopen(keyfile, "r");
	if (!f) {
		err = errno ? errno : EIO;
		re_snprintf(msg, sz, "sf_key %s: cannot read: %m", keyfile,
			    err);
		goto out;
	}

	j->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error();
	if (!j->key) {
		re_snprintf(msg, sz, "sf_key %s: not a PEM private key "
			    "(unencrypted PKCS#8 or PKCS#1 RSA expected)",
			    keyfile);
		err = EINVAL;
		goto out;
	}

	if (EVP_PKEY_base_id(j->key) != EVP_PKEY_RSA) {
		re_snprintf(msg, sz, "sf_key %s: an RSA key is needed for "
			    "RS256, this one is %s", keyfile,
			    OBJ_nid2sn(EVP_PKEY_base_id(j->key)));
		err = EINVAL;
		goto out;
	}

	if (EVP_PKEY_bits(j->key) < 2048) {
		re_snprintf(msg, sz, "sf_key %s: RSA key of %d bits; "
			    "Salesforce takes 2048 or 4096", keyfile,
			    EVP_PKEY_bits(j->key));
		err = EINVAL;
		goto out;
	}

	err = str_dup(&j->iss, iss) | str_dup(&j->sub, sub) |
		str_dup(&j->aud, aud);
	if (err)
		goto out;
	j->lifetime_s = lifetime_s;

 out:
	if (err)
		mem_deref(j);
	else
		*jp = j;

	return err;
}


static int sign(struct crm_jwt *j, uint64_t now_s)
{
	static const char hdr[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
	uint8_t sig[1024];
	size_t siglen = sizeof(sig);
	char jti[33], *claims = NULL;
	struct mbuf *mb;
	EVP_MD_CTX *ctx = NULL;
	int err;

	mb = mbuf_alloc(1024);
	if (!mb)
		return ENOMEM;

	err = crypto_random_hex(jti, sizeof(jti));
	if (err)
		goto out;

	err = re_sdprintf(&claims, "{\"iss\":%H,\"sub\":%H,\"aud\":%H,"
			  "\"iat\":%llu,\"exp\":%llu,\"jti\":\"%s\"}",
			  jsonstr_print, j->iss, jsonstr_print, j->sub,
			  jsonstr_print, j->aud, (unsigned long long)now_s,
			  (unsigned long long)(now_s + j->lifetime_s), jti);
	if (err)
		goto out;

	err = b64url(mb, (const uint8_t *)hdr, strlen(hdr));
	err |= mbuf_write_u8(mb, '.');
	err |= b64url(mb, (const uint8_t *)claims, strlen(claims));
	if (err)
		goto out;

	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
				       j->key) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, mb->buf, mb->end) != 1) {
		ERR_clear_error();
		err = EIO;
		goto out;
	}

	err = mbuf_write_u8(mb, '.');
	err |= b64url(mb, sig, siglen);
	if (err)
		goto out;

	if (j->token)
		memset(j->token, 0, strlen(j->token));
	j->token = mem_deref(j->token);
	mb->pos = 0;
	err = mbuf_strdup(mb, &j->token, mb->end);
	if (!err)
		j->exp = now_s + j->lifetime_s;

 out:
	EVP_MD_CTX_free(ctx);
	memset(mb->buf, 0, mb->size);
	mem_deref(mb);
	mem_deref(claims);
	return err;
}


const char *crm_jwt_token(struct crm_jwt *j, uint64_t now_s)
{
	if (!j)
		return NULL;

	if (!j->token || now_s + (j->lifetime_s + 3) / 4 >= j->exp) {
		if (sign(j, now_s))
			return NULL;
	}

	return j->token;
}


/* A 401: perhaps the clock moved or the certificate changed; the next
 * request signs afresh. */
void crm_jwt_forget(struct crm_jwt *j)
{
	if (j)
		j->exp = 0;
}
