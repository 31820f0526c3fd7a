/*
 * obj.c — provisioned objects: one table per kind, a JSON document per id.
 *
 * The store does not look inside documents; src/prov owns their shape.
 */
#include <string.h>
#include <re.h>
#include "store/db.h"


static sqlite3_stmt *obj_stmt(struct store *st, const char *kind,
			      enum obj_stmt which)
{
	int k = store_kind_index(kind);

	return k < 0 ? NULL : st->obj[k][which];
}


int store_obj_put(struct store *st, const char *kind, const char *id,
		  const char *doc)
{
	sqlite3_stmt *s;

	if (!st || !id || !doc)
		return EINVAL;

	s = obj_stmt(st, kind, OBJ_PUT);
	if (!s)
		return EINVAL;

	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, doc, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)store_now_ms());

	return store_step_done(st, s, "object put");
}


int store_obj_get(struct store *st, const char *kind, const char *id,
		  char **doc)
{
	sqlite3_stmt *s;
	int rc, err;

	if (!st || !id || !doc)
		return EINVAL;

	s = obj_stmt(st, kind, OBJ_GET);
	if (!s)
		return EINVAL;

	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		err = str_dup(doc, (const char *)sqlite3_column_text(s, 0));
	else if (rc == SQLITE_DONE)
		err = ENOENT;
	else
		err = store_dberr(st, "object get");

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return err;
}


int store_obj_delete(struct store *st, const char *kind, const char *id)
{
	sqlite3_stmt *s;
	int err;

	if (!st || !id)
		return EINVAL;

	s = obj_stmt(st, kind, OBJ_DEL);
	if (!s)
		return EINVAL;

	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);

	err = store_step_done(st, s, "object delete");
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

	return err;
}


int store_obj_foreach(struct store *st, const char *kind, store_obj_h *h,
		      void *arg)
{
	sqlite3_stmt *cached, *s;
	int rc, err;

	if (!st || !h)
		return EINVAL;

	cached = obj_stmt(st, kind, OBJ_ALL);
	if (!cached)
		return EINVAL;

	err = store_stmt_acquire(st, cached, &s);
	if (err)
		return err;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		err = h((const char *)sqlite3_column_text(s, 0),
			(const char *)sqlite3_column_text(s, 1), arg);
		if (err)
			break;
	}

	if (!err && rc != SQLITE_DONE)
		err = store_dberr(st, "object list");

	store_stmt_release(cached, s);
	return err;
}
