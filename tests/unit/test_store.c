/*
 * test_store.c — the SQLite store: migrations recorded once, WAL, object
 * CRUD, registrations, call records saved repeatedly with their public
 * JSON shape and filters, crash recovery (close_open), transactions, and
 * that everything survives closing and reopening the file. Version 2:
 * a version-1 file upgrades in place, agents' presence statuses, calls'
 * routing explanations.
 */
#include <math.h>
#include <string.h>
#include <sqlite3.h>
#include <re.h>
#include "store/store.h"
#include "schema_v1.h"
#include "tmpdir.h"
#include "unit.h"

/* 2026-11-27T12:00:00.123Z */
#define T0 1795780800123ULL

static struct tmpdir td;
static struct store *st;

/* Each case runs between setup and teardown, so a failed CHECK (which
 * returns from the body) still closes the database and removes files. */
#define STORE_CASE(fn) \
	static void fn##_body(void); \
	static void fn(void) \
	{ \
		if (tmpdir_make(&td) || store_open(&st, td.db)) { \
			unit_fail(__FILE__, __LINE__, "setup"); \
			tmpdir_remove(&td); \
			return; \
		} \
		fn##_body(); \
		st = mem_deref(st); \
		tmpdir_remove(&td); \
	} \
	static void fn##_body(void)


/* --- helpers ------------------------------------------------------------ */

static int raw_int(const char *sql, int *v)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int err = EIO;

	if (SQLITE_OK == sqlite3_open(td.db, &db) &&
	    SQLITE_OK == sqlite3_prepare_v2(db, sql, -1, &s, NULL) &&
	    SQLITE_ROW == sqlite3_step(s)) {
		*v = sqlite3_column_int(s, 0);
		err = 0;
	}

	sqlite3_finalize(s);
	sqlite3_close(db);
	return err;
}


static int raw_text(const char *sql, char *buf, size_t sz)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int err = EIO;

	if (SQLITE_OK == sqlite3_open(td.db, &db) &&
	    SQLITE_OK == sqlite3_prepare_v2(db, sql, -1, &s, NULL) &&
	    SQLITE_ROW == sqlite3_step(s)) {
		str_ncpy(buf, (const char *)sqlite3_column_text(s, 0), sz);
		err = 0;
	}

	sqlite3_finalize(s);
	sqlite3_close(db);
	return err;
}


static struct odict *jparse(const char *json)
{
	struct odict *o = NULL;

	if (!json || json_decode_odict(&o, 32, json, strlen(json), 16))
		return NULL;

	return o;
}


static const char *jstr(const struct odict *o, const char *key)
{
	const struct odict_entry *e = odict_lookup(o, key);

	return e && e->type == ODICT_STRING ? e->u.str : NULL;
}


static bool jnull(const struct odict *o, const char *key)
{
	const struct odict_entry *e = odict_lookup(o, key);

	return e && e->type == ODICT_NULL;
}


static int64_t jint(const struct odict *o, const char *key)
{
	const struct odict_entry *e = odict_lookup(o, key);

	return e && e->type == ODICT_INT ? e->u.integer : -1;
}


static double jdbl(const struct odict *o, const char *key)
{
	const struct odict_entry *e = odict_lookup(o, key);

	if (!e)
		return NAN;
	if (e->type == ODICT_DOUBLE)
		return e->u.dbl;
	if (e->type == ODICT_INT)
		return (double)e->u.integer;
	return NAN;
}


static const struct odict *jarr(const struct odict *o, const char *key)
{
	const struct odict_entry *e = odict_lookup(o, key);

	return e && e->type == ODICT_ARRAY ? e->u.odict : NULL;
}


static const struct odict *jidx(const struct odict *arr, unsigned i)
{
	char key[16];
	const struct odict_entry *e;

	(void)re_snprintf(key, sizeof(key), "%u", i);
	e = odict_lookup(arr, key);

	return e && e->type == ODICT_OBJECT ? e->u.odict : NULL;
}


/* "id,id,..." of a {"calls":[...]} list */
static int call_ids(const struct store_call_filter *f, char *buf,
		    size_t sz)
{
	const struct odict *arr;
	struct odict *o;
	char *json = NULL;
	size_t n = 0;
	struct le *le;
	int err;

	buf[0] = '\0';

	err = store_calls_json(st, f, &json);
	if (err)
		return err;

	o = jparse(json);
	mem_deref(json);
	arr = o ? jarr(o, "calls") : NULL;
	if (!arr) {
		mem_deref(o);
		return EBADMSG;
	}

	LIST_FOREACH(&arr->lst, le) {
		const struct odict_entry *e = le->data;
		const char *id = jstr(e->u.odict, "id");

		n += (size_t)re_snprintf(buf + n, sz - n, "%s%s",
					 n ? "," : "", id ? id : "?");
	}

	mem_deref(o);
	return 0;
}


static size_t call_count(const struct store_call_filter *f)
{
	struct odict *o;
	char *json = NULL;
	size_t n = 0;

	if (store_calls_json(st, f, &json))
		return (size_t)-1;

	o = jparse(json);
	if (o && jarr(o, "calls"))
		n = list_count(&jarr(o, "calls")->lst);

	mem_deref(o);
	mem_deref(json);
	return n;
}


