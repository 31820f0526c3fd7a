/*
 * loopback.c — see loopback.h. Names other than "localhost" are not
 * resolved: a name that resolves to loopback today may not tomorrow.
 */
#include <arpa/inet.h>
#include <string.h>
#include "util/loopback.h"


bool loopback_host(const char *host, size_t n)
{
	char buf[64];
	struct in_addr a4;
	struct in6_addr a6;

	if (!host || n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, host, n);
	buf[n] = '\0';

	if (!strcmp(buf, "localhost"))
		return true;
	if (inet_pton(AF_INET, buf, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n > 2 && buf[0] == '[' && buf[n - 1] == ']') {
		buf[n - 1] = '\0';
		return inet_pton(AF_INET6, buf + 1, &a6) == 1 &&
			IN6_IS_ADDR_LOOPBACK(&a6);
	}

	return false;
}
