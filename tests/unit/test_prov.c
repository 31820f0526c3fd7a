/*
 * test_prov.c — provisioning: every validation rule with its error code
 * and field path, strict JSON, merge patch (RFC 7386 vectors and PATCH
 * semantics), secrets (never printed, HA1 against a known vector, no
 * re-hash on re-apply), the file all-or-nothing, references between
 * routes and queues, SIP username uniqueness, trunk CIDR matching,
 * listeners, and reload from the store. Statuses (seeded defaults,
 * "available" protected), queues' routing settings (strategies, tiers,
 * relaxation, overflow, aging, service level, decline block, missed
 * status) and agents' queue memberships, with the references between
 * them and the order listeners hear of changes.
 */
#include <math.h>
#include <string.h>
#include <sqlite3.h>
#include <re.h>
#include "store/store.h"
#include "prov/prov.h"
#include "prov/prov_int.h"
#include "prov/check.h"
#include "routing/routing.h"
#include "util/crypto.h"
#include "util/jsonstr.h"
#include "schema_v1.h"
#include "tmpdir.h"
#include "unit.h"

static struct tmpdir td;
static struct store *st;
static struct prov_error perr;

#define PROV_CASE(fn) \
	static void fn##_body(void); \
	static void fn(void) \
	{ \
		memset(&perr, 0, sizeof(perr)); \
		if (tmpdir_make(&td) || store_open(&st, td.db) || \
		    prov_init(st, "switchboard")) { \
			unit_fail(__FILE__, __LINE__, "setup"); \
			st = mem_deref(st); \
			tmpdir_remove(&td); \
			return; \
		} \
		fn##_body(); \
		prov_close(); \
		st = mem_deref(st); \
		tmpdir_remove(&td); \
	} \
	static void fn##_body(void)


/* --- helpers ------------------------------------------------------------ */

static int create(enum prov_kind kind, const char *json)
{
	memset(&perr, 0, sizeof(perr));
	return prov_create(kind, json, strlen(json), NULL, &perr);
}


static int update(enum prov_kind kind, const char *id, const char *json)
{
	memset(&perr, 0, sizeof(perr));
	return prov_update(kind, id, json, strlen(json), NULL, &perr);
}


static int apply(const char *json)
{
	memset(&perr, 0, sizeof(perr));
	return prov_apply_json(json, strlen(json), &perr);
}


/* true if the last error is (status, code, field) */
static bool is_err(uint16_t status, const char *code, const char *field)
{
	return perr.status == status && 0 == strcmp(perr.code, code) &&
		0 == strcmp(perr.field, field);
}


static char *public(enum prov_kind kind, const char *id)
{
	char *out = NULL;
	struct prov_error e;

	if (prov_json(kind, id, &out, &e))
		return NULL;

	return out;
}


static char *stored(const char *kind, const char *id)
{
	char *doc = NULL;

	if (store_obj_get(st, kind, id, &doc))
		return NULL;

	return doc;
}


/* structural equality of two odict values, ignoring key order */
static bool odict_eq(const struct odict *a, const struct odict *b);


static bool entry_eq(const struct odict_entry *x, const struct odict_entry *y)
{
	if (!x || !y || x->type != y->type)
		return false;

	switch (x->type) {

	case ODICT_OBJECT:
	case ODICT_ARRAY:
		return odict_eq(x->u.odict, y->u.odict);
	case ODICT_STRING:
		return 0 == strcmp(x->u.str, y->u.str);
	case ODICT_INT:
		return x->u.integer == y->u.integer;
	case ODICT_BOOL:
		return x->u.boolean == y->u.boolean;
	case ODICT_NULL:
		return true;
	default:
		return x->u.dbl == y->u.dbl;
	}
}


static bool odict_eq(const struct odict *a, const struct odict *b)
{
	struct le *le;

	if (list_count(&a->lst) != list_count(&b->lst))
		return false;

	LIST_FOREACH(&a->lst, le) {
		const struct odict_entry *e = le->data;

		if (!entry_eq(e, odict_lookup(b, e->key)))
			return false;
	}

	return true;
}


static bool json_eq(const char *a, const char *b)
{
	struct odict *x = NULL, *y = NULL;
	bool eq;

	if (!a || !b ||
	    json_decode_odict(&x, 16, a, strlen(a), 16) ||
	    json_decode_odict(&y, 16, b, strlen(b), 16)) {
		mem_deref(x);
		return false;
	}

	eq = odict_eq(x, y);
	mem_deref(x);
	mem_deref(y);
	return eq;
}


static int setup_billing(void)
{
	return create(PROV_QUEUE, "{\"id\":\"billing\"}");
}


/* --- validation --------------------------------------------------------- */

struct vcase {
	const char *json;
	uint16_t status;
	const char *code;
	const char *field;
};


static bool run_cases(enum prov_kind kind, const struct vcase *vc, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int err = create(kind, vc[i].json);

		if (!err || !is_err(vc[i].status, vc[i].code, vc[i].field)) {
			re_printf("    case %zu %s: got %d %u %s '%s' (%s)\n",
				  i, vc[i].json, err, perr.status, perr.code,
				  perr.field, perr.message);
			return false;
		}

		/* the message starts with the field it is about */
		if (vc[i].field[0] &&
		    strncmp(perr.message, vc[i].field, strlen(vc[i].field)))
			return false;
	}

	return prov_g.count[kind] == 0 || kind == PROV_ROUTE;
}


PROV_CASE(test_agent_rules)
{
	static const struct vcase vc[] = {
		{"{}", 400, "missing_field", "id"},
		{"{\"id\":null}", 400, "missing_field", "id"},
		{"{\"id\":\"\"}", 400, "invalid_field", "id"},
		{"{\"id\":\"a b\"}", 400, "invalid_field", "id"},
		{"{\"id\":\"a/b\"}", 400, "invalid_field", "id"},
		{"{\"id\":7}", 400, "invalid_field", "id"},
		{"{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaa\"}", 400, "invalid_field", "id"},
		{"{\"id\":\"a\",\"colour\":\"red\"}", 400, "unknown_field",
		 "colour"},
		{"{\"id\":\"a\",\"web_login\":true}", 400, "unknown_field",
		 "web_login"},
		{"{\"id\":\"a\",\"name\":5}", 400, "invalid_field", "name"},
		{"{\"id\":\"a\",\"name\":\"\"}", 400, "invalid_field", "name"},
		{"{\"id\":\"a\",\"name\":\"a\\nb\"}", 400, "invalid_field",
		 "name"},
		{"{\"id\":\"a\",\"password\":\"short\"}", 400, "invalid_field",
		 "password"},
		{"{\"id\":\"a\",\"password\":12345678}", 400, "invalid_field",
		 "password"},
		{"{\"id\":\"a\",\"sip\":\"alice\"}", 400, "invalid_field",
		 "sip"},
		{"{\"id\":\"a\",\"sip\":{\"username\":\"a\"}}", 400,
		 "missing_field", "sip.password"},
		{"{\"id\":\"a\",\"sip\":{\"password\":\"x\"}}", 400,
		 "missing_field", "sip.username"},
		{"{\"id\":\"a\",\"sip\":{\"username\":\"a b\",\"password\":"
		 "\"x\"}}", 400, "invalid_field", "sip.username"},
		{"{\"id\":\"a\",\"sip\":{\"username\":\"a\",\"password\":"
		 "\"\"}}", 400, "invalid_field", "sip.password"},
		{"{\"id\":\"a\",\"sip\":{\"username\":\"a\",\"password\":"
		 "\"x\",\"realm\":\"r\"}}", 400, "unknown_field", "sip.realm"},
		{"{\"id\":\"a\",\"skills\":{\"billing\":11}}", 400,
		 "invalid_field", "skills.billing"},
		{"{\"id\":\"a\",\"skills\":{\"billing\":0}}", 400,
		 "invalid_field", "skills.billing"},
		{"{\"id\":\"a\",\"skills\":{\"billing\":5.0}}", 400,
		 "invalid_field", "skills.billing"},
		{"{\"id\":\"a\",\"skills\":{\"billing\":\"5\"}}", 400,
		 "invalid_field", "skills.billing"},
		{"{\"id\":\"a\",\"skills\":{\"bad name\":5}}", 400,
		 "invalid_field", "skills.bad name"},
		{"{\"id\":\"a\",\"skills\":[]}", 400, "invalid_field",
		 "skills"},
		{"{\"id\":\"a\",\"capacity\":0}", 400, "invalid_field",
		 "capacity"},
		{"{\"id\":\"a\",\"capacity\":101}", 400, "invalid_field",
		 "capacity"},
		{"{\"id\":\"a\",\"capacity\":1.5}", 400, "invalid_field",
		 "capacity"},
		{"{\"id\":\"a\",\"capacity\":\"1\"}", 400, "invalid_field",
		 "capacity"},
		{"{\"id\":\"a\",\"capacity\":true}", 400, "invalid_field",
		 "capacity"},
	};

	CHECK(run_cases(PROV_AGENT, vc, ARRAY_SIZE(vc)));

	/* the example message of the contract */
	CHECK(create(PROV_AGENT, "{\"id\":\"a\",\"skills\":{\"billing\":"
		     "11}}"));
	CHECK_STR(perr.message, "skills.billing: level must be an integer "
		  "from 1 to 10");
}


PROV_CASE(test_agent_skills_limit)
{
	char json[2048];
	size_t n;

	n = (size_t)re_snprintf(json, sizeof(json), "{\"id\":\"a\","
				"\"skills\":{");
	for (int i = 0; i < 65; i++)
		n += (size_t)re_snprintf(json + n, sizeof(json) - n,
					 "%s\"s%d\":1", i ? "," : "", i);
	(void)re_snprintf(json + n, sizeof(json) - n, "}}");

	CHECK(create(PROV_AGENT, json));
	CHECK(is_err(400, "invalid_field", "skills"));

	/* 64 is fine; names up to 32 characters */
	n = (size_t)re_snprintf(json, sizeof(json), "{\"id\":\"a\","
				"\"skills\":{\"%s\":1", "abcdefghijklmnop"
				"qrstuvwxyz_-0123");
	for (int i = 1; i < 64; i++)
		n += (size_t)re_snprintf(json + n, sizeof(json) - n,
					 ",\"s%d\":10", i);
	(void)re_snprintf(json + n, sizeof(json) - n, "}}");

	CHECK_EQ(0, create(PROV_AGENT, json));
	CHECK_EQ(prov_agent_find("a")->nskills, 64u);

	CHECK(create(PROV_AGENT, "{\"id\":\"b\",\"skills\":{\"abcdefghijklm"
		     "nopqrstuvwxyz_-01234\":1}}"));
	CHECK(is_err(400, "invalid_field",
		     "skills.abcdefghijklmnopqrstuvwxyz_-01234"));
}


PROV_CASE(test_agent_defaults_and_shape)
{
	const char *j = "{\"id\":\"bob\",\"skills\":{\"spanish\":3,"
		"\"english\":8}}";
	const struct prov_agent *a;
	char *out = NULL;

	CHECK_EQ(0, prov_create(PROV_AGENT, j, strlen(j), &out, &perr));
	CHECK(json_eq(out, "{\"id\":\"bob\",\"name\":\"bob\",\"role\":\"agent\",\"skills\":"
		      "{\"english\":8,\"spanish\":3},\"capacity\":1,"
		      "\"web_login\":false}"));
	mem_deref(out);

	a = prov_agent_find("bob");
	CHECK(a != NULL);
	CHECK_EQ(a->capacity, 1u);
	CHECK(a->web_hash == NULL);
	CHECK(a->sip_user == NULL);
	CHECK_EQ(a->nskills, 2u);
	CHECK_STR(a->skills[0].name, "english");   /* sorted */
	CHECK_EQ(a->skills[0].level, 8);
	CHECK_STR(a->skills[1].name, "spanish");

	/* null is the same as absent for optional fields */
	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"c\",\"name\":null,"
			   "\"capacity\":null,\"skills\":null}"));
	CHECK_EQ(prov_agent_find("c")->capacity, 1u);
}


PROV_CASE(test_queue_rules)
{
	static const struct vcase vc[] = {
		{"{\"name\":\"x\"}", 400, "missing_field", "id"},
		{"{\"id\":\"q\",\"strategy\":5}", 400, "invalid_field",
		 "strategy"},
		{"{\"id\":\"q\",\"strategy\":\"fastest\"}", 400,
		 "invalid_field", "strategy"},
		{"{\"id\":\"q\",\"strategy\":\"Longest-Idle\"}", 400,
		 "invalid_field", "strategy"},
		{"{\"id\":\"q\",\"push_timeout_s\":0}", 400, "invalid_field",
		 "push_timeout_s"},
		{"{\"id\":\"q\",\"push_timeout_s\":601}", 400,
		 "invalid_field", "push_timeout_s"},
		{"{\"id\":\"q\",\"max_wait_s\":86401}", 400, "invalid_field",
		 "max_wait_s"},
		{"{\"id\":\"q\",\"max_wait_s\":-1}", 400, "invalid_field",
		 "max_wait_s"},
		{"{\"id\":\"q\",\"skills\":{\"billing\":12}}", 400,
		 "invalid_field", "skills.billing"},
		{"{\"id\":\"q\",\"sip\":{}}", 400, "unknown_field", "sip"},
	};
	const struct prov_queue *q;

	CHECK(run_cases(PROV_QUEUE, vc, ARRAY_SIZE(vc)));

	/* the message lists every strategy there is */
	CHECK(create(PROV_QUEUE, "{\"id\":\"q\",\"strategy\":\"bogus\"}"));
	CHECK_STR(perr.message, "strategy: must be one of: longest-idle, "
		  "ring-all, round-robin, top-down, fewest-calls, "
		  "least-talk-time, random, weighted-random, least-active, "
		  "most-available, tiers");

	CHECK_EQ(0, create(PROV_QUEUE, "{\"id\":\"q\"}"));
	q = prov_queue_find("q");
	CHECK(q != NULL);
	CHECK_STR(q->name, "q");
	CHECK_STR(q->strategy, "longest-idle");
	CHECK_EQ(q->push_timeout_s, 15u);
	CHECK_EQ(q->max_wait_s, 300u);

	CHECK_EQ(0, create(PROV_QUEUE, "{\"id\":\"b\",\"name\":\"Billing\","
			   "\"strategy\":\"longest-idle\",\"skills\":"
			   "{\"billing\":3},\"push_timeout_s\":600,"
			   "\"max_wait_s\":86400}"));
	q = prov_queue_find("b");
	CHECK(q != NULL);
	CHECK_EQ(q->push_timeout_s, 600u);
	CHECK_EQ(q->max_wait_s, 86400u);
	CHECK_EQ(q->nskills, 1u);
	CHECK_EQ(q->skills[0].level, 3);
}


