/*
 * test_crypto.c — digest hex against RFC vectors, password hashing round
 * trip, constant-time compares.
 */
#include <string.h>
#include <re.h>
#include "util/crypto.h"
#include "unit.h"


/* RFC 7616 section 3.9.1: the expected responses are printed in the RFC. */
static void test_rfc7616_response(void)
{
	static const char *const expect[] = {
		"8ca523f5e9506fed4657c9700eebdbec",
		"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
	};
	const enum crypto_algo algos[] = {CRYPTO_MD5, CRYPTO_SHA256};

	for (size_t i = 0; i < 2; i++) {
		char ha1[CRYPTO_HEX_MAX], ha2[CRYPTO_HEX_MAX];
		char resp[CRYPTO_HEX_MAX];

		CHECK(!crypto_hex(algos[i], ha1, sizeof(ha1), "Mufasa:",
				  "http-auth@example.org:", "Circle of Life",
				  NULL));
		CHECK(!crypto_hex(algos[i], ha2, sizeof(ha2),
				  "GET:/dir/index.html", NULL));
		CHECK(!crypto_hex(algos[i], resp, sizeof(resp), ha1,
			":7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
			":00000001"
			":f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
			":auth:", ha2, NULL));
		CHECK_STR(resp, expect[i]);
		CHECK_EQ(strlen(resp), crypto_hex_len(algos[i]));
	}

	{
		char small[10];
		CHECK(crypto_hex(CRYPTO_MD5, small, sizeof(small), "x", NULL));
	}
}


static void test_pwhash_roundtrip(void)
{
	char h1[CRYPTO_PWHASH_MAX], h2[CRYPTO_PWHASH_MAX];

	CHECK(!crypto_pwhash(h1, sizeof(h1), "web-secret"));
	CHECK(!crypto_pwhash(h2, sizeof(h2), "web-secret"));
	CHECK(0 == strncmp(h1, "$pbkdf2-sha256$", 15));
	CHECK(strcmp(h1, h2) != 0);                /* salted */
	CHECK(crypto_pwverify(h1, "web-secret"));
	CHECK(!crypto_pwverify(h1, "web-secreT"));
	CHECK(!crypto_pwverify(h1, ""));
	CHECK(!crypto_pwverify("$pbkdf2-sha256$5$zz$00", "x"));
	CHECK(!crypto_pwverify("garbage", "x"));
}


static void test_streq(void)
{
	CHECK(crypto_streq("token", "token"));
	CHECK(!crypto_streq("token", "token2"));
	CHECK(!crypto_streq("token2", "token"));
	CHECK(!crypto_streq("", "x"));
	CHECK(crypto_streq("", ""));
	CHECK(!crypto_streq(NULL, "x"));
}


UNIT_SUITE(crypto,
	UNIT_CASE(test_rfc7616_response),
	UNIT_CASE(test_pwhash_roundtrip),
	UNIT_CASE(test_streq),
);
