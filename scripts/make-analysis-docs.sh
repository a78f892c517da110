#!/usr/bin/env bash
# Regenerates docs/analysis.md and its figures (docs/figures/{pdd_baseline,
# bid_variants,double11_premium,cap_exhaustion,landscape}/) from
# scratch: runs the scenarios the page reads, then captures each analysis
# command's output and the figures it shows. The sentences that quote a
# number take it from the commands' CSV, so the page stays true when the
# model changes: rerun ./scripts/make-analysis-docs.sh (about a minute).
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory build >/dev/null
BIN=./build/bidsim
OUT=results
mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for s in pdd_baseline double11_premium cap_exhaustion landscape sweep_bids; do
  $BIN run "scenarios/$s.yaml" -o "$OUT/$s.h5" --quiet
done
# the run's own summary is part of the page
$BIN run scenarios/bid_variants.yaml -o "$OUT/bid_variants.h5" --progress none 2>/dev/null > "$tmp/summary"

# fig RESULT NAME FIGURE [plot options]: draw, keep the one figure the page shows
fig() {
  local h5=$1 name=$2 figure=$3
  shift 3
  $BIN plot "$h5" -o "$tmp/fig_$name" "$@" >/dev/null
  mkdir -p "docs/figures/$name"
  cp "$tmp/fig_$name/$figure.png" "docs/figures/$name/$figure.png"
}
for d in pdd_baseline bid_variants double11_premium cap_exhaustion bid_landscape landscape; do rm -rf "docs/figures/$d"; done
fig "$OUT/pdd_baseline.h5" pdd_baseline cumulative_spend
cp "$tmp/fig_pdd_baseline/hourly_exposures.png" "$tmp/fig_pdd_baseline/cap_hit_times.png" docs/figures/pdd_baseline/
fig "$OUT/bid_variants.h5" bid_variants roi_cpc
fig "$OUT/double11_premium.h5" double11_premium daily_trend --plan Festival
cp "$tmp/fig_double11_premium/paired_differences.png" docs/figures/double11_premium/
fig "$OUT/cap_exhaustion.h5" cap_exhaustion variants_spend --plan Aggressive
fig "$OUT/landscape.h5" landscape sweep --plan Kitchen

shown() {   # the arguments as typed: quoted where they hold a blank
  local out="" a
  for a in "$@"; do
    if [[ $a =~ [[:space:]] ]]; then out+=" '$a'"; else out+=" $a"; fi
  done
  printf '%s' "${out# }"
}
run() {   # a command and its output as a fenced block
  printf '```\n$ bidsim %s\n' "$(shown "$@")"
  $BIN "$@"
  printf '```\n'
}

# a sweep's variant names hold commas ("ordinary=0.50,shop=1.00,..."), which
# CSV quotes: a quoted field becomes q, so that awk -F, counts the columns
unquote() { sed -E 's/"[^"]*"/q/g'; }
# field COLUMN KEYCOLUMN KEY: from CSV on stdin, COLUMN of the row whose
# KEYCOLUMN is KEY (quoted fields are left out of the match by unquote)
field() {
  awk -F, -v col="$1" -v key="$2" -v val="$3" \
    'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $h[key] == val { print $h[col]; exit }'
}
num() { awk -v x="$1" -v d="${2:-2}" 'BEGIN { printf "%.*f", d, x }'; }
# sign LO HI WORDS...: the first word when the interval is above zero, the
# second when below, the third when it holds zero
sign() { awk -v lo="$1" -v hi="$2" -v a="$3" -v b="$4" -v c="$5" 'BEGIN { print ((lo > 0) ? a : (hi < 0) ? b : c) }'; }

