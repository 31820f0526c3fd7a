/*
 * plan.c — what replaces each finding in Service Cloud Voice and in
 * switchboard, how much work it is, and the dated plan.
 *
 * The mapping follows Salesforce's own guidance on moving from Open CTI
 * to Service Cloud Voice with a partner telephony provider; switchboard's
 * column says what switchboard, as that provider, takes over. Efforts are
 * deliberately coarse (S: delete or re-point a call, M: logic moves to a
 * flow or a connector, L: a component is rebuilt) — the plan uses them to
 * size the pilot, not to promise days.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "audit/internal.h"

/* The retirement date in Salesforce's notice. */
static const struct audit_date deadline = {2028, 2, 28};

struct rule {
	const char *ns;		/* prefix of the API, NULL: any */
	const char *methods;	/* "|a|b|", NULL: any method */
	const char *scv, *sb, *effort, *reason;
};

static const struct rule rules[] = {
	{NULL, "|notifyInitializationComplete|",
	 "connector init() resolving",
	 "switchboard's connector resolves init() once its event stream "
	 "is up",
	 "S", "one call that moves into the connector's init()"},
	{NULL, "|enableClickToDial|disableClickToDial|onClickToDial|",
	 "built-in click-to-dial, handled by the connector's dial()",
	 "dial() asks switchboard to place the call",
	 "S", "click-to-dial is built in; only the dial handler remains"},
	{NULL, "|screenPop|searchAndScreenPop|searchAndGetScreenPopUrl|",
	 "VoiceCall record and screen pop by Omni-Channel Flow or connector "
	 "call attributes",
	 "switchboard creates the VoiceCall with the caller's attributes; "
	 "a flow pops the record",
	 "M", "pop rules move from page code into a flow"},
	{NULL, "|saveLog|",
	 "VoiceCall fields (Telephony Integration API PATCH) and "
	 "after-conversation work",
	 "switchboard updates the VoiceCall when the call ends",
	 "M", "each logged field must map onto a VoiceCall field"},
	{NULL, "|runApex|",
	 "Omni-Channel Flow calling invocable Apex",
	 "unchanged Apex, called from the flow switchboard's calls start",
	 "M", "each Apex method must become an @InvocableMethod"},
	{NULL, "|getCallCenterSettings|",
	 "connector init(callCenterConfig)",
	 "switchboard's connector reads its settings in init()",
	 "S", "settings arrive in init() instead"},
	{NULL, "|subscribe|publish|unsubscribe|",
	 "unchanged: Lightning Message Service works outside Open CTI",
	 "unchanged", "S", "swap the Open CTI wrapper for the LMS module"},
	{NULL, "|setSoftphonePanelHeight|setSoftphonePanelWidth|"
	 "setSoftphonePanelVisibility|isSoftphonePanelVisible|"
	 "setSoftphonePanelLabel|setSoftphonePanelIcon|setSoftphoneItemLabel|"
	 "setSoftphoneItemIcon|getSoftphoneLayout|setSoftphoneHeight|"
	 "setSoftphoneWidth|setVisible|isVisible|",
	 "no equivalent: the voice panel is Salesforce's",
	 "no equivalent", "S", "the call is deleted"},
	{"sforce.opencti.hvs", NULL,
	 "Sales Dialer / High Velocity Sales work queues, no Open CTI "
	 "equivalent",
	 "not covered by switchboard", "L",
	 "cadence logic must be rebuilt on Sales Engagement"},
	{"sforce.console.cti", NULL,
	 "Omni-Channel and the VoiceCall record; console tabs through the "
	 "Lightning console APIs",
	 "switchboard's call events on the VoiceCall",
	 "L", "Classic console CTI events are rebuilt on VoiceCall and "
	 "Omni-Channel"},
	{"sforce.console", NULL,
	 "Lightning console APIs (lightning:workspaceAPI)",
	 "not telephony: outside switchboard",
	 "M", "the page depends on the Classic console and is rebuilt in "
	 "Lightning"},
	{"sforce.interaction.entityFeed", NULL,
	 "Lightning record feed components, no direct equivalent",
	 "not telephony: outside switchboard",
	 "M", "feed handling is rewritten for Lightning"},
	{NULL, "|getAppViewInfo|onNavigationChange|getPageInfo|onFocus|"
	 "refreshView|refreshPage|refreshObject|isInConsole|",
	 "record context from Lightning navigation in the connector's host "
	 "page",
	 "switchboard's connector follows the record the agent views",
	 "M", "context handling is rewritten, no one-to-one call"},
	{NULL, NULL,
	 "no documented equivalent: review by hand",
	 "review by hand", "M", "not in the mapping table"},
};

static const char *const effort_order = "SML";


