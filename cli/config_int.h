/*
 * config_int.h — what the files of the configuration layer share.  Not for
 * use outside cli/config*.c.
 *
 *   config.c          reading the file, sorting the problems, freeing
 *   config_section.c  the sections: their keys, defaults and cross-checks;
 *                     the lookups by name
 *   config_pools.c    a campaign's device_pools_file, and its pools in all
 *   config_access.c   the checks of CONFIG_CLUSTER: CA files, private and
 *                     trusted files
 *   config_scan.c     the line scan that catches what iniparser would hide,
 *                     and the problem list
 *   config_keys.c     the key tables: every key, its type, range and check
 *   config_value.c    the strict value parsers, values in words, the
 *                     character classes
 *   config_print.c    config_print()
 *
 * In that order each file calls only the ones below it.
 */
#ifndef LSC_CONFIG_INT_H
#define LSC_CONFIG_INT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <iniparser.h>

#include "cli/config.h"

#define MINUTE		60
#define HOUR		3600
#define DAY		86400
#define WEEK		(7 * DAY)

#define MAX_KEYS	32		/* keys of a kind of section, at most */
#define LINE_END	INT_MAX		/* problems of the whole file */

/* ---- the key tables (config_keys.c) -------------------------------------- */

enum config_vtype {
	V_STRING,	/* char *, checked by keydef.check */
	V_CHOICE,	/* char *, one of keydef.names */
	V_ENUM,		/* int or enum: the index, or keydef.values[index] */
	V_BOOL,		/* int, 0 or 1 */
	V_INT,		/* int, min..max */
	V_UINT,		/* unsigned, min..max */
	V_DURATION,	/* int64_t seconds, min..max */
	V_SIZE,		/* uint64_t bytes, min..max */
	V_MILLI,	/* double; min..max in thousandths */
	V_WINDOW,	/* int start (off), int end (off2), minutes; -1 none */
	V_LIST		/* char ** (off), size_t (off2) */
};

#define F_REQUIRED	0x01	/* an error when missing */
#define F_SECRET	0x02	/* shown as "*", wiped when freed */
#define F_ZERO		0x04	/* 0 accepted outside min..max ("never") */
#define F_AUX		0x08	/* off is in the section's second struct
				   (struct campaign_conf), not its first */

/* Checks a V_STRING value; -1 with why it is wrong in why. */
typedef int (*config_check_fn)(const char *, char *why, size_t whylen);

/* One key: where its value lives in the section's struct, and its form. */
struct config_keydef {
	const char	*name;
	enum config_vtype type;
	unsigned	 flags;
	size_t		 off;
	size_t		 off2;
	int64_t		 min;
	int64_t		 max;
	const char *const *names;	/* V_CHOICE, V_ENUM */
	const int	*values;	/* V_ENUM; NULL: the index */
	config_check_fn	 check;		/* V_STRING; NULL: any text */
	const char	*form;		/* V_STRING: what is expected */
};

enum config_kind_id { KIND_GLOBAL, KIND_CLUSTER, KIND_CAMPAIGN, KIND__MAX };

/* A kind of section and its keys. */
struct config_kind {
	const char		*name;		/* "cluster" */
	const char		*where;		/* for "belongs in ..." */
	const struct config_keydef *keys;
	size_t			 nkeys;
};

/* Indexed by enum config_kind_id. */
extern const struct config_kind config_kinds[KIND__MAX];

/* The key's definition in a kind, or NULL. */
const struct config_keydef *config_find_key(const struct config_kind *,
	    const char *name);
/* The key's definition in any kind (that kind in *kp unless NULL), or NULL. */
const struct config_keydef *config_find_any_key(const char *name,
	    const struct config_kind **kp);
/*
 * Whether a value under this key must not be shown: a secret key, or an
 * unknown key that looks like a misspelt secret ("pasword").
 */
int	 config_hide_value(const char *key);
/* The candidate closest to word, when close enough to be a typo; or NULL. */
const char *config_closest(const char *word, const char *const *cand,
	    size_t n);
/* Whether v is a section NAME: letters, digits, '-', '_' and '.'. */
int	 config_valid_name(const char *v);

/* ---- values (config_value.c) --------------------------------------------- */

/* ASCII classes, whatever the locale. */
int	 config_is_digit(int c);
int	 config_is_ctrl(int c);

