/*
 * schema_v1.h — the database as switchboard 0.1 (schema version 1) left
 * it: migration 1 of src/store/schema.c exactly as it shipped, and the
 * schema_version table store_migrate keeps. Tests build such a file by
 * hand and check that store_open upgrades it.
 */
#ifndef SWITCHBOARD_SCHEMA_V1_H
#define SWITCHBOARD_SCHEMA_V1_H

static const char schema_v1_sql[] =
	"CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
	"applied_at INTEGER NOT NULL);"
	"INSERT INTO schema_version VALUES(1, 1700000000000);"

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
	"CREATE INDEX calls_arrived ON calls(arrived, id);"
	"CREATE INDEX calls_queue ON calls(queue, arrived, id);"
	"CREATE INDEX calls_agent ON calls(agent, arrived, id);"
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
	"  WITHOUT ROWID;";

#endif
