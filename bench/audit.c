/*
 * audit.c — how fast `switchboard audit` scans a large Salesforce project.
 *
 * Generates (not measured) a tree of FILES files, about MB megabytes, in
 * 100 folders: 50 % .js, 15 % .html, 10 % Visualforce .page, 10 %
 * -meta.xml, 5 % Aura .cmp, 5 % .ts, 5 % .resource; the filler is code
 * (statements, comments, strings, regexes, markup). One file in ten uses
 * other sforce namespaces (sforce.connection, sforce.one), so it goes
 * through the whole tokenizer without a finding; one in a hundred gets an
 * Open CTI finding (a call, an aliased call, an include or a call
 * center), placed at a random line. NOISE (default 10) sets the "one in
 * ten": 1 sends every file but the XML through the tokenizer.
 *
 * Measured: audit_scan (walk, read, scan), audit_finish and the JSON
 * report, in this process, RUNS times; the median is printed. The page
 * cache is warm (the tree was just written), as it is when one audits a
 * checkout on a developer's machine. The findings are checked against
 * what was planted, then the tree is removed.
 *
 *   make bench && build/bench/audit [DIR] [FILES] [MB] [NOISE]
 *   -> audit: 10000 files, 200 MB in 0.52 s (19230 files/s, 384 MB/s)
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "audit/audit.h"

enum { RUNS = 3 };

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}


static const char *const js_lines[] = {
	"function handle%u(evt) {\n",
	"  var total = items.reduce(function (a, b) { return a + b.qty; }, 0);\n",
	"  // keep the component in sync with the record page (%u)\n",
	"  const label = 'Order ' + order.Name + \" (\" + order.Status + \")\";\n",
	"  if (/^[0-9]{3}-[0-9]{4}$/.test(phone)) { dial(phone); }\n",
	"  this.template.querySelector('lightning-datatable').data = rows;\n",
	"  /* the server returns dates in UTC; the view shows local time */\n",
	"  return fetch(`/services/apexrest/orders/${id}?v=%u`)"
	".then(r => r.json());\n",
	"}\n",
	"export default class Widget%u extends LightningElement { @api recordId; }\n",
	"  for (let i = 0; i < list.length; i++) { sum += list[i] / 2; }\n",
	"  component.set('v.status', helper.format(response.getReturnValue()));\n",
};

static const char *const markup_lines[] = {
	"<div class=\"slds-card\" data-row=\"%u\">\n",
	"  <span title=\"Account name\">{!v.account.Name}</span>\n",
	"  <!-- the header is rendered by the parent component -->\n",
	"  <lightning-button label=\"Save\" onclick={handleSave}>"
	"</lightning-button>\n",
	"  <p>Don't refresh the page while the export runs (%u rows).</p>\n",
	"</div>\n",
	"<apex:outputPanel id=\"panel%u\" layout=\"block\" rendered=\"{!show}\"/>\n",
};

static const char *const xml_lines[] = {
	"    <fields>\n        <fullName>Field%u__c</fullName>\n",
	"        <label>Field %u</label>\n        <type>Text</type>\n",
	"        <length>255</length>\n    </fields>\n",
};

static const char *const noise_sforce =
	"  sforce.connection.query(\"SELECT Id FROM Case LIMIT 1\");\n"
	"  sforce.one.navigateToSObject(recordId);\n";

struct plant {
	unsigned apis, incs, ccs;
};


static void fill(FILE *f, const char *const *lines, size_t n, size_t bytes,
		 size_t plant_at, const char *plant, const char *noise)
{
	size_t w = 0, line = 0;

	while (w < bytes) {
		int k;

		if (line == plant_at && plant)
			w += (size_t)fprintf(f, "%s", plant);
		if (line == plant_at / 2 && noise)
			w += (size_t)fprintf(f, "%s", noise);
		k = fprintf(f, lines[rnd() % n], rnd() % 10000);
		w += k > 0 ? (size_t)k : 0;
		++line;
	}
}


