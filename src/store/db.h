/*
 * db.h — private to src/store: the connection, its prepared statements and
 * the helpers every store_*.c file shares.
 *
 * Every statement the store runs is prepared once in store_open and kept
 * for the life of the connection; the hot paths (call records,
 * registrations) only bind, step and reset. Statements whose text depends
 * on a kind or on which filters are set are generated at open time too.
 */
#ifndef SWITCHBOARD_STORE_DB_H
#define SWITCHBOARD_STORE_DB_H

#include <sqlite3.h>
#include "store/store.h"

enum { STORE_KINDS = 7 };

/* per provisioning kind */
enum obj_stmt {
	OBJ_PUT = 0,
	OBJ_GET,
	OBJ_DEL,
	OBJ_ALL,
	OBJ_STMTS
};

enum stmt_id {
	S_BEGIN = 0,
	S_COMMIT,
	S_ROLLBACK,
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,
	S_VERSION,
	S_META_GET,
	S_META_PUT,
	S_BIND_PUT,
	S_BIND_DEL,
	S_BIND_DEL_AGENT,
	S_BIND_ALL,
	S_CALL_PUT,
	S_LEGS_DEL,
	S_LEG_PUT,
	S_CALL_JSON,
	S_CALLS_CLOSE,
	S_LEGS_CLOSE,
	S_CALL_ROUTING,
	S_CALL_AGENT,
	S_STATUS_PUT,
	S_STATUS_DEL,
	S_STATUS_ALL,
	S_STMTS
};

/* store_calls_json: one statement per combination of filters, so each
 * can use its index (a single "?1 IS NULL OR queue = ?1" cannot). */
enum {
	CALLS_BY_SINCE = 1 << 0,
	CALLS_BY_QUEUE = 1 << 1,
	CALLS_BY_AGENT = 1 << 2,
	CALLS_VARIANTS = 1 << 3,
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[S_STMTS];
	sqlite3_stmt *obj[STORE_KINDS][OBJ_STMTS];
	sqlite3_stmt *calls[CALLS_VARIANTS];
};

/* Logs SQLite's message for what failed and returns EIO. */
int  store_dberr(struct store *st, const char *what);
/* Runs a statement that returns no rows, then resets it. */
int  store_step_done(struct store *st, sqlite3_stmt *s, const char *what);
/* The statement to run: the cached one, or when that one is already
 * stepping (a foreach handler calling back into the store) a fresh copy
 * that the caller releases with store_stmt_release. */
int  store_stmt_acquire(struct store *st, sqlite3_stmt *cached,
			sqlite3_stmt **sp);
void store_stmt_release(sqlite3_stmt *cached, sqlite3_stmt *s);
int  store_kind_index(const char *kind);
uint64_t store_now_ms(void);

/* schema.c */
int  store_migrate(struct store *st);
int  store_exec(struct store *st, const char *sql);

/* call_json.c */
int  store_calls_prepare(struct store *st);
extern const char store_call_json_sql[];

#endif
