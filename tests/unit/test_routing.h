/* test_routing.h — shared by the routing unit tests. */
#ifndef SWITCHBOARD_TEST_ROUTING_H
#define SWITCHBOARD_TEST_ROUTING_H

#include <stdbool.h>

/* Strict JSON syntax (RFC 8259): the whole string is one value. */
bool rt_json_valid(const char *s);

/* test_routing_fuzz.c */
void test_routing_fuzz(void);

#endif
