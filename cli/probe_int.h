/*
 * probe_int.h — what the files of "lscrenew probe" share: the phones and
 * addresses to probe (probe_select.c finds them), and what is shown of
 * each (probe_out.c).
 */
#ifndef LSC_PROBE_INT_H
#define LSC_PROBE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "axl/probe.h"
#include "cli/cli.h"
#include "jobs/audit.h"

/* One phone or address to probe; the strings are its own. */
struct target {
	const char	*arg;		/* the operand; NULL: from a selection */
	char		*name;		/* device name; NULL: an address */
	char		*host;		/* where it is probed; NULL: not
					   registered (a selected phone) */
	const char	*cluster;	/* the configuration's; NULL: none */
	const struct policy *campaign;	/* its campaign, for the class */
	int		 known;		/* in the store, not gone */
	int64_t		 lsc_valid_until;
	char		*lsc_issuer;
	int		 rc;		/* an operand's exit status */
};

struct targets {
	struct target	*v;
	size_t		 n, cap;
};

/* What was asked on the command line. */
struct probe_args {
	unsigned	 port;
	const char	*ca_file;
	int		 all;		/* --all */
	const char	**pools;	/* --pool, each */
	size_t		 npools;
};

/* A new target (zeroed) at the end of ts; NULL when out of memory. */
struct target *targets_add(struct targets *);
void	 targets_free(struct targets *);

/*
 * Where an operand is probed (an address as it is; a name at the store's
 * last address) and what the store knows of it.  Returns 0, or its exit
 * status after saying why (probe_fail()).
 */
int	 probe_place(const struct cli *, const struct config *,
	    struct store *, unsigned port, struct target *);

/* Whether an operand is an address; the host goes to host. */
int	 probe_is_address(const char *arg, char *host, size_t len);

/*
 * Adds the phones --campaign, --pool and --all select (stored, not gone,
 * each once), at their current address from RisPort70 (registered ones;
 * the others get no host).  Returns 0 or an exit status (said).
 */
int	 probe_select(struct cli *, const struct config *, struct store *,
	    const struct probe_args *, struct targets *);

/* ---- output (probe_out.c) ----------------------------------------------- */

/* What a probe of t found (c NULL when it failed: why says why). */
struct probe_seen {
	const struct target	*t;
	unsigned		 port;
	enum probe_outcome	 outcome;
	const struct probe_cert	*c;
	const char		*why;
	const struct audit_verdict *v;	/* NULL: an address, not classed */
};

/* The full description (operands), or one line (a selection). */
void	 probe_show(const struct cli *, const struct probe_seen *, int first,
	    int brief);

int	 probe_fail(const struct cli *, int status, const struct target *,
	    unsigned port, const struct audit_verdict *, const char *, ...)
	    __attribute__((format(printf, 6, 7)));

#endif