static const struct rule *rule_for(const char *api)
{
	const char *dot = strrchr(api, '.');
	char m[80];

	re_snprintf(m, sizeof(m), "|%s|", dot ? dot + 1 : api);

	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		const struct rule *r = &rules[i];
		size_t nl = r->ns ? strlen(r->ns) : 0;

		if (r->ns && (strncmp(api, r->ns, nl) || api[nl] != '.'))
			continue;
		if (r->ns && strchr(api + nl + 1, '.'))
			continue;	/* sforce.console.cti.x ≠ console.x */
		if (r->methods && !strstr(r->methods, m))
			continue;
		return r;
	}

	return &rules[ARRAY_SIZE(rules) - 1];
}


static int add_row(struct audit_report *rep, const char *item,
		   const char *category, const char *scv, const char *sb,
		   const char *effort, const char *reason)
{
	struct plan_row *rows;
	struct plan_row *r;

	for (size_t i = 0; i < rep->nrows; i++) {
		r = &rep->rows[i];
		if (!strcmp(r->item, item) && !strcmp(r->category, category)) {
			++r->count;
			return 0;
		}
	}

	rows = rep->rows ? mem_realloc(rep->rows, (rep->nrows + 1) *
				       sizeof(*rows)) :
		mem_alloc(sizeof(*rows), NULL);
	if (!rows)
		return ENOMEM;
	rep->rows = rows;
	r = &rows[rep->nrows];
	memset(r, 0, sizeof(*r));
	if (str_dup(&r->item, item))
		return ENOMEM;
	++rep->nrows;
	r->category = category;
	r->count = 1;
	r->scv = scv;
	r->sb = sb;
	r->effort = effort;
	r->reason = reason;

	return 0;
}


static int cmp_row(const void *a, const void *b)
{
	const struct plan_row *x = a, *y = b;
	int c = strcmp(x->category, y->category);

	return c ? c : strcmp(x->item, y->item);
}


/* One row per distinct API, library, call center and item kind. */
int plan_rows(struct audit_report *rep)
{
	const struct api_finding *a = rep->apis.v;
	const struct inc_finding *in = rep->incs.v;
	const struct cc_finding *c = rep->ccs.v;
	int err = 0;

	for (size_t i = 0; i < rep->apis.n && !err; i++) {
		const struct rule *r = rule_for(a[i].api);

		err = add_row(rep, a[i].api, "api", r->scv, r->sb, r->effort,
			      r->reason);
	}

	for (size_t i = 0; i < rep->incs.n && !err; i++) {
		bool classic = !strcmp(in[i].library, "interaction.js") ||
			!strcmp(in[i].library, "integration.js");

		err = add_row(rep, in[i].library, "script_include",
			      "removed: Salesforce loads the connector bundle",
			      "removed: switchboard's connector is the bundle",
			      classic ? "M" : "S", classic ?
			      "a Classic page: it moves to Lightning first" :
			      "the include and its loader are deleted");
	}

	for (size_t i = 0; i < rep->ccs.n && !err; i++) {
		if (c[i].kind == CC_SCV)
			continue;
		if (c[i].kind == CC_UNKNOWN) {
			err = add_row(rep, c[i].internal_name, "call_center",
				      "check by hand: no adapter URL",
				      "check by hand", "M",
				      "neither Open CTI nor Service Cloud "
				      "Voice by its fields");
			continue;
		}
		err = add_row(rep, c[i].internal_name, "call_center",
			      "a Contact Center (SCV) with a partner "
			      "telephony connector; agents re-assigned",
			      "switchboard as the telephony provider: its "
			      "queues, agents and connector replace the "
			      "adapter page",
			      "L", "a new contact center, connector set-up "
			      "and a move of its agents");
	}

	for (size_t i = 0; i < rep->utils.n && !err; i++)
		err = add_row(rep, "opencti:softPhone", "utility_item",
			      "the Omni-Channel / voice utility",
			      "the voice utility with switchboard's connector",
			      "S", "the utility bar item is swapped");

	for (size_t i = 0; i < rep->apexes.n && !err; i++) {
		const struct apex_finding *x =
			&((const struct apex_finding *)rep->apexes.v)[i];
		char item[300];

		re_snprintf(item, sizeof(item), "%s%s%s", x->apex_class,
			    x->method ? "." : "", x->method ? x->method : "");
		err = add_row(rep, item, "apex_target",
			      "invocable Apex called from an Omni-Channel Flow",
			      "unchanged Apex, called from the flow",
			      "M", "the method gets @InvocableMethod and a "
			      "flow to call it");
	}

	if (rep->nrows > 1)
		qsort(rep->rows, rep->nrows, sizeof(*rep->rows), cmp_row);

	return err;
}


