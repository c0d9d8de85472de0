/*
 * svg.c — the two charts of the HTML page, as inline SVG: no script, no
 * external asset, readable printed.
 *
 *   svg#chart-forecast   one bar per month for the next 24 months
 *                        (rect.bar), after one for the LSCs already
 *                        expired (rect.bar.bar-expired); each with a
 *                        <title> and its count above it
 *   svg#chart-states     one stacked bar per device pool (g.pool), one
 *                        segment per state (rect.seg.s-<state>), scaled to
 *                        the largest pool, with a legend
 *
 * Geometry is in whole pixels, so the output does not depend on the
 * locale's decimal point; colours come from the page's CSS (classes).
 */
#include <string.h>

#include "reports/report_int.h"

#define FC_W		960
#define FC_H		300
#define FC_LEFT		48
#define FC_TOP		28
#define FC_PLOT_H	212
#define FC_SLOT		36
#define FC_BAR		26

#define ST_W		960
#define ST_LABEL	236
#define ST_BAR_W	640
#define ST_ROW		28
#define ST_BAR_H	18

static const char *const month_abbr[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	"Nov", "Dec"
};

/* A step of 1, 2 or 5 times a power of ten giving at most 5 ticks. */
static unsigned long
nice_step(unsigned long max)
{
	unsigned long mag = 1;

	for (;;) {
		if (max <= mag * 5)
			return mag;
		if (max <= mag * 10)
			return mag * 2;
		if (max <= mag * 25)
			return mag * 5;
		if (mag > (unsigned long)-1 / 100)
			return mag * 10;
		mag *= 10;
	}
}

int
report_svg_forecast(struct buf *b, const struct report_forecast *f)
{
	const struct report_fc_pool *t = &f->total;
	unsigned long max = t->expired, step, top, v;
	int x, h, y, base = FC_TOP + FC_PLOT_H;
	long m;

	for (int i = 0; i < FORECAST_MONTHS; i++)
		if (t->month[i] > max)
			max = t->month[i];
	step = nice_step(max > 0 ? max : 1);
	top = (max + step - 1) / step * step;
	if (top == 0)
		top = step;

	buf_printf(b, "<svg id=\"chart-forecast\" class=\"chart\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-labelledby=\"chart-forecast-title\" "
	    "xmlns=\"http://www.w3.org/2000/svg\">\n"
	    "<title id=\"chart-forecast-title\">LSC expiries per month, next "
	    "%d months, and LSCs already expired</title>\n", FC_W, FC_H,
	    FORECAST_MONTHS);

	/* grid and axis labels */
	for (v = 0; v <= top; v += step) {
		y = base - (int)(v * FC_PLOT_H / top);
		buf_printf(b, "<line class=\"grid\" x1=\"%d\" y1=\"%d\" "
		    "x2=\"%d\" y2=\"%d\"/>"
		    "<text class=\"tick\" x=\"%d\" y=\"%d\" "
		    "text-anchor=\"end\">%lu</text>\n", FC_LEFT, y,
		    FC_LEFT + FC_SLOT * (FORECAST_MONTHS + 1), y, FC_LEFT - 8,
		    y + 4, v);
	}

	for (int i = -1; i < FORECAST_MONTHS; i++) {
		char month[32];

		v = i < 0 ? t->expired : t->month[i];
		x = FC_LEFT + FC_SLOT * (i + 1) + (FC_SLOT - FC_BAR) / 2;
		h = (int)(v * FC_PLOT_H / top);
		if (v > 0 && h < 2)
			h = 2;
		m = f->first + (i < 0 ? 0 : i);
		clock_fmt(CLOCK_MONTH, "", clock_month_start(m), month,
		    sizeof(month));
		buf_printf(b, "<rect class=\"bar%s\" x=\"%d\" y=\"%d\" "
		    "width=\"%d\" height=\"%d\"><title>%s: %lu</title>"
		    "</rect>", i < 0 ? " bar-expired" : "", x, base - h,
		    FC_BAR, h, i < 0 ? "expired" : month, v);
		if (v > 0)
			buf_printf(b, "<text class=\"val\" x=\"%d\" y=\"%d\" "
			    "text-anchor=\"middle\">%lu</text>", x + FC_BAR / 2,
			    base - h - 5, v);
		if (i < 0)
			buf_printf(b, "<text class=\"xlab\" x=\"%d\" y=\"%d\" "
			    "text-anchor=\"middle\">expired</text>",
			    x + FC_BAR / 2, base + 18);
		else {
			long mon = ((m % 12) + 12) % 12;

			buf_printf(b, "<text class=\"xlab\" x=\"%d\" y=\"%d\" "
			    "text-anchor=\"middle\">%s</text>", x + FC_BAR / 2,
			    base + 18, month_abbr[mon]);
			if (i == 0 || mon == 0)
				buf_printf(b, "<text class=\"xyear\" x=\"%d\" "
				    "y=\"%d\" text-anchor=\"middle\">%.4s"
				    "</text>", x + FC_BAR / 2, base + 34,
				    month);
		}
		buf_puts(b, "\n");
	}
	buf_printf(b, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
	    "y2=\"%d\"/>\n</svg>\n", FC_LEFT, base,
	    FC_LEFT + FC_SLOT * (FORECAST_MONTHS + 1), base);
	return buf_failed(b) ? -1 : 0;
}

