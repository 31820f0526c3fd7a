/*
 * fuzz/asr_ws_msg.c — libFuzzer target for what the ws transcription
 * backend takes from outside: a recognizer server's text messages
 * (asr_ws_msg_parse, src/asr/wsmsg.c) and, from provisioning or the
 * config, its URL (asr_ws_url_check, src/asr/asr.c). The input is both.
 *
 * Checks: a message is accepted or refused with EBADMSG (ENOMEM only if
 * memory ran out), never half-filled; an accepted one has text, and its
 * times and confidence are in range and in order; a URL is 0 or EINVAL,
 * with a reason when refused, and an accepted one starts with ws://.
 *
 *   make fuzz && build/fuzz/asr_ws_msg -max_total_time=60 \
 *       fuzz/corpus/asr_ws_msg
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "asr/asr.h"

#define TRAP() __builtin_trap()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void message(const char *s, size_t n)
{
	struct asr_ws_msg m;
	int err = asr_ws_msg_parse(&m, s, n);

	if (err == EBADMSG || err == ENOMEM) {
		if (m.text)
			TRAP();
		return;
	}
	if (err || !m.text)
		TRAP();

	if (m.timed) {
		if (!(m.start_s >= 0 && m.start_s <= m.end_s &&
		      m.end_s <= 86400 && m.conf >= 0 && m.conf <= 1))
			TRAP();
	}
	else if (m.start_s != 0 || m.end_s != 0 || m.conf != 0) {
		TRAP();
	}
	if (m.partial && m.timed)
		TRAP();

	mem_deref(m.text);
}


static void url(const char *s)
{
	const char *why = NULL;
	int err = asr_ws_url_check(s, &why);

	if (err == EINVAL) {
		if (!why || !*why)
			TRAP();
		return;
	}
	if (err || strncmp(s, "ws://", 5) || strlen(s) > 255)
		TRAP();
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;

	memcpy(s, data, size);
	s[size] = 0;

	message(s, size);
	url(s);

	free(s);
	return 0;
}
