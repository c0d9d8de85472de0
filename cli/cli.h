/*
 * cli.h — what the subcommands share: options, exit codes, logging,
 * connecting to a cluster.
 */
#ifndef LSC_CLI_H
#define LSC_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "axl/axl.h"
#include "axl/base/err.h"
#include "axl/base/json.h"
#include "axl/http.h"
#include "axl/ris.h"
#include "cli/config.h"

/*
 * Exit statuses: the cron interface, documented in lscrenew(1) EXIT STATUS.
 * Failure is the default; only proven success lowers it.
 */
enum exit_status {
	EXIT_NOTHING	= 0,	/* nothing to do */
	EXIT_DONE	= 1,	/* work done, nothing needs attention */
	EXIT_ATTENTION	= 2,	/* some phones need a person */
	EXIT_FAILED	= 3,	/* the run failed */
	EXIT_USAGE	= 64,	/* command line misuse (EX_USAGE) */
	EXIT_UNREACHABLE = 69,	/* a cluster could not be reached
				   (EX_UNAVAILABLE) */
	EXIT_LOCKED	= 75,	/* another run holds the lock (EX_TEMPFAIL) */
	EXIT_CONFIG	= 78	/* configuration error (EX_CONFIG) */
};

/* The one function that maps an error kind to an exit status. */
int	 exit_for_error(const struct lsc_err *);

/* Options every subcommand understands. */
struct cli {
	const char	*config_path;
	const char	*campaign;	/* --campaign */
	const char	*pool;		/* --pool */
	int		 quiet;		/* -q */
	int		 verbose;	/* -v count */
	int		 json;		/* --json */
	int		 tty;		/* stdout is a terminal */
	int		 progress;	/* stderr is a terminal, not -q */
	int64_t		 now;		/* the run's notion of now */
	const char	*prog;
	const struct cmd *cmd;		/* the command being run */
};

struct cmd {
	const char	*name;
	int		(*run)(struct cli *, int, char **);
	const char	*synopsis;	/* after "lscrenew " */
	const char	*summary;	/* one line */
	const char	*help;		/* options, one per line */
	int		 operands;	/* takes NAME... after the options */
};

/* Prints "usage: lscrenew SYNOPSIS" and the options of a command. */
void	 cmd_usage(const struct cmd *, FILE *);

int	 cmd_run(struct cli *, int, char **);
int	 cmd_plan(struct cli *, int, char **);
int	 cmd_check(struct cli *, int, char **);
int	 cmd_status(struct cli *, int, char **);
int	 cmd_report(struct cli *, int, char **);
int	 cmd_phone(struct cli *, int, char **);
int	 cmd_probe(struct cli *, int, char **);
int	 cmd_reset(struct cli *, int, char **);

/*
 * Parses the common options (and the command's own, listed in extra as
 * getopt_long entries: set through their flag, or handled by the
 * callback).  Returns the index of the first operand, or -1 after printing
 * a usage error (an operand given to a command that takes none among
 * them), or -2 after printing the help.
 */
struct option;
typedef int	(*opt_fn)(struct cli *, int opt, const char *arg, void *);
int	 cli_getopt(struct cli *, const struct cmd *, int, char **,
	    const struct option *extra, const char *extra_short, opt_fn,
	    void *);

/*
 * Loads the configuration with the checks flags asks for (config_load()),
 * printing every problem; EXIT_* or 0.
 */
int	 cli_load_config(struct cli *, unsigned flags, struct config *);

/* The state store's path under the configured state directory. */
int	 cli_store_path(const struct config *, char *, size_t);

struct store;
/*
 * Opens the state store to read it (status, report, phone, probe):
 * read-only, without the lock, never migrated, so that it works while a
 * run holds the lock and leaves nothing behind that its owner could not
 * use.  NULL with *ret 0 when no run made it yet; NULL with *ret an
 * EXIT_* status after printing what is wrong.
 */
struct store *cli_store_read(const struct config *, int *ret);
/* The same, or (write) read and written: created or migrated as needed,
 * the state directory ours and writable. */
struct store *cli_store_use(const struct config *, int write, int *ret);

/* ---- logging ------------------------------------------------------------ */

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,		/* -v: phone changes, the calls made */
	LOG_LEVEL_DEBUG,	/* -vv */
	LOG_LEVEL_TRACE		/* -vvv: SOAP bodies, secrets redacted */
};

/* Where messages go from now on: stderr, or syslog with a facility
 * (LOG_DAEMON, ...), and the most detailed level shown. */
void	 log_setup(const char *prog, enum log_target, int level,
	    int facility);
void	 log_msg(enum log_level, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
#define log_error(...)	log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
int	 log_level(void);
/*
 * fprintf for text that holds what CUCM, a phone or the store said: each
 * line is cleaned once formatted (buf_put_text(): controls, C1 and
 * bidirectional controls as '?'); the newlines stay.  0, or -1.
 */
int	 cli_printf(FILE *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Ends the JSON document j writes into b, prints it to standard output and
 * frees b.  (JSON escapes what a terminal must not see itself.) */
void	 cli_json_out(struct json *j, struct buf *b);
/*
 * s cut and padded with spaces to exactly width terminal columns (display
 * width: a CJK character takes two, a combining mark none), into out; a
 * cut never splits a character.  Returns out.
 */
char	*cli_cell(char *out, size_t len, const char *s, int width);
/* An http_trace_fn: SOAP bodies at trace level, secrets redacted. */
void	 log_trace(void *, const char *what, const char *data, size_t len);

/* ---- clusters --------------------------------------------------------------- */

struct conn {
	const struct cluster_conf *conf;
	struct http_transport	*http;
	struct axl_client	*axl;
	struct ris_client	*ris;
	char			 release[64];
};

/*
 * Connects to a cluster: password from its source, transport, getCCMVersion
 * (fixing the schema version), no request past deadline_ms (the run's,
 * monotonic; 0: none).  Fills c; on failure the error names the cluster.
 * stats and clock may be NULL.
 */
int	 conn_open(struct conn *, const struct cluster_conf *,
	    struct axl_stats *, struct lsc_clock *, int64_t deadline_ms,
	    struct lsc_err *);
void	 conn_close(struct conn *);

/* "listPhone=3 executeSQLQuery=3 selectCmDevice=1 ..." */
void	 stats_format(const struct axl_stats *, char *, size_t);

/*
 * Runs /bin/sh -c cmd (password_command, the hook) in a process group of
 * its own, with none of our descriptors but 0, 1 and 2.  With buf, its
 * standard output is read until its first line (at most len bytes, *n of
 * them), the rest drained; without, it writes to ours.  0 when it ended
 * (*status from waitpid), 1 when it had not after timeout_s seconds (it
 * and its process group were killed), -1 when it could not run (errno).
 */
int	 cli_run_command(const char *cmd, int timeout_s, char *buf,
	    size_t len, size_t *n, int *status);

/* The current time, or LSCRENEW_NOW when set (tests); -1 when it is
 * malformed (error printed). */
int	 cli_now(int64_t *);

#endif
