/*
 * unit.h — a minimal test harness: each suite is a table of named cases;
 * a failed CHECK records file:line and ends the case.
 */
#ifndef SWITCHBOARD_UNIT_H
#define SWITCHBOARD_UNIT_H

#include <stdbool.h>
#include <stddef.h>

struct unit_case {
	const char *name;
	void (*fn)(void);
};

struct unit_suite {
	const char *name;
	const struct unit_case *cases;
	size_t n;
};

void unit_fail(const char *file, int line, const char *expr);
bool unit_failed(void);

#define CHECK(cond) do { \
	if (!(cond)) { unit_fail(__FILE__, __LINE__, #cond); return; } \
} while (0)

#define CHECK_EQ(a, b) CHECK((a) == (b))
#define CHECK_STR(a, b) CHECK(0 == strcmp((a), (b)))

#define UNIT_SUITE(sname, ...) \
	static const struct unit_case sname##_cases[] = { __VA_ARGS__ }; \
	const struct unit_suite sname##_suite = { #sname, sname##_cases, \
		sizeof(sname##_cases) / sizeof(sname##_cases[0]) }

#define UNIT_CASE(fn) { #fn, fn }

#endif
