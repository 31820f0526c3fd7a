/*
 * binding.c — SIP registrations (the location service), one row per
 * (agent, contact), so a restart does not forget where phones are.
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


static const char *col_str(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}


int store_binding_put(struct store *st, const struct store_binding *b)
{
	sqlite3_stmt *s;

	if (!st || !b || !b->agent || !b->contact || !b->dst || !b->tp)
		return EINVAL;

	s = st->stmt[S_BIND_PUT];
	bind_str(s, 1, b->agent);
	bind_str(s, 2, b->contact);
	bind_str(s, 3, b->dst);
	bind_str(s, 4, b->tp);
	bind_str(s, 5, b->callid);
	sqlite3_bind_int64(s, 6, b->cseq);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)b->registered);
	sqlite3_bind_int64(s, 8, (sqlite3_int64)b->expires);
	bind_str(s, 9, b->user_agent);

	return store_step_done(st, s, "binding put");
}


int store_binding_delete(struct store *st, const char *agent,
			 const char *contact)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !agent || !contact)
		return EINVAL;

	s = st->stmt[S_BIND_DEL];
	bind_str(s, 1, agent);
	bind_str(s, 2, contact);

	err = store_step_done(st, s, "binding delete");
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

	return err;
}


int store_binding_delete_agent(struct store *st, const char *agent)
{
	sqlite3_stmt *s;

	if (!st || !agent)
		return EINVAL;

	s = st->stmt[S_BIND_DEL_AGENT];
	bind_str(s, 1, agent);

	return store_step_done(st, s, "binding delete agent");
}


int store_binding_foreach(struct store *st, store_binding_h *h, void *arg)
{
	sqlite3_stmt *s;
	int rc, err;

	if (!st || !h)
		return EINVAL;

	err = store_stmt_acquire(st, st->stmt[S_BIND_ALL], &s);
	if (err)
		return err;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_binding b = {
			.agent      = col_str(s, 0),
			.contact    = col_str(s, 1),
			.dst        = col_str(s, 2),
			.tp         = col_str(s, 3),
			.callid     = col_str(s, 4),
			.cseq       = (uint32_t)sqlite3_column_int64(s, 5),
			.registered = (uint64_t)sqlite3_column_int64(s, 6),
			.expires    = (uint64_t)sqlite3_column_int64(s, 7),
			.user_agent = col_str(s, 8),
		};

		err = h(&b, arg);
		if (err)
			break;
	}

	if (!err && rc != SQLITE_DONE)
		err = store_dberr(st, "binding list");

	store_stmt_release(st->stmt[S_BIND_ALL], s);
	return err;
}
