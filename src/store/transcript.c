/*
 * transcript.c — live transcription's finals, one row per utterance of
 * either leg. Written one at a time as results arrive (a few per call
 * per minute), read whole for GET /api/v1/calls/{id}/transcript. The
 * statements are prepared per use: neither path is hot.
 */
#include <string.h>
#include <re.h>
#include "store/db.h"
#include "util/jsonstr.h"


int store_transcript_add(struct store *st, const struct store_transcript *t)
{
	sqlite3_stmt *s;
	int err = 0;

	if (!st || !t || !t->call_id || !t->leg || !t->role || !t->text)
		return EINVAL;

	if (SQLITE_OK != sqlite3_prepare_v2(st->db, "INSERT INTO transcripts "
					    "(call_id, leg, role, start_ms, "
					    "end_ms, text, confidence, gap) "
					    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
					    "?7, ?8)", -1, &s, NULL))
		return store_dberr(st, "transcript");

	sqlite3_bind_text(s, 1, t->call_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, t->leg, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, t->role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)t->start_ms);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)t->end_ms);
	sqlite3_bind_text(s, 6, t->text, -1, SQLITE_STATIC);
	sqlite3_bind_double(s, 7, t->confidence);
	sqlite3_bind_int(s, 8, t->gap);

	if (sqlite3_step(s) != SQLITE_DONE)
		err = store_dberr(st, "transcript");

	sqlite3_finalize(s);
	return err;
}


int store_transcript_get(struct store *st, const char *call_id, bool txt,
			 char **out)
{
	struct mbuf *mb;
	sqlite3_stmt *s;
	int rc = SQLITE_DONE, err = 0;
	bool first = true;

	if (!st || !call_id || !out)
		return EINVAL;

	if (SQLITE_OK != sqlite3_prepare_v2(st->db, "SELECT leg, role, "
					    "start_ms, end_ms, text, "
					    "confidence, gap FROM transcripts "
					    "WHERE call_id = ?1 ORDER BY "
					    "start_ms, id", -1, &s, NULL))
		return store_dberr(st, "transcript");

	mb = mbuf_alloc(512);
	if (!mb) {
		sqlite3_finalize(s);
		return ENOMEM;
	}

	sqlite3_bind_text(s, 1, call_id, -1, SQLITE_STATIC);

	if (!txt)
		err = mbuf_printf(mb, "{\"call\":%H,\"segments\":[", jsonstr_print,
				  call_id);

	while (!err && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *leg = (const char *)sqlite3_column_text(s, 0);
		const char *role = (const char *)sqlite3_column_text(s, 1);
		const int64_t start = sqlite3_column_int64(s, 2);
		const int64_t end = sqlite3_column_int64(s, 3);
		const char *text = (const char *)sqlite3_column_text(s, 4);
		const double conf = sqlite3_column_double(s, 5);
		const bool gap = sqlite3_column_int(s, 6) != 0;

		if (txt) {
			err = mbuf_printf(mb, "[%02lld:%02lld.%lld] %s: %s\n",
					  (long long)(start / 60000),
					  (long long)(start / 1000 % 60),
					  (long long)(start / 100 % 10), role,
					  gap ? "[audio dropped]" : text);
			continue;
		}

		/* seconds to the hundredth, printed from integers (libre's
		 * %f cuts rather than rounds: 5.1 would print 5.09) */
		err = mbuf_printf(mb, "%s{\"leg\":%H,\"role\":%H,"
				  "\"start_s\":%lld.%02lld,"
				  "\"end_s\":%lld.%02lld,"
				  "\"text\":%H,\"confidence\":%.3f,"
				  "\"gap\":%s}", first ? "" : ",",
				  jsonstr_print, leg, jsonstr_print, role,
				  (long long)(start / 1000),
				  (long long)(start % 1000 / 10),
				  (long long)(end / 1000),
				  (long long)(end % 1000 / 10), jsonstr_print,
				  text, conf, gap ? "true" : "false");
		first = false;
	}

	if (!err && rc != SQLITE_DONE)
		err = store_dberr(st, "transcript");
	if (!err && !txt)
		err = mbuf_printf(mb, "]}");
	if (!err) {
		mb->pos = 0;
		err = mbuf_strdup(mb, out, mb->end);
	}

	sqlite3_finalize(s);
	mem_deref(mb);
	return err;
}
