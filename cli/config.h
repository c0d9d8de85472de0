/*
 * config.h — the configuration file (INI, read with iniparser).
 *
 *   [global]                 state directory, logging, hooks, retention
 *   [cluster NAME]           one per CUCM cluster (publisher)
 *   [campaign NAME]          one per campaign: selection and policy
 *
 * Every error is collected, not just the first: each names the file, the
 * section and the key, the value found and the form expected, with "did you
 * mean" for a close unknown key.  Durations ("90d", "12h", "30m", "45s"),
 * times of day ("01:00-05:00"), sizes ("8M") and enums are parsed strictly.
 */
#ifndef LSC_CONFIG_H
#define LSC_CONFIG_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "axl/base/err.h"
#include "jobs/policy.h"

#define CONFIG_DEFAULT_PATH	"/etc/lscrenew/lscrenew.conf"

enum log_target {
	LOG_TO_STDERR,
	LOG_TO_SYSLOG
};

struct global_conf {
	char		*state_dir;	/* default /var/lib/lscrenew */
	enum log_target	 log;		/* stderr | syslog */
	int		 log_level;	/* 0 error .. 3 debug (default 1,
					   warnings) */
	int		 syslog_facility;/* LOG_DAEMON (syslog.h) */
	char		*hook;		/* command run after each run; NULL */
	int64_t		 random_delay;	/* seconds; 0 */
	int64_t		 retention;	/* seconds of history kept (400d) */
	int64_t		 run_timeout;	/* a run stops reading and writing
					   after this long (5h); 0: never */
	char		*metrics_file;	/* Prometheus textfile; NULL */
	char		*report_file;	/* HTML report written after runs */
	unsigned	 probe_concurrency;	/* handshakes in flight (32) */
	unsigned	 probe_rate;	/* new connections a second (20) */
	int		 probe_port;	/* the phones' web servers (443) */
};

/* Where the AXL password comes from. */
enum secret_source {
	SECRET_NONE,
	SECRET_FILE,		/* password_file */
	SECRET_COMMAND,		/* password_command */
	SECRET_INLINE		/* password (config must be 0600, owned) */
};

struct cluster_conf {
	char		*name;		/* section name after "cluster " */
	char		*host;		/* publisher host name or address */
	int		 port;		/* 8443 */
	char		*ris_host;	/* default: host */
	int		 ris_port;	/* default: port */
	char		*axl_version;	/* "auto" | "12.5" | "14.0" | "15.0" */
	char		*ca_file;	/* NULL: ca_path or the system store */
	char		*ca_path;
	char		*proxy;		/* "http://host:port"; NULL: none,
					   whatever the environment says */
	char		*username;
	enum secret_source secret;
	char		*password_file;
	char		*password_command;
	char		*password;	/* inline; wiped at config_free */
	double		 ris_rate;	/* RisPort70 requests per minute (12) */
	int64_t		 ris_retry_wait;/* seconds after a rate-limit fault */
	int64_t		 connect_timeout;/* seconds (10) */
	int64_t		 timeout;	/* seconds per request (120) */
	unsigned	 page_size;	/* rows per AXL page (1000) */
	uint64_t	 max_response;	/* bytes (16M) */
	unsigned	 retry_attempts;/* per request (5) */
	int64_t		 retry_budget;	/* seconds of waiting per request */
};

/*
 * What a campaign's section says beyond its struct policy: where its
 * device pool names came from.  policy.pools holds the names of
 * device_pools first (nlisted of them), then those of device_pools_file
 * not already listed, in file order.
 */
struct campaign_conf {
	char		*pools_file;	/* device_pools_file; NULL */
	size_t		 nlisted;	/* pools[0..nlisted): device_pools */
};

struct config {
	char		*path;
	struct global_conf global;
	struct cluster_conf *clusters;
	size_t		 nclusters;
	struct policy	*campaigns;	/* policy.cluster names a cluster */
	size_t		 ncampaigns;
	struct campaign_conf *campaign_confs;/* one per campaign, same order */
};

/* One problem found in the file. */
struct config_problem {
	char		*text;		/* "FILE: [section] key = value: why" */
};

struct config_problems {
	struct config_problem *v;
	size_t		 n;
};

