/* suites.h — every unit suite, in run order. Add yours here. */
#ifndef SWITCHBOARD_SUITES_H
#define SWITCHBOARD_SUITES_H

#include "unit.h"

extern const struct unit_suite wheel_suite;
extern const struct unit_suite crypto_suite;
extern const struct unit_suite store_suite;
extern const struct unit_suite prov_suite;
extern const struct unit_suite sdp_suite;
extern const struct unit_suite routing_suite;
extern const struct unit_suite http_suite;
extern const struct unit_suite static_suite;
extern const struct unit_suite asr_suite;
extern const struct unit_suite nba_suite;
extern const struct unit_suite nba_rules_suite;
extern const struct unit_suite crm_suite;
extern const struct unit_suite asr_vocab_suite;
extern const struct unit_suite asr_lm_suite;

static const struct unit_suite *const unit_suites[] = {
	&wheel_suite,
	&crypto_suite,
	&store_suite,
	&prov_suite,
	&sdp_suite,
	&routing_suite,
	&http_suite,
	&static_suite,
	&asr_suite,
	&nba_suite,
	&nba_rules_suite,
	&crm_suite,
	&asr_vocab_suite,
	&asr_lm_suite,
};

#endif