static int save_simple(const char *id, uint64_t arrived, const char *queue,
		       const char *agent, uint64_t ended)
{
	struct store_call c = {
		.id = id, .from = "sip:caller@carrier", .to = "+15550100",
		.queue = queue, .agent = agent, .arrived = arrived,
		.ended = ended, .end_reason = ended ? "completed" : NULL,
	};

	return store_call_save(st, &c);
}


/* --- cases -------------------------------------------------------------- */

STORE_CASE(test_migrations_once)
{
	int v = 0, v2 = 0, rows = 0, stamped = 0;

	CHECK_EQ(0, store_schema_version(st, &v));
	CHECK(v >= 1);

	CHECK_EQ(0, raw_int("SELECT COUNT(*) FROM schema_version", &rows));
	CHECK_EQ(rows, v);
	CHECK_EQ(0, raw_int("SELECT COUNT(*) FROM schema_version "
			    "WHERE applied_at > 0", &stamped));
	CHECK_EQ(stamped, v);

	/* reopening applies nothing new */
	st = mem_deref(st);
	CHECK_EQ(0, store_open(&st, td.db));
	CHECK_EQ(0, store_schema_version(st, &v2));
	CHECK_EQ(v2, v);
	CHECK_EQ(0, raw_int("SELECT COUNT(*) FROM schema_version", &rows));
	CHECK_EQ(rows, v);

	/* every table of the contract exists */
	CHECK_EQ(0, raw_int("SELECT COUNT(*) FROM sqlite_master WHERE "
			    "type = 'table' AND name IN ('agents', 'queues', "
			    "'trunks', 'routes', 'bindings', 'calls', "
			    "'call_legs', 'meta', 'schema_version', "
			    "'statuses', 'agent_status', 'transcripts')",
			    &rows));
	CHECK_EQ(rows, 12);
	CHECK_EQ(0, raw_int("SELECT COUNT(*) FROM sqlite_master WHERE "
			    "type = 'index' AND name IN ('calls_arrived', "
			    "'calls_queue', 'calls_agent')", &rows));
	CHECK_EQ(rows, 3);
}


/* A database from a newer switchboard is refused, not downgraded. */
static void test_newer_schema_refused(void)
{
	struct tmpdir t;
	sqlite3 *db = NULL;
	int rc;

	CHECK_EQ(0, tmpdir_make(&t));
	td = t;

	CHECK_EQ(0, store_open(&st, t.db));
	st = mem_deref(st);

	rc = sqlite3_open(t.db, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "INSERT INTO schema_version "
				  "VALUES(999, 1)", NULL, NULL, NULL);
	sqlite3_close(db);

	if (rc == SQLITE_OK)
		rc = store_open(&st, t.db);
	else
		rc = -1;

	st = mem_deref(st);
	tmpdir_remove(&t);
	CHECK_EQ(rc, EIO);
}


STORE_CASE(test_wal_mode)
{
	char mode[16] = "";
	int fk = -1;

	CHECK_EQ(0, raw_text("PRAGMA journal_mode", mode, sizeof(mode)));
	CHECK_STR(mode, "wal");

	/* foreign keys are per connection: ours has them on, so a leg
	 * can only exist with its call */
	CHECK_EQ(0, raw_int("SELECT COUNT(*) FROM pragma_foreign_key_list("
			    "'call_legs') WHERE on_delete = 'CASCADE'", &fk));
	CHECK_EQ(fk, 1);
}


struct collect {
	char ids[256];
	size_t n;
	int stop_after;
};


static int collect_obj(const char *id, const char *doc, void *arg)
{
	struct collect *c = arg;
	(void)doc;

	c->n += (size_t)re_snprintf(c->ids + c->n, sizeof(c->ids) - c->n,
				    "%s%s", c->n ? "," : "", id);

	if (c->stop_after && !--c->stop_after)
		return EINTR;

	return 0;
}


STORE_CASE(test_obj_crud)
{
	struct collect c;
	char *doc = NULL;
	int err;

	CHECK_EQ(ENOENT, store_obj_get(st, "agents", "bob", &doc));

	CHECK_EQ(0, store_obj_put(st, "agents", "bob", "{\"v\":1}"));
	CHECK_EQ(0, store_obj_put(st, "agents", "alice", "{\"v\":2}"));
	CHECK_EQ(0, store_obj_put(st, "queues", "bob", "{\"q\":1}"));

	CHECK_EQ(0, store_obj_get(st, "agents", "bob", &doc));
	CHECK_STR(doc, "{\"v\":1}");
	doc = mem_deref(doc);

	/* put replaces */
	CHECK_EQ(0, store_obj_put(st, "agents", "bob", "{\"v\":3}"));
	CHECK_EQ(0, store_obj_get(st, "agents", "bob", &doc));
	CHECK_STR(doc, "{\"v\":3}");
	doc = mem_deref(doc);

	/* ordered by id, kinds apart */
	memset(&c, 0, sizeof(c));
	CHECK_EQ(0, store_obj_foreach(st, "agents", collect_obj, &c));
	CHECK_STR(c.ids, "alice,bob");

	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	err = store_obj_foreach(st, "agents", collect_obj, &c);
	CHECK_EQ(err, EINTR);
	CHECK_STR(c.ids, "alice");

	CHECK_EQ(0, store_obj_delete(st, "agents", "bob"));
	CHECK_EQ(ENOENT, store_obj_delete(st, "agents", "bob"));
	CHECK_EQ(ENOENT, store_obj_get(st, "agents", "bob", &doc));

	CHECK_EQ(0, store_obj_get(st, "queues", "bob", &doc));
	CHECK_STR(doc, "{\"q\":1}");
	doc = mem_deref(doc);

	/* statuses are a kind like the others */
	CHECK_EQ(0, store_obj_put(st, "statuses", "lunch", "{\"s\":1}"));
	CHECK_EQ(0, store_obj_get(st, "statuses", "lunch", &doc));
	CHECK_STR(doc, "{\"s\":1}");
	doc = mem_deref(doc);
	CHECK_EQ(0, store_obj_delete(st, "statuses", "lunch"));

	CHECK_EQ(EINVAL, store_obj_put(st, "widgets", "x", "{}"));
	CHECK_EQ(EINVAL, store_obj_get(st, "widgets", "x", &doc));
}


