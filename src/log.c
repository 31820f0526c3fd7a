/*
 * log.c — leveled logging to stderr.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <re.h>
#include "log.h"

static enum log_level min_level = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};


void log_set_level(enum log_level level)
{
	min_level = level;
}


int log_level_parse(enum log_level *level, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (0 == strcasecmp(name, level_names[i])) {
			*level = (enum log_level)i;
			return 0;
		}
	}

	return EINVAL;
}


void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	va_list ap;

	if (level < min_level)
		return;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);

	va_start(ap, fmt);
	(void)re_fprintf(stderr, "%s.%03ldZ %-5s %-7s %v\n", stamp,
			 ts.tv_nsec / 1000000, level_names[level], module,
			 fmt, &ap);
	va_end(ap);
}
