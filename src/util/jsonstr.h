/*
 * jsonstr.h — text as a JSON string literal, for modules that print JSON
 * by hand (provisioning objects, API errors).
 */
#ifndef SWITCHBOARD_JSONSTR_H
#define SWITCHBOARD_JSONSTR_H

struct re_printf;

/* Prints s quoted and escaped, or null when s is NULL. Bytes that are not
 * valid UTF-8 come out as U+FFFD, so the output is always valid JSON even
 * when s echoes something a client sent. Use with %H. */
int jsonstr_print(struct re_printf *pf, const char *s);

/* Replaces, in place, every byte that is not part of valid UTF-8 and
 * every control character with '?': for text taken from the network
 * that is stored and shown later (SQLite passes bytes through as is). */
void jsonstr_sanitize(char *s);

#endif
