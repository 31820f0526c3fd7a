/*
 * print_json.c — the JSON report, the stable contract (docs/AUDIT.md):
 * keys never change meaning, new keys may be added; findings sorted by
 * file then line; one finding per line so diffs of two runs read well.
 */
#include <string.h>
#include <re.h>
#include "util/jsonstr.h"
#include "audit/internal.h"

#define EACH(vp, T, e) \
	for (const T *e = (vp)->v; e && e < (const T *)(vp)->v + (vp)->n; e++)

const char *cc_kind_name(enum audit_cc_kind k)
{
	switch (k) {

	case CC_LIGHTNING: return "open_cti_lightning";
	case CC_CLASSIC:   return "open_cti_classic";
	case CC_SCV:       return "scv";
	default:           return "unknown";
	}
}


static const char *sep(bool first)
{
	return first ? "\n" : ",\n";
}


static int print_msgs(struct re_printf *pf, const char *key,
		      const struct vec *v)
{
	bool first = true;
	int err = re_hprintf(pf, "  \"%s\": [", key);

	EACH(v, struct msg_finding, m) {
		err |= re_hprintf(pf, "%s    {\"file\": %H, \"line\": %u, "
				  "\"message\": %H}", sep(first),
				  jsonstr_print, m->file, m->line,
				  jsonstr_print, m->message);
		first = false;
	}

	return err | re_hprintf(pf, "%s],\n", first ? "" : "\n  ");
}


static int print_summary(struct re_printf *pf, const struct audit_report *r)
{
	unsigned kinds[4] = {0, 0, 0, 0};
	const char *ns[16];
	unsigned nsn[16], nns = 0, distinct = 0;
	int err;

	EACH(&r->ccs, struct cc_finding, c)
		++kinds[c->kind];

	EACH(&r->apis, struct api_finding, a) {
		size_t l = (size_t)(strrchr(a->api, '.') - a->api);
		unsigned k;

		for (k = 0; k < nns; k++)
			if (strlen(ns[k]) >= l && !strncmp(ns[k], a->api, l) &&
			    ns[k][l] == '.' && !strchr(ns[k] + l + 1, '.'))
				break;
		if (k == nns && nns < ARRAY_SIZE(ns)) {
			ns[nns] = a->api;
			nsn[nns++] = 0;
		}
		if (k < nns)
			++nsn[k];
	}
	for (size_t i = 0; i < r->nrows; i++)
		distinct += !strcmp(r->rows[i].category, "api");

	err = re_hprintf(pf, "  \"summary\": {\"open_cti_found\": %s, "
			 "\"files_with_findings\": %u,\n"
			 "    \"call_centers\": {\"open_cti_lightning\": %u, "
			 "\"open_cti_classic\": %u, \"scv\": %u, "
			 "\"unknown\": %u},\n"
			 "    \"api_usages\": %zu, \"distinct_apis\": %u, "
			 "\"by_namespace\": {",
			 audit_found(r) ? "true" : "false",
			 r->files_with_findings, kinds[CC_LIGHTNING],
			 kinds[CC_CLASSIC], kinds[CC_SCV], kinds[CC_UNKNOWN],
			 r->apis.n, distinct);

	/* namespaces in first-seen (sorted file) order: stable */
	for (unsigned k = 0; k < nns; k++) {
		size_t l = (size_t)(strrchr(ns[k], '.') - ns[k]);

		err |= re_hprintf(pf, "%s\"%b\": %u", k ? ", " : "", ns[k], l,
				  nsn[k]);
	}

	return err | re_hprintf(pf, "},\n    \"script_includes\": %zu, "
				"\"utility_items\": %zu, \"apex_targets\": "
				"%zu, \"errors\": %zu},\n", r->incs.n,
				r->utils.n, r->apexes.n, r->errors.n);
}


static int print_plan(struct re_printf *pf, const struct audit_report *r)
{
	struct plan p;
	long at;
	int err;

	plan_compute(&p, r);
	at = p.today;

	err = re_hprintf(pf, "  \"plan\": {\"today\": \"%H\", \"deadline\": "
			 "\"%H\", \"safety_margin_days\": %d, "
			 "\"target_finish\": \"%H\",\n    \"status\": \"%s\", "
			 "\"weeks_needed\": %d, \"finish\": \"%H\", "
			 "\"latest_start\": ",
			 date_print, &p.today, date_print, &p.deadline,
			 PLAN_MARGIN_DAYS, date_print, &p.target, p.status,
			 p.weeks, date_print, &p.finish);
	if (p.weeks) {
		long ls = p.target - 7L * p.weeks;

		err |= re_hprintf(pf, "\"%H\"", date_print, &ls);
	}
	else {
		err |= re_hprintf(pf, "null");
	}
	err |= re_hprintf(pf, ",\n    \"warning\": %H,\n    \"phases\": [",
			  jsonstr_print, p.warning[0] ? p.warning : NULL);

	for (int i = 0; i < PLAN_PHASES && p.phase[i].weeks; i++) {
		long e = at + 7L * p.phase[i].weeks;

		err |= re_hprintf(pf, "%s      {\"name\": %H, \"start\": "
				  "\"%H\", \"end\": \"%H\", \"weeks\": %d, "
				  "\"what\": %H}", sep(!i),
				  jsonstr_print, p.phase[i].name,
				  date_print, &at, date_print, &e,
				  p.phase[i].weeks,
				  jsonstr_print, p.phase[i].why);
		at = e;
	}
	err |= re_hprintf(pf, "%s],\n    \"mappings\": [",
			  p.weeks ? "\n    " : "");

	for (size_t i = 0; i < r->nrows; i++) {
		const struct plan_row *w = &r->rows[i];

		err |= re_hprintf(pf, "%s      {\"item\": %H, \"category\": "
				  "\"%s\", \"count\": %u, \"scv\": %H, "
				  "\"switchboard\": %H, \"effort\": \"%s\", "
				  "\"reason\": %H}", sep(!i),
				  jsonstr_print, w->item, w->category,
				  w->count, jsonstr_print, w->scv,
				  jsonstr_print, w->sb, w->effort,
				  jsonstr_print, w->reason);
	}

	return err | re_hprintf(pf, "%s]}\n", r->nrows ? "\n    " : "");
}


