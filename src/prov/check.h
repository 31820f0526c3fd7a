/*
 * check.h — provisioning validation without side effects, for fuzzing and
 * for tools that want to lint a file. Nothing here hashes a password,
 * touches the store or changes what is in memory; prov_init is not
 * needed (references are then checked against an empty registry).
 */
#ifndef SWITCHBOARD_PROV_CHECK_H
#define SWITCHBOARD_PROV_CHECK_H

#include "prov/prov.h"

/* A provisioning file, as prov_apply_json would validate it. */
int prov_check_json(const char *json, size_t len, struct prov_error *err);

/* One object of a kind, as the body of a POST. References (a route's
 * queue, SIP username conflicts) are not checked. On success *canon
 * (optional) receives the object's input-shaped canonical JSON. */
int prov_check_object(enum prov_kind kind, const char *json, size_t len,
		      char **canon, struct prov_error *err);

/* base is an object (as for prov_check_object), patch a merge patch onto
 * it, validated as prov_update would. *canon as above. */
int prov_check_patch(enum prov_kind kind, const char *base, size_t blen,
		     const char *patch, size_t plen, char **canon,
		     struct prov_error *err);

#endif
