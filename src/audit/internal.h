/*
 * internal.h — what the audit's files share: the report (findings kept in
 * growable arrays), one file's scan context, and the scanners' entry
 * points. Not part of the module's contract; audit.h is.
 */
#ifndef SWITCHBOARD_AUDIT_INTERNAL_H
#define SWITCHBOARD_AUDIT_INTERNAL_H

#include "audit/audit.h"

enum audit_cc_kind {
	CC_UNKNOWN, CC_LIGHTNING, CC_CLASSIC, CC_SCV
};

struct cc_finding {
	char *file;		/* shared (mem_ref) per file */
	unsigned line;
	char *internal_name, *display_name, *adapter_url, *mode;
	bool mode_default;	/* no compatibility mode: Classic */
	enum audit_cc_kind kind;
};

struct api_finding {
	char *file;
	unsigned line, col;
	char *api;		/* e.g. sforce.opencti.screenPop */
	bool aliased;
};

struct inc_finding {
	char *file;
	unsigned line, col;
	char *url;
	char *version;		/* NULL when not a literal */
	const char *library;	/* static: opencti_min.js, ... */
};

struct util_finding {
	char *file;
	unsigned line;
	char *container;	/* the flexipage or app, by base name */
};

struct apex_finding {
	char *file;
	unsigned line;
	char *api;
	char *apex_class, *method;	/* method may be NULL */
};

struct msg_finding {
	char *file;
	unsigned line;		/* 0: the whole file */
	char *message;
};

/* A growable array of one finding type; elements are moved, not shared. */
struct vec {
	void *v;
	size_t n, cap, esz;
};

struct plan_row;

struct audit_report {
	char *root;
	struct audit_date today;
	unsigned scanned, skipped, files_with_findings;
	uint64_t bytes;
	struct vec ccs, apis, incs, utils, apexes, errors, notes;
	/* computed by audit_finish */
	struct plan_row *rows;
	size_t nrows;
	bool finished;
};

/* One file being scanned: its bytes, name, and the scanners' state. */
enum { ALIAS_MAX = 32, ALIAS_LEN = 48, CHAIN_MAX = 8, TARGET_LEN = 48 };

struct alias {
	char name[ALIAS_LEN];
	char target[TARGET_LEN];	/* sforce, sforce.opencti, ... */
};

struct scan {
	struct audit_report *rep;
	const char *path;	/* relative to the root */
	char *file;		/* mem-allocated copy, made on first finding */
	const char *buf;
	size_t len;
	size_t line_pos;	/* line-number cache: line_no starts here */
	unsigned line_no;
	unsigned found;
	bool decl_only;		/* .d.ts: types, not usages */
	int depth;		/* nesting of template/markup recursion */
	struct alias aliases[ALIAS_MAX];
	unsigned naliases;
};

int vec_push(struct vec *v, const void *elem);
bool audit_wants(const char *path);
unsigned scan_line(struct scan *s, size_t pos, unsigned *col);
char *scan_file(struct scan *s);
int scan_str(char **out, const char *p, size_t n);
int report_api(struct scan *s, size_t pos, const char *api, bool aliased);
int report_error(struct scan *s, size_t pos, const char *fmt, ...);
int report_note(struct scan *s, const char *msg);

void js_scan(struct scan *s, size_t begin, size_t end);
void markup_scan(struct scan *s, size_t begin, size_t end);
void xml_scan(struct scan *s);
/* mode: 0 a markup attribute, 1 a JS string (may be one piece of a
 * concatenation), 2 a template literal's raw text */
void include_check(struct scan *s, size_t begin, size_t end, int mode);

const char *cc_kind_name(enum audit_cc_kind k);

/* plan.c */
struct plan_row {
	char *item;		/* an API, a library, a call center */
	const char *category;	/* api | include | call_center | ... */
	unsigned count;
	const char *scv, *sb, *effort, *reason;
};

struct plan_phase {
	const char *name, *why;
	int weeks;
};

enum { PLAN_PHASES = 5, PLAN_MARGIN_DAYS = 56 };

struct plan {
	struct plan_phase phase[PLAN_PHASES];
	int weeks;
	long today, deadline, target, finish;	/* days since 1970-01-01 */
	const char *status;	/* none | on_track | tight | late | retired */
	char warning[256];
};

int plan_rows(struct audit_report *rep);
void plan_compute(struct plan *p, const struct audit_report *rep);
long date_days(const struct audit_date *d);
void date_from_days(struct audit_date *d, long days);
int date_print(struct re_printf *pf, const long *days);

#endif
