/* tests/tools/output_table.c - prints the result file's table
 * (sim/output_table.c) as the markdown tables of docs/output-format.md, so
 * that tests/docs/check_output_format.py can check the page against the
 * table the writer and the reader loop over (and rewrite it with --update). */
#include <stdio.h>
#include <string.h>
#include "sim/output_table.h"

static void dims(int id) {
  printf("(");
  for (int i = 0; i < output_rank(id); i++) printf("%s%s", i ? ", " : "", output_dim_info[output_datasets[id].dims[i]].name);
  printf(")");
}

int main(void) {
  printf("| dimension | coordinate | read from | labels |\n|---|---|---|---|\n");
  for (int k = 0; k < DIM_COUNT; k++)
    printf("| `%s` | %s | `/%s/%s` | %s |\n", output_dim_info[k].name, output_dim_info[k].text ? "text" : "uint32",
           output_dim_info[k].home, output_dim_info[k].name, output_dim_info[k].description);
  printf("\n| group | dataset | dimensions | type | units | description |\n|---|---|---|---|---|---|\n");
  for (int id = 0; id < OUT_COUNT; id++) {
    const output_dataset_t *d = &output_datasets[id];
    printf("| `%s` | `%s` | ", d->group, d->name);
    dims(id);
    printf(" | %s%s | %s | %s", output_type_name(d->type), d->money ? " (li)" : "",
           d->money ? "yuan (scale_factor 0.001)" : d->units ? d->units : "", d->description);
    if (d->has_fill) printf(" (the _FillValue)");
    printf(" |\n");
  }
  return 0;
}
