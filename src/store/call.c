/*
 * call.c — writing call records, and reading a call's routing
 * explanation back.
 *
 * store_call_save runs several times per call (arrived, offered,
 * answered, ended) at up to about a thousand calls a second, so it is
 * only cached statements: an upsert of the call row, then its legs
 * replaced, inside a savepoint so that it is atomic on its own and still
 * nests inside a caller's store_begin.
 */
#include <string.h>
#include <re.h>
#include "store/db.h"


static void bind_str(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}


static void bind_u64(sqlite3_stmt *s, int i, uint64_t v)
{
	sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}


static int put_call(struct store *st, const struct store_call *c)
{
	sqlite3_stmt *s = st->stmt[S_CALL_PUT];

	bind_str(s, 1, c->id);
	bind_str(s, 2, c->from);
	bind_str(s, 3, c->from_number);
	bind_str(s, 4, c->to);
	bind_str(s, 5, c->trunk);
	bind_str(s, 6, c->queue);
	bind_str(s, 7, c->agent);
	bind_u64(s, 8, c->arrived);
	bind_u64(s, 9, c->offered);
	bind_u64(s, 10, c->answered);
	bind_u64(s, 11, c->ended);
	bind_str(s, 12, c->end_reason);
	bind_str(s, 13, c->hangup_by);
	sqlite3_bind_int(s, 14, c->caller_code);
	bind_str(s, 15, c->routing);
	bind_str(s, 16, c->disposition);
	bind_str(s, 17, c->notes);
	bind_str(s, 18, c->direction ? c->direction : "inbound");

	return store_step_done(st, s, "call save");
}


static int put_legs(struct store *st, const struct store_call *c)
{
	sqlite3_stmt *s = st->stmt[S_LEGS_DEL];
	int err;

	bind_str(s, 1, c->id);
	err = store_step_done(st, s, "call legs delete");
	if (err)
		return err;

	s = st->stmt[S_LEG_PUT];
	for (size_t i = 0; i < c->nlegs && !err; i++) {
		const struct store_leg *l = &c->legs[i];

		bind_str(s, 1, c->id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_str(s, 3, l->role);
		bind_str(s, 4, l->agent);
		bind_str(s, 5, l->uri);
		sqlite3_bind_int(s, 6, l->final_code);
		bind_u64(s, 7, l->started);
		bind_u64(s, 8, l->answered);
		bind_u64(s, 9, l->ended);
		bind_u64(s, 10, l->rtp_in);
		bind_u64(s, 11, l->rtp_out);

		err = store_step_done(st, s, "call leg save");
	}

	return err;
}


int store_call_save(struct store *st, const struct store_call *c)
{
	int err;

	if (!st || !c || !c->id || (c->nlegs && !c->legs))
		return EINVAL;

	for (size_t i = 0; i < c->nlegs; i++) {
		if (!c->legs[i].role)
			return EINVAL;
	}

	err = store_step_done(st, st->stmt[S_SAVEPOINT], "call savepoint");
	if (err)
		return err;

	err = put_call(st, c);
	if (!err)
		err = put_legs(st, c);

	if (err)
		(void)store_step_done(st, st->stmt[S_ROLLBACK_TO],
				      "call rollback");

	/* RELEASE after ROLLBACK TO as well: it closes the savepoint, and
	 * the transaction with it when we opened it. */
	if (store_step_done(st, st->stmt[S_RELEASE], "call release") && !err)
		err = EIO;

	return err;
}


int store_call_routing(struct store *st, const char *id, char **json)
{
	sqlite3_stmt *s;
	int rc, err;

	if (!st || !id || !json)
		return EINVAL;

	s = st->stmt[S_CALL_ROUTING];
	bind_str(s, 1, id);

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		err = str_dup(json, (const char *)sqlite3_column_text(s, 0));
	else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		err = ENOENT;
	else
		err = store_dberr(st, "call routing");

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return err;
}


int store_call_involves(struct store *st, const char *id, const char *agent,
			bool *yes)
{
	sqlite3_stmt *s;
	int rc, err = 0;

	if (!st || !id || !agent || !yes)
		return EINVAL;

	s = st->stmt[S_CALL_AGENT];
	bind_str(s, 1, id);
	bind_str(s, 2, agent);

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		*yes = rc == SQLITE_ROW;
	else
		err = store_dberr(st, "call agent");

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return err;
}


int store_calls_close_open(struct store *st, uint64_t now,
			   const char *reason, unsigned *n)
{
	sqlite3_stmt *s;
	unsigned closed = 0;
	int err;

	if (!st || !reason)
		return EINVAL;

	err = store_step_done(st, st->stmt[S_SAVEPOINT], "close savepoint");
	if (err)
		return err;

	/* legs first: their WHERE looks for calls that are still open */
	s = st->stmt[S_LEGS_CLOSE];
	bind_u64(s, 1, now);
	err = store_step_done(st, s, "close open legs");
	if (err)
		goto out;

	s = st->stmt[S_CALLS_CLOSE];
	bind_u64(s, 1, now);
	bind_str(s, 2, reason);
	err = store_step_done(st, s, "close open calls");
	if (!err)
		closed = (unsigned)sqlite3_changes(st->db);

 out:
	if (err)
		(void)store_step_done(st, st->stmt[S_ROLLBACK_TO],
				      "close rollback");
	if (store_step_done(st, st->stmt[S_RELEASE], "close release") && !err)
		err = EIO;

	if (!err && n)
		*n = closed;

	return err;
}