PROV_CASE(test_strict_json)
{
	static const char *const bad[] = {
		"",
		"   ",
		"[1]",
		"\"x\"",
		"{\"id\":\"a\",}",
		"{\"id\":\"a\"} x",
		"{\"id\":\"a\"}{}",
		"{\"id\":TRUE}",
		"{\"id\":\"a\",\"id\":\"b\"}",
		"{\"id\":\"a\\u0000b\"}",
		"{\"id\":\"a\\x\"}",
		"{\"id\":\"\\ud800\"}",
		"{\"id\":\"\\udc00x\"}",
		"{\"id\":\"a\tb\"}",
		"{\"id\":\"\xc3\"}",
		"{\"id\":\"\xed\xa0\x80\"}",
		"{\"id\":\"\xc0\xaf\"}",
		"{\"id\":01}",
		"{\"id\":1.}",
		"{\"id\":-}",
		"{\"id\":+1}",
		"{'id':'a'}",
		"{\"id\" \"a\"}",
		"{\"skills\":{\"a\":1,\"a\":2},\"id\":\"x\"}",
		"{\"id\":\"a\"",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int err = create(PROV_AGENT, bad[i]);

		if (!err || strcmp(perr.code, "invalid_json") ||
		    perr.status != 400) {
			re_printf("    case %zu: %d %s\n", i, err, perr.code);
			CHECK(false);
		}
	}

	CHECK_EQ(prov_g.count[PROV_AGENT], 0u);

	/* positions for humans */
	CHECK(create(PROV_AGENT, "{\n  \"id\": \"a\",\n  \"name\": x\n}"));
	CHECK(strstr(perr.message, "line 3, column 11") != NULL);

	/* a duplicate names its path */
	CHECK(create(PROV_AGENT, "{\"id\":\"x\",\"skills\":{\"a\":1,"
		     "\"a\":2}}"));
	CHECK_STR(perr.field, "skills.a");

	/* escapes, pairs and UTF-8 decode to the same text */
	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"z\",\"name\":"
			   "\"Zo\\u00eb \\ud83d\\ude00 \\\"q\\\" "
			   "\xe2\x82\xac\"}"));
	CHECK_STR(prov_agent_find("z")->name,
		  "Zo\xc3\xab \xf0\x9f\x98\x80 \"q\" \xe2\x82\xac");
}


PROV_CASE(test_jsonstr)
{
	char buf[128];

	CHECK(re_snprintf(buf, sizeof(buf), "%H", jsonstr_print,
			  "a\"b\\c\n\x01\x7f/\xc3\xa9") > 0);
	CHECK_STR(buf, "\"a\\\"b\\\\c\\n\\u0001\x7f/\xc3\xa9\"");

	/* invalid UTF-8 becomes U+FFFD, so the output stays JSON */
	CHECK(re_snprintf(buf, sizeof(buf), "%H", jsonstr_print,
			  "x\xff" "y\xc3") > 0);
	CHECK_STR(buf, "\"x\\ufffdy\\ufffd\"");

	CHECK(re_snprintf(buf, sizeof(buf), "%H", jsonstr_print, NULL) > 0);
	CHECK_STR(buf, "null");
}


/* --- trunks ------------------------------------------------------------- */

PROV_CASE(test_trunk_rules)
{
	static const struct vcase vc[] = {
		{"{\"id\":\"t\"}", 400, "missing_field", "allow"},
		{"{\"id\":\"t\",\"allow\":[]}", 400, "invalid_field",
		 "allow"},
		{"{\"id\":\"t\",\"allow\":\"10.0.0.0/8\"}", 400,
		 "invalid_field", "allow"},
		{"{\"id\":\"t\",\"allow\":[5]}", 400, "invalid_field",
		 "allow[0]"},
		{"{\"id\":\"t\",\"allow\":[\"1.2.3.4\",\"foo\"]}", 400,
		 "invalid_field", "allow[1]"},
		{"{\"id\":\"t\",\"allow\":[\"1.2.3.4/33\"]}", 400,
		 "invalid_field", "allow[0]"},
		{"{\"id\":\"t\",\"allow\":[\"1.2.3.4/\"]}", 400,
		 "invalid_field", "allow[0]"},
		{"{\"id\":\"t\",\"allow\":[\"1.2.3/24\"]}", 400,
		 "invalid_field", "allow[0]"},
		{"{\"id\":\"t\",\"allow\":[\"::1/129\"]}", 400,
		 "invalid_field", "allow[0]"},
		{"{\"id\":\"t\",\"allow\":[\"fe80::1%eth0\"]}", 400,
		 "invalid_field", "allow[0]"},
		{"{\"id\":\"t\",\"allow\":[\"10.0.0.1/8\"]}", 400,
		 "invalid_field", "allow[0]"},
		{"{\"id\":\"t\",\"allow\":[\"2001:db8::1/32\"]}", 400,
		 "invalid_field", "allow[0]"},
		{"{\"id\":\"t\",\"allow\":[\"10.0.0.0/8\"],\"x\":1}", 400,
		 "unknown_field", "x"},
	};

	CHECK(run_cases(PROV_TRUNK, vc, ARRAY_SIZE(vc)));

	/* host bits: say which network was probably meant */
	CHECK(create(PROV_TRUNK, "{\"id\":\"t\",\"allow\":[\"10.1.2.3/8\"]}"));
	CHECK(strstr(perr.message, "10.0.0.0/8") != NULL);
}


static bool match(const char *ip, const char *want)
{
	const struct prov_trunk *t;
	struct sa sa;

	if (sa_set_str(&sa, ip, 5060))
		return false;

	t = prov_trunk_match(&sa);
	if (!want)
		return t == NULL;

	return t && 0 == strcmp(t->id, want);
}


PROV_CASE(test_trunk_match)
{
	char *out;

	CHECK_EQ(0, create(PROV_TRUNK, "{\"id\":\"carrier\",\"allow\":"
			   "[\"127.0.0.1/32\",\"10.0.0.0/8\",\"::1\","
			   "\"2001:db8::/32\",\"192.168.4.0/22\"]}"));

	CHECK(match("127.0.0.1", "carrier"));
	CHECK(match("127.0.0.2", NULL));
	CHECK(match("10.0.0.0", "carrier"));
	CHECK(match("10.255.255.255", "carrier"));
	CHECK(match("11.0.0.0", NULL));
	CHECK(match("9.255.255.255", NULL));
	CHECK(match("192.168.4.0", "carrier"));
	CHECK(match("192.168.7.255", "carrier"));
	CHECK(match("192.168.8.0", NULL));
	CHECK(match("192.168.3.255", NULL));
	CHECK(match("::1", "carrier"));
	CHECK(match("::2", NULL));
	CHECK(match("2001:db8::", "carrier"));
	CHECK(match("2001:db8:ffff:ffff::1", "carrier"));
	CHECK(match("2001:db9::1", NULL));
	CHECK(match("::ffff:10.1.2.3", "carrier"));    /* dual-stack v4 */
	CHECK(match("::ffff:11.1.2.3", NULL));

	/* canonical a/n form on output */
	out = public(PROV_TRUNK, "carrier");
	CHECK(out != NULL);
	CHECK(json_eq(out, "{\"id\":\"carrier\",\"allow\":[\"127.0.0.1/32\","
		      "\"10.0.0.0/8\",\"::1/128\",\"2001:db8::/32\","
		      "\"192.168.4.0/22\"]}"));
	mem_deref(out);

	/* the first trunk by id wins where they overlap; /0 is anything
	 * of its family */
	CHECK_EQ(0, create(PROV_TRUNK, "{\"id\":\"any4\",\"allow\":"
			   "[\"0.0.0.0/0\"]}"));
	CHECK(match("10.1.1.1", "any4"));
	CHECK(match("8.8.8.8", "any4"));
	CHECK(match("::1", "carrier"));
	CHECK(match("2001:db9::1", NULL));

	CHECK_EQ(0, prov_delete(PROV_TRUNK, "any4", &perr));
	CHECK(match("8.8.8.8", NULL));
	CHECK(match("10.1.1.1", "carrier"));
}


#define OB(x) "{\"id\":\"t\",\"allow\":[\"10.0.0.0/8\"],\"outbound\":" x "}"
#define OB_OK(uri) OB("{\"uri\":\"" uri "\",\"prefixes\":[\"+1\"]," \
		      "\"caller_id\":\"+15550100\"}")

PROV_CASE(test_trunk_outbound_rules)
{
	static const struct vcase vc[] = {
		{OB("5"), 400, "invalid_field", "outbound"},
		{OB("{}"), 400, "missing_field", "outbound.uri"},
		{OB("{\"uri\":\"sip:10.0.0.1\",\"prefixes\":[\"+1\"]}"), 400,
		 "missing_field", "outbound.caller_id"},
		{OB("{\"uri\":\"sip:10.0.0.1\",\"caller_id\":\"+15550100\"}"),
		 400, "missing_field", "outbound.prefixes"},
		{OB("{\"uri\":\"sip:10.0.0.1\",\"caller_id\":\"+15550100\","
		    "\"prefixes\":[]}"), 400, "invalid_field",
		 "outbound.prefixes"},
		{OB("{\"uri\":\"sip:10.0.0.1\",\"caller_id\":\"+15550100\","
		    "\"prefixes\":[\"+1\",\"1\"]}"), 400, "invalid_field",
		 "outbound.prefixes[1]"},
		{OB("{\"uri\":\"sip:10.0.0.1\",\"caller_id\":\"+15550100\","
		    "\"prefixes\":[\"+\"]}"), 400, "invalid_field",
		 "outbound.prefixes[0]"},
		{OB("{\"uri\":\"sip:10.0.0.1\",\"caller_id\":\"+15550100\","
		    "\"prefixes\":[\"+44\",\"+44\"]}"), 400, "invalid_field",
		 "outbound.prefixes[1]"},
		{OB("{\"uri\":\"sip:10.0.0.1\",\"caller_id\":\"+15550100\","
		    "\"prefixes\":[\"+1234567890123456\"]}"), 400,
		 "invalid_field", "outbound.prefixes[0]"},
		{OB("{\"uri\":\"sip:10.0.0.1\",\"caller_id\":\"15550100\","
		    "\"prefixes\":[\"+1\"]}"), 400, "invalid_field",
		 "outbound.caller_id"},
		{OB("{\"uri\":\"sip:10.0.0.1\",\"caller_id\":\"+12\","
		    "\"prefixes\":[\"+1\"]}"), 400, "invalid_field",
		 "outbound.caller_id"},
		{OB("{\"uri\":\"sip:10.0.0.1\",\"caller_id\":\"+15550100\","
		    "\"prefixes\":[\"+1\"],\"x\":1}"), 400, "unknown_field",
		 "outbound.x"},
		{OB_OK("sips:10.0.0.1"), 400, "invalid_field", "outbound.uri"},
		{OB_OK("sip:carrier.example.com"), 400, "invalid_field",
		 "outbound.uri"},
		{OB_OK("sip:user@10.0.0.1"), 400, "invalid_field",
		 "outbound.uri"},
		{OB_OK("sip:10.0.0.1:0"), 400, "invalid_field", "outbound.uri"},
		{OB_OK("sip:10.0.0.1:65536"), 400, "invalid_field",
		 "outbound.uri"},
		{OB_OK("sip:10.0.0.1:"), 400, "invalid_field", "outbound.uri"},
		{OB_OK("sip:10.0.0.1;transport=tls"), 400, "invalid_field",
		 "outbound.uri"},
		{OB_OK("sip:10.0.0.1;lr"), 400, "invalid_field",
		 "outbound.uri"},
		{OB_OK("sip:10.0.0.1>"), 400, "invalid_field", "outbound.uri"},
		{OB_OK("sip:::1"), 400, "invalid_field", "outbound.uri"},
		{OB_OK("sip:[10.0.0.1]"), 400, "invalid_field",
		 "outbound.uri"},
		{OB_OK("sip:[fe80::1%eth0]"), 400, "invalid_field",
		 "outbound.uri"},
		{OB_OK(""), 400, "invalid_field", "outbound.uri"},
	};

	CHECK(run_cases(PROV_TRUNK, vc, ARRAY_SIZE(vc)));

	CHECK_EQ(0, create(PROV_TRUNK, OB_OK("sip:10.0.0.1:5080")));
	CHECK_EQ(0, prov_delete(PROV_TRUNK, "t", &perr));
	CHECK_EQ(0, create(PROV_TRUNK, OB_OK("sip:[2001:db8::1]:5061;"
					     "transport=tcp")));
	CHECK_EQ(0, prov_delete(PROV_TRUNK, "t", &perr));
	CHECK_EQ(0, create(PROV_TRUNK, OB_OK("sip:10.0.0.1;transport=udp")));
	CHECK_EQ(0, prov_delete(PROV_TRUNK, "t", &perr));
}


static bool dials(const char *number, const char *want)
{
	const struct prov_trunk *t = prov_trunk_for_number(number);

	if (!want)
		return t == NULL;

	return t && 0 == strcmp(t->id, want);
}


