/*
 * log.h — one line per event on stderr, with a UTC timestamp and a level.
 *
 * Formats are libre's (re_printf), so %r prints a struct pl and %J a
 * struct sa. Never pass a password, HA1, token or digest response here.
 */
#ifndef SWITCHBOARD_LOG_H
#define SWITCHBOARD_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_DEBUG = 0,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
};

void log_set_level(enum log_level level);
int  log_level_parse(enum log_level *level, const char *name);
void log_msg(enum log_level level, const char *module, const char *fmt, ...);

#define log_debug(...) log_msg(LOG_DEBUG, LOG_MODULE, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO,  LOG_MODULE, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN,  LOG_MODULE, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, LOG_MODULE, __VA_ARGS__)

#endif
