/*
 * schema.c — numbered schema migrations.
 *
 * migrations[i] takes the schema from version i to i + 1. Each runs in its
 * own transaction together with the row that records it in
 * schema_version, so a crash leaves the database at the previous version,
 * never half-way. Never edit a migration that has shipped: add a new one.
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "store/db.h"

#define LOG_MODULE "store"

/* Next best action's tables; its own macro so that its place in the list
 * below is one line. One "shown" row per recommendation and call (detail:
 * the nba.recommendation event's data), then at most one "accepted" or
 * "dismissed" row (the partial index). */
#define NBA_MIGRATION \
	"CREATE TABLE intents (id TEXT PRIMARY KEY, doc TEXT NOT NULL, " \
	"  updated_at INTEGER NOT NULL) WITHOUT ROWID;" \
	"CREATE TABLE recommendations (id TEXT PRIMARY KEY, " \
	"  doc TEXT NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;" \
	"CREATE TABLE nba_feedback (" \
	"  call_id TEXT NOT NULL, recommendation TEXT NOT NULL," \
	"  outcome TEXT NOT NULL, agent TEXT, at INTEGER NOT NULL," \
	"  detail TEXT," \
	"  PRIMARY KEY (call_id, recommendation, outcome)) WITHOUT ROWID;" \
	"CREATE UNIQUE INDEX nba_feedback_once ON nba_feedback " \
	"  (call_id, recommendation) WHERE outcome != 'shown';" \
	"CREATE INDEX nba_feedback_rec ON nba_feedback (recommendation);"

/* Times are Unix epoch milliseconds, 0 = not (yet); text ids are keys. */
static const char *const migrations[] = {
	/* 1: provisioning, registrations, call records, settings */
	"CREATE TABLE agents (id TEXT PRIMARY KEY, doc TEXT NOT NULL, "
	"  updated_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE queues (id TEXT PRIMARY KEY, doc TEXT NOT NULL, "
	"  updated_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE trunks (id TEXT PRIMARY KEY, doc TEXT NOT NULL, "
	"  updated_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE routes (id TEXT PRIMARY KEY, doc TEXT NOT NULL, "
	"  updated_at INTEGER NOT NULL) WITHOUT ROWID;"

	"CREATE TABLE bindings ("
	"  agent TEXT NOT NULL, contact TEXT NOT NULL,"
	"  dst TEXT NOT NULL, tp TEXT NOT NULL, callid TEXT,"
	"  cseq INTEGER NOT NULL DEFAULT 0,"
	"  registered INTEGER NOT NULL DEFAULT 0,"
	"  expires INTEGER NOT NULL DEFAULT 0, user_agent TEXT,"
	"  PRIMARY KEY (agent, contact)) WITHOUT ROWID;"

	"CREATE TABLE calls ("
	"  id TEXT PRIMARY KEY, from_uri TEXT, from_number TEXT,"
	"  to_number TEXT, trunk TEXT, queue TEXT, agent TEXT,"
	"  arrived INTEGER NOT NULL DEFAULT 0,"
	"  offered INTEGER NOT NULL DEFAULT 0,"
	"  answered INTEGER NOT NULL DEFAULT 0,"
	"  ended INTEGER NOT NULL DEFAULT 0,"
	"  end_reason TEXT, hangup_by TEXT,"
	"  caller_code INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	/* newest first, optionally since a time, by queue or by agent */
	"CREATE INDEX calls_arrived ON calls(arrived, id);"
	"CREATE INDEX calls_queue ON calls(queue, arrived, id);"
	"CREATE INDEX calls_agent ON calls(agent, arrived, id);"
	/* start-up closes calls a crash left open: keep that cheap */
	"CREATE INDEX calls_open ON calls(id) WHERE ended = 0;"

	"CREATE TABLE call_legs ("
	"  call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL, role TEXT NOT NULL, agent TEXT, uri TEXT,"
	"  final_code INTEGER NOT NULL DEFAULT 0,"
	"  started INTEGER NOT NULL DEFAULT 0,"
	"  answered INTEGER NOT NULL DEFAULT 0,"
	"  ended INTEGER NOT NULL DEFAULT 0,"
	"  rtp_in INTEGER NOT NULL DEFAULT 0,"
	"  rtp_out INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (call_id, seq)) WITHOUT ROWID;"

	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) "
	"  WITHOUT ROWID;",

	/* 2: presence statuses, agents' current status, calls' routing
	 * explanations */
	"CREATE TABLE statuses (id TEXT PRIMARY KEY, doc TEXT NOT NULL, "
	"  updated_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE agent_status (agent TEXT PRIMARY KEY, "
	"  status TEXT NOT NULL, since INTEGER NOT NULL) WITHOUT ROWID;"
	"ALTER TABLE calls ADD COLUMN routing TEXT;",

	/* 3: what the agent recorded about a call (wrap-up) */
	("ALTER TABLE calls ADD COLUMN disposition TEXT;"
	 "ALTER TABLE calls ADD COLUMN notes TEXT;"),

	/* 4: calls agents place through a trunk (click-to-dial) */
	"ALTER TABLE calls ADD COLUMN direction TEXT NOT NULL "
	"  DEFAULT 'inbound';",

	/* 5: live transcription's final results, one row per utterance of
	 * either leg (or per gap, where audio was dropped) */
	"CREATE TABLE transcripts ("
	"  id INTEGER PRIMARY KEY,"
	"  call_id TEXT NOT NULL,"
	"  leg TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  start_ms INTEGER NOT NULL,"
	"  end_ms INTEGER NOT NULL,"
	"  text TEXT NOT NULL,"
	"  confidence REAL NOT NULL DEFAULT 0,"
	"  gap INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX transcripts_call ON transcripts (call_id, start_ms);",

	/* 6: the CRM outbox: requests to Salesforce and webhooks, written
	 * before they are sent, deleted on a 2xx, parked (failed = 1) on a
	 * refusal. id orders the rows of one (dest, okey) */
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  dest TEXT NOT NULL,"
	"  okey TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  method TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  failed INTEGER NOT NULL DEFAULT 0,"
	"  status INTEGER NOT NULL DEFAULT 0,"
	"  error TEXT);"
	"CREATE INDEX outbox_pending ON outbox (failed, id);",
	/* 7: next best action: intents and recommendations (provisioning),
	 * and what became of each recommendation shown in a call */
	NBA_MIGRATION,
};