struct bind_rec {
	char text[512];
	size_t n;
};


static int collect_binding(const struct store_binding *b, void *arg)
{
	struct bind_rec *r = arg;

	r->n += (size_t)re_snprintf(r->text + r->n, sizeof(r->text) - r->n,
				    "%s|%s|%s|%s|%s|%u|%llu|%llu|%s;",
				    b->agent, b->contact, b->dst, b->tp,
				    b->callid ? b->callid : "-", b->cseq,
				    (unsigned long long)b->registered,
				    (unsigned long long)b->expires,
				    b->user_agent ? b->user_agent : "-");
	return 0;
}


STORE_CASE(test_bindings)
{
	struct store_binding b = {
		.agent = "bob", .contact = "sip:bob@127.0.0.1:5070",
		.dst = "127.0.0.1:5070", .tp = "udp", .callid = "abc",
		.cseq = 7, .registered = 1000, .expires = 61000,
		.user_agent = "Phone/1.0",
	};
	struct bind_rec r;

	CHECK_EQ(0, store_binding_put(st, &b));

	b.agent = "alice";
	b.contact = "sip:alice@10.0.0.2";
	b.dst = "10.0.0.2:5060";
	b.tp = "tcp";
	b.user_agent = NULL;
	CHECK_EQ(0, store_binding_put(st, &b));

	/* refresh: same (agent, contact), new values */
	b.cseq = 8;
	b.expires = 99000;
	CHECK_EQ(0, store_binding_put(st, &b));

	memset(&r, 0, sizeof(r));
	CHECK_EQ(0, store_binding_foreach(st, collect_binding, &r));
	CHECK_STR(r.text,
		  "alice|sip:alice@10.0.0.2|10.0.0.2:5060|tcp|abc|8|1000|"
		  "99000|-;"
		  "bob|sip:bob@127.0.0.1:5070|127.0.0.1:5070|udp|abc|7|1000|"
		  "61000|Phone/1.0;");

	CHECK_EQ(0, store_binding_delete(st, "bob", "sip:bob@127.0.0.1:5070"));
	CHECK_EQ(ENOENT, store_binding_delete(st, "bob",
					      "sip:bob@127.0.0.1:5070"));

	b.contact = "sip:alice@10.0.0.3";
	CHECK_EQ(0, store_binding_put(st, &b));
	CHECK_EQ(0, store_binding_delete_agent(st, "alice"));

	memset(&r, 0, sizeof(r));
	CHECK_EQ(0, store_binding_foreach(st, collect_binding, &r));
	CHECK_STR(r.text, "");

	b.dst = NULL;
	CHECK_EQ(EINVAL, store_binding_put(st, &b));
}