# the numbers the prose quotes
d11=$($BIN compare "$OUT/double11_premium.h5" --baseline premium_10 --summary --days 2026-11-11 --format csv)
d11_all=$($BIN compare "$OUT/double11_premium.h5" --baseline premium_10 --summary --format csv)
p200_orders=$(field orders_diff variant premium_200 <<<"$d11")
p200_lo=$(field orders_ci_low variant premium_200 <<<"$d11")
p200_hi=$(field orders_ci_high variant premium_200 <<<"$d11")
p200_roi=$(field roi_diff variant premium_200 <<<"$d11_all")
p200_roi_lo=$(field roi_ci_low variant premium_200 <<<"$d11_all")
p200_roi_hi=$(field roi_ci_high variant premium_200 <<<"$d11_all")
burst=$(sign "$p200_lo" "$p200_hi" "more orders" "fewer orders" "no measurable change in orders")
window=$(sign "$p200_roi_lo" "$p200_roi_hi" "raises" "lowers" "does not measurably change")
p100_orders_all=$(field orders_diff variant premium_100 <<<"$d11_all")
p100_spend_all=$(field spend_yuan_diff variant premium_100 <<<"$d11_all")
pace=$($BIN report "$OUT/cap_exhaustion.h5" --plan Aggressive --format csv)
best=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
                { print $h["pacing_rmse"], $h["variant"] }' <<<"$pace" | sort -g | head -1)
most=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
                { print $h["orders"], $h["variant"] }' <<<"$pace" | sort -gr | head -1)
fixed_rmse=$(field pacing_rmse variant fixed <<<"$pace")
fixed_capped=$(field capped_share variant fixed <<<"$pace")
land=$($BIN report "$OUT/landscape.h5" --plan Kitchen --format csv | unquote)
first_bid=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
                     $h["exposures"] > 0 { print $h["plans[Kitchen].bids.ordinary"]; exit }' <<<"$land")
low_bid=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
                   { print $h["plans[Kitchen].bids.ordinary"]; exit }' <<<"$land")
if [ "$first_bid" = "$low_bid" ]; then
  cliff="The plan wins slots at every bid swept."
else
  cliff="The plan wins its first slots at a base bid of $(num "$first_bid") yuan; below that, none."
fi
# top VARIANT: the percentage of Kitchen's exposures in the top slot at that point
top() {
  $BIN report "$OUT/landscape.h5" --plan Kitchen --by slot --variant "$1" --format csv | unquote |
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
             { all += $h["exposures"]; if ($h["slot"] == 1) top = $h["exposures"] }
             END { printf "%.0f", (all > 0 ? 100 * top / all : 0) }'
}
bid_at() {   # the base bid of point $1 (from 0)
  awk -F, -v n="$1" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
                     NR == n + 2 { print $h["plans[Kitchen].bids.ordinary"]; exit }' <<<"$land"
}
points=$(($(wc -l <<<"$land") - 1))
mid=$((points / 2))
top_low=$(top 0)
top_mid=$(top "$mid")
top_high=$(top $((points - 1)))
slots=$(grep -E '^ *slots:' scenarios/landscape.yaml | head -1 | tr -dc '0-9')

