/*
 * call_json.c — call records as the public JSON of GET /api/v1/calls.
 *
 * SQLite's json_object builds each record, so escaping is SQLite's and the
 * record is one row: no per-field C formatting. Times go through sb_time
 * (see store.c); codes and times that are 0 come out as null. The shape
 * is a public contract documented in docs/API.md.
 */
#include <string.h>
#include <re.h>
#include "store/db.h"

enum { CALLS_LIMIT_DEFAULT = 100, CALLS_LIMIT_MAX = 1000 };

#define CALL_JSON_EXPR \
	"json_object(" \
	"'id', c.id, 'direction', c.direction, " \
	"'from', c.from_uri, 'from_number', c.from_number, " \
	"'to', c.to_number, 'trunk', c.trunk, 'queue', c.queue, " \
	"'agent', c.agent, " \
	"'arrived', sb_time(c.arrived), 'offered', sb_time(c.offered), " \
	"'answered', sb_time(c.answered), 'ended', sb_time(c.ended), " \
	"'end_reason', c.end_reason, 'hangup_by', c.hangup_by, " \
	"'caller_code', NULLIF(c.caller_code, 0), " \
	"'disposition', c.disposition, 'notes', c.notes, " \
	/* whole seconds talked, rounded */ \
	"'duration_s', CASE WHEN c.answered > 0 AND c.ended >= c.answered " \
	"  THEN (c.ended - c.answered + 500) / 1000 END, " \
	/* seconds waited for an answer, or until the caller gave up */ \
	"'wait_s', CASE WHEN c.arrived > 0 AND COALESCE(NULLIF(c.answered, " \
	"  0), NULLIF(c.ended, 0)) >= c.arrived THEN round((COALESCE(" \
	"  NULLIF(c.answered, 0), c.ended) - c.arrived) / 1000.0, 1) END, " \
	"'legs', (SELECT json_group_array(json(l.j)) FROM (" \
	"  SELECT json_object('role', role, 'agent', agent, 'uri', uri, " \
	"  'final_code', NULLIF(final_code, 0), " \
	"  'started', sb_time(started), 'answered', sb_time(answered), " \
	"  'ended', sb_time(ended), 'rtp_in', rtp_in, 'rtp_out', rtp_out) " \
	"  AS j FROM call_legs WHERE call_id = c.id ORDER BY seq) AS l)" \
	")"

const char store_call_json_sql[] =
	"SELECT " CALL_JSON_EXPR " FROM calls AS c WHERE c.id = ?1";


int store_calls_prepare(struct store *st)
{
	int err = 0;

	for (int v = 0; v < CALLS_VARIANTS && !err; v++) {
		const char *since = " AND c.arrived >= ?1";
		const char *queue = " AND c.queue = ?2";
		const char *agent = " AND c.agent = ?3";
		char *text = NULL;

		err = re_sdprintf(&text, "SELECT " CALL_JSON_EXPR
				  " FROM calls AS c WHERE 1%s%s%s"
				  " ORDER BY c.arrived DESC, c.id DESC"
				  " LIMIT ?4",
				  v & CALLS_BY_SINCE ? since : "",
				  v & CALLS_BY_QUEUE ? queue : "",
				  v & CALLS_BY_AGENT ? agent : "");
		if (err)
			return ENOMEM;

		if (SQLITE_OK != sqlite3_prepare_v3(st->db, text, -1,
					SQLITE_PREPARE_PERSISTENT,
					&st->calls[v], NULL))
			err = store_dberr(st, "prepare calls list");

		mem_deref(text);
	}

	return err;
}


int store_call_json(struct store *st, const char *id, char **json)
{
	sqlite3_stmt *s;
	int rc, err;

	if (!st || !id || !json)
		return EINVAL;

	s = st->stmt[S_CALL_JSON];
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		err = str_dup(json, (const char *)sqlite3_column_text(s, 0));
	else if (rc == SQLITE_DONE)
		err = ENOENT;
	else
		err = store_dberr(st, "call json");

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return err;
}


int store_calls_json(struct store *st, const struct store_call_filter *f,
		     char **json)
{
	struct store_call_filter none = {0};
	sqlite3_stmt *cached, *s;
	struct mbuf *mb;
	uint32_t limit;
	int v = 0, rc = SQLITE_DONE, err, n = 0;

	if (!st || !json)
		return EINVAL;

	if (!f)
		f = &none;

	if (f->since)
		v |= CALLS_BY_SINCE;
	if (f->queue)
		v |= CALLS_BY_QUEUE;
	if (f->agent)
		v |= CALLS_BY_AGENT;

	limit = f->limit ? f->limit : CALLS_LIMIT_DEFAULT;
	if (limit > CALLS_LIMIT_MAX)
		limit = CALLS_LIMIT_MAX;

	mb = mbuf_alloc(4096);
	if (!mb)
		return ENOMEM;

	cached = st->calls[v];
	err = store_stmt_acquire(st, cached, &s);
	if (err)
		goto out;

	sqlite3_bind_int64(s, 1, (sqlite3_int64)f->since);
	if (f->queue)
		sqlite3_bind_text(s, 2, f->queue, -1, SQLITE_STATIC);
	if (f->agent)
		sqlite3_bind_text(s, 3, f->agent, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, limit);

	err = mbuf_write_str(mb, "{\"calls\":[");
	while (!err && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n++)
			err = mbuf_write_u8(mb, ',');
		err |= mbuf_write_mem(mb, sqlite3_column_text(s, 0),
				      (size_t)sqlite3_column_bytes(s, 0));
	}

	if (!err && rc != SQLITE_DONE)
		err = store_dberr(st, "calls list");

	store_stmt_release(cached, s);

	if (!err)
		err = mbuf_write_str(mb, "]}");
	if (err)
		goto out;

	mb->pos = 0;
	err = mbuf_strdup(mb, json, mb->end);

 out:
	mem_deref(mb);
	return err;
}