/* A call saved at each step as it progresses, then read as JSON. */
STORE_CASE(test_call_progress_and_shape)
{
	struct store_leg legs[2] = {
		{.role = "caller", .uri = "sip:+15551234@carrier",
		 .started = T0},
		{.role = "agent", .agent = "alice", .uri = "sip:alice@pc",
		 .started = T0 + 1500},
	};
	struct store_call c = {
		.id = "c1", .from = "\"Ann\" <sip:+15551234@carrier>",
		.from_number = "+15551234", .to = "+15550100",
		.trunk = "carrier", .queue = "billing", .arrived = T0,
		.legs = legs, .nlegs = 1,
	};
	const struct odict *l0, *l1, *arr;
	struct odict *o = NULL;
	char *json = NULL;

	CHECK_EQ(0, store_call_save(st, &c));

	CHECK_EQ(0, store_call_json(st, "c1", &json));
	o = jparse(json);
	json = mem_deref(json);
	CHECK(o != NULL);
	CHECK_STR(jstr(o, "arrived"), "2026-11-27T12:00:00.123Z");
	CHECK(jnull(o, "answered"));
	CHECK(jnull(o, "ended"));
	CHECK(jnull(o, "agent"));
	CHECK(jnull(o, "end_reason"));
	CHECK(jnull(o, "duration_s"));
	CHECK(jnull(o, "wait_s"));
	CHECK(jnull(o, "caller_code"));
	CHECK_EQ(list_count(&jarr(o, "legs")->lst), 1u);
	o = mem_deref(o);

	/* offered, answered, ended: each a save of the whole call */
	c.offered = T0 + 1500;
	c.nlegs = 2;
	CHECK_EQ(0, store_call_save(st, &c));

	c.answered = T0 + 4260;
	c.agent = "alice";
	legs[1].answered = c.answered;
	legs[1].final_code = 200;
	legs[0].answered = c.answered;
	CHECK_EQ(0, store_call_save(st, &c));

	c.ended = c.answered + 60400;
	c.end_reason = "completed";
	c.hangup_by = "caller";
	c.caller_code = 200;
	legs[0].ended = legs[1].ended = c.ended;
	legs[0].rtp_in = 3020;
	legs[0].rtp_out = 3018;
	legs[1].rtp_in = 3018;
	legs[1].rtp_out = 3020;
	CHECK_EQ(0, store_call_save(st, &c));

	CHECK_EQ(0, store_call_json(st, "c1", &json));
	o = jparse(json);
	json = mem_deref(json);
	CHECK(o != NULL);

	CHECK_STR(jstr(o, "id"), "c1");
	CHECK_STR(jstr(o, "from"), "\"Ann\" <sip:+15551234@carrier>");
	CHECK_STR(jstr(o, "from_number"), "+15551234");
	CHECK_STR(jstr(o, "to"), "+15550100");
	CHECK_STR(jstr(o, "trunk"), "carrier");
	CHECK_STR(jstr(o, "queue"), "billing");
	CHECK_STR(jstr(o, "agent"), "alice");
	CHECK_STR(jstr(o, "arrived"), "2026-11-27T12:00:00.123Z");
	CHECK_STR(jstr(o, "offered"), "2026-11-27T12:00:01.623Z");
	CHECK_STR(jstr(o, "answered"), "2026-11-27T12:00:04.383Z");
	CHECK_STR(jstr(o, "ended"), "2026-11-27T12:01:04.783Z");
	CHECK_STR(jstr(o, "end_reason"), "completed");
	CHECK_STR(jstr(o, "hangup_by"), "caller");
	CHECK_EQ(jint(o, "caller_code"), 200);
	CHECK_EQ(jint(o, "duration_s"), 60);
	CHECK(fabs(jdbl(o, "wait_s") - 4.3) < 1e-9);

	arr = jarr(o, "legs");
	CHECK(arr != NULL);
	CHECK_EQ(list_count(&arr->lst), 2u);
	l0 = jidx(arr, 0);
	l1 = jidx(arr, 1);
	CHECK(l0 && l1);
	CHECK_STR(jstr(l0, "role"), "caller");
	CHECK(jnull(l0, "agent"));
	CHECK(jnull(l0, "final_code"));
	CHECK_EQ(jint(l0, "rtp_in"), 3020);
	CHECK_STR(jstr(l1, "role"), "agent");
	CHECK_STR(jstr(l1, "agent"), "alice");
	CHECK_STR(jstr(l1, "uri"), "sip:alice@pc");
	CHECK_EQ(jint(l1, "final_code"), 200);
	CHECK_STR(jstr(l1, "started"), "2026-11-27T12:00:01.623Z");
	CHECK_STR(jstr(l1, "answered"), "2026-11-27T12:00:04.383Z");
	CHECK_STR(jstr(l1, "ended"), "2026-11-27T12:01:04.783Z");
	CHECK_EQ(jint(l1, "rtp_out"), 3020);
	o = mem_deref(o);

	/* legs are replaced, not appended */
	c.nlegs = 1;
	CHECK_EQ(0, store_call_save(st, &c));
	CHECK_EQ(0, store_call_json(st, "c1", &json));
	o = jparse(json);
	json = mem_deref(json);
	CHECK(o != NULL);
	CHECK_EQ(list_count(&jarr(o, "legs")->lst), 1u);
	o = mem_deref(o);

	CHECK_EQ(ENOENT, store_call_json(st, "nope", &json));

	legs[0].role = NULL;
	CHECK_EQ(EINVAL, store_call_save(st, &c));
	c.id = NULL;
	CHECK_EQ(EINVAL, store_call_save(st, &c));
}


/* wait_s ends at the answer, or at the end for unanswered calls */
STORE_CASE(test_call_wait_unanswered)
{
	struct store_call c = {
		.id = "c2", .from = "sip:x@y", .arrived = T0,
		.ended = T0 + 12340, .end_reason = "cancelled",
		.hangup_by = "caller", .caller_code = 487,
	};
	struct odict *o;
	char *json = NULL;

	CHECK_EQ(0, store_call_save(st, &c));
	CHECK_EQ(0, store_call_json(st, "c2", &json));
	o = jparse(json);
	mem_deref(json);
	CHECK(o != NULL);
	CHECK(fabs(jdbl(o, "wait_s") - 12.3) < 1e-9);
	CHECK(jnull(o, "duration_s"));
	CHECK(jnull(o, "queue"));
	CHECK_EQ(jint(o, "caller_code"), 487);
	CHECK_EQ(list_count(&jarr(o, "legs")->lst), 0u);
	mem_deref(o);
}