{
cat <<'MD'
# Reading results: report, compare, plot

This page is written by `scripts/make-analysis-docs.sh`, which runs the
scenarios it reads and captures every command's output and figure; rerun
it to regenerate the page (results are bit-identical for the same build,
seed and scenario). Everything below is done with bidsim's commands alone:
no Python, no HDF5 code.

## Three questions, answered by commands

### Does a higher retargeting premium pay during Double 11?

`scenarios/double11_premium.yaml` runs one shop's festival plan from the
warm-up (Nov 8-10) through the burst (Nov 11) to the after-heat
(Nov 12-13), with four variants that change only the bid for the "shop"
segment - users who browsed or bought in this shop, the platform's
retargeting crowd - from the least premium the platform allows (+10%) to
+200%. All variants see the same users, so `compare` pairs them replicate
by replicate. First the burst day alone, one line per variant:

MD
run compare "$OUT/double11_premium.h5" --baseline premium_10 --summary --days 2026-11-11
cat <<MD

On the burst day the +200% premium brings ${burst} against +10%:
$(num "$p200_orders") a day, 95% interval $(num "$p200_lo") to $(num "$p200_hi"). The whole window:

MD
run compare "$OUT/double11_premium.h5" --baseline premium_10 --summary
cat <<MD

Over the six days +100% changes orders by $(num "$p100_orders_all") a day and spend by
$(num "$p100_spend_all") yuan; +200% ${window} ROI ($(num "$p200_roi"), interval $(num "$p200_roi_lo") to $(num "$p200_roi_hi")).
Where the money goes on the burst day, by segment (ordinary, shop =
retargeting, similar), for the two ends - and when the cap stops the plan
(\`cap hit\` in the day-by-day table below):

MD
run report "$OUT/double11_premium.h5" --by segment --days 2026-11-11 --variant premium_10
run report "$OUT/double11_premium.h5" --by segment --days 2026-11-11 --variant premium_200
cat <<'MD'

and day by day, one row per date:

MD
run report "$OUT/double11_premium.h5" --by day --variant premium_200 --stats spend_yuan,orders,roi,cap_hit_hour
cat <<'MD'

`bidsim plot results/double11_premium.h5 -o DIR --plan Festival` draws the
trend of every variant (one plan, so one line per variant):

![daily trend](figures/double11_premium/daily_trend.png)

and the paired differences against +10%, beside the intervals two
independent runs would give: where the grey interval crosses zero and the
paired one does not (starred), two separate reports would have said "no
difference" where the paired comparison finds one.

![paired differences](figures/double11_premium/paired_differences.png)

### Which pacing spends a tight cap evenly?

`scenarios/cap_exhaustion.yaml`: a plan whose 15,000-yuan cap binds by
mid-afternoon with fixed bids, and three pacing strategies on the same
traffic. One row per variant, with BAT's pacing evenness (0 = the day's
spend followed the traffic; definitions below) and the share of the day
the cap kept the plan out:

MD
run report "$OUT/cap_exhaustion.h5" --plan Aggressive --by variant --stats spend_yuan,orders,pacing_rmse,capped_share
cat <<MD

Fixed bids score $(num "$fixed_rmse" 3) and are capped $(num "$(awk -v x="$fixed_capped" 'BEGIN { print 100 * x }')" 1)% of the day; the most
even is ${best#* } ($(num "${best%% *}" 3)), and the most orders come with ${most#* } ($(num "${most%% *}") a
day): how evenly a cap is spent and what it buys are two columns to read
together. The paired differences against fixed bids:

MD
run compare "$OUT/cap_exhaustion.h5" --baseline fixed --summary --plan Aggressive --stats orders,spend_yuan,pacing_rmse
cat <<'MD'

`bidsim plot results/cap_exhaustion.h5 -o DIR --plan Aggressive`, every
variant's spend through the day against the cap:

![cumulative spend of every variant](figures/cap_exhaustion/variants_spend.png)

### What is my bid landscape?

`scenarios/landscape.yaml` sweeps the default shop's Kitchen plan's base
bid from 0.50 to 3.00 yuan in 51 steps; its segment bids are written as
the platform's premiums (shop +100%, similar +23%), so they move with the
base bid. It runs in the default market under the personalised auction
(docs/model.md). A sweep's report has one row per point, its swept values
as columns:

MD
run report "$OUT/landscape.h5" --plan Kitchen --stats exposures,clicks,spend_yuan,roi
cat <<MD

${cliff} \`bidsim plot\` draws the landscape with its intervals
(sweep.png):

![bid landscape](figures/landscape/sweep.png)

How often the plan is on top: \`--by slot\` splits exposures and clicks
by slot position (1 = the top of the ${slots}), here at the middle of the sweep,
a base bid of $(num "$(bid_at "$mid")") yuan:

MD
run report "$OUT/landscape.h5" --plan Kitchen --by slot --variant "$mid"
cat <<MD

Of the plan's exposures, ${top_low}% are in the top slot at $(num "$(bid_at 0)") yuan, ${top_mid}% at
$(num "$(bid_at "$mid")") and ${top_high}% at $(num "$(bid_at $((points - 1)))"); the CTR column shows what a lower slot costs in
clicks. \`compare --by slot --summary\` gives the paired differences per slot.

MD
cat <<'MD'
## How the numbers are made

`analysis/reptable.c` and `analysis/stats.c`: the same table and the same
estimators serve `bidsim report`, `bidsim compare`, the summary `bidsim run`
prints and `bidsim plot`'s intervals, so they never give two numbers for
one figure.

- A replicate is one independent realisation of the whole scenario (its own
  PCG stream). Days of a replicate share its market state and are not
  independent, so intervals are computed across replicates only.
- Counts and money (exposures, clicks, spend, orders, order value) are means
  per day: each replicate's total over the selected days, divided by the
  days, averaged over replicates, with the Student-t interval
  mean +- t(0.975, n-1) s / sqrt(n) (GSL's quantile).
- Ratios (CTR = clicks / exposures, CPC = spend / clicks, CVR = orders /
  clicks, ROI = order value / spend, CPA = spend / orders, the cap-hit time
  = hit seconds / days hit, pacing evenness = the days' RMSE / days with
  spend) are ratios of means: R = mean(num) / mean(den), which is the
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

Why the ratio of means, and not the mean of each replicate's own ratio:

1. It estimates the figure the platform's reports show and a shop means:
   ROI over any period is total order value over total spend, and over many
   periods that tends to E[order value] / E[spend], the ratio of means. The
   mean of per-replicate ratios estimates E[order value / spend], a
   different number whenever spend varies (Jensen's inequality), and one
   that changes with the length of a replicate.
2. It is defined when some replicates have no denominator. A replicate in
   which a plan spent nothing has no ROI of its own; leaving it out, as the
   mean of ratios must, averages only the replicates that happened to spend
   and biases the figure. In the ratio of means it adds nothing to either
   total and still counts.
3. It adds up: a shop's ROI is its plans' total order value over their
   total spend, the spend-weighted mean of the plans' ROIs, and a day's
   ratio is the same weighted mean of its hours'.
4. Its interval is the standard one for a ratio estimator (the
   delta-method or Taylor-linearisation variance of survey sampling), and
   linearisation makes the paired comparison the same computation as the
   plain one. The ratio estimator's bias is of order 1/n, far inside the
   interval (of order 1/sqrt(n)) for the replicate counts bidsim runs.

When the numerator is zero in every replicate (no order at all in a thin
hour), the ratio is 0 with an interval of zero width, since there is no
spread to measure; read such a row as "none in n replicates", not as a
certainty.

### The metrics strategies are compared by

- **Pacing evenness** (`pacing_rmse`), after the budget-pacing metric of
  BAT, the Benchmark for Auto-bidding Task (Khirianova et al., WWW 2025,
  arXiv:2505.08485; code at github.com/avito-tech/bat-autobidding-benchmark),
  which scores a campaign by the root mean square error between its spend
  and the spend that would follow the traffic (the benchmark's code sets
  each hour's spend against the budget times that hour's share of the
  traffic, in units of the budget per hour). bidsim takes it, as issue 14
  asks, per plan and day on cumulative shares: with S_h the share of the day's spend spent
  by the end of hour h and T_h the share of the day's impressions arrived
  by then (`/traffic/impressions`),
  pacing RMSE = sqrt( (1/24) sum_{h=0..23} (S_h - T_h)^2 ).
  0 means the spend followed the traffic hour by hour; spending the whole
  day in its first hour of even traffic scores 0.559. Shares of the day's
  own spend, not of the cap, keep evenness apart from delivery (how much
  of the cap a plan spends is its spend column), and cumulative shares
  weigh an early rush by how long it leaves the plan ahead of the traffic.
  Days without spend have nothing to pace and do not count; the figure is
  the mean over the days with spend, a ratio of means with its interval.
  Per plan and per shop (a shop's summed spend), with no cut or by day.
- **CPA score** (`cpa_score`), the score of AuctionNet (Su et al., NeurIPS
  2024 Datasets and Benchmarks, arXiv:2412.10798) for a CPA-constrained
  advertiser: each day, orders x min(1, (target CPA / CPA)^2) with CPA =
  spend / orders, so a plan that keeps its target keeps every order and one
  that overshoots it by 10% keeps 83% of them. A mean per day, for plans
  that bid with the `target_cpa` strategy; the target is read per variant
  from the scenario stored in the file (a variant's change, a sweep point's
  value). A plan that bids through a strategy plugin has none: report
  reads the scenario without loading any plugin (a plugin is code, and
  reading a result must not run it).
- **Share of the day capped** (`capped_share`): the time from the moment
  the daily cap stopped the plan to midnight, over 24 hours, a mean per
  day; with `cap_hit_hour` (when) and `cap_hit_share` (on how many days).
- `compare` pairs every one of them as it pairs the rest.

`tests/analysis/test_calibration.c` checks the intervals against known
truths (coverage of 95% intervals within 93-97% over 1,000 groups);
`tests/analysis/test_field_metrics.c` and `test_report.c` check every
figure by hand on a synthetic file; `tests/analysis/check_report.py`
recomputes every CSV and JSON figure, cut, filter and sweep column from the
datasets of real runs, and `check_plot.py` holds the figures' intervals to
compare's.

## `bidsim report`

The default view: per listed plan, every figure with its interval.

MD
run report "$OUT/pdd_baseline.h5" --plan Kitchen
cat <<'MD'

Cuts (`--by`): a grouping (`shop`, `plan`, `product`) and/or one of `hour`,
`day`, `segment` or `slot`, or `variant` (a row per variant). Filters:
`--plan NAME` (repeatable; `SHOP/PLAN` when two shops have one; a generated
competitor's name works too), `--shop NAME`, `--days FIRST:LAST` (dates or
indices, either side may be left out). `--stats` picks a table's columns.
A shop summary for a range of days:

MD
run report "$OUT/pdd_baseline.h5" --by shop --days 2026-11-18:2026-11-20
cat <<'MD'

A plan x day table:

MD
run report "$OUT/pdd_baseline.h5" --by day --plan "Evening push"
cat <<'MD'

By hour (`--hourly` is `--by hour`):

MD
run report "$OUT/pdd_baseline.h5" --by shop,hour --stats exposures,spend_yuan,cpc_yuan,roi
cat <<'MD'

Per product (a plan shows, in each category's auctions, the first of its
products in that category, so some listed products are never shown):

MD
run report "$OUT/pdd_baseline.h5" --by product --plan Kitchen --stats exposures,clicks,spend_yuan,orders,roi
cat <<'MD'

### Sweeps

In a sweep's file each variant carries its swept values (the file's
`/variant/sweep_key` and `sweep_value`): the table's rows are the
points, with a column per swept key, and CSV and JSON have a field per key
path. `scenarios/sweep_bids.yaml` sweeps the Kitchen bid and the Home
bestsellers cap:

MD
run report "$OUT/sweep_bids.h5" --plan "Home bestsellers" --stats spend_yuan,orders,roi,capped_share
printf '```\n$ bidsim report %s --plan Kitchen --format csv | cut -d, -f1-6 | head -4\n' "$OUT/sweep_bids.h5"
$BIN report "$OUT/sweep_bids.h5" --plan Kitchen --format csv | cut -d, -f1-6 | head -4
printf '```\n'
cat <<'MD'

### CSV and JSON

`--format csv` writes a header row and one row per plan (or per plan and
cell of the cut); `--format json` an array with one object per row. Key
names are stable: for each figure `KEY`, `KEY_ci_low`, `KEY_ci_high`,
`KEY_n`.

MD
printf '```\n$ bidsim report %s --format csv | cut -c1-160\n' "$OUT/pdd_baseline.h5"
$BIN report "$OUT/pdd_baseline.h5" --format csv | cut -c1-160
printf '```\n'
cat <<'MD'

## What `bidsim run` prints

After writing the result, `run` prints each listed plan's means per day,
one table per variant, with the report's estimators. A sweep whose
variants x plans exceed 40 rows shows its first point and the commands for
the others.

MD
printf '```\n$ bidsim run scenarios/bid_variants.yaml -o %s/bid_variants.h5\n' "$OUT"
cat "$tmp/summary"
printf '```\n'
cat <<'MD'

## `bidsim compare`

Paired differences B - A, every figure, for one plan: a 20% higher Kitchen
bid (`scenarios/bid_variants.yaml`):

MD
run compare "$OUT/bid_variants.h5" --baseline current --variant kitchen_plus_20pct --plan Kitchen
cat <<'MD'

`--summary` puts one line per (variant, plan) with the differences in
orders, spend and ROI (by slot: exposures, clicks and CTR; or `--stats`);
the filters and cuts are report's:

MD
run compare "$OUT/bid_variants.h5" --baseline current --summary
cat <<'MD'

## `bidsim plot`

`bidsim plot OUT.h5 -o DIR [--variant V] [--baseline A] [--plan NAME]...
[--shop NAME] [--days F:L]` writes the figures the file has: per variant
through the day `cumulative_spend.png`, `hourly_exposures.png`,
`cap_hit_times.png`; `roi_cpc.png`; with variants `variants_spend.png` and
`paired_differences.png`; over several days `daily_trend.png`; for a sweep
`sweep.png` (examples above). Chinese plan and product names render with
Debian's fonts-noto-cjk (`make deps`). Legends move beside the axes beyond
six entries and give way to a colour bar beyond 24.

Cumulative spend through the day per plan, mean and 5-95% band over
(replicate, day), with the cap (`pdd_baseline.yaml`):

![cumulative spend](figures/pdd_baseline/cumulative_spend.png)

Hourly share of impressions against the scenario's diurnal curve, and each
plan's share of its own exposures:

![hourly exposures](figures/pdd_baseline/hourly_exposures.png)

When each cap was reached:

![cap hit times](figures/pdd_baseline/cap_hit_times.png)

ROI and CPC per plan and variant (`bid_variants.yaml`): ratios of the
totals over replicates with their 95% delta-method intervals:

![roi and cpc](figures/bid_variants/roi_cpc.png)

## Errors

A file that is not a bidsim result, is from another format version (an
older one: rerun the scenario to rewrite it), or is truncated gives one
line on stderr and exit status 2, and so does an
unknown plan, shop, day, variant or statistic, or a cut the file has no
data for. So does a file whose counters no run writes, so that no figure is
ever computed from an overflowed sum: a negative value, or a unit's values
summing past INT64_MAX (what NaN, infinities or huge floats in a crafted
file become when read as counts; `plot` refuses any dataset that is not
integers). And `plot` refuses a file whose arrays would need more than
4 GiB of memory. `tests/analysis/test_crafted.sh` holds each case.

MD
printf '```\n$ head -c 4000 %s/pdd_baseline.h5 > /tmp/truncated.h5; bidsim report /tmp/truncated.h5\n' "$OUT"
head -c 4000 "$OUT/pdd_baseline.h5" > "$tmp/truncated.h5"
rc=0
$BIN report "$tmp/truncated.h5" > "$tmp/err" 2>&1 || rc=$?
sed "s|$tmp|/tmp|" "$tmp/err"
echo "(exit status $rc)"
printf '```\n\n```\n$ bidsim report %s/pdd_baseline.h5 --by product,slot\n' "$OUT"
rc=0
$BIN report "$OUT/pdd_baseline.h5" --by product,slot 2>&1 || rc=$?
echo "(exit status $rc)"
printf '```\n'
} > docs/analysis.md.tmp
mv docs/analysis.md.tmp docs/analysis.md
echo "wrote docs/analysis.md and its figures"
