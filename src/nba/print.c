/*
 * print.c — the engine's reasons as JSON, for the events and the API.
 */
#include <re.h>
#include "util/jsonstr.h"
#include "nba/nba.h"


int nba_words_print(struct re_printf *pf, const struct nba_words *ws)
{
	int err = re_hprintf(pf, "[");

	for (size_t i = 0; i < ws->n && !err; i++)
		err = re_hprintf(pf, "%s{\"word\":%H,\"weight\":%.3f}",
				 i ? "," : "", jsonstr_print, ws->w[i].word,
				 ws->w[i].weight);

	return err | re_hprintf(pf, "]");
}


int nba_needs_print(struct re_printf *pf, const struct nba_needs *ns)
{
	int err = re_hprintf(pf, "[");

	for (size_t i = 0; i < ns->n && !err; i++)
		err = re_hprintf(pf, "%s%H", i ? "," : "", jsonstr_print,
				 ns->v[i]);

	return err | re_hprintf(pf, "]");
}