STORE_CASE(test_calls_filters)
{
	struct store_call_filter f;
	char ids[256];

	CHECK_EQ(0, save_simple("c1", 1000, "q1", "a", 1500));
	CHECK_EQ(0, save_simple("c2", 2000, "q2", "b", 2500));
	CHECK_EQ(0, save_simple("c3", 3000, "q1", "b", 0));
	CHECK_EQ(0, save_simple("c4", 3000, "q1", NULL, 0));
	CHECK_EQ(0, save_simple("c5", 5000, NULL, NULL, 0));

	/* newest first, then by id (descending) */
	memset(&f, 0, sizeof(f));
	CHECK_EQ(0, call_ids(&f, ids, sizeof(ids)));
	CHECK_STR(ids, "c5,c4,c3,c2,c1");
	CHECK_EQ(0, call_ids(NULL, ids, sizeof(ids)));
	CHECK_STR(ids, "c5,c4,c3,c2,c1");

	f.since = 3000;
	CHECK_EQ(0, call_ids(&f, ids, sizeof(ids)));
	CHECK_STR(ids, "c5,c4,c3");

	memset(&f, 0, sizeof(f));
	f.queue = "q1";
	CHECK_EQ(0, call_ids(&f, ids, sizeof(ids)));
	CHECK_STR(ids, "c4,c3,c1");

	memset(&f, 0, sizeof(f));
	f.agent = "b";
	CHECK_EQ(0, call_ids(&f, ids, sizeof(ids)));
	CHECK_STR(ids, "c3,c2");

	f.queue = "q1";
	CHECK_EQ(0, call_ids(&f, ids, sizeof(ids)));
	CHECK_STR(ids, "c3");

	f.since = 3001;
	CHECK_EQ(0, call_ids(&f, ids, sizeof(ids)));
	CHECK_STR(ids, "");

	memset(&f, 0, sizeof(f));
	f.since = 2000;
	f.queue = "q1";
	CHECK_EQ(0, call_ids(&f, ids, sizeof(ids)));
	CHECK_STR(ids, "c4,c3");

	memset(&f, 0, sizeof(f));
	f.limit = 2;
	CHECK_EQ(0, call_ids(&f, ids, sizeof(ids)));
	CHECK_STR(ids, "c5,c4");
}


STORE_CASE(test_calls_limits)
{
	struct store_call_filter f;

	CHECK_EQ(0, store_begin(st));
	for (unsigned i = 0; i < 1005; i++) {
		char id[16];

		(void)re_snprintf(id, sizeof(id), "k%04u", i);
		if (save_simple(id, 1000 + i, "q", NULL, 0)) {
			(void)store_rollback(st);
			CHECK(false);
		}
	}
	CHECK_EQ(0, store_commit(st));

	memset(&f, 0, sizeof(f));
	CHECK_EQ(call_count(&f), 100u);

	f.limit = 1000;
	CHECK_EQ(call_count(&f), 1000u);

	f.limit = 5000;             /* clamped */
	CHECK_EQ(call_count(&f), 1000u);

	f.limit = 7;
	CHECK_EQ(call_count(&f), 7u);
}


STORE_CASE(test_close_open)
{
	struct store_leg leg = {.role = "caller", .uri = "sip:a@b",
				.started = T0};
	struct store_call c = {
		.id = "live", .from = "sip:a@b", .arrived = T0,
		.legs = &leg, .nlegs = 1,
	};
	const struct odict *l0;
	struct odict *o;
	char *json = NULL;
	unsigned n = 99;

	CHECK_EQ(0, store_call_save(st, &c));
	CHECK_EQ(0, save_simple("done", T0, "q", "a", T0 + 1000));

	CHECK_EQ(0, store_calls_close_open(st, T0 + 5000, "restart", &n));
	CHECK_EQ(n, 1u);

	CHECK_EQ(0, store_call_json(st, "live", &json));
	o = jparse(json);
	json = mem_deref(json);
	CHECK(o != NULL);
	CHECK_STR(jstr(o, "ended"), "2026-11-27T12:00:05.123Z");
	CHECK_STR(jstr(o, "end_reason"), "restart");
	CHECK_STR(jstr(o, "hangup_by"), "system");
	l0 = jidx(jarr(o, "legs"), 0);
	CHECK(l0 != NULL);
	CHECK_STR(jstr(l0, "ended"), "2026-11-27T12:00:05.123Z");
	o = mem_deref(o);

	CHECK_EQ(0, store_call_json(st, "done", &json));
	o = jparse(json);
	json = mem_deref(json);
	CHECK(o != NULL);
	CHECK_STR(jstr(o, "end_reason"), "completed");
	CHECK_STR(jstr(o, "ended"), "2026-11-27T12:00:01.123Z");
	o = mem_deref(o);

	CHECK_EQ(0, store_calls_close_open(st, T0 + 9000, "restart", &n));
	CHECK_EQ(n, 0u);
}


