/* sim/mpi_driver.h - `bidsim run` across MPI ranks (built with
 * -DBIDSIM_MPI=ON). Declared without mpi.h so that callers need not
 * include it; compiled only in the MPI build. */
#ifndef BIDSIM_SIM_MPI_DRIVER_H
#define BIDSIM_SIM_MPI_DRIVER_H
#include <stdbool.h>
#include "sim/driver.h"

/** @brief Initialise MPI when the process was started by mpirun (or srun);
 *  returns true if it did. Safe to call once, before anything else. */
bool bidsim_mpi_init(int *argc, char ***argv);
void bidsim_mpi_finalize(void);
/** @brief Rank and size of MPI_COMM_WORLD (0 and 1 when MPI is not active). */
int  bidsim_mpi_rank(void);
int  bidsim_mpi_size(void);
/** @brief Rank 0's value of @p v, on every rank. */
bool bidsim_mpi_agree(bool v);

/** @brief The run across all ranks: rank 0 keeps the unit store, hands out
 *  units on request (dynamic load balancing) and simulates with its own
 *  threads too; other ranks simulate the units they are given and send each
 *  day to rank 0. Rank 0 then assembles the same file the threaded driver
 *  writes. Every rank returns the same status. */
int  bidsim_mpi_run(const bidsim_scenario_t *sc, const char *out_path, const bidsim_run_options_t *opt,
                    bidsim_run_summary_t *summary, bidsim_error_t *err);

#endif
