/*
 * agent.c — agents: reading, printing, and their secrets.
 *
 * Input:  {"id","name","role","password","sip":{"username","password"},
 *          "skills":{...},"capacity","queues":[{"id","level","position",
 *          "weight"}]}
 * Stored: the same with "web_hash" for "password" and
 *         "sip":{"username","realm","ha1_md5","ha1_sha256"}.
 *
 * A plain password never reaches the typed object: reading only notes
 * where it is in the input (struct prov_item), and prov_agent_secrets
 * turns it into hashes once the whole change has been validated, so a
 * rejected request costs no PBKDF2 time and leaves nothing behind.
 */
#include <string.h>
#include <re.h>
#include "util/crypto.h"
#include "util/jsonstr.h"
#include "prov/prov_int.h"

enum {
	WEB_PW_MIN = 8,
	WEB_PW_MAX = 256,
	SIP_PW_MAX = 256,
	REALM_MAX = 256,
};

static const char *const keys_in[] = {
	"id", "name", "role", "password", "sip", "skills", "capacity",
	"queues", NULL
};
static const char *const keys_stored[] = {
	"id", "name", "role", "web_hash", "sip", "skills", "capacity",
	"queues", NULL
};
static const char *const roles[] = {
	[PROV_ROLE_AGENT] = "agent",
	[PROV_ROLE_SUPERVISOR] = "supervisor",
	[PROV_ROLE_ADMIN] = "admin",
};
static const char *const member_keys[] = {
	"id", "level", "position", "weight", NULL
};
static const char *const sip_keys_in[] = {"username", "password", NULL};
static const char *const sip_keys_stored[] = {
	"username", "realm", "ha1_md5", "ha1_sha256", NULL
};


static void destructor(void *arg)
{
	struct prov_agent_obj *ao = arg;

	mem_deref(ao->a.id);
	mem_deref(ao->a.name);
	mem_deref(ao->a.web_hash);
	mem_deref(ao->a.sip_user);
	mem_deref(ao->a.skills);
	mem_deref(ao->a.queues);
	mem_deref(ao->realm);
}


static bool is_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;

	for (; *s; s++) {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	}

	return true;
}


static int bad(struct prov_error *err, const char *path, const char *key,
	       const char *msg)
{
	char field[PROV_PATH_MAX];

	prov_path(field, sizeof(field), path, key);
	return prov_err(err, 400, "invalid_field", field, "%s", msg);
}


static int sip_stored(struct prov_agent_obj *ao, const struct odict *sip,
		      const char *path, struct prov_error *err)
{
	const char *realm = NULL, *md5 = NULL, *sha = NULL;
	int e;

	e  = prov_get_str(&realm, sip, "realm", path, true, err);
	e = e ? e : prov_get_str(&md5, sip, "ha1_md5", path, true, err);
	e = e ? e : prov_get_str(&sha, sip, "ha1_sha256", path, true, err);
	if (e)
		return e;

	if (!is_hex(md5, 32))
		return bad(err, path, "ha1_md5", "must be 32 hex digits");
	if (!is_hex(sha, 64))
		return bad(err, path, "ha1_sha256", "must be 64 hex digits");

	str_ncpy(ao->a.ha1_md5, md5, sizeof(ao->a.ha1_md5));
	str_ncpy(ao->a.ha1_sha256, sha, sizeof(ao->a.ha1_sha256));

	return str_dup(&ao->realm, realm);
}


static int sip_input(struct prov_item *it, const struct odict *sip,
		     enum prov_mode mode, const struct prov_agent_obj *prev,
		     const char *path, struct prov_error *err)
{
	const struct prov_agent_obj *ao = it->obj;
	const char *pw = NULL;
	char field[PROV_PATH_MAX];
	size_t len;
	int e;

	e = prov_get_str(&pw, sip, "password", path, false, err);
	if (e)
		return e;

	if (pw) {
		len = prov_utf8_len(pw);
		if (len < 1 || len > SIP_PW_MAX)
			return bad(err, path, "password", "must be 1 to 256 "
				   "characters");
		it->sip_password = pw;
		return 0;
	}

	/* The HA1s hash the username, so they can be kept only for the
	 * same one. */
	if (mode == PROV_MODE_PATCHED && prev && prev->a.sip_user &&
	    0 == strcmp(prev->a.sip_user, ao->a.sip_user)) {
		it->keep_sip = true;
		return 0;
	}

	prov_path(field, sizeof(field), path, "password");
	return prov_err(err, 400, "missing_field", field,
			mode == PROV_MODE_PATCHED ?
			"required when sip.username is new or changed "
			"(the stored digest depends on the username)" :
			"this field is required");
}