/* Values in words, as the file would give them: "90d", "16M", "0.1". */
void	 config_fmt_duration(int64_t seconds, char *, size_t);
void	 config_fmt_size(uint64_t bytes, char *, size_t);
void	 config_fmt_milli(int64_t thousandths, char *, size_t);
/* What a key expects, in words: the "expected ..." of its problems. */
void	 config_form(const struct config_keydef *, char *, size_t);

/*
 * Parses v for key k into the struct at base (for an F_AUX key, the
 * section's second struct), freeing what the field held.  0; -1 with the
 * whole "why; expected ..." in why; -2 out of memory.
 */
int	 config_set_value(const struct config_keydef *k, void *base,
	    const char *v, char *why, size_t whylen);
/*
 * Frees the strings and lists of a kind's structs (secrets wiped): those
 * of its F_AUX keys in aux, unless NULL, the others in base.
 */
void	 config_clear_fields(const struct config_kind *, void *base,
	    void *aux);
/* The int at off in the struct at base; the char * field at off. */
int	 config_int_field(const void *base, size_t off);
char	**config_str_field(void *base, size_t off);

/* ---- loading: the context and the problems (config.c) -------------------- */

/* A line the scan saw: a section header (key NULL) or a key. */
struct config_scanned {
	char		*sec;		/* as iniparser names it */
	char		*key;
	int		 line;
};

/* A problem before sorting by line. */
struct config_found {
	int		 line;
	size_t		 seq;
	char		*text;
};

/* One config_load(): the file, the lines the scan saw, the problems. */
struct config_ctx {
	const char	*path;
	unsigned	 flags;		/* CONFIG_CLUSTER */
	int		 fd;		/* the file, for the mode check */
	struct config_scanned *sv;
	size_t		 sn;
	struct config_found *pv;
	size_t		 pn;
	int		 oom;
	int		 nkind[KIND__MAX];/* sections seen of each kind */
};

/*
 * Records "FILE: [sec] key = value: why" (config_scan.c).  Each part but the file may be
 * NULL.  Problems are handed over sorted by line: 0 for the file as a
 * whole, LINE_END after every line.  Out of memory sets c->oom.
 */
void	 config_problem(struct config_ctx *c, int line, const char *sec,
	    const char *key, const char *val, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));

/* ---- the line scan (config_scan.c) --------------------------------------- */

/* White space as iniparser sees it (ASCII; config_value.c). */
int	 config_is_space(int c);
/* Strips white space at both ends, in place; returns the new start
 * (config_value.c). */
char	*config_strip(char *s);

/*
 * Reads the file's text (len bytes) as iniparser will, recording each line
 * in c->sv and each problem iniparser would hide.
 */
void	 config_scan(struct config_ctx *c, const char *text, size_t len);
/*
 * The line of a section header (key NULL) or of the key's last value, as
 * the scan saw it; LINE_END when it did not.
 */
int	 config_line_of(const struct config_ctx *c, const char *sec,
	    const char *key);

/* ---- the sections (config_section.c) ------------------------------------- */

/* Sets the [global] defaults; -1 out of memory. */
int	 config_global_defaults(struct global_conf *);
/*
 * Reads every section iniparser found into cfg, with the defaults of its
 * kind, and checks what spans keys or sections: password sources, retry
 * bounds, campaigns' clusters, at least one cluster and one campaign.
 */
void	 config_sections(struct config_ctx *c, dictionary *d,
	    struct config *cfg);

/* ---- a campaign's pools (config_pools.c) --------------------------------- */

/*
 * Completes the device pools of campaign sec once its keys are read:
 * appends to p->pools the names of cc->pools_file not already there (in
 * file order), sets cc->nlisted, and checks that the campaign has a pool.
 * listed and filed tell how device_pools and device_pools_file were given:
 * 0 not, 1 valid, 2 given but wrong (already reported).  Each problem
 * with the file is recorded on the line of device_pools_file.
 */
void	 config_campaign_pools(struct config_ctx *c, const char *sec,
	    struct policy *p, struct campaign_conf *cc, int listed, int filed);

/* ---- a command's access (config_access.c) -------------------------------- */

/* The checks of CONFIG_CLUSTER, once every section is read. */
void	 config_access(struct config_ctx *c, struct config *cfg);

#endif
