/*
 * store.c — opening the database, the statement cache, transactions and
 * the small key/value table.
 *
 * The connection is configured for an event-loop server: WAL so readers
 * (the sqlite3 shell, a backup) never block the writer, synchronous=NORMAL
 * because in WAL mode that loses at most the last transactions on power
 * loss but never corrupts, and a busy timeout so a reader holding a lock
 * for a moment does not turn into an error.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "log.h"
#include "store/db.h"

#define LOG_MODULE "store"

enum { BUSY_TIMEOUT_MS = 5000 };

static const char *const kinds[STORE_KINDS] = {
	"agents", "queues", "trunks", "routes", "statuses",
	"intents", "recommendations"
};

static const char *const sql[S_STMTS] = {
	[S_BEGIN]       = "BEGIN IMMEDIATE",
	[S_COMMIT]      = "COMMIT",
	[S_ROLLBACK]    = "ROLLBACK",
	[S_SAVEPOINT]   = "SAVEPOINT store_save",
	[S_RELEASE]     = "RELEASE store_save",
	[S_ROLLBACK_TO] = "ROLLBACK TO store_save",
	[S_VERSION]     = "SELECT COALESCE(MAX(version), 0) "
			  "FROM schema_version",
	[S_META_GET]    = "SELECT value FROM meta WHERE key = ?1",
	[S_META_PUT]    = "INSERT INTO meta(key, value) VALUES(?1, ?2) "
			  "ON CONFLICT(key) DO UPDATE SET value = ?2",
	[S_BIND_PUT]    = "INSERT INTO bindings(agent, contact, dst, tp, "
			  "callid, cseq, registered, expires, user_agent) "
			  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
			  "ON CONFLICT(agent, contact) DO UPDATE SET "
			  "dst = ?3, tp = ?4, callid = ?5, cseq = ?6, "
			  "registered = ?7, expires = ?8, user_agent = ?9",
	[S_BIND_DEL]    = "DELETE FROM bindings "
			  "WHERE agent = ?1 AND contact = ?2",
	[S_BIND_DEL_AGENT] = "DELETE FROM bindings WHERE agent = ?1",
	[S_BIND_ALL]    = "SELECT agent, contact, dst, tp, callid, cseq, "
			  "registered, expires, user_agent FROM bindings "
			  "ORDER BY agent, contact",
	/* routing: NULL leaves the stored explanation (a record saved
	 * before routing explained anything, or after, without it) */
	[S_CALL_PUT]    = "INSERT INTO calls(id, from_uri, from_number, "
			  "to_number, trunk, queue, agent, arrived, offered, "
			  "answered, ended, end_reason, hangup_by, "
			  "caller_code, routing, disposition, notes, "
			  "direction) "
			  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
			  "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) "
			  "ON CONFLICT(id) DO UPDATE SET from_uri = ?2, "
			  "from_number = ?3, to_number = ?4, trunk = ?5, "
			  "queue = ?6, agent = ?7, arrived = ?8, "
			  "offered = ?9, answered = ?10, ended = ?11, "
			  "end_reason = ?12, hangup_by = ?13, "
			  "caller_code = ?14, "
			  "routing = COALESCE(?15, routing), "
			  "disposition = ?16, notes = ?17, "
			  "direction = ?18",
	[S_LEGS_DEL]    = "DELETE FROM call_legs WHERE call_id = ?1",
	[S_LEG_PUT]     = "INSERT INTO call_legs(call_id, seq, role, agent, "
			  "uri, final_code, started, answered, ended, rtp_in, "
			  "rtp_out) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
			  "?9, ?10, ?11)",
	[S_CALL_JSON]   = NULL,   /* store_call_json_sql, see call_json.c */
	[S_CALLS_CLOSE] = "UPDATE calls SET ended = ?1, end_reason = ?2, "
			  "hangup_by = COALESCE(hangup_by, 'system') "
			  "WHERE ended = 0",
	[S_LEGS_CLOSE]  = "UPDATE call_legs SET ended = ?1 WHERE ended = 0 "
			  "AND call_id IN (SELECT id FROM calls "
			  "WHERE ended = 0)",
	[S_CALL_ROUTING] = "SELECT routing FROM calls WHERE id = ?1",
	[S_CALL_AGENT]   = "SELECT 1 FROM calls WHERE id = ?1 AND agent = ?2 "
			   "UNION ALL SELECT 1 FROM call_legs WHERE "
			   "call_id = ?1 AND agent = ?2 LIMIT 1",
	[S_STATUS_PUT]  = "INSERT INTO agent_status(agent, status, since) "
			  "VALUES(?1, ?2, ?3) ON CONFLICT(agent) DO UPDATE "
			  "SET status = ?2, since = ?3",
	[S_STATUS_DEL]  = "DELETE FROM agent_status WHERE agent = ?1",
	[S_STATUS_ALL]  = "SELECT agent, status, since FROM agent_status "
			  "ORDER BY agent",
};