static int parse_sip(struct prov_item *it, const struct odict *sip,
		     enum prov_mode mode, const struct prov_agent_obj *prev,
		     const char *path, struct prov_error *err)
{
	struct prov_agent_obj *ao = it->obj;
	const char *user = NULL;
	char spath[PROV_PATH_MAX];
	int e;

	prov_path(spath, sizeof(spath), path, "sip");

	e = prov_check_keys(sip, mode == PROV_MODE_STORED ? sip_keys_stored
			    : sip_keys_in, spath, err);
	if (e)
		return e;

	e = prov_get_id(&user, sip, "username", spath, "._+-", PROV_ID_MAX,
			err);
	if (e)
		return e;

	e = str_dup(&ao->a.sip_user, user);
	if (e)
		return e;

	if (mode == PROV_MODE_STORED)
		return sip_stored(ao, sip, spath, err);

	return sip_input(it, sip, mode, prev, spath, err);
}


static int parse_secret(struct prov_item *it, const struct odict *o,
			enum prov_mode mode, struct prov_error *err)
{
	struct prov_agent_obj *ao = it->obj;
	const char *s = NULL;
	size_t len;
	int e;

	if (mode == PROV_MODE_STORED) {
		e = prov_get_str(&s, o, "web_hash", it->path, false, err);
		if (e || !s)
			return e;
		if (strncmp(s, "$pbkdf2-sha256$", 15) ||
		    strlen(s) >= CRYPTO_PWHASH_MAX)
			return bad(err, it->path, "web_hash",
				   "not a password hash");
		return str_dup(&ao->a.web_hash, s);
	}

	e = prov_get_str(&s, o, "password", it->path, false, err);
	if (e || !s)
		return e;

	len = prov_utf8_len(s);
	if (len < WEB_PW_MIN || len > WEB_PW_MAX)
		return bad(err, it->path, "password",
			   "must be 8 to 256 characters");

	it->password = s;
	return 0;
}


static int get_member(struct prov_member *m, const struct odict_entry *el,
		      const char *epath, struct prov_error *err)
{
	const struct odict *mo;
	const char *queue = NULL;
	uint32_t level = 1;
	int e;

	if (el->type != ODICT_OBJECT)
		return prov_err(err, 400, "invalid_field", epath, "must be an "
				"object {\"id\", \"level\", \"position\", "
				"\"weight\"}");

	mo = el->u.odict;
	m->position = 0;
	m->weight = 1;

	e = prov_check_keys(mo, member_keys, epath, err);
	e = e ? e : prov_get_id(&queue, mo, "id", epath, "._-", PROV_ID_MAX,
				err);
	e = e ? e : prov_get_u32(&level, mo, "level", epath, 1, 9, err);
	e = e ? e : prov_get_u32(&m->position, mo, "position", epath, 0,
				 100000, err);
	e = e ? e : prov_get_u32(&m->weight, mo, "weight", epath, 1, 1000,
				 err);
	if (e)
		return e;

	str_ncpy(m->queue, queue, sizeof(m->queue));
	m->level = (uint8_t)level;
	return 0;
}


/* "queues": [{"id","level","position","weight"}, ...] in the order
 * given; absent (or null): any queue whose skills the agent meets */