int store_exec(struct store *st, const char *sql)
{
	char *msg = NULL;

	if (SQLITE_OK != sqlite3_exec(st->db, sql, NULL, NULL, &msg)) {
		log_error("%s", msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return EIO;
	}

	return 0;
}


static int current_version(struct store *st, int *version)
{
	sqlite3_stmt *s;
	int err = 0;

	if (SQLITE_OK != sqlite3_prepare_v2(st->db, "SELECT COALESCE("
					    "MAX(version), 0) FROM "
					    "schema_version", -1, &s, NULL))
		return store_dberr(st, "schema version");

	if (sqlite3_step(s) == SQLITE_ROW)
		*version = sqlite3_column_int(s, 0);
	else
		err = store_dberr(st, "schema version");

	sqlite3_finalize(s);
	return err;
}


static int apply(struct store *st, int version)
{
	sqlite3_stmt *s = NULL;
	int err;

	err = store_exec(st, "BEGIN IMMEDIATE");
	if (err)
		return err;

	err = store_exec(st, migrations[version - 1]);
	if (err)
		goto out;

	if (SQLITE_OK != sqlite3_prepare_v2(st->db, "INSERT INTO "
					    "schema_version(version, "
					    "applied_at) VALUES(?1, ?2)", -1,
					    &s, NULL)) {
		err = store_dberr(st, "schema version");
		goto out;
	}

	sqlite3_bind_int(s, 1, version);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)store_now_ms());
	if (sqlite3_step(s) != SQLITE_DONE) {
		err = store_dberr(st, "schema version");
		goto out;
	}

	err = store_exec(st, "COMMIT");

 out:
	sqlite3_finalize(s);
	if (err) {
		log_error("schema migration %d failed; database unchanged",
			  version);
		(void)store_exec(st, "ROLLBACK");
	}
	else {
		log_info("schema migrated to version %d", version);
	}

	return err;
}


int store_migrate(struct store *st)
{
	const int latest = (int)ARRAY_SIZE(migrations);
	int version = 0, err;

	err = store_exec(st, "CREATE TABLE IF NOT EXISTS schema_version ("
			 "version INTEGER PRIMARY KEY, "
			 "applied_at INTEGER NOT NULL)");
	if (err)
		return err;

	err = current_version(st, &version);
	if (err)
		return err;

	/* A newer switchboard wrote this file; running old code on it could
	 * silently lose what the new columns hold. */
	if (version > latest) {
		log_error("database schema version %d is newer than this "
			  "switchboard knows (%d)", version, latest);
		return EIO;
	}

	while (version < latest && !err)
		err = apply(st, ++version);

	return err;
}
