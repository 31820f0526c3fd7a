/*
 * test_crm.c — CRM sync's pieces that need no network: Retry-After
 * parsing, the webhook signature (against a value computed
 * independently with Python's hmac), and the outbox's rows in the store
 * (written, read in order, retried, parked, deleted, kept across a
 * reopen).
 */
#include <string.h>
#include <re.h>
#include "crm/internal.h"
#include "store/store.h"
#include "unit.h"
#include "tmpdir.h"

/* Fri, 27 Nov 2026 18:00:00 GMT */
#define NOW 1795802400ull


static void test_retry_after(void)
{
	uint32_t d = 7;

	CHECK_EQ(0, crm_retry_after("2", NOW, &d));
	CHECK_EQ(2u, d);
	CHECK_EQ(0, crm_retry_after(" 120\r\n", NOW, &d));
	CHECK_EQ(120u, d);
	CHECK_EQ(0, crm_retry_after("0", NOW, &d));
	CHECK_EQ(0u, d);
	/* capped at an hour */
	CHECK_EQ(0, crm_retry_after("99999999999999999999", NOW, &d));
	CHECK_EQ(3600u, d);
	/* an IMF-fixdate 90 s ahead, and one in the past */
	CHECK_EQ(0, crm_retry_after("Fri, 27 Nov 2026 18:01:30 GMT", NOW,
				    &d));
	CHECK_EQ(90u, d);
	CHECK_EQ(0, crm_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", NOW,
				    &d));
	CHECK_EQ(0u, d);

	d = 7;
	CHECK(crm_retry_after("", NOW, &d));
	CHECK(crm_retry_after("-1", NOW, &d));
	CHECK(crm_retry_after("1.5", NOW, &d));
	CHECK(crm_retry_after("2s", NOW, &d));
	/* RFC 850 and asctime forms are obsolete: refused */
	CHECK(crm_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", NOW, &d));
	CHECK(crm_retry_after("Sun Nov  6 08:49:37 1994", NOW, &d));
	CHECK(crm_retry_after("Fri, 27 Xyz 2026 18:01:30 GMT", NOW, &d));
	CHECK(crm_retry_after("Fri, 27 Nov 2026 25:01:30 GMT", NOW, &d));
	CHECK(crm_retry_after(NULL, NOW, &d));
	CHECK_EQ(7u, d);
}


static void test_webhook_signature(void)
{
	char sig[160];

	/* python3: hmac.new(secret, b'1795804061.{"a":1}',
	 * hashlib.sha256).hexdigest() */
	CHECK_EQ(0, crm_webhook_sign(sig, sizeof(sig),
				     "whsec-test-0123456789abcdef",
				     1795804061ull, "{\"a\":1}"));
	CHECK_STR(sig, "t=1795804061,v1=de2d1a2dcb54a140a5680cc8fab905ac"
		  "50076d968f2a4210639cdd9cd4d75791");

	CHECK_EQ(0, crm_webhook_sign(sig, sizeof(sig),
				     "whsec-test-0123456789abcdef",
				     1795804061ull, "{\"a\":2}"));
	CHECK(!strstr(sig, "de2d1a2d"));
}


struct seen {
	int n;
	int64_t ids[8];
	char kinds[8][16];
};


static int seen_h(const struct store_outbox_row *r, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->ids[s->n] = r->id;
		str_ncpy(s->kinds[s->n], r->kind, sizeof(s->kinds[0]));
	}
	s->n++;
	return 0;
}


static void test_outbox_rows(void)
{
	struct tmpdir td;
	struct store *st = NULL;
	struct store_outbox_row a = {
		.dest = "salesforce", .okey = "c1", .kind = "create",
		.method = "POST", .path = "/voiceCalls", .body = "{}",
		.created = 1,
	};
	struct store_outbox_row b = a, c = a;
	struct seen s;
	uint64_t failed = 9;
	char *json = NULL;

	if (tmpdir_make(&td)) {
		unit_fail(__FILE__, __LINE__, "tmpdir");
		return;
	}
	if (store_open(&st, td.db))
		goto out;

	b.kind = "update";
	b.method = "PATCH";
	c.okey = "c2";
	CHECK(!store_outbox_add(st, &a) && !store_outbox_add(st, &b) &&
	      !store_outbox_add(st, &c));
	CHECK(a.id < b.id && b.id < c.id);
	CHECK_EQ(EINVAL, store_outbox_add(st, &(struct store_outbox_row){
		.dest = "x"}));

	CHECK(!store_outbox_attempt(st, a.id, 3, 503, "HTTP 503"));
	CHECK(!store_outbox_park(st, b.id, 400, "HTTP 400: [\"bad\"]"));
	CHECK(!store_outbox_delete(st, c.id));

	/* reopened: what is left is still there */
	st = mem_deref(st);
	CHECK_EQ(0, store_open(&st, td.db));

	memset(&s, 0, sizeof(s));
	CHECK(!store_outbox_foreach(st, seen_h, &s));
	CHECK_EQ(1, s.n);
	CHECK_EQ(a.id, s.ids[0]);
	CHECK_STR(s.kinds[0], "create");

	CHECK(!store_outbox_failed(st, &failed));
	CHECK_EQ(1u, failed);
	CHECK(!store_outbox_failed_json(st, 10, &json));
	CHECK(strstr(json, "\"status\":400") && strstr(json, "\"kind\":"
	      "\"update\"") && strstr(json, "\\\"bad\\\""));

 out:
	mem_deref(json);
	mem_deref(st);
	tmpdir_remove(&td);
}


UNIT_SUITE(crm,
	UNIT_CASE(test_retry_after),
	UNIT_CASE(test_webhook_signature),
	UNIT_CASE(test_outbox_rows),
);
