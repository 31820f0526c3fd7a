/*
 * wsmsg.c — reading what a Vosk-style recognizer sends (outside input:
 * fuzz/asr_ws_msg.c): {"partial":"..."} or {"text":"...","result":
 * [{"word":"...","start":0.6,"end":1.02,"conf":0.97}...]}.
 *
 * Anything else is refused, and so are words whose times are not
 * numbers in 0..TIME_MAX_S or run backwards; such a word is left out of
 * the times and the confidence, not the text. Confidence is the mean of
 * the words', clamped to 0..1 (Vosk sends 1.0 where it has none).
 */
#include <math.h>
#include <string.h>
#include <re.h>
#include "asr/asr.h"

enum {
	DEPTH_MAX = 4,             /* object > result > word > value */
	TIME_MAX_S = 86400,
};


static bool number(const struct odict *o, const char *key, double *v)
{
	const struct odict_entry *e = odict_lookup(o, key);

	if (!e)
		return false;
	if (e->type == ODICT_DOUBLE)
		*v = e->u.dbl;
	else if (e->type == ODICT_INT)
		*v = (double)e->u.integer;
	else
		return false;

	return isfinite(*v);
}


static void words(struct asr_ws_msg *m, const struct odict *result)
{
	double sum = 0;
	size_t n = 0;
	struct le *le;

	for (le = result->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;
		double start, end, conf;

		if (e->type != ODICT_OBJECT)
			continue;
		if (!number(e->u.odict, "start", &start) ||
		    !number(e->u.odict, "end", &end) ||
		    start < 0 || end < start || end > TIME_MAX_S)
			continue;
		if (!number(e->u.odict, "conf", &conf))
			conf = 0;

		if (!n || start < m->start_s)
			m->start_s = start;
		if (!n || end > m->end_s)
			m->end_s = end;
		sum += conf < 0 ? 0 : conf > 1 ? 1 : conf;
		++n;
	}

	if (n) {
		m->timed = true;
		m->conf = sum / (double)n;
	}
}


int asr_ws_msg_parse(struct asr_ws_msg *m, const char *json, size_t len)
{
	const struct odict_entry *e;
	struct odict *o = NULL;
	size_t i = 0;
	int err;

	if (!m || !json)
		return EINVAL;

	memset(m, 0, sizeof(*m));

	/* libre's decoder takes a bare value too: only objects here */
	while (i < len && strchr(" \t\r\n", json[i]) && json[i])
		++i;
	if (i == len || json[i] != '{')
		return EBADMSG;

	err = json_decode_odict(&o, 8, json, len, DEPTH_MAX);
	if (err)
		return err == ENOMEM ? ENOMEM : EBADMSG;

	if ((e = odict_get_type(o, ODICT_STRING, "partial"))) {
		m->partial = true;
	}
	else if ((e = odict_get_type(o, ODICT_STRING, "text"))) {
		const struct odict_entry *r;

		r = odict_get_type(o, ODICT_ARRAY, "result");
		if (r)
			words(m, r->u.odict);
	}
	else {
		mem_deref(o);
		return EBADMSG;
	}

	err = str_dup(&m->text, e->u.str);
	mem_deref(o);
	return err;
}