int audit_print_json(struct re_printf *pf, const struct audit_report *r)
{
	bool first;
	int err;

	if (!pf || !r)
		return EINVAL;

	err = re_hprintf(pf, "{\"tool\": \"switchboard audit\", \"version\": "
			 "\"%s\", \"root\": %H,\n  \"scanned_files\": %u, "
			 "\"bytes\": %llu,\n", SWITCHBOARD_VERSION,
			 jsonstr_print, r->root, r->scanned,
			 (unsigned long long)r->bytes);

	first = true;
	err |= re_hprintf(pf, "  \"call_centers\": [");
	EACH(&r->ccs, struct cc_finding, c) {
		err |= re_hprintf(pf, "%s    {\"file\": %H, \"line\": %u, "
				  "\"internal_name\": %H, \"display_name\": "
				  "%H, \"adapter_url\": %H, "
				  "\"compatibility_mode\": %H, %s"
				  "\"kind\": \"%s\"}", sep(first),
				  jsonstr_print, c->file, c->line,
				  jsonstr_print, c->internal_name,
				  jsonstr_print, c->display_name,
				  jsonstr_print, c->adapter_url,
				  jsonstr_print, c->mode,
				  c->mode_default ?
				  "\"compatibility_mode_default\": true, " :
				  "", cc_kind_name(c->kind));
		first = false;
	}
	err |= re_hprintf(pf, "%s],\n", first ? "" : "\n  ");

	first = true;
	err |= re_hprintf(pf, "  \"api_usages\": [");
	EACH(&r->apis, struct api_finding, a) {
		err |= re_hprintf(pf, "%s    {\"file\": %H, \"line\": %u, "
				  "\"api\": %H%s}", sep(first),
				  jsonstr_print, a->file, a->line,
				  jsonstr_print, a->api,
				  a->aliased ? ", \"aliased\": true" : "");
		first = false;
	}
	err |= re_hprintf(pf, "%s],\n", first ? "" : "\n  ");

	first = true;
	err |= re_hprintf(pf, "  \"script_includes\": [");
	EACH(&r->incs, struct inc_finding, in) {
		err |= re_hprintf(pf, "%s    {\"file\": %H, \"line\": %u, "
				  "\"url\": %H, \"library\": \"%s\", "
				  "\"api_version\": %H}", sep(first),
				  jsonstr_print, in->file, in->line,
				  jsonstr_print, in->url, in->library,
				  jsonstr_print, in->version);
		first = false;
	}
	err |= re_hprintf(pf, "%s],\n", first ? "" : "\n  ");

	first = true;
	err |= re_hprintf(pf, "  \"utility_items\": [");
	EACH(&r->utils, struct util_finding, u) {
		err |= re_hprintf(pf, "%s    {\"file\": %H, \"line\": %u, "
				  "\"component\": \"opencti:softPhone\", "
				  "\"container\": %H}", sep(first),
				  jsonstr_print, u->file, u->line,
				  jsonstr_print, u->container);
		first = false;
	}
	err |= re_hprintf(pf, "%s],\n", first ? "" : "\n  ");

	first = true;
	err |= re_hprintf(pf, "  \"apex_targets\": [");
	EACH(&r->apexes, struct apex_finding, x) {
		err |= re_hprintf(pf, "%s    {\"file\": %H, \"line\": %u, "
				  "\"api\": %H, \"apex_class\": %H, "
				  "\"method\": %H}", sep(first),
				  jsonstr_print, x->file, x->line,
				  jsonstr_print, x->api,
				  jsonstr_print, x->apex_class,
				  jsonstr_print, x->method);
		first = false;
	}
	err |= re_hprintf(pf, "%s],\n", first ? "" : "\n  ");

	err |= print_msgs(pf, "errors", &r->errors);
	err |= print_msgs(pf, "notes", &r->notes);
	err |= print_summary(pf, r);
	err |= print_plan(pf, r);

	return err | re_hprintf(pf, "}\n");
}