static int get_members(struct prov_agent *a, const struct odict *o,
		       const char *path, struct prov_error *err)
{
	const struct odict *arr = NULL;
	char qpath[PROV_PATH_MAX], epath[PROV_PATH_MAX];
	size_t cnt, i = 0;
	struct le *le;
	int e;

	e = prov_get_arr(&arr, o, "queues", path, false, err);
	if (e || !arr)
		return e;

	prov_path(qpath, sizeof(qpath), path, "queues");

	cnt = list_count(&arr->lst);
	if (cnt > PROV_MEMBERS_MAX)
		return prov_err(err, 400, "invalid_field", qpath,
				"at most %u queues", PROV_MEMBERS_MAX);

	a->queues_listed = true;
	if (!cnt)
		return 0;

	a->queues = mem_zalloc(cnt * sizeof(*a->queues), NULL);
	if (!a->queues)
		return ENOMEM;

	LIST_FOREACH(&arr->lst, le) {
		struct prov_member *m = &a->queues[i];

		(void)re_snprintf(epath, sizeof(epath), "%s[%zu]", qpath, i);

		e = get_member(m, le->data, epath, err);
		if (e)
			return e;

		for (size_t j = 0; j < i; j++) {
			char field[PROV_PATH_MAX];

			if (strcmp(a->queues[j].queue, m->queue))
				continue;

			prov_path(field, sizeof(field), epath, "id");
			return prov_err(err, 400, "invalid_field", field,
					"queue '%s' is listed twice (also at "
					"%s[%zu])", m->queue, qpath, j);
		}

		++i;
	}

	a->nqueues = cnt;
	return 0;
}


const char *prov_role_name(enum prov_role role)
{
	return (unsigned)role < ARRAY_SIZE(roles) ? roles[role] : "?";
}


static int get_role(enum prov_role *role, const struct odict *o,
		    const char *path, struct prov_error *err)
{
	const char *s = NULL;
	int e;

	e = prov_get_str(&s, o, "role", path, false, err);
	if (e || !s)
		return e;

	for (size_t i = 0; i < ARRAY_SIZE(roles); i++) {
		if (!strcmp(s, roles[i])) {
			*role = (enum prov_role)i;
			return 0;
		}
	}

	return bad(err, path, "role", "must be \"agent\", \"supervisor\" or "
		   "\"admin\"");
}


static int agent_parse(struct prov_item *it, const struct odict *o,
		       enum prov_mode mode, const void *old,
		       struct prov_error *err)
{
	const char *path = it->path;
	const char *id = NULL, *name = NULL;
	const struct odict *sip = NULL;
	struct prov_agent_obj *ao;
	enum prov_role role = PROV_ROLE_AGENT;
	uint32_t capacity = 1;
	int e;

	e = prov_check_keys(o, mode == PROV_MODE_STORED ? keys_stored
			    : keys_in, path, err);
	e = e ? e : prov_get_id(&id, o, "id", path, "._-", PROV_ID_MAX, err);
	e = e ? e : prov_get_name(&name, o, "name", path, err);
	e = e ? e : get_role(&role, o, path, err);
	e = e ? e : prov_get_obj(&sip, o, "sip", path, false, err);
	e = e ? e : prov_get_u32(&capacity, o, "capacity", path, 1, 100, err);
	if (e)
		return e;

	ao = mem_zalloc(sizeof(*ao), destructor);
	if (!ao)
		return ENOMEM;

	it->obj = ao;
	ao->a.capacity = capacity;
	ao->a.role = role;

	e  = str_dup(&ao->a.id, id);
	e |= str_dup(&ao->a.name, name ? name : id);
	if (e)
		return ENOMEM;

	e = prov_get_skills(&ao->a.skills, &ao->a.nskills, o, path, err);
	e = e ? e : get_members(&ao->a, o, path, err);
	e = e ? e : parse_secret(it, o, mode, err);
	if (!e && sip)
		e = parse_sip(it, sip, mode, old, path, err);

	return e;
}


