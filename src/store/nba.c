/*
 * nba.c — what became of the recommendations next best action showed:
 * one "shown" row when one is emitted in a call, then the agent's
 * "accepted" or "dismissed". A few rows per call: statements are
 * prepared per use. The schema (migration NBA_MIGRATION) lets a call
 * have at most one answer per recommendation.
 */
#include <string.h>
#include <re.h>
#include "util/jsonstr.h"
#include "store/db.h"


static bool answer(const char *outcome)
{
	return 0 == strcmp(outcome, "accepted") ||
		0 == strcmp(outcome, "dismissed");
}


int store_nba_feedback(struct store *st, const char *call_id,
		       const char *rec, const char *outcome,
		       const char *agent, const char *detail)
{
	sqlite3_stmt *s;
	int err = 0, rc;

	if (!st || !call_id || !rec || !outcome ||
	    (strcmp(outcome, "shown") && !answer(outcome)))
		return EINVAL;

	if (answer(outcome)) {
		char who[2];

		err = store_nba_shown_to(st, call_id, rec, who, sizeof(who));
		if (err)
			return err;
	}

	if (SQLITE_OK != sqlite3_prepare_v2(st->db, "INSERT INTO "
					    "nba_feedback (call_id, "
					    "recommendation, outcome, agent, "
					    "at, detail) VALUES (?1, ?2, ?3, "
					    "?4, ?5, ?6)",
					    -1, &s, NULL))
		return store_dberr(st, "nba feedback");

	sqlite3_bind_text(s, 1, call_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, rec, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, outcome, -1, SQLITE_STATIC);
	if (agent && agent[0])
		sqlite3_bind_text(s, 4, agent, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)store_now_ms());
	if (detail)
		sqlite3_bind_text(s, 6, detail, -1, SQLITE_STATIC);

	rc = sqlite3_step(s);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		err = EALREADY;
	else if (rc != SQLITE_DONE)
		err = store_dberr(st, "nba feedback");

	sqlite3_finalize(s);
	return err;
}


int store_nba_shown_to(struct store *st, const char *call_id,
		       const char *rec, char *agent, size_t sz)
{
	sqlite3_stmt *s;
	int err = 0, rc;

	if (!st || !call_id || !rec || !agent || !sz)
		return EINVAL;

	if (SQLITE_OK != sqlite3_prepare_v2(st->db, "SELECT "
					    "COALESCE(agent, '') FROM "
					    "nba_feedback WHERE call_id = ?1 "
					    "AND recommendation = ?2 AND "
					    "outcome = 'shown'", -1, &s,
					    NULL))
		return store_dberr(st, "nba feedback");

	sqlite3_bind_text(s, 1, call_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, rec, -1, SQLITE_STATIC);

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		str_ncpy(agent, (const char *)sqlite3_column_text(s, 0), sz);
	else if (rc == SQLITE_DONE)
		err = ENOENT;
	else
		err = store_dberr(st, "nba feedback");

	sqlite3_finalize(s);
	return err;
}


int store_nba_call_json(struct store *st, const char *call_id, char **out)
{
	struct mbuf *mb;
	sqlite3_stmt *s;
	int rc = SQLITE_DONE, err = 0;
	bool first = true;

	if (!st || !call_id || !out)
		return EINVAL;

	if (SQLITE_OK != sqlite3_prepare_v2(st->db, "SELECT f.detail, "
					    "(SELECT a.outcome FROM "
					    "nba_feedback a WHERE a.call_id = "
					    "f.call_id AND a.recommendation = "
					    "f.recommendation AND a.outcome "
					    "!= 'shown') FROM nba_feedback f "
					    "WHERE f.call_id = ?1 AND "
					    "f.outcome = 'shown' AND f.detail "
					    "IS NOT NULL ORDER BY f.at, "
					    "f.recommendation", -1, &s, NULL))
		return store_dberr(st, "nba feedback");

	mb = mbuf_alloc(512);
	if (!mb) {
		sqlite3_finalize(s);
		return ENOMEM;
	}

	sqlite3_bind_text(s, 1, call_id, -1, SQLITE_STATIC);

	err = mbuf_printf(mb, "{\"call\":%H,\"recommendations\":[",
			  jsonstr_print, call_id);

	while (!err && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(s, 0);
		const char *outcome = (const char *)sqlite3_column_text(s, 1);
		const size_t len = strlen(detail);

		/* the stored object, with its answer added */
		if (len < 2 || detail[len - 1] != '}')
			continue;

		err = mbuf_printf(mb, "%s%b,\"outcome\":%H}", first ? "" : ",",
				  detail, len - 1, jsonstr_print, outcome);
		first = false;
	}

	if (!err && rc != SQLITE_DONE)
		err = store_dberr(st, "nba feedback");
	if (!err)
		err = mbuf_printf(mb, "]}");
	if (!err) {
		mb->pos = 0;
		err = mbuf_strdup(mb, out, mb->end);
	}

	sqlite3_finalize(s);
	mem_deref(mb);
	return err;
}


int store_nba_stats_json(struct store *st, char **out)
{
	struct mbuf *mb;
	sqlite3_stmt *s;
	int rc = SQLITE_DONE, err = 0;
	bool first = true;

	if (!st || !out)
		return EINVAL;

	if (SQLITE_OK != sqlite3_prepare_v2(st->db, "SELECT recommendation, "
					    "SUM(outcome = 'shown'), "
					    "SUM(outcome = 'accepted'), "
					    "SUM(outcome = 'dismissed') FROM "
					    "nba_feedback GROUP BY "
					    "recommendation ORDER BY "
					    "recommendation", -1, &s, NULL))
		return store_dberr(st, "nba stats");

	mb = mbuf_alloc(256);
	if (!mb) {
		sqlite3_finalize(s);
		return ENOMEM;
	}

	err = mbuf_printf(mb, "{\"recommendations\":[");

	while (!err && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		err = mbuf_printf(mb, "%s{\"id\":%H,\"shown\":%lld,"
				  "\"accepted\":%lld,\"dismissed\":%lld}",
				  first ? "" : ",", jsonstr_print,
				  (const char *)sqlite3_column_text(s, 0),
				  (long long)sqlite3_column_int64(s, 1),
				  (long long)sqlite3_column_int64(s, 2),
				  (long long)sqlite3_column_int64(s, 3));
		first = false;
	}

	if (!err && rc != SQLITE_DONE)
		err = store_dberr(st, "nba stats");
	if (!err)
		err = mbuf_printf(mb, "]}");
	if (!err) {
		mb->pos = 0;
		err = mbuf_strdup(mb, out, mb->end);
	}

	sqlite3_finalize(s);
	mem_deref(mb);
	return err;
}
