/*
 * crypto.h — the few primitives switchboard needs, on OpenSSL's libcrypto:
 * digest hashes for SIP auth (RFC 7616/8760), a slow hash for web
 * passwords, random tokens, and comparisons that do not leak timing.
 */
#ifndef SWITCHBOARD_CRYPTO_H
#define SWITCHBOARD_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum crypto_algo {
	CRYPTO_MD5 = 0,
	CRYPTO_SHA256,
};

enum {
	CRYPTO_HEX_MAX = 65,        /* SHA-256 as hex, NUL included */
	CRYPTO_PWHASH_MAX = 128,
};

/* hex digest of the concatenation of parts (NULL-terminated list) */
int  crypto_hex(enum crypto_algo algo, char *hex, size_t sz, ...);
size_t crypto_hex_len(enum crypto_algo algo);
int  crypto_random(void *buf, size_t len);
/* Unpredictable 64-bit values for tags, branches and ids, drawn from a
 * buffer refilled by the CSPRNG 4 KiB at a time: one RAND_bytes call per
 * message costs more than the rest of building it. Loop thread only. */
uint64_t crypto_rand_u64(void);
int  crypto_random_hex(char *hex, size_t sz);    /* fills sz-1 hex chars */
bool crypto_equal(const void *a, const void *b, size_t len);
bool crypto_streq(const char *a, const char *b);

/* Slow password hash: "$pbkdf2-sha256$<iter>$<salt hex>$<hash hex>". */
int  crypto_pwhash(char *out, size_t sz, const char *password);
bool crypto_pwverify(const char *stored, const char *password);

/* HMAC-SHA256, raw 32 bytes out */
int  crypto_hmac_sha256(uint8_t mac[32], const void *key, size_t klen,
			const void *msg, size_t mlen);

/* SHA-1, raw 20 bytes out: for RFC 6455's handshake only */
int  crypto_sha1(uint8_t md[20], const void *data, size_t len);

#endif