static int generate(const char *root, unsigned files, uint64_t bytes,
		    unsigned noise_every, struct plant *p)
{
	static const char *const ext[] = {
		".js", ".js", ".js", ".js", ".js", ".js", ".js", ".js",
		".js", ".js", ".html", ".html", ".html", ".page", ".page",
		"-meta.xml", "-meta.xml", ".cmp", ".ts", ".resource"
	};
	char path[512];
	size_t avg = (size_t)(bytes / files);

	memset(p, 0, sizeof(*p));
	if (mkdir(root, 0755) && errno != EEXIST)
		return errno;

	for (unsigned i = 0; i < files; i++) {
		const char *e = ext[i % ARRAY_SIZE(ext)];
		bool markup = !strcmp(e, ".html") || !strcmp(e, ".page") ||
			!strcmp(e, ".cmp");
		bool xml = !strcmp(e, "-meta.xml");
		size_t size = avg / 2 + rnd() % (avg + 1);
		const char *plant = NULL, *noise = NULL;
		size_t at = rnd() % 200;
		FILE *f;

		snprintf(path, sizeof(path), "%s/d%02u", root, i % 100);
		(void)mkdir(path, 0755);

		if (xml && i % 100 == 15) {
			/* a call center instead of an object's fields */
			snprintf(path, sizeof(path), "%s/d%02u/cc%u.callCenter"
				 "-meta.xml", root, i % 100, i);
			f = fopen(path, "w");
			if (!f)
				return errno;
			fprintf(f, "<CallCenter>\n<adapterUrl>https://cti."
				"example/%u</adapterUrl>\n<sections><items>"
				"<name>reqSalesforceCompatibilityMode</name>"
				"<value>Lightning</value></items></sections>\n"
				"<!--\n", i);
			fill(f, xml_lines, ARRAY_SIZE(xml_lines), size, 0,
			     NULL, NULL);
			fprintf(f, "-->\n</CallCenter>\n");
			fclose(f);
			++p->ccs;
			continue;
		}

		snprintf(path, sizeof(path), "%s/d%02u/f%u%s", root, i % 100,
			 i, e);
		f = fopen(path, "w");
		if (!f)
			return errno;

		if (!xml && i % noise_every == 3 % noise_every)
			noise = markup ? "<script>\n  sforce.one.back();\n"
				"</script>\n" : noise_sforce;
		if (!xml && i % 100 == 7) {
			if (markup) {
				plant = "<script src=\"/support/api/59.0/"
					"lightning/opencti_min.js\"></script>\n";
				++p->incs;
			}
			else if (i % 200 == 7) {
				plant = "var cti = sforce.opencti;\n"
					"cti.screenPop({type: 'URL'});\n";
				++p->apis;
			}
			else {
				plant = "sforce.opencti.saveLog({value: "
					"{}});\n";
				++p->apis;
			}
		}

		if (xml) {
			fprintf(f, "<?xml version=\"1.0\"?>\n<CustomObject>\n");
			fill(f, xml_lines, ARRAY_SIZE(xml_lines), size, 0,
			     NULL, NULL);
			fprintf(f, "</CustomObject>\n");
		}
		else if (markup) {
			fill(f, markup_lines, ARRAY_SIZE(markup_lines), size,
			     at, plant, noise);
		}
		else {
			fill(f, js_lines, ARRAY_SIZE(js_lines), size, at,
			     plant, noise);
		}
		fclose(f);
	}

	return 0;
}


static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}


static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}


static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}


int main(int argc, char *argv[])
{
	const char *root = argc > 1 ? argv[1] : "build/bench-audit-tree";
	unsigned files = argc > 2 ? (unsigned)atoi(argv[2]) : 10000;
	unsigned mb = argc > 3 ? (unsigned)atoi(argv[3]) : 200;
	unsigned noise = argc > 4 ? (unsigned)atoi(argv[4]) : 10;
	struct audit_date today = {2026, 6, 1};
	struct audit_opts o;
	struct plant p;
	double t[RUNS];
	unsigned scanned = 0;
	uint64_t bytes = 0;
	int err, rc = 1;

	if (!files || !mb || !noise) {
		fprintf(stderr, "usage: %s [DIR] [FILES] [MB] [NOISE]\n",
			argv[0]);
		return 2;
	}

	fprintf(stderr, "audit bench: generating %u files, %u MB in %s\n",
		files, mb, root);
	err = generate(root, files, (uint64_t)mb * 1000000, noise, &p);
	if (err) {
		fprintf(stderr, "audit bench: %s: %s\n", root, strerror(err));
		goto out;
	}

	memset(&o, 0, sizeof(o));
	o.root = root;

	for (int r = 0; r < RUNS; r++) {
		struct audit_report *rep = NULL;
		struct mbuf *mb_out = mbuf_alloc(1 << 20);
		const char *s;
		double t0 = now();
		unsigned apis = 0, incs = 0, ccs = 0;

		err = audit_scan(&rep, &o);
		if (!err) {
			audit_finish(rep, &today);
			err = mbuf_printf(mb_out, "%H", audit_print_json, rep);
		}
		t[r] = now() - t0;
		if (err) {
			fprintf(stderr, "audit bench: %s\n", strerror(err));
			mem_deref(rep);
			mem_deref(mb_out);
			goto out;
		}

		/* count what came back; the report is the contract, and
		 * the findings come before "summary" (the mappings after
		 * it name the same APIs again) */
		(void)mbuf_write_u8(mb_out, 0);
		s = strstr((const char *)mb_out->buf, "\"summary\":");
		if (s)
			*(char *)s = '\0';
		s = (const char *)mb_out->buf;
		while ((s = strstr(s, "\"api\": \"sforce.opencti."))) {
			++apis;
			++s;
		}
		s = (const char *)mb_out->buf;
		while ((s = strstr(s, "\"library\": "))) {
			++incs;
			++s;
		}
		s = (const char *)mb_out->buf;
		while ((s = strstr(s, "\"kind\": \"open_cti"))) {
			++ccs;
			++s;
		}
		if (apis != p.apis || incs != p.incs || ccs != p.ccs) {
			fprintf(stderr, "audit bench: found %u/%u/%u, planted "
				"%u/%u/%u (apis/includes/call centers)\n",
				apis, incs, ccs, p.apis, p.incs, p.ccs);
			mem_deref(rep);
			mem_deref(mb_out);
			goto out;
		}
		(void)sscanf(strstr((const char *)mb_out->buf,
				    "\"scanned_files\": "),
			     "\"scanned_files\": %u, \"bytes\": %llu",
			     &scanned, (unsigned long long *)&bytes);
		fprintf(stderr, "audit bench: run %d: %.3f s\n", r + 1, t[r]);
		mem_deref(rep);
		mem_deref(mb_out);
	}

	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	printf("audit: %u files, %llu MB in %.2f s (%.0f files/s, %.0f "
	       "MB/s)\n", scanned, (unsigned long long)(bytes / 1000000),
	       t[RUNS / 2], scanned / t[RUNS / 2],
	       (double)bytes / 1e6 / t[RUNS / 2]);
	rc = 0;
 out:
	(void)nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