int
report_svg_states(struct buf *b, const struct report_group *g, size_t n,
    int clusters)
{
	unsigned long max = 0, present[PS__MAX] = { 0 }, cum;
	struct buf legend = BUF_INIT;
	int x, lx, ly, legend_h, h, y, x0, x1;

	for (size_t i = 0; i < n; i++) {
		if (g[i].phones > max)
			max = g[i].phones;
		for (int k = 0; k < PS__MAX; k++)
			present[k] += g[i].state[k];
	}

	/* the legend: one swatch per state present, wrapped; its height
	 * sizes the chart, so it is drawn aside first */
	lx = 0;
	ly = 0;
	for (int k = 0; k < PS__MAX; k++) {
		const char *name = phone_state_name((enum phone_state)k);
		int w = 30 + 8 * (int)strlen(name);

		if (present[k] == 0)
			continue;
		if (lx + w > ST_W) {
			lx = 0;
			ly += 22;
		}
		buf_printf(&legend, "<rect class=\"sw s-%s\" x=\"%d\" y=\"%d\" "
		    "width=\"12\" height=\"12\" rx=\"2\"/><text class=\"lg\" "
		    "x=\"%d\" y=\"%d\">%s</text>", name, lx, ly + 2, lx + 17,
		    ly + 12, name);
		lx += w;
	}
	legend_h = ly + 34;
	h = legend_h + (int)n * ST_ROW + 8;

	buf_printf(b, "<svg id=\"chart-states\" class=\"chart\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-labelledby=\"chart-states-title\" "
	    "xmlns=\"http://www.w3.org/2000/svg\">\n"
	    "<title id=\"chart-states-title\">Phones by state per device "
	    "pool</title>\n<g class=\"legend\">", ST_W, h);
	if (legend.len > 0)
		buf_append(b, legend.data, legend.len);
	b->failed |= legend.failed;	/* sticky, as if drawn in b */
	buf_free(&legend, 0);
	buf_puts(b, "</g>\n");

	for (size_t i = 0; i < n; i++) {
		y = legend_h + (int)i * ST_ROW;
		buf_puts(b, "<g class=\"pool\"><text class=\"plab\" ");
		buf_printf(b, "x=\"%d\" y=\"%d\" text-anchor=\"end\">",
		    ST_LABEL - 10, y + ST_BAR_H - 4);
		if (clusters > 1) {
			report_html_esc_cut(b, g[i].key.cluster, 12);
			buf_puts(b, "/");
		}
		report_html_esc_cut(b, g[i].key.pool, clusters > 1 ? 16 : 28);
		buf_puts(b, "</text>");
		cum = 0;
		for (int k = 0; k < PS__MAX; k++) {
			if (g[i].state[k] == 0)
				continue;
			x0 = ST_LABEL + (int)(cum * ST_BAR_W / max);
			cum += g[i].state[k];
			x1 = ST_LABEL + (int)(cum * ST_BAR_W / max);
			if (x1 - x0 < 1)
				x1 = x0 + 1;
			buf_printf(b, "<rect class=\"seg s-%s\" x=\"%d\" "
			    "y=\"%d\" width=\"%d\" height=\"%d\"><title>",
			    phone_state_name((enum phone_state)k), x0, y,
			    x1 - x0, ST_BAR_H);
			report_html_esc(b, g[i].key.pool);
			buf_printf(b, ": %s %lu</title></rect>",
			    phone_state_name((enum phone_state)k),
			    g[i].state[k]);
		}
		x = ST_LABEL + (int)(cum * ST_BAR_W / (max > 0 ? max : 1));
		buf_printf(b, "<text class=\"tot\" x=\"%d\" y=\"%d\">%lu"
		    "</text></g>\n", x + 8, y + ST_BAR_H - 4, g[i].phones);
	}
	buf_puts(b, "</svg>\n");
	return buf_failed(b) ? -1 : 0;
}
