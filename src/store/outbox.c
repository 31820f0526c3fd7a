/*
 * outbox.c — the CRM outbox's rows (see store.h). Each row is written in
 * its own statement, so it is on disk (WAL) before src/crm sends it; a
 * crash between the send and the delete sends it again on the next start
 * (at-least-once). The statements are prepared per use: a few per call.
 */
#include <string.h>
#include <re.h>
#include "util/jsonstr.h"
#include "store/db.h"


static int prepare(struct store *st, const char *sql, sqlite3_stmt **s)
{
	if (SQLITE_OK != sqlite3_prepare_v2(st->db, sql, -1, s, NULL))
		return store_dberr(st, "outbox");

	return 0;
}


static int run(struct store *st, sqlite3_stmt *s)
{
	int err = 0;

	if (sqlite3_step(s) != SQLITE_DONE)
		err = store_dberr(st, "outbox");

	sqlite3_finalize(s);
	return err;
}


int store_outbox_add(struct store *st, struct store_outbox_row *r)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !r || !r->dest || !r->okey || !r->kind || !r->method ||
	    !r->path || !r->body)
		return EINVAL;

	err = prepare(st, "INSERT INTO outbox (dest, okey, kind, method, "
		      "path, body, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
		      "?7)", &s);
	if (err)
		return err;

	sqlite3_bind_text(s, 1, r->dest, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->okey, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->method, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, r->body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)r->created);

	err = run(st, s);
	if (!err)
		r->id = sqlite3_last_insert_rowid(st->db);

	return err;
}


int store_outbox_delete(struct store *st, int64_t id)
{
	sqlite3_stmt *s;
	int err;

	if (!st)
		return EINVAL;

	err = prepare(st, "DELETE FROM outbox WHERE id = ?1", &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, id);
	return run(st, s);
}


int store_outbox_attempt(struct store *st, int64_t id, uint32_t attempts,
			 uint16_t status, const char *error)
{
	sqlite3_stmt *s;
	int err;

	if (!st)
		return EINVAL;

	err = prepare(st, "UPDATE outbox SET attempts = ?2, status = ?3, "
		      "error = ?4 WHERE id = ?1", &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, attempts);
	sqlite3_bind_int(s, 3, status);
	sqlite3_bind_text(s, 4, error, -1, SQLITE_STATIC);
	return run(st, s);
}


int store_outbox_park(struct store *st, int64_t id, uint16_t status,
		      const char *error)
{
	sqlite3_stmt *s;
	int err;

	if (!st)
		return EINVAL;

	err = prepare(st, "UPDATE outbox SET failed = 1, status = ?2, "
		      "error = ?3, attempts = attempts + 1 WHERE id = ?1", &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, status);
	sqlite3_bind_text(s, 3, error, -1, SQLITE_STATIC);
	return run(st, s);
}


static const char *col(sqlite3_stmt *s, int i)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	return v ? v : "";
}


int store_outbox_foreach(struct store *st, store_outbox_h *h, void *arg)
{
	sqlite3_stmt *s;
	int rc, err;

	if (!st || !h)
		return EINVAL;

	err = prepare(st, "SELECT id, dest, okey, kind, method, path, body, "
		      "created, attempts FROM outbox WHERE failed = 0 "
		      "ORDER BY id", &s);
	if (err)
		return err;

	while (!err && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const struct store_outbox_row r = {
			.id = sqlite3_column_int64(s, 0),
			.dest = col(s, 1),
			.okey = col(s, 2),
			.kind = col(s, 3),
			.method = col(s, 4),
			.path = col(s, 5),
			.body = col(s, 6),
			.created = (uint64_t)sqlite3_column_int64(s, 7),
			.attempts = (uint32_t)sqlite3_column_int64(s, 8),
		};

		err = h(&r, arg);
	}

	if (!err && rc != SQLITE_DONE)
		err = store_dberr(st, "outbox");

	sqlite3_finalize(s);
	return err;
}


int store_outbox_failed(struct store *st, uint64_t *n)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !n)
		return EINVAL;

	err = prepare(st, "SELECT COUNT(*) FROM outbox WHERE failed = 1", &s);
	if (err)
		return err;

	if (sqlite3_step(s) == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(s, 0);
	else
		err = store_dberr(st, "outbox");

	sqlite3_finalize(s);
	return err;
}


int store_outbox_failed_json(struct store *st, uint32_t limit, char **json)
{
	struct mbuf *mb;
	sqlite3_stmt *s;
	int rc, err;
	bool first = true;

	if (!st || !json)
		return EINVAL;

	err = prepare(st, "SELECT id, dest, okey, kind, method, path, "
		      "created, attempts, status, error FROM outbox WHERE "
		      "failed = 1 ORDER BY id DESC LIMIT ?1", &s);
	if (err)
		return err;

	sqlite3_bind_int64(s, 1, limit);
	mb = mbuf_alloc(512);
	if (!mb) {
		sqlite3_finalize(s);
		return ENOMEM;
	}

	err = mbuf_printf(mb, "[");
	while (!err && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		err = mbuf_printf(mb, "%s{\"id\":%lld,\"dest\":%H,\"call\":%H,"
				  "\"kind\":%H,\"method\":%H,\"path\":%H,"
				  "\"created\":%lld,\"attempts\":%lld,"
				  "\"status\":%lld,\"error\":%H}",
				  first ? "" : ",",
				  (long long)sqlite3_column_int64(s, 0),
				  jsonstr_print, col(s, 1),
				  jsonstr_print, col(s, 2),
				  jsonstr_print, col(s, 3),
				  jsonstr_print, col(s, 4),
				  jsonstr_print, col(s, 5),
				  (long long)sqlite3_column_int64(s, 6),
				  (long long)sqlite3_column_int64(s, 7),
				  (long long)sqlite3_column_int64(s, 8),
				  jsonstr_print, col(s, 9));
		first = false;
	}
	if (!err && rc != SQLITE_DONE)
		err = store_dberr(st, "outbox");
	if (!err)
		err = mbuf_printf(mb, "]");
	if (!err) {
		mb->pos = 0;
		err = mbuf_strdup(mb, json, mb->end);
	}

	sqlite3_finalize(s);
	mem_deref(mb);
	return err;
}