PROV_CASE(test_trunk_for_number)
{
	const struct prov_trunk *t;
	char *out;

	CHECK_EQ(0, create(PROV_TRUNK, "{\"id\":\"us\",\"allow\":"
			   "[\"10.0.0.1\"],\"outbound\":{\"uri\":"
			   "\"sip:10.0.0.1:5080;transport=tcp\",\"prefixes\":"
			   "[\"+1\",\"+1555\"],\"caller_id\":\"+15550100\"}}"));
	CHECK_EQ(0, create(PROV_TRUNK, "{\"id\":\"intl\",\"allow\":"
			   "[\"10.0.0.2\"],\"outbound\":{\"uri\":"
			   "\"sip:10.0.0.2\",\"prefixes\":[\"+4\",\"+15\"],"
			   "\"caller_id\":\"+442000000\"}}"));
	CHECK_EQ(0, create(PROV_TRUNK, "{\"id\":\"inbound\",\"allow\":"
			   "[\"10.0.0.3\"]}"));

	/* the longest prefix wins, whichever trunk has it */
	CHECK(dials("+15551234", "us"));
	CHECK(dials("+15601234", "intl"));
	CHECK(dials("+12125551234", "us"));
	CHECK(dials("+442071234567", "intl"));
	CHECK(dials("+33123456789", NULL));
	/* malformed: nothing */
	CHECK(dials("15551234", NULL));
	CHECK(dials("+1", NULL));
	CHECK(dials("+1555123456789012", NULL));
	CHECK(dials("+1555a", NULL));
	CHECK(prov_number_valid("+123") && !prov_number_valid("+12"));

	/* equal prefixes: the smaller id */
	CHECK_EQ(0, create(PROV_TRUNK, "{\"id\":\"a-us\",\"allow\":"
			   "[\"10.0.0.4\"],\"outbound\":{\"uri\":"
			   "\"sip:10.0.0.4\",\"prefixes\":[\"+1555\"],"
			   "\"caller_id\":\"+15550101\"}}"));
	CHECK(dials("+15551234", "a-us"));

	t = prov_trunk_for_number("+12125551234");
	CHECK(t && t->outbound && t->outbound->tcp &&
	      sa_port(&t->outbound->dst) == 5080 &&
	      !strcmp(t->outbound->caller_id, "+15550100"));

	/* printed back as given; absent when none */
	out = public(PROV_TRUNK, "us");
	CHECK(out && json_eq(out, "{\"id\":\"us\",\"allow\":"
			     "[\"10.0.0.1/32\"],\"outbound\":{\"uri\":"
			     "\"sip:10.0.0.1:5080;transport=tcp\","
			     "\"prefixes\":[\"+1\",\"+1555\"],"
			     "\"caller_id\":\"+15550100\"}}"));
	mem_deref(out);
	out = public(PROV_TRUNK, "inbound");
	CHECK(out && json_eq(out, "{\"id\":\"inbound\",\"allow\":"
			     "[\"10.0.0.3/32\"]}"));
	mem_deref(out);

	/* PATCH null removes it: the trunk permits nothing more */
	CHECK_EQ(0, update(PROV_TRUNK, "a-us", "{\"outbound\":null}"));
	CHECK(dials("+15551234", "us"));
	CHECK_EQ(0, update(PROV_TRUNK, "us", "{\"outbound\":{\"prefixes\":"
			   "[\"+1212\"]}}"));
	CHECK(dials("+15551234", "intl"));
	CHECK(dials("+12125551234", "us"));
}


/* --- routes and queues -------------------------------------------------- */

static bool route_to(const char *number, const char *queue)
{
	const struct prov_route *r;
	struct pl pl;

	pl_set_str(&pl, number);
	r = prov_route_find(&pl);

	if (!queue)
		return r == NULL;

	return r && 0 == strcmp(r->queue, queue);
}


PROV_CASE(test_route_rules)
{
	static const struct vcase vc[] = {
		{"{\"queue\":\"billing\"}", 400, "missing_field", "number"},
		{"{\"number\":\"+1555\"}", 400, "missing_field", "queue"},
		{"{\"number\":\"+1 555\",\"queue\":\"billing\"}", 400,
		 "invalid_field", "number"},
		{"{\"number\":\"+1555\",\"queue\":\"nope\"}", 400,
		 "invalid_field", "queue"},
		{"{\"number\":\"+1555\",\"queue\":\"billing\",\"id\":\"x\"}",
		 400, "unknown_field", "id"},
	};

	CHECK_EQ(0, setup_billing());
	CHECK(run_cases(PROV_ROUTE, vc, ARRAY_SIZE(vc)));
	CHECK_EQ(prov_g.count[PROV_ROUTE], 0u);

	CHECK_EQ(0, create(PROV_ROUTE, "{\"number\":\"+15550100\","
			   "\"queue\":\"billing\"}"));
	CHECK_EQ(0, create(PROV_ROUTE, "{\"number\":\"15550111\","
			   "\"queue\":\"billing\"}"));
	CHECK_EQ(0, create(PROV_ROUTE, "{\"number\":\"*99#\","
			   "\"queue\":\"billing\"}"));

	CHECK(route_to("+15550100", "billing"));
	CHECK(route_to("15550100", "billing"));       /* '+' ignored */
	CHECK(route_to("+15550111", "billing"));
	CHECK(route_to("15550111", "billing"));
	CHECK(route_to("*99#", "billing"));
	CHECK(route_to("5550100", NULL));
	CHECK(route_to("+155501000", NULL));
	CHECK(route_to("++15550100", NULL));

	/* exact beats the '+'-less match */
	CHECK_EQ(0, create(PROV_QUEUE, "{\"id\":\"sales\"}"));
	CHECK_EQ(0, create(PROV_ROUTE, "{\"number\":\"15550100\","
			   "\"queue\":\"sales\"}"));
	CHECK(route_to("15550100", "sales"));
	CHECK(route_to("+15550100", "billing"));

	/* the number is the id */
	CHECK(update(PROV_ROUTE, "+15550100", "{\"number\":\"+1999\"}"));
	CHECK(is_err(400, "invalid_field", "number"));
	CHECK_EQ(0, update(PROV_ROUTE, "+15550100", "{\"queue\":\"sales\"}"));
	CHECK(route_to("+15550100", "sales"));
	CHECK(update(PROV_ROUTE, "+15550100", "{\"queue\":\"gone\"}"));
	CHECK(is_err(400, "invalid_field", "queue"));
	CHECK(route_to("+15550100", "sales"));

	/* duplicate */
	CHECK_EQ(EEXIST, create(PROV_ROUTE, "{\"number\":\"*99#\","
				"\"queue\":\"sales\"}"));
	CHECK(is_err(409, "exists", "number"));
}


PROV_CASE(test_queue_in_use)
{
	CHECK_EQ(0, setup_billing());
	CHECK_EQ(0, create(PROV_ROUTE, "{\"number\":\"+15550100\","
			   "\"queue\":\"billing\"}"));

	memset(&perr, 0, sizeof(perr));
	CHECK_EQ(EEXIST, prov_delete(PROV_QUEUE, "billing", &perr));
	CHECK(is_err(409, "in_use", ""));
	CHECK(strstr(perr.message, "+15550100") != NULL);
	CHECK(prov_queue_find("billing") != NULL);

	CHECK_EQ(0, prov_delete(PROV_ROUTE, "+15550100", &perr));
	CHECK_EQ(0, prov_delete(PROV_QUEUE, "billing", &perr));
	CHECK(prov_queue_find("billing") == NULL);

	memset(&perr, 0, sizeof(perr));
	CHECK_EQ(ENOENT, prov_delete(PROV_QUEUE, "billing", &perr));
	CHECK(is_err(404, "not_found", ""));
}


/* --- agents: SIP usernames, secrets ------------------------------------- */

PROV_CASE(test_sip_username_unique)
{
	const struct prov_agent *a;
	struct pl u;

	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"a\",\"sip\":{\"username\":"
			   "\"u1\",\"password\":\"p\"}}"));
	CHECK_EQ(EEXIST, create(PROV_AGENT, "{\"id\":\"b\",\"sip\":"
				"{\"username\":\"u1\",\"password\":\"p\"}}"));
	CHECK(is_err(409, "exists", "sip.username"));
	CHECK(strstr(perr.message, "'a'") != NULL);

	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"b\",\"sip\":{\"username\":"
			   "\"u2\",\"password\":\"p\"}}"));
	CHECK(update(PROV_AGENT, "b", "{\"sip\":{\"username\":\"u1\","
		     "\"password\":\"p\"}}"));
	CHECK(is_err(409, "exists", "sip.username"));

	/* one file may swap them */
	CHECK_EQ(0, apply("{\"agents\":["
			  "{\"id\":\"a\",\"sip\":{\"username\":\"u2\","
			  "\"password\":\"p\"}},"
			  "{\"id\":\"b\",\"sip\":{\"username\":\"u1\","
			  "\"password\":\"p\"}}]}"));
	pl_set_str(&u, "u1");
	a = prov_agent_by_sip_user(&u);
	CHECK(a && !strcmp(a->id, "b"));
	pl_set_str(&u, "u2");
	a = prov_agent_by_sip_user(&u);
	CHECK(a && !strcmp(a->id, "a"));

	/* but not give one to two agents */
	CHECK(apply("{\"agents\":["
		    "{\"id\":\"c\",\"sip\":{\"username\":\"u3\","
		    "\"password\":\"p\"}},"
		    "{\"id\":\"d\",\"sip\":{\"username\":\"u3\","
		    "\"password\":\"p\"}}]}"));
	CHECK(is_err(409, "exists", "agents[1].sip.username"));
	CHECK(prov_agent_find("c") == NULL);
}


static bool contains(const char *s, const char *what)
{
	return s && strstr(s, what) != NULL;
}


PROV_CASE(test_secrets_never_printed)
{
	const struct prov_agent *a;
	char *out = NULL, *doc;

	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"alice\",\"name\":\"Alice "
			   "Ng\",\"password\":\"web-secret\",\"sip\":"
			   "{\"username\":\"alice\",\"password\":"
			   "\"sip-secret\"},\"skills\":{\"english\":8,"
			   "\"billing\":5},\"capacity\":1}"));
	a = prov_agent_find("alice");
	CHECK(a && a->web_hash);

	out = public(PROV_AGENT, "alice");
	CHECK(out != NULL);
	CHECK(json_eq(out, "{\"id\":\"alice\",\"name\":\"Alice Ng\",\"role\":\"agent\",\"sip\":"
		      "{\"username\":\"alice\"},\"skills\":{\"billing\":5,"
		      "\"english\":8},\"capacity\":1,\"web_login\":true}"));
	CHECK(!contains(out, "secret"));
	CHECK(!contains(out, "pbkdf2"));
	CHECK(!contains(out, a->ha1_md5));
	CHECK(!contains(out, a->ha1_sha256));
	CHECK(!contains(out, "password"));
	CHECK(!contains(out, "ha1"));
	out = mem_deref(out);

	CHECK_EQ(0, prov_json(PROV_AGENT, NULL, &out, &perr));
	CHECK(contains(out, "\"agents\":["));
	CHECK(!contains(out, "pbkdf2"));
	CHECK(!contains(out, a->ha1_md5));
	out = mem_deref(out);

	/* the store keeps hashes, never the passwords */
	doc = stored("agents", "alice");
	CHECK(doc != NULL);
	CHECK(contains(doc, a->web_hash));
	CHECK(contains(doc, a->ha1_md5));
	CHECK(contains(doc, a->ha1_sha256));
	CHECK(!contains(doc, "web-secret"));
	CHECK(!contains(doc, "sip-secret"));
	mem_deref(doc);

	CHECK(crypto_pwverify(a->web_hash, "web-secret"));
	CHECK(!crypto_pwverify(a->web_hash, "sip-secret"));
}


/* HA1 = H(username:realm:password); the MD5 value is RFC 2617's
 * example (Mufasa / testrealm@host.com / Circle Of Life), the SHA-256
 * one computed with another implementation (Python's hashlib). */
static void test_ha1_vectors(void)
{
	struct tmpdir t;
	const struct prov_agent *a = NULL;
	struct prov_error e;
	char md5[33] = "", sha[65] = "";
	int err;

	memset(&e, 0, sizeof(e));
	CHECK_EQ(0, tmpdir_make(&t));

	err = store_open(&st, t.db);
	if (!err)
		err = prov_init(st, "testrealm@host.com");
	if (!err) {
		const char *j = "{\"id\":\"m\",\"sip\":{\"username\":"
			"\"Mufasa\",\"password\":\"Circle Of Life\"}}";

		err = prov_create(PROV_AGENT, j, strlen(j), NULL, &e);
		a = prov_agent_find("m");
		if (a) {
			str_ncpy(md5, a->ha1_md5, sizeof(md5));
			str_ncpy(sha, a->ha1_sha256, sizeof(sha));
		}
	}

	prov_close();
	st = mem_deref(st);
	tmpdir_remove(&t);

	CHECK_EQ(err, 0);
	CHECK_STR(md5, "939e7578ed9e3c518a452acee763bce9");
	CHECK_STR(sha, "3ba6cd94661c5ef34598040c868f13b8"
		  "775df29109986be50ad35ae537dd3aa4");
}


struct counter {
	unsigned n[PROV_KINDS][3];
	char last[64];
	enum prov_op last_op;
	bool seen_new;             /* lookup saw the change in the handler */
};


static void count_h(enum prov_kind kind, enum prov_op op, const char *id,
		    void *arg)
{
	struct counter *c = arg;

	++c->n[kind][op];
	str_ncpy(c->last, id, sizeof(c->last));
	c->last_op = op;

	if (kind == PROV_AGENT)
		c->seen_new = (op == PROV_REMOVED) ==
			(prov_agent_find(id) == NULL);
}


static const char alice_file[] =
	"{\"agents\":[{\"id\":\"alice\",\"password\":\"web-secret\","
	"\"sip\":{\"username\":\"alice\",\"password\":\"sip-secret\"}}]}";


