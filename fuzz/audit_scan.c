/*
 * fuzz/audit_scan.c — libFuzzer target for the audit's file scanner
 * (JS tokenizer, markup, XML call centers, includes): whatever a project
 * holds must neither crash it nor make it read out of bounds. The first
 * byte picks the file name, and so the scanner; the report is then
 * finished and printed as JSON and Markdown.
 */
#include <stdint.h>
#include <stddef.h>
#include <re.h>
#include "audit/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"a/app.js", "a/page.page", "a/x.callCenter-meta.xml",
		"a/u.flexipage-meta.xml", "a/r.resource", "a/t.ts",
		"a/types.d.ts", "a/c.cmp",
	};
	static const struct audit_date today = {2027, 1, 1};
	struct audit_report *rep = NULL;
	struct mbuf *mb;

	if (!size)
		return 0;
	if (audit_report_alloc(&rep, "fuzz"))
		return 0;

	(void)audit_scan_buf(rep, names[data[0] % 8], data + 1, size - 1);
	audit_finish(rep, &today);

	mb = mbuf_alloc(4096);
	if (mb) {
		(void)mbuf_printf(mb, "%H", audit_print_json, rep);
		mbuf_rewind(mb);
		(void)mbuf_printf(mb, "%H", audit_print_md, rep);
	}
	mem_deref(mb);
	mem_deref(rep);

	return 0;
}