STORE_CASE(test_transactions)
{
	char *doc = NULL;

	CHECK_EQ(0, store_begin(st));
	CHECK_EQ(0, store_obj_put(st, "trunks", "t1", "{}"));
	CHECK_EQ(0, save_simple("tx1", 1000, NULL, NULL, 0));
	CHECK_EQ(0, store_rollback(st));

	CHECK_EQ(ENOENT, store_obj_get(st, "trunks", "t1", &doc));
	/* the call's savepoint nested inside our transaction */
	CHECK_EQ(ENOENT, store_call_json(st, "tx1", &doc));

	CHECK_EQ(0, store_begin(st));
	CHECK_EQ(0, store_obj_put(st, "trunks", "t1", "{}"));
	CHECK_EQ(0, save_simple("tx1", 1000, NULL, NULL, 0));
	CHECK_EQ(0, store_commit(st));

	CHECK_EQ(0, store_obj_get(st, "trunks", "t1", &doc));
	doc = mem_deref(doc);
	CHECK_EQ(0, store_call_json(st, "tx1", &doc));
	doc = mem_deref(doc);

	/* no transaction open */
	CHECK(store_commit(st) != 0);
}


STORE_CASE(test_meta)
{
	char *v = NULL;

	CHECK_EQ(ENOENT, store_meta_get(st, "secret", &v));
	CHECK_EQ(0, store_meta_put(st, "secret", "one"));
	CHECK_EQ(0, store_meta_put(st, "secret", "two"));
	CHECK_EQ(0, store_meta_get(st, "secret", &v));
	CHECK_STR(v, "two");
	mem_deref(v);
}


STORE_CASE(test_survives_reopen)
{
	struct store_binding b = {
		.agent = "bob", .contact = "sip:bob@h", .dst = "127.0.0.1:1",
		.tp = "udp", .cseq = 1, .registered = 1, .expires = 2,
	};
	struct bind_rec r;
	char *v = NULL;

	CHECK_EQ(0, store_obj_put(st, "routes", "+1555", "{\"n\":1}"));
	CHECK_EQ(0, store_binding_put(st, &b));
	CHECK_EQ(0, save_simple("keep", T0, "q", "bob", T0 + 1));
	CHECK_EQ(0, store_meta_put(st, "k", "v"));

	st = mem_deref(st);
	CHECK_EQ(0, store_open(&st, td.db));

	CHECK_EQ(0, store_obj_get(st, "routes", "+1555", &v));
	CHECK_STR(v, "{\"n\":1}");
	v = mem_deref(v);

	memset(&r, 0, sizeof(r));
	CHECK_EQ(0, store_binding_foreach(st, collect_binding, &r));
	CHECK(strstr(r.text, "bob|sip:bob@h|") != NULL);

	CHECK_EQ(0, store_call_json(st, "keep", &v));
	CHECK(strstr(v, "\"agent\":\"bob\"") != NULL);
	v = mem_deref(v);

	CHECK_EQ(0, store_meta_get(st, "k", &v));
	CHECK_STR(v, "v");
	mem_deref(v);
}


/* --- schema version 2 ----------------------------------------------------- */

/* A database that switchboard 0.1 wrote (version 1) opens, upgrades to
 * version 2 in place, and keeps everything it held. */
static void test_upgrade_from_v1(void)
{
	static const char v1_rows[] =
		"INSERT INTO agents VALUES('ann', '{\"id\":\"ann\"}', 5);"
		"INSERT INTO calls(id, queue, agent, arrived, answered, ended, "
		"  end_reason) VALUES('c1', 'billing', 'ann', 1795780800123, "
		"  1795780804383, 1795780864783, 'completed');"
		"INSERT INTO call_legs(call_id, seq, role, agent) "
		"  VALUES('c1', 0, 'agent', 'ann');";
	struct tmpdir t;
	sqlite3 *db = NULL;
	struct odict *o = NULL;
	char *s = NULL;
	int rc, v = 0, rows = 0;

	CHECK_EQ(0, tmpdir_make(&t));
	td = t;

	rc = sqlite3_open(t.db, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, schema_v1_sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, v1_rows, NULL, NULL, NULL);
	sqlite3_close(db);
	if (rc != SQLITE_OK) {
		tmpdir_remove(&t);
		CHECK(false);
	}

	rc = store_open(&st, t.db);
	if (rc) {
		tmpdir_remove(&t);
		CHECK_EQ(rc, 0);
	}

	/* every migration there is, each recorded once (6: CRM outbox, 7: next best action) */
	rc  = store_schema_version(st, &v) || v < 7;
	rc |= raw_int("SELECT COUNT(*) FROM schema_version", &rows) ||
		rows != v;
	rc |= raw_int("SELECT COUNT(*) FROM sqlite_master WHERE type = "
		      "'table' AND name IN ('statuses', 'agent_status')",
		      &rows) || rows != 2;
	rc |= raw_int("SELECT COUNT(*) FROM pragma_table_info('calls') "
		      "WHERE name = 'routing'", &rows) || rows != 1;
	rc |= raw_int("SELECT COUNT(*) FROM pragma_table_info('calls') "
		      "WHERE name IN ('disposition', 'notes')", &rows) ||
		rows != 2;
	/* calls recorded before outbound calls existed were inbound */
	rc |= raw_int("SELECT COUNT(*) FROM calls WHERE direction = "
		      "'inbound'", &rows) || rows < 1;

	/* what it held is still there */
	rc |= store_obj_get(st, "agents", "ann", &s) ||
		strcmp(s, "{\"id\":\"ann\"}");
	s = mem_deref(s);
	rc |= store_call_json(st, "c1", &s) || !(o = jparse(s)) ||
		!jstr(o, "answered") ||
		strcmp(jstr(o, "answered"), "2026-11-27T12:00:04.383Z") ||
		list_count(&jarr(o, "legs")->lst) != 1;
	s = mem_deref(s);
	o = mem_deref(o);

	/* and the new parts work on it */
	rc |= store_call_routing(st, "c1", &s) != ENOENT;
	rc |= store_obj_put(st, "statuses", "lunch", "{\"id\":\"lunch\"}");
	rc |= store_agent_status_put(st, "ann", "lunch", 7);

	/* reopening applies nothing more */
	st = mem_deref(st);
	rc |= store_open(&st, t.db);
	rc |= raw_int("SELECT COUNT(*) FROM schema_version", &rows) ||
		rows != v;
	rc |= store_obj_get(st, "statuses", "lunch", &s);
	s = mem_deref(s);

	st = mem_deref(st);
	tmpdir_remove(&t);
	CHECK_EQ(rc, 0);
}