PROV_CASE(test_reapply_no_churn)
{
	struct counter c;
	char hash[CRYPTO_PWHASH_MAX];
	char *doc1, *doc2;

	memset(&c, 0, sizeof(c));
	CHECK_EQ(0, prov_subscribe(count_h, &c));

	CHECK_EQ(0, apply(alice_file));
	CHECK_EQ(c.n[PROV_AGENT][PROV_ADDED], 1u);
	str_ncpy(hash, prov_agent_find("alice")->web_hash, sizeof(hash));
	CHECK_STR(prov_agent_find("alice")->ha1_md5,
		  "98dc3eca94dd1ea486033ed2ed638feb");
	doc1 = stored("agents", "alice");

	/* the same file again: same hash, no write, no notification */
	CHECK_EQ(0, apply(alice_file));
	CHECK_STR(prov_agent_find("alice")->web_hash, hash);
	CHECK_EQ(c.n[PROV_AGENT][PROV_UPDATED], 0u);
	doc2 = stored("agents", "alice");
	CHECK(doc1 && doc2);
	CHECK_STR(doc1, doc2);
	mem_deref(doc1);
	mem_deref(doc2);

	/* a new password is a change */
	CHECK_EQ(0, apply("{\"agents\":[{\"id\":\"alice\",\"password\":"
			  "\"new-secret\",\"sip\":{\"username\":\"alice\","
			  "\"password\":\"sip-secret\"}}]}"));
	CHECK(strcmp(prov_agent_find("alice")->web_hash, hash));
	CHECK(crypto_pwverify(prov_agent_find("alice")->web_hash,
			      "new-secret"));
	CHECK_EQ(c.n[PROV_AGENT][PROV_UPDATED], 1u);
	CHECK(c.seen_new);
}


PROV_CASE(test_patch_secrets)
{
	const struct prov_agent *a;
	char hash[CRYPTO_PWHASH_MAX], md5[33];
	struct pl u;

	CHECK_EQ(0, apply(alice_file));
	a = prov_agent_find("alice");
	str_ncpy(hash, a->web_hash, sizeof(hash));
	str_ncpy(md5, a->ha1_md5, sizeof(md5));

	/* no "password": both kept */
	CHECK_EQ(0, update(PROV_AGENT, "alice", "{\"name\":\"Alice\"}"));
	a = prov_agent_find("alice");
	CHECK_STR(a->name, "Alice");
	CHECK_STR(a->web_hash, hash);
	CHECK_STR(a->ha1_md5, md5);

	/* the username alone cannot keep a digest made with the old one */
	CHECK(update(PROV_AGENT, "alice", "{\"sip\":{\"username\":"
		     "\"alice2\"}}"));
	CHECK(is_err(400, "missing_field", "sip.password"));
	CHECK_STR(prov_agent_find("alice")->sip_user, "alice");

	/* a new SIP password: new HA1s for the same username */
	CHECK_EQ(0, update(PROV_AGENT, "alice", "{\"sip\":{\"password\":"
			   "\"other\"}}"));
	a = prov_agent_find("alice");
	CHECK(strcmp(a->ha1_md5, md5));
	CHECK_STR(a->web_hash, hash);

	/* a new web password */
	CHECK_EQ(0, update(PROV_AGENT, "alice", "{\"password\":"
			   "\"changed-pw\"}"));
	a = prov_agent_find("alice");
	CHECK(crypto_pwverify(a->web_hash, "changed-pw"));

	/* null removes the web login, and the phone */
	CHECK_EQ(0, update(PROV_AGENT, "alice", "{\"password\":null,"
			   "\"sip\":null}"));
	a = prov_agent_find("alice");
	CHECK(a->web_hash == NULL);
	CHECK(a->sip_user == NULL);
	pl_set_str(&u, "alice");
	CHECK(prov_agent_by_sip_user(&u) == NULL);
}


PROV_CASE(test_patch_merge)
{
	const char *j;
	char *out = NULL;

	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"bob\",\"name\":\"Bob\","
			   "\"skills\":{\"a\":1,\"b\":2},\"capacity\":2}"));

	j = "{\"skills\":{\"a\":null,\"c\":3},\"name\":\"Robert\"}";
	CHECK_EQ(0, prov_update(PROV_AGENT, "bob", j, strlen(j), &out,
				&perr));
	CHECK(json_eq(out, "{\"id\":\"bob\",\"name\":\"Robert\",\"role\":\"agent\",\"skills\":"
		      "{\"b\":2,\"c\":3},\"capacity\":2,\"web_login\":"
		      "false}"));
	out = mem_deref(out);

	/* null resets to the default */
	CHECK_EQ(0, update(PROV_AGENT, "bob", "{\"capacity\":null}"));
	CHECK_EQ(prov_agent_find("bob")->capacity, 1u);

	/* the id stays; repeating it is fine */
	CHECK_EQ(0, update(PROV_AGENT, "bob", "{\"id\":\"bob\"}"));
	CHECK(update(PROV_AGENT, "bob", "{\"id\":\"rob\"}"));
	CHECK(is_err(400, "invalid_field", "id"));
	CHECK(update(PROV_AGENT, "bob", "{\"id\":null}"));
	CHECK(is_err(400, "invalid_field", "id"));

	/* a bad patch changes nothing */
	CHECK(update(PROV_AGENT, "bob", "{\"name\":\"X\",\"colour\":1}"));
	CHECK(is_err(400, "unknown_field", "colour"));
	CHECK_STR(prov_agent_find("bob")->name, "Robert");
	CHECK(update(PROV_AGENT, "bob", "{\"skills\":{\"b\":99}}"));
	CHECK(is_err(400, "invalid_field", "skills.b"));
	CHECK_EQ(prov_agent_find("bob")->skills[0].level, 2);

	memset(&perr, 0, sizeof(perr));
	CHECK_EQ(ENOENT, prov_update(PROV_AGENT, "nobody", "{}", 2, NULL,
				     &perr));
	CHECK(is_err(404, "not_found", ""));

	/* queues merge the same way */
	CHECK_EQ(0, create(PROV_QUEUE, "{\"id\":\"q\",\"max_wait_s\":60}"));
	CHECK_EQ(0, update(PROV_QUEUE, "q", "{\"push_timeout_s\":20}"));
	CHECK_EQ(prov_queue_find("q")->max_wait_s, 60u);
	CHECK_EQ(prov_queue_find("q")->push_timeout_s, 20u);
}


/* RFC 7386 appendix A, every example */
static void test_merge_patch_rfc7386(void)
{
	static const char *const v[][3] = {
		{"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
		{"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
		{"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
		{"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
		{"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
		{"{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
		{"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
		 "{\"a\":{\"b\":\"d\"}}"},
		{"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
		{"{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"},
		{"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}",
		 "{\"a\":{\"bb\":{}}}"},
		{"{\"a\":{\"x\":1}}", "{\"a\":{\"y\":{\"z\":null,\"w\":2}}}",
		 "{\"a\":{\"x\":1,\"y\":{\"w\":2}}}"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct odict *t = NULL, *p = NULL, *want = NULL;
		bool ok;

		CHECK_EQ(0, json_decode_odict(&t, 8, v[i][0],
					      strlen(v[i][0]), 8));
		CHECK_EQ(0, json_decode_odict(&p, 8, v[i][1],
					      strlen(v[i][1]), 8));
		CHECK_EQ(0, json_decode_odict(&want, 8, v[i][2],
					      strlen(v[i][2]), 8));

		ok = 0 == prov_merge_patch(t, p) && odict_eq(t, want);
		if (!ok)
			re_printf("    vector %zu: %H\n", i, json_encode_odict,
				  t);

		mem_deref(t);
		mem_deref(p);
		mem_deref(want);
		CHECK(ok);
	}
}


/* --- the provisioning file ---------------------------------------------- */

static const char good_file[] =
	"{\"queues\":[{\"id\":\"billing\",\"name\":\"Billing\","
	"\"skills\":{\"billing\":3}},{\"id\":\"sales\"}],"
	"\"agents\":[{\"id\":\"alice\",\"sip\":{\"username\":\"alice\","
	"\"password\":\"s1\"},\"skills\":{\"billing\":5}},"
	"{\"id\":\"bob\",\"capacity\":2}],"
	"\"trunks\":[{\"id\":\"carrier\",\"allow\":[\"127.0.0.1\"]}],"
	"\"routes\":[{\"number\":\"+15550100\",\"queue\":\"billing\"}]}";


PROV_CASE(test_file_all_or_nothing)
{
	static const struct {
		const char *json;
		const char *code;
		const char *field;
	} bad[] = {
		/* the route's queue is in no file and not stored */
		{"{\"queues\":[{\"id\":\"q\"}],\"agents\":[{\"id\":\"a\"}],"
		 "\"routes\":[{\"number\":\"1\",\"queue\":\"nope\"}]}",
		 "invalid_field", "routes[0].queue"},
		{"{\"agents\":[{\"id\":\"a\"},{\"id\":\"b\",\"skills\":"
		 "{\"billing\":11}}]}", "invalid_field",
		 "agents[1].skills.billing"},
		{"{\"agents\":[{\"id\":\"a\"}],\"colour\":[]}",
		 "unknown_field", "colour"},
		{"{\"agents\":{\"id\":\"a\"}}", "invalid_field", "agents"},
		{"{\"agents\":[\"a\"]}", "invalid_field", "agents[0]"},
		{"{\"agents\":[{\"id\":\"a\"},{\"id\":\"a\"}]}",
		 "invalid_field", "agents[1].id"},
		{"{\"queues\":[{\"id\":\"q\"}],\"trunks\":[{\"id\":\"t\","
		 "\"allow\":[\"10.0.0.1/8\"]}]}", "invalid_field",
		 "trunks[0].allow[0]"},
		{"{\"agents\":[{\"id\":\"a\",\"sip\":{\"username\":\"x\"}}]}",
		 "missing_field", "agents[0].sip.password"},
	};
	struct counter c;

	memset(&c, 0, sizeof(c));
	CHECK_EQ(0, prov_subscribe(count_h, &c));

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int err = apply(bad[i].json);

		if (!err || strcmp(perr.code, bad[i].code) ||
		    strcmp(perr.field, bad[i].field)) {
			re_printf("    case %zu: %d %s %s\n", i, err,
				  perr.code, perr.field);
			CHECK(false);
		}
	}

	for (int k = 0; k < PROV_KINDS; k++)
		CHECK_EQ(prov_g.count[k], k == PROV_STATUS ? 6u : 0u);
	CHECK_EQ(c.n[PROV_QUEUE][PROV_ADDED] + c.n[PROV_AGENT][PROV_ADDED],
		 0u);

	/* routes may name queues from the same file */
	CHECK_EQ(0, apply(good_file));
	CHECK_EQ(prov_g.count[PROV_AGENT], 2u);
	CHECK_EQ(prov_g.count[PROV_QUEUE], 2u);
	CHECK_EQ(prov_g.count[PROV_TRUNK], 1u);
	CHECK_EQ(prov_g.count[PROV_ROUTE], 1u);
	CHECK_EQ(c.n[PROV_AGENT][PROV_ADDED], 2u);
	CHECK_EQ(c.n[PROV_ROUTE][PROV_ADDED], 1u);

	/* ... or queues already stored; objects not in the file stay */
	CHECK_EQ(0, apply("{\"routes\":[{\"number\":\"+1777\",\"queue\":"
			  "\"sales\"}]}"));
	CHECK_EQ(prov_g.count[PROV_ROUTE], 2u);
	CHECK_EQ(prov_g.count[PROV_AGENT], 2u);

	/* a failing file leaves what was there */
	CHECK(apply("{\"agents\":[{\"id\":\"bob\",\"capacity\":5},"
		    "{\"id\":\"x\",\"capacity\":0}]}"));
	CHECK_EQ(prov_agent_find("bob")->capacity, 2u);
}


PROV_CASE(test_file_from_disk)
{
	char path[256];

	CHECK_EQ(0, tmpdir_write(&td, "prov.json", good_file, path,
				 sizeof(path)));
	memset(&perr, 0, sizeof(perr));
	CHECK_EQ(0, prov_apply_file(path, &perr));
	CHECK(prov_agent_find("alice") != NULL);

	CHECK_EQ(0, tmpdir_write(&td, "bad.json", "{\"agents\":[{\"id\":"
				 "\"z\",\"capacity\":\"x\"}]}", path,
				 sizeof(path)));
	CHECK(prov_apply_file(path, &perr));
	CHECK_STR(perr.field, "agents[0].capacity");

	CHECK(prov_apply_file("/nonexistent/prov.json", &perr));
	CHECK(contains(perr.message, "/nonexistent/prov.json"));
}


PROV_CASE(test_reload_from_store)
{
	char *before[PROV_KINDS], *after[PROV_KINDS];
	const struct prov_agent *a;
	char hash[CRYPTO_PWHASH_MAX];
	int err = 0;

	CHECK_EQ(0, apply(good_file));
	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"web\",\"password\":"
			   "\"web-secret\"}"));
	str_ncpy(hash, prov_agent_find("web")->web_hash, sizeof(hash));

	for (int k = 0; k < PROV_KINDS; k++)
		err |= prov_json((enum prov_kind)k, NULL, &before[k], &perr);
	CHECK_EQ(err, 0);

	prov_close();
	CHECK(prov_agent_find("alice") == NULL);
	CHECK_EQ(0, prov_init(st, "switchboard"));

	for (int k = 0; k < PROV_KINDS; k++) {
		err |= prov_json((enum prov_kind)k, NULL, &after[k], &perr);
		if (!err && strcmp(before[k], after[k]))
			err = EINVAL;
	}
	for (int k = 0; k < PROV_KINDS; k++) {
		mem_deref(before[k]);
		mem_deref(after[k]);
	}
	CHECK_EQ(err, 0);

	a = prov_agent_find("alice");
	CHECK(a != NULL);
	/* md5("alice:switchboard:s1"), computed with Python's hashlib */
	CHECK_STR(a->ha1_md5, "8cf2ccdc29dcf2c0b6acefc391b0c1df");
	CHECK_STR(prov_agent_find("web")->web_hash, hash);
	CHECK(match("127.0.0.1", "carrier"));
	CHECK(route_to("15550100", "billing"));
}


PROV_CASE(test_listeners)
{
	struct counter c[8], extra;

	for (int i = 0; i < 8; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		CHECK_EQ(0, prov_subscribe(count_h, &c[i]));
	}
	CHECK_EQ(ENOSPC, prov_subscribe(count_h, &extra));

	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"a\"}"));
	CHECK_EQ(c[0].n[PROV_AGENT][PROV_ADDED], 1u);
	CHECK_EQ(c[7].n[PROV_AGENT][PROV_ADDED], 1u);
	CHECK_STR(c[7].last, "a");
	CHECK(c[0].seen_new);

	CHECK_EQ(0, update(PROV_AGENT, "a", "{\"capacity\":3}"));
	CHECK_EQ(c[3].n[PROV_AGENT][PROV_UPDATED], 1u);
	CHECK(c[3].seen_new);

	/* the same values: nothing happened */
	CHECK_EQ(0, update(PROV_AGENT, "a", "{\"capacity\":3}"));
	CHECK_EQ(c[3].n[PROV_AGENT][PROV_UPDATED], 1u);

	/* failures are silent */
	CHECK(update(PROV_AGENT, "a", "{\"capacity\":0}"));
	CHECK_EQ(c[3].n[PROV_AGENT][PROV_UPDATED], 1u);

	memset(&perr, 0, sizeof(perr));
	CHECK_EQ(0, prov_delete(PROV_AGENT, "a", &perr));
	CHECK_EQ(c[5].n[PROV_AGENT][PROV_REMOVED], 1u);
	CHECK_EQ(c[5].last_op, PROV_REMOVED);
	CHECK(c[5].seen_new);

	CHECK_EQ(0, setup_billing());
	CHECK_EQ(c[1].n[PROV_QUEUE][PROV_ADDED], 1u);
	CHECK_EQ(c[1].n[PROV_AGENT][PROV_ADDED], 1u);
}


PROV_CASE(test_create_exists_and_lists)
{
	char *out = NULL;

	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"b\"}"));
	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"a\"}"));
	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"c\"}"));
	CHECK_EQ(EEXIST, create(PROV_AGENT, "{\"id\":\"a\",\"capacity\":9}"));
	CHECK(is_err(409, "exists", "id"));
	CHECK_EQ(prov_agent_find("a")->capacity, 1u);

	/* ordered by id */
	CHECK_EQ(0, prov_json(PROV_AGENT, NULL, &out, &perr));
	CHECK(contains(out, "{\"agents\":[{\"id\":\"a\""));
	CHECK(strstr(out, "\"id\":\"a\"") < strstr(out, "\"id\":\"b\""));
	CHECK(strstr(out, "\"id\":\"b\"") < strstr(out, "\"id\":\"c\""));
	out = mem_deref(out);

	CHECK_EQ(0, prov_json(PROV_ROUTE, NULL, &out, &perr));
	CHECK_STR(out, "{\"routes\":[]}");
	out = mem_deref(out);

	memset(&perr, 0, sizeof(perr));
	CHECK_EQ(ENOENT, prov_json(PROV_AGENT, "zz", &out, &perr));
	CHECK(is_err(404, "not_found", ""));
}


