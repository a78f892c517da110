/* sim/job_mpi.h - a run across MPI ranks (built with -DBIDSIM_MPI=ON).
 * Declared without mpi.h so that callers need not include it; compiled only
 * in the MPI build. */
#ifndef BIDSIM_SIM_JOB_MPI_H
#define BIDSIM_SIM_JOB_MPI_H
#include <stdbool.h>
#include "sim/job.h"

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
 *  day to rank 0. Rank 0 then assembles the same file the threaded run
 *  writes. Every rank returns the same status, except when rank 0 fails
 *  while other ranks may still be sending: then it returns its error with
 *  *abort_all set, and the caller, having reported it, must end every rank
 *  (MPI_Abort), since they cannot be told to stop cleanly. */
int  bidsim_job_run_mpi(const bidsim_scenario_t *sc, const char *out_path, const bidsim_run_options_t *opt,
                        bidsim_run_summary_t *summary, bool *abort_all, bidsim_error_t *err);

#endif