uint64_t store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


int store_kind_index(const char *kind)
{
	if (!kind)
		return -1;

	for (int i = 0; i < STORE_KINDS; i++) {
		if (0 == strcmp(kind, kinds[i]))
			return i;
	}

	return -1;
}


int store_dberr(struct store *st, const char *what)
{
	log_error("%s: %s", what, st && st->db ? sqlite3_errmsg(st->db) :
		  "no database");
	return EIO;
}


int store_step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	int err = 0;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = store_dberr(st, what);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return err;
}


int store_stmt_acquire(struct store *st, sqlite3_stmt *cached,
		       sqlite3_stmt **sp)
{
	if (!sqlite3_stmt_busy(cached)) {
		*sp = cached;
		return 0;
	}

	if (SQLITE_OK != sqlite3_prepare_v2(st->db, sqlite3_sql(cached), -1,
					    sp, NULL))
		return store_dberr(st, "prepare");

	return 0;
}


void store_stmt_release(sqlite3_stmt *cached, sqlite3_stmt *s)
{
	if (s == cached) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
	else {
		sqlite3_finalize(s);
	}
}


/* sb_time(ms): ISO 8601 UTC with milliseconds, NULL for 0 or NULL. Done
 * in C because strftime('%f') goes through a floating-point Julian day
 * and the public records must show exactly the milliseconds we stored. */
static void sql_time(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sqlite3_int64 ms;
	struct tm tm;
	time_t secs;
	char buf[40];
	(void)argc;

	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}

	ms = sqlite3_value_int64(argv[0]);
	if (ms <= 0) {
		sqlite3_result_null(ctx);
		return;
	}

	secs = (time_t)(ms / 1000);
	if (!gmtime_r(&secs, &tm)) {
		sqlite3_result_null(ctx);
		return;
	}

	(void)re_snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d."
			  "%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
			  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			  (int)(ms % 1000));
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}


static int prepare(struct store *st, sqlite3_stmt **sp, const char *text)
{
	if (SQLITE_OK != sqlite3_prepare_v3(st->db, text, -1,
					    SQLITE_PREPARE_PERSISTENT, sp,
					    NULL)) {
		log_error("prepare '%s': %s", text, sqlite3_errmsg(st->db));
		return EIO;
	}

	return 0;
}


static int prepare_obj(struct store *st, int k)
{
	const char *t = kinds[k];
	char *text[OBJ_STMTS] = {NULL};
	int err;

	err  = re_sdprintf(&text[OBJ_PUT], "INSERT INTO %s(id, doc, "
			   "updated_at) VALUES(?1, ?2, ?3) ON CONFLICT(id) "
			   "DO UPDATE SET doc = ?2, updated_at = ?3", t);
	err |= re_sdprintf(&text[OBJ_GET], "SELECT doc FROM %s "
			   "WHERE id = ?1", t);
	err |= re_sdprintf(&text[OBJ_DEL], "DELETE FROM %s WHERE id = ?1",
			   t);
	err |= re_sdprintf(&text[OBJ_ALL], "SELECT id, doc FROM %s "
			   "ORDER BY id", t);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	for (int i = 0; i < OBJ_STMTS && !err; i++)
		err = prepare(st, &st->obj[k][i], text[i]);

 out:
	for (int i = 0; i < OBJ_STMTS; i++)
		mem_deref(text[i]);

	return err;
}


static int prepare_all(struct store *st)
{
	int err = 0;

	for (int i = 0; i < S_STMTS && !err; i++) {
		const char *text = i == S_CALL_JSON ? store_call_json_sql
						    : sql[i];
		err = prepare(st, &st->stmt[i], text);
	}

	for (int k = 0; k < STORE_KINDS && !err; k++)
		err = prepare_obj(st, k);

	if (!err)
		err = store_calls_prepare(st);

	return err;
}