/* the fuzzer's entry points agree with the real operations */
static void test_check_api(void)
{
	struct prov_error e;
	char *canon = NULL;
	const char *j = "{\"id\":\"q\",\"skills\":{\"b\":2,\"a\":1}}";

	memset(&e, 0, sizeof(e));
	CHECK_EQ(0, prov_check_object(PROV_QUEUE, j, strlen(j), &canon, &e));
	CHECK_STR(canon, "{\"id\":\"q\",\"name\":\"q\",\"strategy\":"
		  "\"longest-idle\",\"skills\":{\"a\":1,\"b\":2},"
		  "\"push_timeout_s\":15,\"max_wait_s\":300,\"tiers\":"
		  "{\"wait_s\":15},\"relaxation\":[],\"service_level_s\":20,"
		  "\"decline_block_s\":30,\"aging\":{\"per_minute\":0},"
		  "\"wrapup_s\":0}");
	canon = mem_deref(canon);

	CHECK_EQ(0, prov_check_json(good_file, strlen(good_file), &e));
	j = "{\"routes\":[{\"number\":\"1\",\"queue\":\"x\"}]}";
	CHECK(prov_check_json(j, strlen(j), &e));
	CHECK_STR(e.field, "routes[0].queue");

	j = "{\"id\":\"q\",\"skills\":{\"b\":2,\"a\":1}}";
	CHECK_EQ(0, prov_check_patch(PROV_QUEUE, j, strlen(j),
				     "{\"skills\":{\"a\":null}}", 21, &canon,
				     &e));
	CHECK(contains(canon, "\"skills\":{\"b\":2}"));
	mem_deref(canon);
}


/* --- statuses ----------------------------------------------------------- */

struct seen_status {
	char ids[256];
	size_t n;
	unsigned routable;
};


static bool status_visit(const struct prov_status *s, void *arg)
{
	struct seen_status *ss = arg;

	ss->n += (size_t)re_snprintf(ss->ids + ss->n, sizeof(ss->ids) - ss->n,
				     "%s;", s->id);
	ss->routable += s->routable;
	return false;
}


PROV_CASE(test_status_seed)
{
	struct seen_status ss;
	const struct prov_status *s;
	char *out = NULL;

	/* a new database gets the defaults, stored */
	CHECK_EQ(prov_g.count[PROV_STATUS], 6u);
	CHECK_EQ(0, prov_json(PROV_STATUS, NULL, &out, &perr));
	CHECK(json_eq(out, "{\"statuses\":["
		      "{\"id\":\"available\",\"name\":\"Available\","
		      "\"routable\":true},"
		      "{\"id\":\"break\",\"name\":\"Break\","
		      "\"routable\":false},"
		      "{\"id\":\"busy\",\"name\":\"Busy\","
		      "\"routable\":false},"
		      "{\"id\":\"lunch\",\"name\":\"Lunch\","
		      "\"routable\":false},"
		      "{\"id\":\"missed\",\"name\":\"Missed\","
		      "\"routable\":false},"
		      "{\"id\":\"offline\",\"name\":\"Offline\","
		      "\"routable\":false}]}"));
	/* ordered by id */
	CHECK(strstr(out, "\"available\"") < strstr(out, "\"break\""));
	CHECK(strstr(out, "\"missed\"") < strstr(out, "\"offline\""));
	out = mem_deref(out);

	s = prov_status_find("available");
	CHECK(s && s->routable);
	CHECK_STR(s->name, "Available");
	s = prov_status_find("lunch");
	CHECK(s && !s->routable);
	CHECK(prov_status_find("nope") == NULL);
	CHECK(prov_status_find(NULL) == NULL);

	memset(&ss, 0, sizeof(ss));
	CHECK(prov_status_apply(status_visit, &ss) == NULL);
	CHECK_EQ(ss.routable, 1u);
	CHECK(contains(ss.ids, "missed;"));

	out = stored("statuses", "busy");
	CHECK(out != NULL);
	CHECK_STR(out, "{\"id\":\"busy\",\"name\":\"Busy\",\"routable\":"
		  "false}");
	out = mem_deref(out);

	/* seeded once: what the admin removed stays removed */
	CHECK_EQ(0, prov_delete(PROV_STATUS, "lunch", &perr));
	CHECK_EQ(0, update(PROV_STATUS, "busy", "{\"name\":\"On a call\"}"));
	prov_close();
	CHECK_EQ(0, prov_init(st, "switchboard"));
	CHECK_EQ(prov_g.count[PROV_STATUS], 5u);
	CHECK(prov_status_find("lunch") == NULL);
	CHECK_STR(prov_status_find("busy")->name, "On a call");
}


PROV_CASE(test_status_rules)
{
	static const struct vcase vc[] = {
		{"{\"routable\":true}", 400, "missing_field", "id"},
		{"{\"id\":\"wrapup\"}", 400, "missing_field", "routable"},
		{"{\"id\":\"wrapup\",\"routable\":null}", 400, "missing_field",
		 "routable"},
		{"{\"id\":\"wrapup\",\"routable\":\"true\"}", 400,
		 "invalid_field", "routable"},
		{"{\"id\":\"wrapup\",\"routable\":1}", 400, "invalid_field",
		 "routable"},
		{"{\"id\":\"wrap up\",\"routable\":true}", 400,
		 "invalid_field", "id"},
		{"{\"id\":\"wrapup\",\"routable\":true,\"name\":\"\"}", 400,
		 "invalid_field", "name"},
		{"{\"id\":\"wrapup\",\"routable\":true,\"colour\":1}", 400,
		 "unknown_field", "colour"},
		{"{\"id\":\"available\",\"routable\":true}", 409, "exists",
		 "id"},
	};
	const struct prov_status *s;

	for (size_t i = 0; i < ARRAY_SIZE(vc); i++) {
		int err = create(PROV_STATUS, vc[i].json);

		if (!err || !is_err(vc[i].status, vc[i].code, vc[i].field)) {
			re_printf("    case %zu %s: got %d %u %s '%s' (%s)\n",
				  i, vc[i].json, err, perr.status, perr.code,
				  perr.field, perr.message);
			CHECK(false);
		}
	}
	CHECK_EQ(prov_g.count[PROV_STATUS], 6u);

	CHECK_EQ(0, create(PROV_STATUS, "{\"id\":\"wrap-up\",\"routable\":"
			   "false}"));
	s = prov_status_find("wrap-up");
	CHECK(s && !s->routable);
	CHECK_STR(s->name, "wrap-up");
	CHECK_EQ(0, update(PROV_STATUS, "wrap-up", "{\"routable\":true,"
			   "\"name\":\"Wrap-up\"}"));
	s = prov_status_find("wrap-up");
	CHECK(s && s->routable);
	CHECK_STR(s->name, "Wrap-up");

	/* "available" stays, and stays routable */
	CHECK(update(PROV_STATUS, "available", "{\"routable\":false}"));
	CHECK(is_err(400, "invalid_field", "routable"));
	CHECK(contains(perr.message, "'available' must stay routable"));
	CHECK(apply("{\"statuses\":[{\"id\":\"available\",\"routable\":"
		    "false}]}"));
	CHECK(is_err(400, "invalid_field", "statuses[0].routable"));
	CHECK(prov_status_find("available")->routable);
	CHECK_EQ(0, update(PROV_STATUS, "available", "{\"name\":\"Ready\"}"));
	CHECK_STR(prov_status_find("available")->name, "Ready");

	memset(&perr, 0, sizeof(perr));
	CHECK_EQ(EEXIST, prov_delete(PROV_STATUS, "available", &perr));
	CHECK(is_err(409, "in_use", ""));
	CHECK(contains(perr.message, "'available' cannot be deleted"));
	CHECK(prov_status_find("available") != NULL);

	CHECK_EQ(0, prov_delete(PROV_STATUS, "wrap-up", &perr));
	CHECK(prov_status_find("wrap-up") == NULL);
	CHECK_EQ(ENOENT, prov_delete(PROV_STATUS, "wrap-up", &perr));
	CHECK(is_err(404, "not_found", ""));

	/* the provisioning file takes statuses too, idempotently */
	CHECK_EQ(0, apply("{\"statuses\":[{\"id\":\"training\",\"name\":"
			  "\"Training\",\"routable\":false}]}"));
	CHECK(prov_status_find("training") != NULL);
	CHECK_EQ(0, apply("{\"statuses\":[{\"id\":\"training\",\"name\":"
			  "\"Training\",\"routable\":false}]}"));
	CHECK_EQ(prov_g.count[PROV_STATUS], 7u);
}


/* --- queues: strategies and routing settings ---------------------------- */

PROV_CASE(test_queue_strategies)
{
	static const char *const names[] = {
		"longest-idle", "ring-all", "round-robin", "top-down",
		"fewest-calls", "least-talk-time", "random",
		"weighted-random", "least-active", "most-available", "tiers",
	};
	char json[128];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		(void)re_snprintf(json, sizeof(json), "{\"id\":\"q%zu\","
				  "\"strategy\":\"%s\"}", i, names[i]);
		CHECK_EQ(0, create(PROV_QUEUE, json));
		(void)re_snprintf(json, sizeof(json), "q%zu", i);
		CHECK_STR(prov_queue_find(json)->strategy, names[i]);
	}

	/* null is the default */
	CHECK_EQ(0, update(PROV_QUEUE, "q3", "{\"strategy\":null}"));
	CHECK_STR(prov_queue_find("q3")->strategy, "longest-idle");
}