struct status_rec {
	char text[256];
	size_t n;
	int stop_after;
};


static int collect_status(const char *agent, const char *status,
			  uint64_t since, void *arg)
{
	struct status_rec *r = arg;

	r->n += (size_t)re_snprintf(r->text + r->n, sizeof(r->text) - r->n,
				    "%s=%s@%llu;", agent, status,
				    (unsigned long long)since);

	if (r->stop_after && !--r->stop_after)
		return EINTR;

	return 0;
}


STORE_CASE(test_agent_status)
{
	struct status_rec r;

	memset(&r, 0, sizeof(r));
	CHECK_EQ(0, store_agent_status_foreach(st, collect_status, &r));
	CHECK_STR(r.text, "");

	CHECK_EQ(0, store_agent_status_put(st, "bob", "break", T0));
	CHECK_EQ(0, store_agent_status_put(st, "alice", "available", 1));
	/* replaced, not added */
	CHECK_EQ(0, store_agent_status_put(st, "bob", "lunch", T0 + 5));

	memset(&r, 0, sizeof(r));
	CHECK_EQ(0, store_agent_status_foreach(st, collect_status, &r));
	CHECK_STR(r.text, "alice=available@1;bob=lunch@1795780800128;");

	memset(&r, 0, sizeof(r));
	r.stop_after = 1;
	CHECK_EQ(EINTR, store_agent_status_foreach(st, collect_status, &r));
	CHECK_STR(r.text, "alice=available@1;");

	/* kept across a restart */
	st = mem_deref(st);
	CHECK_EQ(0, store_open(&st, td.db));
	memset(&r, 0, sizeof(r));
	CHECK_EQ(0, store_agent_status_foreach(st, collect_status, &r));
	CHECK_STR(r.text, "alice=available@1;bob=lunch@1795780800128;");

	CHECK_EQ(0, store_agent_status_delete(st, "alice"));
	CHECK_EQ(0, store_agent_status_delete(st, "alice"));
	memset(&r, 0, sizeof(r));
	CHECK_EQ(0, store_agent_status_foreach(st, collect_status, &r));
	CHECK_STR(r.text, "bob=lunch@1795780800128;");

	CHECK_EQ(EINVAL, store_agent_status_put(st, "bob", NULL, 1));
	CHECK_EQ(EINVAL, store_agent_status_put(st, NULL, "x", 1));
	CHECK_EQ(EINVAL, store_agent_status_delete(st, NULL));
	CHECK_EQ(EINVAL, store_agent_status_foreach(st, NULL, NULL));
}


/* The routing explanation rides on the call record: set when given,
 * kept when a later save leaves it out. */
STORE_CASE(test_call_routing)
{
	struct store_call c = {
		.id = "r1", .to = "+15550100", .queue = "billing",
		.arrived = T0,
	};
	char *json = NULL;

	CHECK_EQ(ENOENT, store_call_routing(st, "r1", &json));

	CHECK_EQ(0, store_call_save(st, &c));
	CHECK_EQ(ENOENT, store_call_routing(st, "r1", &json));

	c.routing = "{\"decisions\":[{\"n\":1}]}";
	CHECK_EQ(0, store_call_save(st, &c));
	CHECK_EQ(0, store_call_routing(st, "r1", &json));
	CHECK_STR(json, "{\"decisions\":[{\"n\":1}]}");
	json = mem_deref(json);

	/* NULL leaves it */
	c.routing = NULL;
	c.ended = T0 + 1000;
	c.end_reason = "cancelled";
	CHECK_EQ(0, store_call_save(st, &c));
	CHECK_EQ(0, store_call_routing(st, "r1", &json));
	CHECK_STR(json, "{\"decisions\":[{\"n\":1}]}");
	json = mem_deref(json);

	/* a new one replaces it */
	c.routing = "{\"decisions\":[]}";
	CHECK_EQ(0, store_call_save(st, &c));
	CHECK_EQ(0, store_call_routing(st, "r1", &json));
	CHECK_STR(json, "{\"decisions\":[]}");
	json = mem_deref(json);

	/* not part of the call record's public shape */
	CHECK_EQ(0, store_call_json(st, "r1", &json));
	CHECK(strstr(json, "decisions") == NULL);
	CHECK(strstr(json, "routing") == NULL);
	json = mem_deref(json);

	CHECK_EQ(ENOENT, store_call_routing(st, "nope", &json));
	CHECK_EQ(EINVAL, store_call_routing(st, NULL, &json));
	CHECK_EQ(EINVAL, store_call_routing(st, "r1", NULL));
}