static int pragma_text(struct store *st, const char *text, char *out,
		       size_t sz)
{
	sqlite3_stmt *s;
	int err = 0;

	if (SQLITE_OK != sqlite3_prepare_v2(st->db, text, -1, &s, NULL))
		return store_dberr(st, text);

	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(s, 0);
		str_ncpy(out, v ? (const char *)v : "", sz);
	}
	else {
		err = store_dberr(st, text);
	}

	sqlite3_finalize(s);
	return err;
}


static int configure(struct store *st, const char *path)
{
	char mode[16] = "";
	int err;

	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);

	err = pragma_text(st, "PRAGMA journal_mode=WAL", mode, sizeof(mode));
	if (err)
		return err;

	/* An in-memory database answers "memory"; anything else means the
	 * file system cannot do WAL (e.g. some network mounts). */
	if (strcmp(mode, "wal") && strcmp(path, ":memory:"))
		log_warn("%s: journal_mode is '%s', not WAL", path, mode);

	err = store_exec(st, "PRAGMA synchronous=NORMAL");
	if (!err)
		err = store_exec(st, "PRAGMA foreign_keys=ON");
	if (err)
		return err;

	if (SQLITE_OK != sqlite3_create_function_v2(st->db, "sb_time", 1,
				SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				sql_time, NULL, NULL, NULL))
		return store_dberr(st, "create function sb_time");

	return 0;
}


static void destructor(void *arg)
{
	struct store *st = arg;

	for (int i = 0; i < S_STMTS; i++)
		sqlite3_finalize(st->stmt[i]);

	for (int k = 0; k < STORE_KINDS; k++) {
		for (int i = 0; i < OBJ_STMTS; i++)
			sqlite3_finalize(st->obj[k][i]);
	}

	for (int i = 0; i < CALLS_VARIANTS; i++)
		sqlite3_finalize(st->calls[i]);

	/* close_v2: a statement we did not finalize must not leave the
	 * handle open forever. */
	if (st->db && SQLITE_OK != sqlite3_close_v2(st->db))
		log_error("close: %s", sqlite3_errmsg(st->db));
}


int store_open(struct store **stp, const char *path)
{
	struct store *st;
	int err;

	if (!stp || !path)
		return EINVAL;

	st = mem_zalloc(sizeof(*st), destructor);
	if (!st)
		return ENOMEM;

	if (SQLITE_OK != sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
					 SQLITE_OPEN_CREATE |
					 SQLITE_OPEN_NOMUTEX, NULL)) {
		err = store_dberr(st, path);
		goto out;
	}

	err = configure(st, path);
	if (err)
		goto out;

	err = store_migrate(st);
	if (err)
		goto out;

	err = prepare_all(st);

 out:
	if (err)
		mem_deref(st);
	else
		*stp = st;

	return err;
}


int store_schema_version(struct store *st, int *version)
{
	sqlite3_stmt *s;
	int err = 0;

	if (!st || !version)
		return EINVAL;

	s = st->stmt[S_VERSION];
	if (sqlite3_step(s) == SQLITE_ROW)
		*version = sqlite3_column_int(s, 0);
	else
		err = store_dberr(st, "schema version");

	sqlite3_reset(s);
	return err;
}


int store_begin(struct store *st)
{
	if (!st)
		return EINVAL;

	return store_step_done(st, st->stmt[S_BEGIN], "begin");
}


int store_commit(struct store *st)
{
	if (!st)
		return EINVAL;

	return store_step_done(st, st->stmt[S_COMMIT], "commit");
}


int store_rollback(struct store *st)
{
	if (!st)
		return EINVAL;

	/* Some errors (SQLITE_FULL, IOERR) roll back by themselves. */
	if (sqlite3_get_autocommit(st->db))
		return 0;

	return store_step_done(st, st->stmt[S_ROLLBACK], "rollback");
}


int store_meta_get(struct store *st, const char *key, char **value)
{
	sqlite3_stmt *s;
	int rc, err;

	if (!st || !key || !value)
		return EINVAL;

	s = st->stmt[S_META_GET];
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		err = str_dup(value, (const char *)sqlite3_column_text(s, 0));
	else if (rc == SQLITE_DONE)
		err = ENOENT;
	else
		err = store_dberr(st, "meta get");

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return err;
}


int store_meta_put(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *s;

	if (!st || !key || !value)
		return EINVAL;

	s = st->stmt[S_META_PUT];
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);

	return store_step_done(st, s, "meta put");
}