PROV_CASE(test_queue_routing_rules)
{
	static const struct vcase vc[] = {
		/* tiers */
		{"{\"id\":\"q\",\"tiers\":15}", 400, "invalid_field", "tiers"},
		{"{\"id\":\"q\",\"tiers\":{\"wait_s\":0}}", 400,
		 "invalid_field", "tiers.wait_s"},
		{"{\"id\":\"q\",\"tiers\":{\"wait_s\":3601}}", 400,
		 "invalid_field", "tiers.wait_s"},
		{"{\"id\":\"q\",\"tiers\":{\"wait_s\":1.5}}", 400,
		 "invalid_field", "tiers.wait_s"},
		{"{\"id\":\"q\",\"tiers\":{\"wait\":10}}", 400,
		 "unknown_field", "tiers.wait"},
		/* relaxation */
		{"{\"id\":\"q\",\"relaxation\":{}}", 400, "invalid_field",
		 "relaxation"},
		{"{\"id\":\"q\",\"relaxation\":[5]}", 400, "invalid_field",
		 "relaxation[0]"},
		{"{\"id\":\"q\",\"skills\":{\"a\":5},\"relaxation\":"
		 "[{\"skill\":\"a\",\"level\":1}]}", 400, "missing_field",
		 "relaxation[0].after_s"},
		{"{\"id\":\"q\",\"skills\":{\"a\":5},\"relaxation\":"
		 "[{\"after_s\":0,\"skill\":\"a\",\"level\":1}]}", 400,
		 "invalid_field", "relaxation[0].after_s"},
		{"{\"id\":\"q\",\"skills\":{\"a\":5},\"relaxation\":"
		 "[{\"after_s\":86401,\"skill\":\"a\",\"level\":1}]}", 400,
		 "invalid_field", "relaxation[0].after_s"},
		{"{\"id\":\"q\",\"skills\":{\"a\":5},\"relaxation\":"
		 "[{\"after_s\":10,\"level\":1}]}", 400, "missing_field",
		 "relaxation[0].skill"},
		{"{\"id\":\"q\",\"skills\":{\"a\":5},\"relaxation\":"
		 "[{\"after_s\":10,\"skill\":\"b\",\"level\":1}]}", 400,
		 "invalid_field", "relaxation[0].skill"},
		{"{\"id\":\"q\",\"relaxation\":"
		 "[{\"after_s\":10,\"skill\":\"a\",\"level\":1}]}", 400,
		 "invalid_field", "relaxation[0].skill"},
		{"{\"id\":\"q\",\"skills\":{\"a\":5},\"relaxation\":"
		 "[{\"after_s\":10,\"skill\":\"a\"}]}", 400, "missing_field",
		 "relaxation[0].level"},
		{"{\"id\":\"q\",\"skills\":{\"a\":5},\"relaxation\":"
		 "[{\"after_s\":10,\"skill\":\"a\",\"level\":11}]}", 400,
		 "invalid_field", "relaxation[0].level"},
		{"{\"id\":\"q\",\"skills\":{\"a\":5},\"relaxation\":"
		 "[{\"after_s\":10,\"skill\":\"a\",\"level\":-1}]}", 400,
		 "invalid_field", "relaxation[0].level"},
		{"{\"id\":\"q\",\"skills\":{\"a\":5},\"relaxation\":"
		 "[{\"after_s\":10,\"skill\":\"a\",\"level\":1,\"x\":1}]}",
		 400, "unknown_field", "relaxation[0].x"},
		{"{\"id\":\"q\",\"skills\":{\"a\":5},\"relaxation\":"
		 "[{\"after_s\":10,\"skill\":\"a\",\"level\":3},"
		 "{\"after_s\":10,\"skill\":\"a\",\"level\":1}]}", 400,
		 "invalid_field", "relaxation[1]"},
		/* overflow */
		{"{\"id\":\"q\",\"overflow\":\"other\"}", 400, "invalid_field",
		 "overflow"},
		{"{\"id\":\"q\",\"overflow\":{\"after_s\":60}}", 400,
		 "missing_field", "overflow.queue"},
		{"{\"id\":\"q\",\"overflow\":{\"queue\":\"other\"}}", 400,
		 "missing_field", "overflow.after_s"},
		{"{\"id\":\"q\",\"overflow\":{\"queue\":\"q\",\"after_s\":60}}",
		 400, "invalid_field", "overflow.queue"},
		{"{\"id\":\"q\",\"overflow\":{\"queue\":\"a b\","
		 "\"after_s\":60}}", 400, "invalid_field", "overflow.queue"},
		{"{\"id\":\"q\",\"overflow\":{\"queue\":\"nope\","
		 "\"after_s\":60}}", 400, "invalid_field", "overflow.queue"},
		{"{\"id\":\"q\",\"overflow\":{\"queue\":\"other\","
		 "\"after_s\":0}}", 400, "invalid_field", "overflow.after_s"},
		{"{\"id\":\"q\",\"overflow\":{\"queue\":\"other\","
		 "\"after_s\":86401}}", 400, "invalid_field",
		 "overflow.after_s"},
		{"{\"id\":\"q\",\"overflow\":{\"queue\":\"other\","
		 "\"after_s\":60,\"priority\":1}}", 400, "unknown_field",
		 "overflow.priority"},
		/* aging */
		{"{\"id\":\"q\",\"aging\":1}", 400, "invalid_field", "aging"},
		{"{\"id\":\"q\",\"aging\":{\"per_minute\":-0.5}}", 400,
		 "invalid_field", "aging.per_minute"},
		{"{\"id\":\"q\",\"aging\":{\"per_minute\":-1}}", 400,
		 "invalid_field", "aging.per_minute"},
		{"{\"id\":\"q\",\"aging\":{\"per_minute\":10.001}}", 400,
		 "invalid_field", "aging.per_minute"},
		{"{\"id\":\"q\",\"aging\":{\"per_minute\":11}}", 400,
		 "invalid_field", "aging.per_minute"},
		{"{\"id\":\"q\",\"aging\":{\"per_minute\":1e999}}", 400,
		 "invalid_field", "aging.per_minute"},
		{"{\"id\":\"q\",\"aging\":{\"per_minute\":\"1\"}}", 400,
		 "invalid_field", "aging.per_minute"},
		{"{\"id\":\"q\",\"aging\":{\"per_minute\":0.3333}}", 400,
		 "invalid_field", "aging.per_minute"},
		{"{\"id\":\"q\",\"aging\":{\"per_min\":1}}", 400,
		 "unknown_field", "aging.per_min"},
		/* service level, decline block, missed status */
		{"{\"id\":\"q\",\"service_level_s\":0}", 400, "invalid_field",
		 "service_level_s"},
		{"{\"id\":\"q\",\"service_level_s\":3601}", 400,
		 "invalid_field", "service_level_s"},
		{"{\"id\":\"q\",\"decline_block_s\":-1}", 400,
		 "invalid_field", "decline_block_s"},
		{"{\"id\":\"q\",\"decline_block_s\":3601}", 400,
		 "invalid_field", "decline_block_s"},
		{"{\"id\":\"q\",\"missed_status\":\"nope\"}", 400,
		 "invalid_field", "missed_status"},
		{"{\"id\":\"q\",\"missed_status\":7}", 400, "invalid_field",
		 "missed_status"},
		{"{\"id\":\"q\",\"missed_status\":\"\"}", 400,
		 "invalid_field", "missed_status"},
	};
	char json[4096];
	size_t n;

	CHECK(run_cases(PROV_QUEUE, vc, ARRAY_SIZE(vc)));

	/* the messages a user reads */
	CHECK(create(PROV_QUEUE, "{\"id\":\"q\",\"overflow\":{\"queue\":"
		     "\"q\",\"after_s\":60}}"));
	CHECK_STR(perr.message, "overflow.queue: a queue cannot overflow to "
		  "itself");
	CHECK(create(PROV_QUEUE, "{\"id\":\"q\",\"overflow\":{\"queue\":"
		     "\"nope\",\"after_s\":60}}"));
	CHECK_STR(perr.message, "overflow.queue: no queue 'nope' exists");
	CHECK(create(PROV_QUEUE, "{\"id\":\"q\",\"skills\":{\"a\":5},"
		     "\"relaxation\":[{\"after_s\":10,\"skill\":\"b\","
		     "\"level\":1}]}"));
	CHECK_STR(perr.message, "relaxation[0].skill: 'b' is not one of the "
		  "queue's skills");
	CHECK(create(PROV_QUEUE, "{\"id\":\"q\",\"missed_status\":"
		     "\"nope\"}"));
	CHECK_STR(perr.message, "missed_status: no status 'nope' exists");

	/* at most 16 steps */
	n = (size_t)re_snprintf(json, sizeof(json), "{\"id\":\"q\","
				"\"skills\":{\"a\":9},\"relaxation\":[");
	for (int i = 0; i < 17; i++)
		n += (size_t)re_snprintf(json + n, sizeof(json) - n,
					 "%s{\"after_s\":%d,\"skill\":\"a\","
					 "\"level\":1}", i ? "," : "", i + 1);
	(void)re_snprintf(json + n, sizeof(json) - n, "]}");
	CHECK(create(PROV_QUEUE, json));
	CHECK(is_err(400, "invalid_field", "relaxation"));

	/* 16 is fine */
	n = (size_t)re_snprintf(json, sizeof(json), "{\"id\":\"q\","
				"\"skills\":{\"a\":9},\"relaxation\":[");
	for (int i = 0; i < 16; i++)
		n += (size_t)re_snprintf(json + n, sizeof(json) - n,
					 "%s{\"after_s\":%d,\"skill\":\"a\","
					 "\"level\":1}", i ? "," : "", i + 1);
	(void)re_snprintf(json + n, sizeof(json) - n, "]}");
	CHECK_EQ(0, create(PROV_QUEUE, json));
	CHECK_EQ(prov_queue_find("q")->nrelax, 16u);
}


PROV_CASE(test_queue_routing_fields)
{
	const char *j = "{\"id\":\"vip\",\"strategy\":\"tiers\","
		"\"skills\":{\"english\":8,\"billing\":5},"
		"\"tiers\":{\"wait_s\":20},"
		"\"relaxation\":[{\"after_s\":60,\"skill\":\"english\","
		"\"level\":6},{\"after_s\":30,\"skill\":\"billing\","
		"\"level\":3},{\"after_s\":60,\"skill\":\"billing\","
		"\"level\":0}],"
		"\"overflow\":{\"queue\":\"general\",\"after_s\":120},"
		"\"aging\":{\"per_minute\":0.25},\"service_level_s\":30,"
		"\"decline_block_s\":0,\"missed_status\":\"missed\"}";
	const struct prov_queue *q;
	char *out = NULL;

	/* defaults */
	CHECK_EQ(0, create(PROV_QUEUE, "{\"id\":\"general\"}"));
	q = prov_queue_find("general");
	CHECK(q != NULL);
	CHECK_STR(q->strategy, "longest-idle");
	CHECK_EQ(q->tier_wait_s, 15u);
	CHECK_EQ(q->nrelax, 0u);
	CHECK(q->relax == NULL);
	CHECK(q->overflow_queue == NULL);
	CHECK_EQ(q->overflow_after_s, 0u);
	CHECK(q->aging_per_min == 0);
	CHECK_EQ(q->service_level_s, 20u);
	CHECK_EQ(q->decline_block_s, 30u);
	CHECK(q->missed_status == NULL);
	out = public(PROV_QUEUE, "general");
	CHECK(json_eq(out, "{\"id\":\"general\",\"name\":\"general\","
		      "\"strategy\":\"longest-idle\",\"skills\":{},"
		      "\"push_timeout_s\":15,\"max_wait_s\":300,"
		      "\"tiers\":{\"wait_s\":15},\"relaxation\":[],"
		      "\"service_level_s\":20,\"decline_block_s\":30,"
		      "\"aging\":{\"per_minute\":0},\"wrapup_s\":0}"));
	out = mem_deref(out);

	/* everything set; steps come out sorted by after_s, ties in the
	 * order given */
	CHECK_EQ(0, prov_create(PROV_QUEUE, j, strlen(j), &out, &perr));
	CHECK_STR(out, "{\"id\":\"vip\",\"name\":\"vip\",\"strategy\":"
		  "\"tiers\",\"skills\":{\"billing\":5,\"english\":8},"
		  "\"push_timeout_s\":15,\"max_wait_s\":300,"
		  "\"tiers\":{\"wait_s\":20},\"relaxation\":["
		  "{\"after_s\":30,\"skill\":\"billing\",\"level\":3},"
		  "{\"after_s\":60,\"skill\":\"english\",\"level\":6},"
		  "{\"after_s\":60,\"skill\":\"billing\",\"level\":0}],"
		  "\"service_level_s\":30,\"decline_block_s\":0,"
		  "\"aging\":{\"per_minute\":0.25},"
		  "\"overflow\":{\"queue\":\"general\",\"after_s\":120},"
		  "\"missed_status\":\"missed\",\"wrapup_s\":0}");
	out = mem_deref(out);

	q = prov_queue_find("vip");
	CHECK(q != NULL);
	CHECK_EQ(q->tier_wait_s, 20u);
	CHECK_EQ(q->nrelax, 3u);
	CHECK_EQ(q->relax[0].after_s, 30u);
	CHECK_STR(q->relax[0].skill, "billing");
	CHECK_EQ(q->relax[0].level, 3);
	CHECK_STR(q->relax[1].skill, "english");
	CHECK_EQ(q->relax[2].level, 0);
	CHECK_STR(q->overflow_queue, "general");
	CHECK_EQ(q->overflow_after_s, 120u);
	CHECK(q->aging_per_min == 0.25);
	CHECK_EQ(q->service_level_s, 30u);
	CHECK_EQ(q->decline_block_s, 0u);
	CHECK_STR(q->missed_status, "missed");

	/* the stored document reads back the same */
	out = stored("queues", "vip");
	CHECK(out != NULL);
	CHECK(contains(out, "\"overflow\":{\"queue\":\"general\""));
	out = mem_deref(out);

	/* merge patch: objects merge, arrays replace, null resets */
	CHECK_EQ(0, update(PROV_QUEUE, "vip", "{\"aging\":{\"per_minute\":"
			   "2},\"relaxation\":[{\"after_s\":5,\"skill\":"
			   "\"english\",\"level\":7}],\"tiers\":null}"));
	q = prov_queue_find("vip");
	CHECK(q->aging_per_min == 2);
	CHECK_EQ(q->nrelax, 1u);
	CHECK_EQ(q->relax[0].level, 7);
	CHECK_EQ(q->tier_wait_s, 15u);
	CHECK_STR(q->overflow_queue, "general");

	CHECK_EQ(0, update(PROV_QUEUE, "vip", "{\"overflow\":{\"after_s\":"
			   "30}}"));
	CHECK_EQ(prov_queue_find("vip")->overflow_after_s, 30u);
	CHECK_STR(prov_queue_find("vip")->overflow_queue, "general");

	/* a skill a step names cannot go */
	CHECK(update(PROV_QUEUE, "vip", "{\"skills\":{\"english\":null}}"));
	CHECK(is_err(400, "invalid_field", "relaxation[0].skill"));

	CHECK_EQ(0, update(PROV_QUEUE, "vip", "{\"overflow\":null,"
			   "\"missed_status\":null,\"relaxation\":null,"
			   "\"aging\":null,\"service_level_s\":null,"
			   "\"decline_block_s\":null,\"strategy\":null}"));
	q = prov_queue_find("vip");
	CHECK(q->overflow_queue == NULL && q->missed_status == NULL);
	CHECK_EQ(q->nrelax, 0u);
	CHECK(q->aging_per_min == 0);
	CHECK_EQ(q->service_level_s, 20u);
	CHECK_EQ(q->decline_block_s, 30u);
	CHECK_STR(q->strategy, "longest-idle");
	out = public(PROV_QUEUE, "vip");
	CHECK(!contains(out, "overflow") && !contains(out, "missed_status"));
	out = mem_deref(out);
}