/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
long date_days(const struct audit_date *d)
{
	long y = d->y - (d->m <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long mp = (d->m + 9) % 12;
	long doy = (153 * mp + 2) / 5 + d->d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}


void date_from_days(struct audit_date *d, long z)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	d->m = (int)(mp < 10 ? mp + 3 : mp - 9);
	d->y = (int)(yoe + era * 400 + (d->m <= 2));
}


int date_print(struct re_printf *pf, const long *days)
{
	struct audit_date d;

	date_from_days(&d, *days);
	return re_hprintf(pf, "%04d-%02d-%02d", d.y, d.m, d.d);
}


int audit_date_parse(struct audit_date *d, const char *s)
{
	struct audit_date back;
	int y, m, dd, n = 0;

	if (!d || !s || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &dd, &n) != 3 ||
	    (size_t)n != strlen(s) || n != 10 || m < 1 || m > 12 || dd < 1 ||
	    dd > 31 || y < 1970)
		return EINVAL;

	d->y = y;
	d->m = m;
	d->d = dd;
	date_from_days(&back, date_days(d));
	if (back.m != m || back.d != dd)
		return EINVAL;	/* 2027-02-30 */

	return 0;
}


static int effort_rank(const char *e)
{
	const char *p = e ? strchr(effort_order, e[0]) : NULL;

	return p ? (int)(p - effort_order) : 0;
}


static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}


/* Phase lengths grow with what was found; see docs/AUDIT.md. */
void plan_compute(struct plan *p, const struct audit_report *rep)
{
	const struct cc_finding *c = rep->ccs.v;
	int m = 0, l = 0, ccs = 0, weeks = 0;
	long avail;

	memset(p, 0, sizeof(*p));
	p->today = date_days(&rep->today);
	p->deadline = date_days(&deadline);
	p->target = p->deadline - PLAN_MARGIN_DAYS;

	for (size_t i = 0; i < rep->nrows; i++) {
		int r = effort_rank(rep->rows[i].effort);

		if (!strcmp(rep->rows[i].category, "call_center"))
			continue;
		m += r == 1;
		l += r == 2;
	}
	for (size_t i = 0; i < rep->ccs.n; i++)
		ccs += c[i].kind == CC_LIGHTNING || c[i].kind == CC_CLASSIC;

	if (!audit_found(rep)) {
		p->status = "none";
		p->finish = p->today;
		return;
	}

	p->phase[0] = (struct plan_phase){"Inventory and design",
		"review this report, pick the pilot call center, design "
		"the flows and the connector set-up",
		2 + (rep->nrows > 10)};
	p->phase[1] = (struct plan_phase){"Pilot call center on Service "
		"Cloud Voice / switchboard",
		"one call center and a few agents on the new stack; the M "
		"and L rows of the mapping are built here",
		clamp(4 + m + 2 * l, 4, 16)};
	p->phase[2] = (struct plan_phase){"Parallel run",
		"both stacks live; compare screen pops, logs and call "
		"records before moving more agents", 4};
	p->phase[3] = (struct plan_phase){"Cut-over",
		"call centers move one at a time; agents re-assigned",
		clamp(2 * ccs, 2, 12)};
	p->phase[4] = (struct plan_phase){"Remove Open CTI",
		"delete adapter pages, includes, the softphone utility and "
		"the call-center definitions",
		clamp(2 + (int)rep->files_with_findings / 20, 2, 6)};

	for (int i = 0; i < PLAN_PHASES; i++)
		weeks += p->phase[i].weeks;
	p->weeks = weeks;
	p->finish = p->today + 7L * weeks;
	avail = p->target - p->today;

	if (p->today >= p->deadline) {
		p->status = "retired";
		re_snprintf(p->warning, sizeof(p->warning),
			    "Open CTI was retired on 2028-02-28: these "
			    "integrations no longer work; migrate now");
	}
	else if (p->finish <= p->target) {
		p->status = "on_track";
	}
	else if (p->finish <= p->deadline) {
		p->status = "tight";
		re_snprintf(p->warning, sizeof(p->warning),
			    "the plan needs %d weeks; only %ld weeks remain "
			    "before the %d-week safety margin, so the margin "
			    "is used up: start now and shorten the parallel "
			    "run", weeks, avail > 0 ? avail / 7 : 0,
			    PLAN_MARGIN_DAYS / 7);
	}
	else {
		p->status = "late";
		re_snprintf(p->warning, sizeof(p->warning),
			    "the plan needs %d weeks but only %ld weeks "
			    "remain before Open CTI stops working on "
			    "2028-02-28: it finishes %ld weeks too late",
			    weeks, (p->deadline - p->today) / 7,
			    (p->finish - p->deadline + 6) / 7);
	}
}
