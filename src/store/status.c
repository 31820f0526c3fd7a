/*
 * status.c — agents' presence statuses, one row per agent, so a restart
 * puts every agent back in the status it was in (and since when).
 *
 * The store does not check that the status exists: statuses are
 * provisioned objects (src/prov), and whoever reads the rows back treats
 * one that no longer exists as it sees fit.
 */
#include <string.h>
#include <re.h>
#include "store/db.h"


int store_agent_status_put(struct store *st, const char *agent,
			   const char *status, uint64_t since)
{
	sqlite3_stmt *s;

	if (!st || !agent || !status)
		return EINVAL;

	s = st->stmt[S_STATUS_PUT];
	sqlite3_bind_text(s, 1, agent, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)since);

	return store_step_done(st, s, "agent status put");
}


int store_agent_status_delete(struct store *st, const char *agent)
{
	sqlite3_stmt *s;

	if (!st || !agent)
		return EINVAL;

	s = st->stmt[S_STATUS_DEL];
	sqlite3_bind_text(s, 1, agent, -1, SQLITE_STATIC);

	return store_step_done(st, s, "agent status delete");
}


int store_agent_status_foreach(struct store *st, store_agent_status_h *h,
			       void *arg)
{
	sqlite3_stmt *s;
	int rc, err;

	if (!st || !h)
		return EINVAL;

	err = store_stmt_acquire(st, st->stmt[S_STATUS_ALL], &s);
	if (err)
		return err;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		err = h((const char *)sqlite3_column_text(s, 0),
			(const char *)sqlite3_column_text(s, 1),
			(uint64_t)sqlite3_column_int64(s, 2), arg);
		if (err)
			break;
	}

	if (!err && rc != SQLITE_DONE)
		err = store_dberr(st, "agent status list");

	store_stmt_release(st->stmt[S_STATUS_ALL], s);
	return err;
}