/* per_minute prints back exactly what it reads: thousandths */
PROV_CASE(test_queue_aging_numbers)
{
	static const struct {
		const char *in;
		const char *out;
		double v;
	} vc[] = {
		{"0", "0", 0}, {"0.0", "0", 0}, {"-0.0", "0", 0},
		{"10", "10", 10}, {"10.0", "10", 10}, {"1e1", "10", 10},
		{"0.5", "0.5", 0.5}, {"0.25", "0.25", 0.25},
		{"2.125", "2.125", 2.125}, {"0.001", "0.001", 0.001},
		{"0.1", "0.1", 0.1}, {"9.999", "9.999", 9.999},
		{"0.30000000000000004", "0.3", 0.3}, {"2.5E-2", "0.025", 0.025},
		{"1.10", "1.1", 1.1},
	};
	char json[128], want[64];

	for (size_t i = 0; i < ARRAY_SIZE(vc); i++) {
		const struct prov_queue *q;
		char *out;

		(void)re_snprintf(json, sizeof(json), "{\"aging\":"
				  "{\"per_minute\":%s}}", vc[i].in);
		(void)re_snprintf(want, sizeof(want), "\"aging\":"
				  "{\"per_minute\":%s}", vc[i].out);

		CHECK_EQ(0, create(PROV_QUEUE, "{\"id\":\"q\"}"));
		if (update(PROV_QUEUE, "q", json)) {
			re_printf("    case %zu %s: %s\n", i, vc[i].in,
				  perr.message);
			CHECK(false);
		}
		q = prov_queue_find("q");
		out = public(PROV_QUEUE, "q");
		if (!q || fabs(q->aging_per_min - vc[i].v) > 1e-12 ||
		    !contains(out, want)) {
			re_printf("    case %zu %s: %s\n", i, vc[i].in, out);
			mem_deref(out);
			CHECK(false);
		}
		mem_deref(out);
		CHECK_EQ(0, prov_delete(PROV_QUEUE, "q", &perr));
	}
}


/* --- agents: queue memberships ------------------------------------------ */

PROV_CASE(test_agent_queues_rules)
{
	static const struct vcase vc[] = {
		{"{\"id\":\"a\",\"queues\":{}}", 400, "invalid_field",
		 "queues"},
		{"{\"id\":\"a\",\"queues\":\"billing\"}", 400,
		 "invalid_field", "queues"},
		{"{\"id\":\"a\",\"queues\":[\"billing\"]}", 400,
		 "invalid_field", "queues[0]"},
		{"{\"id\":\"a\",\"queues\":[{}]}", 400, "missing_field",
		 "queues[0].id"},
		{"{\"id\":\"a\",\"queues\":[{\"id\":\"a b\"}]}", 400,
		 "invalid_field", "queues[0].id"},
		{"{\"id\":\"a\",\"queues\":[{\"id\":\"billing\","
		 "\"level\":0}]}", 400, "invalid_field", "queues[0].level"},
		{"{\"id\":\"a\",\"queues\":[{\"id\":\"billing\","
		 "\"level\":10}]}", 400, "invalid_field", "queues[0].level"},
		{"{\"id\":\"a\",\"queues\":[{\"id\":\"billing\","
		 "\"position\":-1}]}", 400, "invalid_field",
		 "queues[0].position"},
		{"{\"id\":\"a\",\"queues\":[{\"id\":\"billing\","
		 "\"position\":100001}]}", 400, "invalid_field",
		 "queues[0].position"},
		{"{\"id\":\"a\",\"queues\":[{\"id\":\"billing\","
		 "\"weight\":0}]}", 400, "invalid_field", "queues[0].weight"},
		{"{\"id\":\"a\",\"queues\":[{\"id\":\"billing\","
		 "\"weight\":1001}]}", 400, "invalid_field",
		 "queues[0].weight"},
		{"{\"id\":\"a\",\"queues\":[{\"id\":\"billing\","
		 "\"weight\":1.5}]}", 400, "invalid_field",
		 "queues[0].weight"},
		{"{\"id\":\"a\",\"queues\":[{\"id\":\"billing\","
		 "\"tier\":1}]}", 400, "unknown_field", "queues[0].tier"},
		{"{\"id\":\"a\",\"queues\":[{\"id\":\"billing\"},"
		 "{\"id\":\"sales\"},{\"id\":\"billing\",\"level\":2}]}", 400,
		 "invalid_field", "queues[2].id"},
		{"{\"id\":\"a\",\"queues\":[{\"id\":\"billing\"},"
		 "{\"id\":\"nope\"}]}", 400, "invalid_field",
		 "queues[1].id"},
	};

	CHECK_EQ(0, setup_billing());
	CHECK_EQ(0, create(PROV_QUEUE, "{\"id\":\"sales\"}"));
	CHECK(run_cases(PROV_AGENT, vc, ARRAY_SIZE(vc)));

	CHECK(create(PROV_AGENT, "{\"id\":\"a\",\"queues\":[{\"id\":"
		     "\"billing\"},{\"id\":\"billing\"}]}"));
	CHECK_STR(perr.message, "queues[1].id: queue 'billing' is listed "
		  "twice (also at queues[0])");
	CHECK(create(PROV_AGENT, "{\"id\":\"a\",\"queues\":[{\"id\":"
		     "\"nope\"}]}"));
	CHECK_STR(perr.message, "queues[0].id: no queue 'nope' exists");
}


PROV_CASE(test_agent_queues)
{
	const char *j = "{\"id\":\"ann\",\"queues\":[{\"id\":\"sales\","
		"\"level\":2,\"position\":100000,\"weight\":1000},"
		"{\"id\":\"billing\"}]}";
	const struct prov_agent *a;
	char *out = NULL;

	CHECK_EQ(0, setup_billing());
	CHECK_EQ(0, create(PROV_QUEUE, "{\"id\":\"sales\"}"));

	/* absent: any queue */
	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"bob\"}"));
	a = prov_agent_find("bob");
	CHECK(!a->queues_listed && a->queues == NULL && a->nqueues == 0);
	out = public(PROV_AGENT, "bob");
	CHECK(!contains(out, "queues"));
	out = mem_deref(out);

	/* listed, in the order given, defaults filled in */
	CHECK_EQ(0, prov_create(PROV_AGENT, j, strlen(j), &out, &perr));
	CHECK(json_eq(out, "{\"id\":\"ann\",\"name\":\"ann\",\"role\":\"agent\",\"skills\":{},"
		      "\"capacity\":1,\"queues\":[{\"id\":\"sales\","
		      "\"level\":2,\"position\":100000,\"weight\":1000},"
		      "{\"id\":\"billing\",\"level\":1,\"position\":0,"
		      "\"weight\":1}],\"web_login\":false}"));
	CHECK(strstr(out, "\"sales\"") < strstr(out, "\"billing\""));
	out = mem_deref(out);

	a = prov_agent_find("ann");
	CHECK(a->queues_listed);
	CHECK_EQ(a->nqueues, 2u);
	CHECK_STR(a->queues[0].queue, "sales");
	CHECK_EQ(a->queues[0].level, 2);
	CHECK_EQ(a->queues[0].position, 100000u);
	CHECK_EQ(a->queues[0].weight, 1000u);
	CHECK_STR(a->queues[1].queue, "billing");
	CHECK_EQ(a->queues[1].level, 1);
	CHECK_EQ(a->queues[1].position, 0u);
	CHECK_EQ(a->queues[1].weight, 1u);

	/* an empty list: no queue at all, which is not "any" */
	CHECK_EQ(0, update(PROV_AGENT, "ann", "{\"queues\":[]}"));
	a = prov_agent_find("ann");
	CHECK(a->queues_listed && a->nqueues == 0);
	out = public(PROV_AGENT, "ann");
	CHECK(contains(out, "\"queues\":[]"));
	out = mem_deref(out);

	/* null: back to any */
	CHECK_EQ(0, update(PROV_AGENT, "ann", "{\"queues\":null}"));
	a = prov_agent_find("ann");
	CHECK(!a->queues_listed && a->nqueues == 0);

	/* memberships survive a reload */
	CHECK_EQ(0, update(PROV_AGENT, "ann", "{\"queues\":[{\"id\":"
			   "\"billing\",\"level\":3}]}"));
	prov_close();
	CHECK_EQ(0, prov_init(st, "switchboard"));
	a = prov_agent_find("ann");
	CHECK(a && a->queues_listed && a->nqueues == 1);
	CHECK_EQ(a->queues[0].level, 3);
}


/* --- references between queues, agents and statuses --------------------- */

PROV_CASE(test_refs_in_use)
{
	CHECK_EQ(0, setup_billing());
	CHECK_EQ(0, create(PROV_QUEUE, "{\"id\":\"sales\",\"overflow\":"
			   "{\"queue\":\"billing\",\"after_s\":60}}"));
	CHECK_EQ(0, create(PROV_QUEUE, "{\"id\":\"vip\",\"missed_status\":"
			   "\"break\"}"));
	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"ann\",\"queues\":"
			   "[{\"id\":\"vip\"}]}"));

	/* an overflow target */
	memset(&perr, 0, sizeof(perr));
	CHECK_EQ(EEXIST, prov_delete(PROV_QUEUE, "billing", &perr));
	CHECK(is_err(409, "in_use", ""));
	CHECK(contains(perr.message, "'sales'"));
	CHECK(prov_queue_find("billing") != NULL);

	/* a queue an agent lists */
	memset(&perr, 0, sizeof(perr));
	CHECK_EQ(EEXIST, prov_delete(PROV_QUEUE, "vip", &perr));
	CHECK(is_err(409, "in_use", ""));
	CHECK(contains(perr.message, "'ann'"));

	/* a queue's missed status */
	memset(&perr, 0, sizeof(perr));
	CHECK_EQ(EEXIST, prov_delete(PROV_STATUS, "break", &perr));
	CHECK(is_err(409, "in_use", ""));
	CHECK(contains(perr.message, "'vip'"));
	CHECK(prov_status_find("break") != NULL);

	/* a patch cannot point at what is not there */
	CHECK(update(PROV_QUEUE, "sales", "{\"overflow\":{\"queue\":"
		     "\"gone\"}}"));
	CHECK(is_err(400, "invalid_field", "overflow.queue"));
	CHECK(update(PROV_AGENT, "ann", "{\"queues\":[{\"id\":\"gone\"}]}"));
	CHECK(is_err(400, "invalid_field", "queues[0].id"));

	/* once nothing names them, they go */
	CHECK_EQ(0, update(PROV_QUEUE, "sales", "{\"overflow\":null}"));
	CHECK_EQ(0, prov_delete(PROV_QUEUE, "billing", &perr));
	CHECK_EQ(0, update(PROV_QUEUE, "vip", "{\"missed_status\":null}"));
	CHECK_EQ(0, prov_delete(PROV_STATUS, "break", &perr));
	CHECK_EQ(0, update(PROV_AGENT, "ann", "{\"queues\":null}"));
	CHECK_EQ(0, prov_delete(PROV_QUEUE, "vip", &perr));

	/* a status that was deleted cannot be named */
	CHECK(create(PROV_QUEUE, "{\"id\":\"x\",\"missed_status\":"
		     "\"break\"}"));
	CHECK(is_err(400, "invalid_field", "missed_status"));
}


static const char routing_file[] =
	"{\"agents\":[{\"id\":\"ann\",\"skills\":{\"billing\":5},"
	"\"queues\":[{\"id\":\"billing\",\"level\":1},{\"id\":\"sales\","
	"\"level\":2,\"position\":3,\"weight\":5}]}],"
	"\"queues\":[{\"id\":\"billing\",\"strategy\":\"tiers\","
	"\"skills\":{\"billing\":5},\"tiers\":{\"wait_s\":10},"
	"\"relaxation\":[{\"after_s\":30,\"skill\":\"billing\","
	"\"level\":2}],\"overflow\":{\"queue\":\"sales\",\"after_s\":90},"
	"\"aging\":{\"per_minute\":1.5},\"service_level_s\":15,"
	"\"decline_block_s\":45,\"missed_status\":\"wrapup\"},"
	"{\"id\":\"sales\",\"strategy\":\"ring-all\",\"overflow\":"
	"{\"queue\":\"billing\",\"after_s\":300}}],"
	"\"routes\":[{\"number\":\"+1555\",\"queue\":\"billing\"}],"
	"\"statuses\":[{\"id\":\"wrapup\",\"name\":\"Wrap-up\","
	"\"routable\":false}]}";


struct order {
	char seq[512];
	size_t n;
};


static void order_h(enum prov_kind kind, enum prov_op op, const char *id,
		    void *arg)
{
	struct order *o = arg;

	o->n += (size_t)re_snprintf(o->seq + o->n, sizeof(o->seq) - o->n,
				    "%s%c%s;", prov_kind_name(kind),
				    "+~-"[op], id);
}


/* A file may name what it defines, in any order; listeners hear of an
 * object after what it names, and re-applying changes nothing. */
