/*
 * run_out.h — what "run" and "plan" show: progress on a terminal, one line
 * per phone with -v (run) or always (plan), the summary cron mails, the
 * exit status, and what follows a run (metrics, report file, hook).
 */
#ifndef LSC_RUN_OUT_H
#define LSC_RUN_OUT_H

#include "cli/cli.h"
#include "jobs/engine.h"

struct run_out {
	struct cli	*cli;
	enum engine_mode mode;
	int		 all;		/* plan --all */
	int		 progress_shown;
	unsigned long	 seen;
	unsigned long	 state[PS__MAX];	/* phones of this run */
	unsigned long	 act[ACT__MAX];	/* by enum action */
	unsigned long	 write_errors;
	int		 header_done;
};

void	 run_out_init(struct run_out *, struct cli *, enum engine_mode, int all);
void	 run_out_observer(struct run_out *, struct engine_observer *);
/* Ends a progress line on the terminal, if one is showing. */
void	 run_out_progress_end(struct run_out *);
/* The exit status of a run (or plan) that did not fail. */
int	 run_out_status(const struct run_out *, const struct store_counts *);
/* The closing summary: quiet unless a person is needed. */
void	 run_out_summary(struct run_out *, const struct store_counts *,
	    int64_t run, int status, const struct lsc_err *failure,
	    struct store *);
/* Metrics file, report file and hook after a run. */
void	 run_after(struct cli *, const struct config *, struct store *,
	    int64_t run, const struct store_counts *, int status);

/*
 * Whether the state directory may be used: it exists and is writable by
 * no one else, and, with need_write, it is ours and writable.  Prints the
 * one line that says what to fix; returns 0 or EXIT_CONFIG.
 */
int	 cli_check_state_dir(const char *, int need_write);

#endif