/*
 * What config_load() checks beyond the file's own text: CONFIG_CLUSTER for
 * a command that talks to a cluster or runs the configured commands (run,
 * plan, check).  Then ca_file and ca_path must be readable, a file holding
 * an inline password private (config_check_private()), and the files that
 * decide what lscrenew does or runs safe from other users
 * (config_check_trusted()): the configuration file, each
 * device_pools_file, and the programs password_command and hook name.
 * Without it, a command that only reads the state store works on a host
 * that has none of the cluster's files.
 */
#define CONFIG_CLUSTER	0x01

/*
 * Loads and validates the file (NULL: CONFIG_DEFAULT_PATH), with the
 * checks flags asks for.  The config and problems structs are
 * overwritten: pass them zeroed or freed.  Returns 0 when it is valid; -1
 * when it is not, with every problem in probs (one line each, in file
 * order, to print in order) and err set to ERR_CONFIG with the first; -1
 * with ERR_SYSTEM/ERR_CONFIG when the file cannot be read (that message is
 * also the one problem in probs).  On -1 the config is left zeroed.  Reads
 * each campaign's device_pools_file (its problems name that file and
 * line).  Does not read password files or run password commands (see
 * config_password()).
 * Section names are folded to lower case, as iniparser does.
 */
int	 config_load(const char *path, unsigned flags, struct config *,
	    struct config_problems *, struct lsc_err *);

/* Frees everything (wiping secrets); accepts a zeroed struct. */
void	 config_free(struct config *);
void	 config_problems_free(struct config_problems *);

/* The cluster of that name (case-insensitive), or NULL. */
const struct cluster_conf *config_cluster(const struct config *,
	    const char *name);
/* The campaign of that name (case-insensitive), or NULL. */
const struct policy *config_campaign(const struct config *, const char *name);

/*
 * Obtains a cluster's AXL password from its source: the file (refused
 * unless a regular file with mode 0600 or stricter, owned by the running
 * user), the command (first line of its standard output, non-zero exit
 * refused; killed with its process group after 60 seconds), or the inline
 * value.  The result is the caller's to wipe with config_password_free().
 * NULL on failure, with ERR_CONFIG (missing, unreadable or unprotected
 * file, empty password) or ERR_SYSTEM (the command could not run, failed
 * or timed out); the message never holds the password.
 */
char	*config_password(const struct cluster_conf *, struct lsc_err *);
/*
 * config_password() for the cluster's password_command, with its time
 * limit in seconds (config_password() gives it 60; tests give less).
 */
char	*config_password_command(const struct cluster_conf *, int timeout_s,
	    struct lsc_err *);
void	 config_password_free(char *);

/*
 * Whether the open file fd, named path, may hold a secret: a regular file
 * owned by the running (effective) user with no permission for group or
 * others.  Returns 0; or -1 with what is wrong in `what` ("PATH is readable
 * by group or others (mode 0644)") and the command that fixes it in `fix`
 * ("chmod 600 PATH", "chown USER PATH (or run lscrenew as OWNER)", or
 * "chown USER PATH && chmod 600 PATH").  Used for password_file and for a
 * configuration file holding an inline password.
 */
int	 config_check_private(int fd, const char *path, char *what,
	    size_t whatlen, char *fix, size_t fixlen);

/*
 * Reads fd until its end or len bytes, whichever comes first (EINTR is no
 * end).  The bytes read, or -1 with errno set.
 */
ssize_t	 config_read_fd(int fd, char *buf, size_t len);

/* A user's name, or "uid N". */
void	 config_user_name(uid_t, char *, size_t);

/*
 * Whether a file that decides what lscrenew does or runs (the
 * configuration, a device_pools_file, the program of password_command or
 * hook) is safe from other users: it and the directory holding it (after
 * symbolic links) are owned by root or the running (effective) user, and
 * writable by no one else; a directory with the sticky bit may be writable
 * by others (/tmp), as they cannot replace a file they do not own.
 * Returns 0; or -1 with what is wrong and the command that fixes it in
 * why ("writable by group or others (mode 0664); run: chmod go-w PATH",
 * "its directory DIR: owned by alice, not root or lscrenew; run lscrenew
 * as alice, or run: chown root DIR").
 */
int	 config_check_trusted(const char *path, char *why, size_t whylen);

/* Prints the effective configuration, every key with its value, secrets
 * shown as "*". */
void	 config_print(const struct config *, FILE *);

#endif