int prov_agent_secrets(struct prov_item *it, const void *old)
{
	struct prov_agent_obj *ao = it->obj;
	const struct prov_agent_obj *prev = old;
	const struct prov_agent *a = &ao->a;
	char hash[CRYPTO_PWHASH_MAX];
	int err = 0;

	/* Re-applying the same file must not re-hash (new salt, new doc,
	 * a write and a notification for nothing): keep the stored hash
	 * when it already verifies the password. */
	if (it->password) {
		if (prev && prev->a.web_hash &&
		    crypto_pwverify(prev->a.web_hash, it->password)) {
			err = str_dup(&ao->a.web_hash, prev->a.web_hash);
		}
		else {
			err = crypto_pwhash(hash, sizeof(hash), it->password);
			if (!err)
				err = str_dup(&ao->a.web_hash, hash);
		}
	}
	else if (it->keep_web && prev && prev->a.web_hash) {
		err = str_dup(&ao->a.web_hash, prev->a.web_hash);
	}

	if (err || !a->sip_user)
		return err;

	if (it->sip_password) {
		const char *realm = prov_g.realm ? prov_g.realm : "";

		err  = crypto_hex(CRYPTO_MD5, ao->a.ha1_md5,
				  sizeof(ao->a.ha1_md5), a->sip_user, ":",
				  realm, ":", it->sip_password, NULL);
		err |= crypto_hex(CRYPTO_SHA256, ao->a.ha1_sha256,
				  sizeof(ao->a.ha1_sha256), a->sip_user, ":",
				  realm, ":", it->sip_password, NULL);
		err = err ? EPROTO : str_dup(&ao->realm, realm);
	}
	else if (it->keep_sip && prev) {
		memcpy(ao->a.ha1_md5, prev->a.ha1_md5, sizeof(ao->a.ha1_md5));
		memcpy(ao->a.ha1_sha256, prev->a.ha1_sha256,
		       sizeof(ao->a.ha1_sha256));
		err = str_dup(&ao->realm, prev->realm ? prev->realm : "");
	}

	return err;
}


static int agent_print(struct re_printf *pf, const void *obj,
		       enum prov_form form)
{
	const struct prov_agent_obj *ao = obj;
	const struct prov_agent *a = &ao->a;
	int err;

	err = re_hprintf(pf, "{\"id\":%H,\"name\":%H,\"role\":\"%s\"",
			 jsonstr_print, a->id, jsonstr_print, a->name,
			 prov_role_name(a->role));

	if (!err && form == PROV_FORM_STORED && a->web_hash)
		err = re_hprintf(pf, ",\"web_hash\":%H", jsonstr_print,
				 a->web_hash);

	if (!err && a->sip_user) {
		err = re_hprintf(pf, ",\"sip\":{\"username\":%H",
				 jsonstr_print, a->sip_user);
		if (!err && form == PROV_FORM_STORED)
			err = re_hprintf(pf, ",\"realm\":%H,\"ha1_md5\":\"%s\","
					 "\"ha1_sha256\":\"%s\"",
					 jsonstr_print, ao->realm,
					 a->ha1_md5, a->ha1_sha256);
		if (!err)
			err = re_hprintf(pf, "}");
	}

	if (!err)
		err = re_hprintf(pf, ",\"skills\":");
	if (!err)
		err = prov_print_skills(pf, a->skills, a->nskills);

	if (!err)
		err = re_hprintf(pf, ",\"capacity\":%u", a->capacity);

	if (!err && a->queues_listed) {
		err = re_hprintf(pf, ",\"queues\":[");

		for (size_t i = 0; i < a->nqueues && !err; i++) {
			const struct prov_member *m = &a->queues[i];

			err = re_hprintf(pf, "%s{\"id\":%H,\"level\":%u,"
					 "\"position\":%u,\"weight\":%u}",
					 i ? "," : "", jsonstr_print,
					 m->queue, m->level, m->position,
					 m->weight);
		}

		if (!err)
			err = re_hprintf(pf, "]");
	}

	if (!err && form == PROV_FORM_PUBLIC)
		err = re_hprintf(pf, ",\"web_login\":%s",
				 a->web_hash ? "true" : "false");

	return err ? err : re_hprintf(pf, "}");
}


static const char *agent_id(const void *obj)
{
	return ((const struct prov_agent *)obj)->id;
}


const struct prov_kind_ops prov_agent_ops = {
	"agents", "agent", "id", agent_parse, agent_print, agent_id
};
