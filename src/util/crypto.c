/*
 * crypto.c — thin wrappers over libcrypto with errno-style returns.
 */
#include <stdarg.h>
#include <string.h>
#include <stdio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <re.h>
#include "util/crypto.h"

/* OWASP's 2023 figure for PBKDF2-HMAC-SHA256 is 600,000; we trade some of
 * it for start-up time, since the provisioning file is re-verified at
 * every start. The count is stored in the hash, so raising it later only
 * affects passwords set after the change. */
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
enum { PWHASH_ITER = 210000 };
#else
/* make fuzz: fuzzers set passwords thousands of times a second and
 * protect nothing; 1000 is the fewest rounds pwverify accepts. */
enum { PWHASH_ITER = 1000 };
#endif
enum { PWHASH_SALT = 16, PWHASH_LEN = 32 };


static const EVP_MD *md_of(enum crypto_algo algo)
{
	return algo == CRYPTO_SHA256 ? EVP_sha256() : EVP_md5();
}


size_t crypto_hex_len(enum crypto_algo algo)
{
	return algo == CRYPTO_SHA256 ? 64 : 32;
}


static void tohex(char *hex, const uint8_t *bin, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		hex[2*i]   = digits[bin[i] >> 4];
		hex[2*i+1] = digits[bin[i] & 0xf];
	}
	hex[2*len] = '\0';
}


int crypto_hex(enum crypto_algo algo, char *hex, size_t sz, ...)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx;
	const char *part;
	va_list ap;
	int err = 0;

	if (!hex || sz < crypto_hex_len(algo) + 1)
		return EINVAL;

	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return ENOMEM;

	if (1 != EVP_DigestInit_ex(ctx, md_of(algo), NULL)) {
		err = EPROTO;
		goto out;
	}

	va_start(ap, sz);
	while ((part = va_arg(ap, const char *))) {
		if (1 != EVP_DigestUpdate(ctx, part, strlen(part)))
			err = EPROTO;
	}
	va_end(ap);

	if (!err && 1 != EVP_DigestFinal_ex(ctx, md, &mdlen))
		err = EPROTO;

	if (!err)
		tohex(hex, md, mdlen);
 out:
	EVP_MD_CTX_free(ctx);
	return err;
}


int crypto_random(void *buf, size_t len)
{
	return 1 == RAND_bytes(buf, (int)len) ? 0 : EIO;
}


uint64_t crypto_rand_u64(void)
{
	static uint64_t pool[512];
	static size_t left;
	uint64_t v;

	if (!left) {
		if (crypto_random(pool, sizeof(pool))) {
			/* the CSPRNG failed: libre's rand still answers */
			return rand_u64();
		}
		left = ARRAY_SIZE(pool);
	}

	v = pool[--left];
	pool[left] = 0;      /* nothing used stays in memory */
	return v;
}


int crypto_random_hex(char *hex, size_t sz)
{
	uint8_t bin[64];
	size_t n;
	int err;

	if (!hex || sz < 3 || sz > 2 * sizeof(bin) + 1)
		return EINVAL;

	n = (sz - 1) / 2;
	err = crypto_random(bin, n);
	if (err)
		return err;

	tohex(hex, bin, n);
	return 0;
}


bool crypto_equal(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;

	for (size_t i = 0; i < len; i++)
		d |= x[i] ^ y[i];

	return d == 0;
}


bool crypto_streq(const char *a, const char *b)
{
	size_t la, lb;

	if (!a || !b)
		return false;

	la = strlen(a);
	lb = strlen(b);

	/* Compare a fixed amount so the length of the secret does not show. */
	return crypto_equal(a, b, la < lb ? la : lb) && la == lb;
}


int crypto_hmac_sha256(uint8_t mac[32], const void *key, size_t klen,
		       const void *msg, size_t mlen)
{
	unsigned len = 32;

	if (!HMAC(EVP_sha256(), key, (int)klen, msg, mlen, mac, &len))
		return EPROTO;

	return len == 32 ? 0 : EPROTO;
}


/* SHA-1 only where a protocol fixes it (RFC 6455's Sec-WebSocket-Accept),
 * never for anything secret. */
int crypto_sha1(uint8_t md[20], const void *data, size_t len)
{
	unsigned n = 20;

	if (1 != EVP_Digest(data, len, md, &n, EVP_sha1(), NULL))
		return EPROTO;

	return n == 20 ? 0 : EPROTO;
}


static int pbkdf2(uint8_t *out, const char *password, const uint8_t *salt,
		  size_t saltlen, unsigned iter)
{
	if (1 != PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt,
				   (int)saltlen, (int)iter, EVP_sha256(),
				   PWHASH_LEN, out))
		return EPROTO;

	return 0;
}


int crypto_pwhash(char *out, size_t sz, const char *password)
{
	uint8_t salt[PWHASH_SALT], dk[PWHASH_LEN];
	char salthex[2*PWHASH_SALT + 1], dkhex[2*PWHASH_LEN + 1];
	int err, n;

	if (!out || !password)
		return EINVAL;

	err = crypto_random(salt, sizeof(salt));
	if (err)
		return err;

	err = pbkdf2(dk, password, salt, sizeof(salt), PWHASH_ITER);
	if (err)
		return err;

	tohex(salthex, salt, sizeof(salt));
	tohex(dkhex, dk, sizeof(dk));

	n = snprintf(out, sz, "$pbkdf2-sha256$%u$%s$%s", PWHASH_ITER,
		     salthex, dkhex);

	return (n < 0 || (size_t)n >= sz) ? ENOSPC : 0;
}


bool crypto_pwverify(const char *stored, const char *password)
{
	uint8_t salt[64], want[PWHASH_LEN], got[PWHASH_LEN];
	struct pl iter, salthex, dkhex;
	unsigned n;

	if (!stored || !password)
		return false;

	if (re_regex(stored, strlen(stored),
		     "$pbkdf2-sha256$[0-9]+$[0-9a-f]+$[0-9a-f]+",
		     &iter, &salthex, &dkhex))
		return false;

	n = pl_u32(&iter);
	if (n < 1000 || n > 10000000 || salthex.l % 2 ||
	    salthex.l / 2 > sizeof(salt) || dkhex.l != 2 * PWHASH_LEN)
		return false;

	for (size_t i = 0; i < salthex.l / 2; i++)
		salt[i] = (uint8_t)(ch_hex(salthex.p[2*i]) << 4 |
				    ch_hex(salthex.p[2*i+1]));
	for (size_t i = 0; i < PWHASH_LEN; i++)
		want[i] = (uint8_t)(ch_hex(dkhex.p[2*i]) << 4 |
				    ch_hex(dkhex.p[2*i+1]));

	if (pbkdf2(got, password, salt, salthex.l / 2, n))
		return false;

	return crypto_equal(got, want, sizeof(got));
}