/* Schema 3: the agent's disposition and notes are part of the record,
 * null until given, and saved like every other field. */
STORE_CASE(test_call_disposition)
{
	struct store_call c = {
		.id = "d1", .to = "+15550100", .queue = "billing",
		.agent = "alice", .arrived = T0, .answered = T0 + 1000,
		.ended = T0 + 5000, .end_reason = "completed",
		.hangup_by = "agent",
	};
	struct odict *o;
	char *json = NULL;

	CHECK_EQ(0, store_call_save(st, &c));
	CHECK_EQ(0, store_call_json(st, "d1", &json));
	o = jparse(json);
	json = mem_deref(json);
	CHECK(o != NULL);
	CHECK(odict_lookup(o, "disposition") != NULL);
	CHECK(odict_lookup(o, "disposition")->type == ODICT_NULL);
	CHECK(odict_lookup(o, "notes")->type == ODICT_NULL);
	o = mem_deref(o);

	c.disposition = "sale";
	c.notes = "wants \"gold\"\nplan";
	CHECK_EQ(0, store_call_save(st, &c));
	CHECK_EQ(0, store_call_json(st, "d1", &json));
	o = jparse(json);
	json = mem_deref(json);
	CHECK(o != NULL);
	CHECK_STR(jstr(o, "disposition"), "sale");
	CHECK_STR(jstr(o, "notes"), "wants \"gold\"\nplan");
	CHECK_STR(jstr(o, "hangup_by"), "agent");
	o = mem_deref(o);
}


/* Transcript segments come back in time order whatever order they were
 * saved in, as JSON (text escaped) or one line each. */
STORE_CASE(test_transcripts)
{
	struct store_transcript t = {
		.call_id = "c1", .leg = "b", .role = "agent",
		.start_ms = 3250, .end_ms = 5100, .text = "where \"do\" you",
		.confidence = 0.5,
	};
	char *out = NULL;

	CHECK_EQ(0, store_transcript_add(st, &t));
	t.leg = "a";
	t.role = "customer";
	t.start_ms = 61800;
	t.end_ms = 62000;
	t.text = "";
	t.gap = true;
	CHECK_EQ(0, store_transcript_add(st, &t));
	t.call_id = "c2";
	t.gap = false;
	t.text = "other call";
	CHECK_EQ(0, store_transcript_add(st, &t));
	t.text = NULL;
	CHECK_EQ(EINVAL, store_transcript_add(st, &t));

	CHECK_EQ(0, store_transcript_get(st, "c1", false, &out));
	CHECK_STR(out, "{\"call\":\"c1\",\"segments\":["
		  "{\"leg\":\"b\",\"role\":\"agent\",\"start_s\":3.25,"
		  "\"end_s\":5.10,\"text\":\"where \\\"do\\\" you\","
		  "\"confidence\":0.500,\"gap\":false},"
		  "{\"leg\":\"a\",\"role\":\"customer\",\"start_s\":61.80,"
		  "\"end_s\":62.00,\"text\":\"\",\"confidence\":0.500,"
		  "\"gap\":true}]}");
	out = mem_deref(out);

	CHECK_EQ(0, store_transcript_get(st, "c1", true, &out));
	CHECK_STR(out, "[00:03.2] agent: where \"do\" you\n"
		  "[01:01.8] customer: [audio dropped]\n");
	out = mem_deref(out);

	CHECK_EQ(0, store_transcript_get(st, "none", false, &out));
	CHECK_STR(out, "{\"call\":\"none\",\"segments\":[]}");
	out = mem_deref(out);
}


UNIT_SUITE(store,
	UNIT_CASE(test_migrations_once),
	UNIT_CASE(test_newer_schema_refused),
	UNIT_CASE(test_wal_mode),
	UNIT_CASE(test_obj_crud),
	UNIT_CASE(test_bindings),
	UNIT_CASE(test_call_progress_and_shape),
	UNIT_CASE(test_call_wait_unanswered),
	UNIT_CASE(test_calls_filters),
	UNIT_CASE(test_calls_limits),
	UNIT_CASE(test_close_open),
	UNIT_CASE(test_transactions),
	UNIT_CASE(test_meta),
	UNIT_CASE(test_survives_reopen),
	UNIT_CASE(test_upgrade_from_v1),
	UNIT_CASE(test_agent_status),
	UNIT_CASE(test_call_routing),
	UNIT_CASE(test_call_disposition),
	UNIT_CASE(test_transcripts),
);
