/*
 * prov_json.c — libFuzzer target for provisioning input: the strict JSON
 * check, libre's decoder behind it, every kind's validator, the merge
 * patch and the printers. Runs the validate-only entry points of
 * src/prov/check.h: no store, no password hashing, no global state.
 *
 * The first byte picks what the rest is (modulo 9):
 *   0-3  one object of that kind (agents, queues, trunks, routes); when
 *        it is accepted, its canonical form must be accepted again and
 *        print the same (a printer/parser disagreement traps)
 *   4    a provisioning file
 *   5    second byte picks the kind (modulo PROV_KINDS: the four
 *        above, statuses, intents, recommendations); then
 *        "base\0patch": a merge patch onto an object, validated as PATCH
 *        would
 *   6    one status, as 0-3
 *   7, 8 one intent, one recommendation, as 0-3
 *
 *   make fuzz && build/fuzz/prov_json -max_total_time=60 \
 *       fuzz/corpus/prov_json
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <re.h>
#include "prov/check.h"


static void roundtrip(enum prov_kind kind, const char *canon)
{
	struct prov_error err;
	char *again = NULL;
	int e;

	memset(&err, 0, sizeof(err));
	e = prov_check_object(kind, canon, strlen(canon), &again, &err);

	/* The canonical form leaves out secrets; an agent with a phone then
	 * lacks sip.password, which is the only acceptable refusal. */
	if (e) {
		if (kind == PROV_AGENT && !strcmp(err.field, "sip.password"))
			return;
		__builtin_trap();
	}

	if (strcmp(canon, again))
		__builtin_trap();

	mem_deref(again);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prov_error err;
	const char *json = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;
	char *canon = NULL;

	if (!size)
		return 0;

	memset(&err, 0, sizeof(err));

	switch (data[0] % 9) {

	case 4:
		(void)prov_check_json(json, len, &err);
		break;

	case 5: {
		const char *nul;
		enum prov_kind kind;

		if (len < 1)
			break;
		kind = (enum prov_kind)((uint8_t)json[0] % PROV_KINDS);
		++json;
		--len;

		nul = memchr(json, '\0', len);
		if (!nul)
			break;

		if (!prov_check_patch(kind, json, (size_t)(nul - json),
				      nul + 1, len - (size_t)(nul - json) - 1,
				      &canon, &err))
			roundtrip(kind, canon);
		break;
	}

	default: {
		static const enum prov_kind kinds[9] = {
			PROV_AGENT, PROV_QUEUE, PROV_TRUNK, PROV_ROUTE, 0, 0,
			PROV_STATUS, PROV_INTENT, PROV_RECOMMENDATION
		};
		const enum prov_kind kind = kinds[data[0] % 9];

		if (!prov_check_object(kind, json, len, &canon, &err))
			roundtrip(kind, canon);
		break;
	}
	}

	mem_deref(canon);

	/* every error must be filled for the user */
	if (err.status && (!err.code[0] || !err.message[0]))
		__builtin_trap();

	return 0;
}
