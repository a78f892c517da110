#!/usr/bin/env bash
# Regenerates docs/analysis.md and docs/figures/ from scratch: runs the
# default scenario and the variants scenario, then captures each analysis
# command's output and figures. Anyone can rerun it: ./scripts/make-analysis-docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory build >/dev/null
BIN=./build/bidsim
mkdir -p results docs/figures
$BIN run scenarios/pdd_baseline.yaml -o results/pdd_baseline.h5 --quiet
# the run's own summary is part of the page
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
$BIN run scenarios/bid_variants.yaml -o results/bid_variants.h5 --progress none 2>/dev/null > "$summary"
rm -f docs/figures/*.png
$BIN plot results/pdd_baseline.h5 -o docs/figures/pdd_baseline >/dev/null
$BIN plot results/bid_variants.h5 -o docs/figures/bid_variants >/dev/null

run() {   # a command and its output as a fenced block
  printf '```\n$ bidsim %s\n' "$*"
  $BIN "$@"
  printf '```\n'
}

{
cat <<'MD'
# Reading results: report, compare, plot

Every figure on this page was produced by `scripts/make-analysis-docs.sh`
from `scenarios/pdd_baseline.yaml` (the default scenario: one home-goods
shop, three plans, 1,200 competitors, 7 days, 8 replicates) and
`scenarios/bid_variants.yaml` (the same shop, 3 days, 16 replicates, four
variants). Rerun the script to regenerate it; results are bit-identical for
the same build, seed and scenario.

How the numbers are made (`analysis/reptable.c`, `analysis/stats.c`). The
same table and the same estimators serve `bidsim report`, `bidsim compare`,
the summary `bidsim run` prints and the ROI/CPC figure of `bidsim plot`, so
they never give two numbers for one figure.

- A replicate is one independent realisation of the whole scenario (its own
  PCG stream). Days of a replicate share its market state and are not
  independent, so intervals are computed across replicates only.
- Counts and money (exposures, clicks, spend, orders, order value) are means
  per day: each replicate's total over the selected days, divided by the
  days, averaged over replicates, with the Student-t interval
  mean +- t(0.975, n-1) s / sqrt(n) (GSL's quantile).
- Ratios (CTR = clicks / exposures, CPC = spend / clicks, CVR = orders /
  clicks, ROI = order value / spend, and the cap-hit time = hit seconds /
  days hit) are ratios of means: R = mean(num) / mean(den), which is the
  total numerator over the total denominator of all replicates. The
  interval is the delta method's, computed through per-replicate
  linearisation: the pseudo-values y_r = R + (num_r - R den_r) / mean(den)
  have mean exactly R, and their Student-t interval is the delta-method
  interval with n - 1 degrees of freedom. `compare` pairs the pseudo-values
  of two variants replicate by replicate: their differences have mean
  exactly R_B - R_A, and their t interval is the paired delta-method
  interval.
- A ratio is undefined (shown as "-", `_n` = 0) only when its denominator
  is zero in every replicate; `_n` in CSV and JSON is the number of
  replicates used.

Why the ratio of means, and not the mean of each replicate's own ratio
(which `report` used to print: on one file it gave ROI 1.635 where `run`'s
summary, total over total, gave 1.644):

1. It estimates the figure the platform's reports show and a shop means:
   ROI over any period is total order value over total spend, and over many
   periods that tends to E[order value] / E[spend], the ratio of means. The
   mean of per-replicate ratios estimates E[order value / spend], a
   different number whenever spend varies (Jensen's inequality), and one
   that changes with the length of a replicate: the same market cut into
   1-day or 7-day replicates would have two "ROIs".
2. It is defined when some replicates have no denominator. A replicate in
   which a plan spent nothing (outbid all day, paused, published late) has
   no ROI of its own; leaving it out, as the mean of ratios must, averages
   only the replicates that happened to spend and biases the figure. In the
   ratio of means it adds nothing to either total and still counts.
3. It adds up: a shop's ROI is its plans' total order value over their
   total spend, the spend-weighted mean of the plans' ROIs, and a day's
   ratio is the same weighted mean of its hours'.
4. Its interval is the standard one for a ratio estimator (the
   delta-method or Taylor-linearisation variance of survey sampling), and
   linearisation makes the paired comparison the same computation as the
   plain one. The ratio estimator's bias is of order 1/n, far inside the
   interval (of order 1/sqrt(n)) for the replicate counts bidsim runs.

One limit to keep in mind: when the numerator is zero in every replicate
(no order at all in a thin hour), the ratio is 0 with an interval of zero
width, since there is no spread to measure; read such a row as "none in n
replicates", not as a certainty.

`tests/analysis/test_calibration.c` checks the intervals against known
truths: 10,000 replicates of a plan alone in one slot are cut into 1,000
groups of 10, and the share of the groups' 95% intervals that cover the
true exposures, clicks, spend, CTR (0.05) and ROI (20) must lie in 93-97%
(the binomial sd of that share is 0.69 points). ROI there rests on about
one order per replicate, the hard case for a linearised interval; it
covers 94%. `tests/analysis/test_report.c` checks every figure by hand on a
synthetic file with a replicate that spends nothing, and
`tests/analysis/check_report.py` recomputes every CSV and JSON figure from
the datasets.

## `bidsim report`: per plan (the default view)

MD
run report results/pdd_baseline.h5
cat <<'MD'

"Home bestsellers" and "Kitchen" spend the morning behind competitors with
higher bids and win slots as those exhaust their caps during the day (see
the cumulative spend figure below). "Evening push" is published at 18:00 on
day 0; from day 1 on it competes from midnight, when traffic is thin and its
bid is among the highest, and reaches its 150-yuan cap around 05:00: its
name promises an evening push that only a time-of-day schedule (a bid
strategy, issue 4) would deliver.

## Shop summary for one date

MD
run report results/pdd_baseline.h5 --by shop --day 2026-11-18
cat <<'MD'

## Per product

A plan shows, in each category's auctions, the first of its products in
that category, so some listed products are never shown:

MD
run report results/pdd_baseline.h5 --by product
cat <<'MD'

## By hour (first block)

MD
printf '```\n$ bidsim report results/pdd_baseline.h5 --hourly --by shop\n'
$BIN report results/pdd_baseline.h5 --hourly --by shop
printf '```\n'
cat <<'MD'

## CSV and JSON

`--format csv` writes a header row and one row per plan (or per plan and
hour); `--format json` an array with one object per row. Key names are
stable: for each metric `KEY`, `KEY_ci_low`, `KEY_ci_high`, `KEY_n`.

MD
printf '```\n$ bidsim report results/pdd_baseline.h5 --format csv | cut -c1-160\n'
$BIN report results/pdd_baseline.h5 --format csv | cut -c1-160
printf '```\n\n```\n$ bidsim report results/pdd_baseline.h5 --by shop --format json\n'
$BIN report results/pdd_baseline.h5 --by shop --format json
printf '```\n'
cat <<'MD'

## What `bidsim run` prints

After writing the result, `run` prints each listed plan's means per day,
one table per variant, with the report's estimators (so ROI is the total
order value over the total spend). A sweep whose variants x plans exceed 40
rows shows its first point and the commands for the others.

MD
printf '```\n$ bidsim run scenarios/bid_variants.yaml -o results/bid_variants.h5\n'
cat "$summary"
printf '```\n'
cat <<'MD'

## `bidsim compare`: a 20% higher Kitchen bid

MD
run compare results/bid_variants.h5 --baseline current --variant kitchen_plus_20pct
cat <<'MD'

The Kitchen plan's bid change moves nothing in the home category: the
other two plans' differences are exactly zero, because they saw the same
users making the same choices. Kitchen buys about 40% more exposures at a
higher CPC, and its ROI falls.

MD
run compare results/bid_variants.h5 --baseline current --variant home_cap_500 --by shop
cat <<'MD'

## `bidsim plot`

`bidsim plot OUT.h5 -o DIR` writes four PNG files (drawn by
`analysis/plot.py` with Debian's python3-matplotlib).

Cumulative spend through the day per plan, mean and 5-95% band over
(replicate, day), with the cap:

![cumulative spend](figures/pdd_baseline/cumulative_spend.png)

Hourly share of impressions against the scenario's diurnal curve, and each
plan's share of its own exposures:

![hourly exposures](figures/pdd_baseline/hourly_exposures.png)

When each cap was reached:

![cap hit times](figures/pdd_baseline/cap_hit_times.png)

ROI and CPC per plan and variant (bid_variants.yaml): ratios of the totals
over replicates with their 95% delta-method intervals, as `report` gives them:

![roi and cpc](figures/bid_variants/roi_cpc.png)

## Errors

A file that is not a bidsim result, is from a newer format version, or is
truncated gives one line on stderr and exit status 2. So does a file whose
counters no run writes, so that no figure is ever computed from an
overflowed sum: a negative value, or a unit's values summing past
INT64_MAX (what NaN, infinities or huge floats in a crafted file become
when read as counts; `plot` refuses any dataset that is not integers). And
`plot` refuses a file whose arrays would need more than 4 GiB of memory.
`tests/analysis/test_crafted.sh` holds each case.

MD
printf '```\n$ head -c 4000 results/pdd_baseline.h5 > /tmp/truncated.h5; bidsim report /tmp/truncated.h5\n'
head -c 4000 results/pdd_baseline.h5 > /tmp/truncated.h5
$BIN report /tmp/truncated.h5 2>&1 || echo "(exit status $?)"
printf '```\n'
} > docs/analysis.md.tmp
mv docs/analysis.md.tmp docs/analysis.md
echo "wrote docs/analysis.md and docs/figures/"
