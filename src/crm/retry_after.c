/*
 * retry_after.c — the Retry-After header of a 429 or 503 (RFC 9110
 * 10.2.3): delta-seconds, or an HTTP-date (IMF-fixdate; the obsolete
 * forms are refused). Outside input: fuzzed by fuzz/retry_after.c.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "crm/internal.h"

enum { RETRY_AFTER_MAX_S = 3600 };


static int digits(const char *s, size_t n, uint32_t *v)
{
	uint64_t x = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return EINVAL;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}

	*v = (uint32_t)x;
	return 0;
}


/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static int imf_fixdate(const char *s, uint64_t *t)
{
	static const char *const mons[] = {"Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	uint32_t day, year, hh, mm, ss;
	struct tm tm;
	int mon = -1;
	time_t tt;

	if (strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' ||
	    s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
	    s[25] != ' ' || strcmp(s + 26, "GMT"))
		return EINVAL;

	for (int i = 0; i < 12; i++) {
		if (!strncmp(s + 8, mons[i], 3))
			mon = i;
	}

	if (mon < 0 || digits(s + 5, 2, &day) || digits(s + 12, 4, &year) ||
	    digits(s + 17, 2, &hh) || digits(s + 20, 2, &mm) ||
	    digits(s + 23, 2, &ss))
		return EINVAL;

	if (day < 1 || day > 31 || year < 1970 || hh > 23 || mm > 59 ||
	    ss > 60)
		return EINVAL;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = (int)day;
	tm.tm_hour = (int)hh;
	tm.tm_min = (int)mm;
	tm.tm_sec = (int)ss;
	tt = timegm(&tm);
	if (tt == (time_t)-1)
		return EINVAL;

	*t = (uint64_t)tt;
	return 0;
}


int crm_retry_after(const char *value, uint64_t now_s, uint32_t *delay_s)
{
	size_t n;
	uint64_t t;

	if (!value || !delay_s)
		return EINVAL;

	while (*value == ' ' || *value == '\t')
		value++;
	n = strlen(value);
	while (n && (value[n - 1] == ' ' || value[n - 1] == '\t' ||
		     value[n - 1] == '\r' || value[n - 1] == '\n'))
		n--;

	if (n == 0)
		return EINVAL;

	if (value[0] >= '0' && value[0] <= '9') {
		uint32_t v = 0;

		for (size_t i = 0; i < n; i++) {
			if (value[i] < '0' || value[i] > '9')
				return EINVAL;
		}

		/* nine digits fit a uint32_t; more is beyond the cap */
		if (n > 9)
			v = RETRY_AFTER_MAX_S;
		else
			(void)digits(value, n, &v);

		*delay_s = v > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : v;
		return 0;
	}

	{
		char buf[32];

		if (n >= sizeof(buf))
			return EINVAL;
		memcpy(buf, value, n);
		buf[n] = '\0';
		if (imf_fixdate(buf, &t))
			return EINVAL;
	}

	t = t > now_s ? t - now_s : 0;
	*delay_s = t > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : (uint32_t)t;
	return 0;
}
