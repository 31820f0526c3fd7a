/*
 * main.c — runs every unit suite; prints "PASS unit/<suite>/<case>" or
 * "FAIL ..." per case so tests/run.sh can count them. An optional argument
 * selects suites by name prefix.
 */
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "unit.h"
#include "suites.h"

static bool failed;
static char failmsg[512];


void unit_fail(const char *file, int line, const char *expr)
{
	if (!failed)
		snprintf(failmsg, sizeof(failmsg), "%s:%d: %s", file, line,
			 expr);
	failed = true;
}


bool unit_failed(void)
{
	return failed;
}


int main(int argc, char *argv[])
{
	unsigned npass = 0, nfail = 0;
	int err;

	err = libre_init();
	if (err)
		return 1;

	for (size_t s = 0; s < ARRAY_SIZE(unit_suites); s++) {
		const struct unit_suite *su = unit_suites[s];

		if (argc > 1 && strncmp(su->name, argv[1], strlen(argv[1])))
			continue;

		for (size_t i = 0; i < su->n; i++) {
			failed = false;
			su->cases[i].fn();
			if (failed) {
				printf("FAIL unit/%s/%s  %s\n", su->name,
				       su->cases[i].name, failmsg);
				++nfail;
			}
			else {
				printf("PASS unit/%s/%s\n", su->name,
				       su->cases[i].name);
				++npass;
			}
			fflush(stdout);
		}
	}

	libre_close();
	tmr_debug();
	mem_debug();

	return nfail ? 1 : 0;
}