PROV_CASE(test_file_routing_refs)
{
	struct order o;
	struct counter c;
	char *docs[2] = {NULL, NULL};

	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	CHECK_EQ(0, prov_subscribe(order_h, &o));
	CHECK_EQ(0, prov_subscribe(count_h, &c));

	CHECK_EQ(0, apply(routing_file));
	CHECK_STR(o.seq, "statuses+wrapup;queues+billing;queues+sales;"
		  "agents+ann;routes++1555;");
	CHECK_STR(prov_queue_find("billing")->missed_status, "wrapup");
	CHECK_STR(prov_queue_find("sales")->overflow_queue, "billing");
	CHECK_EQ(prov_agent_find("ann")->nqueues, 2u);

	/* the same file again: nothing written, nobody told */
	docs[0] = stored("queues", "billing");
	CHECK_EQ(0, apply(routing_file));
	docs[1] = stored("queues", "billing");
	CHECK(docs[0] && docs[1]);
	CHECK_STR(docs[0], docs[1]);
	mem_deref(docs[0]);
	mem_deref(docs[1]);
	for (int k = 0; k < PROV_KINDS; k++)
		CHECK_EQ(c.n[k][PROV_UPDATED], 0u);

	/* removals are told in the other order: a route before its queue
	 * (one object per delete today, so this is what a listener sees) */
	memset(&o, 0, sizeof(o));
	CHECK_EQ(0, prov_delete(PROV_ROUTE, "+1555", &perr));
	CHECK_STR(o.seq, "routes-+1555;");

	/* references into the file that it does not define */
	CHECK(apply("{\"queues\":[{\"id\":\"x\",\"missed_status\":"
		    "\"gone\"}]}"));
	CHECK(is_err(400, "invalid_field", "queues[0].missed_status"));
	CHECK(apply("{\"agents\":[{\"id\":\"x\",\"queues\":[{\"id\":"
		    "\"billing\"},{\"id\":\"gone\"}]}]}"));
	CHECK(is_err(400, "invalid_field", "agents[0].queues[1].id"));
	CHECK(apply("{\"queues\":[{\"id\":\"x\",\"overflow\":{\"queue\":"
		    "\"gone\",\"after_s\":5}}]}"));
	CHECK(is_err(400, "invalid_field", "queues[0].overflow.queue"));
	CHECK(apply("{\"statuses\":[{\"id\":\"s\"}]}"));
	CHECK(is_err(400, "missing_field", "statuses[0].routable"));
	CHECK(prov_agent_find("x") == NULL && prov_queue_find("x") == NULL);

	/* and all of it reads back from the store */
	{
		char *before[PROV_KINDS], *after[PROV_KINDS];
		int err = 0;

		for (int k = 0; k < PROV_KINDS; k++)
			err |= prov_json((enum prov_kind)k, NULL, &before[k],
					 &perr);
		CHECK_EQ(err, 0);
		prov_close();
		CHECK_EQ(0, prov_init(st, "switchboard"));
		for (int k = 0; k < PROV_KINDS; k++) {
			err |= prov_json((enum prov_kind)k, NULL, &after[k],
					 &perr);
			if (!err && strcmp(before[k], after[k]))
				err = EINVAL;
		}
		for (int k = 0; k < PROV_KINDS; k++) {
			mem_deref(before[k]);
			mem_deref(after[k]);
		}
		CHECK_EQ(err, 0);
	}
}


static int status_rows(const char *agent, const char *status,
		       uint64_t since, void *arg)
{
	char *buf = arg;
	size_t n = strlen(buf);

	(void)re_snprintf(buf + n, 128 - n, "%s=%s@%llu;", agent, status,
			  (unsigned long long)since);
	return 0;
}


/* Deleting an agent deletes its presence status with it. */
PROV_CASE(test_agent_delete_drops_status)
{
	char rows[128] = "";

	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"ann\"}"));
	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"bob\"}"));
	CHECK_EQ(0, store_agent_status_put(st, "ann", "break", 1000));
	CHECK_EQ(0, store_agent_status_put(st, "bob", "lunch", 2000));

	CHECK_EQ(0, prov_delete(PROV_AGENT, "ann", &perr));
	CHECK_EQ(0, store_agent_status_foreach(st, status_rows, rows));
	CHECK_STR(rows, "bob=lunch@2000;");

	/* an agent without a row deletes fine too */
	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"cat\"}"));
	CHECK_EQ(0, prov_delete(PROV_AGENT, "cat", &perr));
}


static int extra_h(struct re_printf *pf, enum prov_kind kind,
		   const char *id, void *arg)
{
	int *calls = arg;

	++*calls;
	if (kind != PROV_AGENT)
		return EINVAL;
	if (0 == strcmp(id, "zed"))
		return EPERM;
	if (0 == strcmp(id, "bob"))
		return 0;             /* nothing to add */

	return re_hprintf(pf, ",\"runtime\":{\"who\":\"%s\"}", id);
}


PROV_CASE(test_json_extra)
{
	char *out = NULL;
	int calls = 0;

	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"ann\"}"));
	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"bob\"}"));

	CHECK_EQ(0, prov_json_extra(PROV_AGENT, NULL, extra_h, &calls, &out,
				    &perr));
	CHECK_EQ(calls, 2);
	CHECK(json_eq(out, "{\"agents\":[{\"id\":\"ann\",\"name\":\"ann\",\"role\":\"agent\","
		      "\"skills\":{},\"capacity\":1,\"web_login\":false,"
		      "\"runtime\":{\"who\":\"ann\"}},{\"id\":\"bob\","
		      "\"name\":\"bob\",\"role\":\"agent\",\"skills\":{},\"capacity\":1,"
		      "\"web_login\":false}]}"));
	out = mem_deref(out);

	CHECK_EQ(0, prov_json_extra(PROV_AGENT, "ann", extra_h, &calls, &out,
				    &perr));
	CHECK_STR(out, "{\"id\":\"ann\",\"name\":\"ann\",\"role\":\"agent\",\"skills\":{},"
		  "\"capacity\":1,\"web_login\":false,\"runtime\":{\"who\":"
		  "\"ann\"}}");
	out = mem_deref(out);

	/* no handler: as prov_json */
	CHECK_EQ(0, prov_json_extra(PROV_AGENT, "bob", NULL, NULL, &out,
				    &perr));
	CHECK_STR(out, "{\"id\":\"bob\",\"name\":\"bob\",\"role\":"
		  "\"agent\",\"skills\":{},\"capacity\":1,"
		  "\"web_login\":false}");
	out = mem_deref(out);

	/* the handler's error ends it */
	CHECK_EQ(0, create(PROV_AGENT, "{\"id\":\"zed\"}"));
	CHECK_EQ(EPERM, prov_json_extra(PROV_AGENT, NULL, extra_h, &calls,
					&out, &perr));
	CHECK(out == NULL);

	memset(&perr, 0, sizeof(perr));
	CHECK_EQ(ENOENT, prov_json_extra(PROV_AGENT, "nope", extra_h, &calls,
					 &out, &perr));
	CHECK(is_err(404, "not_found", ""));
}


/* validation without prov_init: the default statuses count as there */
static void test_check_routing(void)
{
	struct prov_error e;
	const char *j;

	memset(&e, 0, sizeof(e));
	j = "{\"queues\":[{\"id\":\"q\",\"missed_status\":\"missed\"}]}";
	CHECK_EQ(0, prov_check_json(j, strlen(j), &e));
	j = "{\"queues\":[{\"id\":\"q\",\"missed_status\":\"wrapup\"}]}";
	CHECK(prov_check_json(j, strlen(j), &e));
	CHECK_STR(e.field, "queues[0].missed_status");
	CHECK_EQ(0, prov_check_json(routing_file, strlen(routing_file), &e));

	j = "{\"id\":\"s\",\"routable\":false}";
	CHECK_EQ(0, prov_check_object(PROV_STATUS, j, strlen(j), NULL, &e));

	/* prov_json_decode is the strict reader */
	{
		struct odict *od = NULL;

		CHECK_EQ(0, prov_json_decode(&od, "{\"status\":\"x\"}", 14,
					     &e));
		CHECK(od != NULL);
		od = mem_deref(od);
		CHECK_EQ(EINVAL, prov_json_decode(&od, "{\"a\":1,\"a\":2}",
						  13, &e));
		CHECK_STR(e.code, "invalid_json");
		CHECK(od == NULL);
	}
}


/* A version-1 database (switchboard 0.1) with its documents: prov reads
 * them with the new fields at their defaults and seeds the statuses. */
static void test_upgrade_v1_documents(void)
{
	static const char docs[] =
		"INSERT INTO queues VALUES('billing', '{\"id\":\"billing\","
		"\"name\":\"Billing\",\"strategy\":\"longest-idle\","
		"\"skills\":{\"billing\":3},\"push_timeout_s\":15,"
		"\"max_wait_s\":300}', 1);"
		"INSERT INTO agents VALUES('bob', '{\"id\":\"bob\","
		"\"name\":\"bob\",\"skills\":{},\"capacity\":2}', 1);"
		"INSERT INTO routes VALUES('+1555', '{\"number\":\"+1555\","
		"\"queue\":\"billing\"}', 1);";
	const struct prov_queue *q;
	const struct prov_agent *a;
	struct counter c;
	struct tmpdir t;
	sqlite3 *db = NULL;
	int rc;

	memset(&perr, 0, sizeof(perr));
	memset(&c, 0, sizeof(c));
	CHECK_EQ(0, tmpdir_make(&t));
	td = t;

	rc = sqlite3_open(t.db, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, schema_v1_sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, docs, NULL, NULL, NULL);
	sqlite3_close(db);

	if (rc != SQLITE_OK || store_open(&st, t.db) ||
	    prov_init(st, "switchboard")) {
		st = mem_deref(st);
		tmpdir_remove(&t);
		CHECK(false);
	}

	rc = prov_g.count[PROV_STATUS] != 6;
	q = prov_queue_find("billing");
	rc |= !q || strcmp(q->strategy, "longest-idle") ||
		q->tier_wait_s != 15 || q->nrelax || q->overflow_queue ||
		q->aging_per_min != 0 || q->service_level_s != 20 ||
		q->decline_block_s != 30 || q->missed_status;
	a = prov_agent_find("bob");
	rc |= !a || a->capacity != 2 || a->queues_listed;

	/* the old file again: the queue's document gains the new fields
	 * once, then nothing changes */
	rc |= prov_subscribe(count_h, &c);
	rc |= apply("{\"queues\":[{\"id\":\"billing\",\"name\":\"Billing\","
		    "\"skills\":{\"billing\":3}}]}");
	rc |= c.n[PROV_QUEUE][PROV_UPDATED] != 1;
	rc |= apply("{\"queues\":[{\"id\":\"billing\",\"name\":\"Billing\","
		    "\"skills\":{\"billing\":3}}]}");
	rc |= c.n[PROV_QUEUE][PROV_UPDATED] != 1;

	prov_close();
	st = mem_deref(st);
	tmpdir_remove(&t);
	CHECK_EQ(rc, 0);
}


/* prov accepts exactly the strategies the routing engine knows, by the
 * same names (the call module maps them with routing_strategy_parse) */
static void test_strategies_match_routing(void)
{
	static const char prefix[] = "strategy: must be one of: ";
	struct prov_error e;
	char json[128], list[256];
	char *p, *name, *save = NULL;
	int n = 0;

	for (int i = 0; i < ROUTING_STRATEGIES; i++) {
		const char *rn = routing_strategy_name((enum routing_strategy)i);

		CHECK(rn != NULL);
		(void)re_snprintf(json, sizeof(json), "{\"id\":\"q\","
				  "\"strategy\":\"%s\"}", rn);
		memset(&e, 0, sizeof(e));
		CHECK_EQ(0, prov_check_object(PROV_QUEUE, json, strlen(json),
					      NULL, &e));
	}

	/* and nothing else: the list prov gives on error */
	(void)re_snprintf(json, sizeof(json), "{\"id\":\"q\",\"strategy\":"
			  "\"x\"}");
	memset(&e, 0, sizeof(e));
	CHECK(prov_check_object(PROV_QUEUE, json, strlen(json), NULL, &e));
	CHECK(0 == strncmp(e.message, prefix, sizeof(prefix) - 1));
	str_ncpy(list, e.message + sizeof(prefix) - 1, sizeof(list));

	for (p = list; (name = strtok_r(p, ", ", &save)); p = NULL) {
		enum routing_strategy rs;

		CHECK_EQ(0, routing_strategy_parse(&rs, name));
		CHECK_STR(routing_strategy_name(rs), name);
		++n;
	}
	CHECK_EQ(n, ROUTING_STRATEGIES);
}


UNIT_SUITE(prov,
	UNIT_CASE(test_agent_rules),
	UNIT_CASE(test_agent_skills_limit),
	UNIT_CASE(test_agent_defaults_and_shape),
	UNIT_CASE(test_queue_rules),
	UNIT_CASE(test_strict_json),
	UNIT_CASE(test_jsonstr),
	UNIT_CASE(test_trunk_rules),
	UNIT_CASE(test_trunk_match),
	UNIT_CASE(test_trunk_outbound_rules),
	UNIT_CASE(test_trunk_for_number),
	UNIT_CASE(test_route_rules),
	UNIT_CASE(test_queue_in_use),
	UNIT_CASE(test_sip_username_unique),
	UNIT_CASE(test_secrets_never_printed),
	UNIT_CASE(test_ha1_vectors),
	UNIT_CASE(test_reapply_no_churn),
	UNIT_CASE(test_patch_secrets),
	UNIT_CASE(test_patch_merge),
	UNIT_CASE(test_merge_patch_rfc7386),
	UNIT_CASE(test_file_all_or_nothing),
	UNIT_CASE(test_file_from_disk),
	UNIT_CASE(test_reload_from_store),
	UNIT_CASE(test_listeners),
	UNIT_CASE(test_create_exists_and_lists),
	UNIT_CASE(test_check_api),
	UNIT_CASE(test_status_seed),
	UNIT_CASE(test_status_rules),
	UNIT_CASE(test_queue_strategies),
	UNIT_CASE(test_queue_routing_rules),
	UNIT_CASE(test_queue_routing_fields),
	UNIT_CASE(test_queue_aging_numbers),
	UNIT_CASE(test_agent_queues_rules),
	UNIT_CASE(test_agent_queues),
	UNIT_CASE(test_refs_in_use),
	UNIT_CASE(test_file_routing_refs),
	UNIT_CASE(test_agent_delete_drops_status),
	UNIT_CASE(test_json_extra),
	UNIT_CASE(test_check_routing),
	UNIT_CASE(test_upgrade_v1_documents),
	UNIT_CASE(test_strategies_match_routing),
);
