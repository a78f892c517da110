/* sim/scenario_date.c - the days of a run: civil dates from the start date
 * and their labels (proleptic Gregorian, no time zones), and the calendar
 * phase in force on a day. */
#include <stdio.h>
#include "sim/scenario_internal.h"

int64_t bidsim__days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bidsim_date_t bidsim__civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  bidsim_date_t r;
  r.day = (int)(doy - (153 * mp + 2) / 5 + 1);
  r.month = (int)(mp < 10 ? mp + 3 : mp - 9);
  r.year = (int)(yoe + era * 400 + (r.month <= 2));
  return r;
}

void bidsim_scenario_day_label(const bidsim_scenario_t *sc, uint32_t day, char buf[16]) {
  bidsim_date_t d = bidsim__civil_from_days(bidsim__days_from_civil(sc->start_date.year, sc->start_date.month, sc->start_date.day) + day);
  snprintf(buf, 16, "%04d-%02d-%02d", d.year % 10000, d.month % 100, d.day % 100);
}

const bidsim_sc_phase_t *bidsim_scenario_phase(const bidsim_scenario_t *sc, uint32_t day) {
  for (uint32_t i = 0; i < sc->phase_count; i++)
    if (day >= sc->phases[i].first_day && day <= sc->phases[i].last_day) return &sc->phases[i];
  return NULL;
}
