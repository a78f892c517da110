/* sim/job_mpi.c - units across MPI ranks. Rank 0 owns the unit store and
 * the output; its main thread serves requests (the only thread that calls
 * MPI: MPI_THREAD_FUNNELED) while its worker threads simulate. Every other
 * rank loops: ask for a unit, simulate it day by day, send each day's slab.
 * A unit's result depends only on (scenario, seed, variant, replicate), so
 * the file is the one the threaded run writes, byte for byte. */
#include "sim/job_mpi.h"
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bidsim/alloc.h"
#include "sim/unitstore.h"
#include "sim/worker.h"
#include "sim/world.h"

enum { TAG_REQUEST = 1, TAG_ASSIGN = 2, TAG_DAY = 3, TAG_FAIL = 4, TAG_BYE = 5 };
#define NO_UNIT UINT32_MAX

/* MPI's own state says whether it is up: no flag of ours to keep in step */
static bool mpi_active(void) {
  int init = 0, done = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&done);
  return init && !done;
}

bool bidsim_mpi_init(int *argc, char ***argv) {
  /* started by a launcher? (mpirun sets OMPI_*, PMIx and Slurm set PMI*) */
  if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK") && !getenv("PMI_RANK")) return false;
  int provided = 0;
  return MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) == MPI_SUCCESS;
}

void bidsim_mpi_finalize(void) {
  if (mpi_active()) MPI_Finalize();
}

int bidsim_mpi_rank(void) {
  int r = 0;
  if (mpi_active()) MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int bidsim_mpi_size(void) {
  int n = 1;
  if (mpi_active()) MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

bool bidsim_mpi_agree(bool v) {
  if (!mpi_active()) return v;
  int x = v;
  MPI_Bcast(&x, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return x != 0;
}

static void nap_us(long us) {
  struct timespec t = { 0, us * 1000 };
  nanosleep(&t, NULL);
}

/* ---- rank 0 ---------------------------------------------------------------- */

/* A unit another rank is sending, day by day. */
typedef struct {
  bidsim_unit_file_t file;
  bool open;
} remote_unit_t;

static int serve(bidsim_job_t *job, const bidsim_scenario_t *sc, int size, bidsim_error_t *err) {
  const bidsim_output_meta_t *meta = bidsim_job_meta(job);
  const size_t words = bidsim_slab_words(meta->plans, meta->products, meta->slots);
  int64_t *buf = bidsim_malloc((words + 2) * sizeof *buf);
  remote_unit_t *remote = bidsim_calloc((size_t)size, sizeof *remote);
  bidsim_day_slab_t slab;
  int rc = bidsim_day_slab_init_slots(&slab, meta->plans, meta->products, meta->slots, err);
  if (!buf || !remote) rc = bidsim_error_set(err, BIDSIM_ENOMEM, "mpi", "out of memory");
  int finished = 1;   /* ranks that said goodbye; rank 0 itself */
  bidsim_unitstore_t *store = bidsim_job_store(job);
  while (rc == BIDSIM_OK && finished < size) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    if (!flag) {
      bidsim_job_status_t js;
      bidsim_job_status(job, &js);
      if (js.rc != BIDSIM_OK) { rc = js.rc; break; }
      bidsim_job_progress(job, false);
      /* idle: write the next finished unit to the result file */
      bool wrote = false;
      if ((rc = bidsim_job_assemble_step(job, &wrote, err))) break;
      if (!wrote) nap_us(200);
      continue;
    }
    int src = st.MPI_SOURCE;
    if (st.MPI_TAG == TAG_REQUEST) {
      MPI_Recv(NULL, 0, MPI_BYTE, src, TAG_REQUEST, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      uint32_t u = NO_UNIT;
      if (!bidsim_job_take(job, &u)) u = NO_UNIT;
      MPI_Send(&u, 1, MPI_UINT32_T, src, TAG_ASSIGN, MPI_COMM_WORLD);
    } else if (st.MPI_TAG == TAG_BYE) {
      /* after the rank's last day: messages from one rank arrive in order */
      MPI_Recv(NULL, 0, MPI_BYTE, src, TAG_BYE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      finished++;
    } else if (st.MPI_TAG == TAG_DAY) {
      /* [unit, day, impressions of the unit so far, slab words...] */
      MPI_Recv(buf, (int)(words + 3), MPI_INT64_T, src, TAG_DAY, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      uint32_t u = (uint32_t)buf[0], d = (uint32_t)buf[1];
      remote_unit_t *ru = &remote[src];
      if (d == 0 && (rc = bidsim_unitstore_begin(store, u, &ru->file, err))) break;
      ru->open = true;
      bidsim_slab_unpack(buf + 3, &slab);
      if ((rc = bidsim_unitstore_append(store, &ru->file, &slab, err))) break;
      if (d + 1 == sc->days) {
        ru->open = false;
        if ((rc = bidsim_unitstore_finish(store, &ru->file, err))) break;
        bidsim_job_unit_done(job, u, (uint64_t)buf[2]);
      }
    } else if (st.MPI_TAG == TAG_FAIL) {
      char msg[sizeof err->msg];
      MPI_Recv(msg, (int)sizeof msg, MPI_CHAR, src, TAG_FAIL, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      msg[sizeof msg - 1] = '\0';
      rc = bidsim_error_set(err, BIDSIM_EMPI, "mpi", "rank %d failed: %s", src, msg);
    } else {
      rc = bidsim_error_set(err, BIDSIM_EMPI, "mpi", "unexpected message tag %d from rank %d", st.MPI_TAG, src);
    }
  }
  for (int i = 0; i < size && remote; i++)
    if (remote[i].open) bidsim_unitstore_abandon(&remote[i].file);
  bidsim_day_slab_free(&slab);
  bidsim_free(remote);
  bidsim_free(buf);
  return rc;
}

/* ---- other ranks ------------------------------------------------------------- */

static void send_fail(const bidsim_error_t *e) {
  char msg[sizeof e->msg + sizeof e->where + 4];
  snprintf(msg, sizeof msg, "%s: %s", e->where, e->msg);
  MPI_Send(msg, (int)strlen(msg) + 1, MPI_CHAR, 0, TAG_FAIL, MPI_COMM_WORLD);
}

static int work(const bidsim_scenario_t *sc, const volatile sig_atomic_t *stop, bidsim_error_t *err) {
  bidsim_world_t *world = NULL;
  bidsim_worker_t *worker = NULL;
  bidsim_day_slab_t slab;
  memset(&slab, 0, sizeof slab);
  int64_t *buf = NULL;
  int rc = bidsim_world_create(sc, &world, err);
  bidsim_output_meta_t meta;
  if (rc == BIDSIM_OK) {
    bidsim_world_output_meta(world, sc->replicates, sc->days, &meta);
    rc = bidsim_worker_create(sc, world, stop, &worker, err);
  }
  if (rc == BIDSIM_OK) rc = bidsim_day_slab_init_slots(&slab, meta.plans, meta.products, meta.slots, err);
  size_t words = rc == BIDSIM_OK ? bidsim_slab_words(meta.plans, meta.products, meta.slots) : 0;
  if (rc == BIDSIM_OK && (buf = bidsim_malloc(2 * (words + 3) * sizeof *buf)) == NULL)
    rc = bidsim_error_set(err, BIDSIM_ENOMEM, "mpi", "out of memory");
  if (rc) { send_fail(err); goto out; }
  /* one assignment ahead and two day buffers in flight, so this rank keeps
   * simulating while rank 0 is busy writing the result file */
  uint32_t next = NO_UNIT;
  MPI_Request ask, sent[2] = { MPI_REQUEST_NULL, MPI_REQUEST_NULL };
  MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_REQUEST, MPI_COMM_WORLD);
  MPI_Irecv(&next, 1, MPI_UINT32_T, 0, TAG_ASSIGN, MPI_COMM_WORLD, &ask);
  int k = 0;
  for (;;) {
    MPI_Wait(&ask, MPI_STATUS_IGNORE);
    uint32_t u = next;
    if (u == NO_UNIT) break;
    MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_REQUEST, MPI_COMM_WORLD);
    MPI_Irecv(&next, 1, MPI_UINT32_T, 0, TAG_ASSIGN, MPI_COMM_WORLD, &ask);
    if ((rc = bidsim_worker_begin(worker, u, err))) { send_fail(err); break; }
    uint64_t before = bidsim_worker_impressions(worker);
    for (uint32_t d = 0; d < sc->days; d++) {
      if ((rc = bidsim_worker_run_day(worker, d, &slab, err))) break;
      MPI_Wait(&sent[k], MPI_STATUS_IGNORE);   /* this buffer's last message is out */
      int64_t *b = buf + (size_t)k * (words + 3);
      b[0] = u;
      b[1] = d;
      b[2] = (int64_t)(bidsim_worker_impressions(worker) - before);
      bidsim_slab_pack(&slab, b + 3);
      MPI_Isend(b, (int)(words + 3), MPI_INT64_T, 0, TAG_DAY, MPI_COMM_WORLD, &sent[k]);
      k ^= 1;
    }
    if (rc) { send_fail(err); break; }
  }
  MPI_Waitall(2, sent, MPI_STATUSES_IGNORE);
  if (rc == BIDSIM_OK) MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_BYE, MPI_COMM_WORLD);
out:
  bidsim_free(buf);
  bidsim_day_slab_free(&slab);
  bidsim_worker_free(worker);
  bidsim_world_free(world);
  return rc;
}

/* ---- entry ----------------------------------------------------------------- */

int bidsim_job_run_mpi(const bidsim_scenario_t *sc, const char *out_path, const bidsim_run_options_t *opt,
                       bidsim_run_summary_t *summary, bool *abort_all, bidsim_error_t *err) {
  if (summary) memset(summary, 0, sizeof *summary);
  *abort_all = false;
  const int rank = bidsim_mpi_rank(), size = bidsim_mpi_size();
  /* every rank must have loaded the same scenario: compare fingerprints */
  unsigned long long fp = bidsim_scenario_fingerprint(sc), lo = 0, hi = 0;
  MPI_Allreduce(&fp, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&fp, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
  if (lo != hi)
    return bidsim_error_set(err, BIDSIM_EMISMATCH, "mpi",
                            "the ranks loaded different scenarios (is the file the same on every node?)");
  int rc;
  if (rank != 0) {
    rc = work(sc, opt->stop, err);
  } else {
    bidsim_job_t *job = NULL;
    rc = bidsim_job_open(sc, out_path, opt, &job, err);
    if (rc) {
      /* tell the other ranks there is nothing to do, until each says goodbye */
      for (int finished = 1; finished < size;) {
        MPI_Status st;
        MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        if (st.MPI_TAG != TAG_REQUEST && st.MPI_TAG != TAG_BYE) {   /* a rank is mid-send: no clean way out */
          *abort_all = true;
          return rc;
        }
        MPI_Recv(NULL, 0, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (st.MPI_TAG == TAG_BYE) { finished++; continue; }
        uint32_t none = NO_UNIT;
        MPI_Send(&none, 1, MPI_UINT32_T, st.MPI_SOURCE, TAG_ASSIGN, MPI_COMM_WORLD);
      }
    } else {
      /* rank 0 simulates too: by default one thread, as every other rank */
      rc = bidsim_job_start(job, opt->threads ? opt->threads : 1, err);
      if (rc == BIDSIM_OK) rc = serve(job, sc, size, err);
      if (rc) {
        bidsim_job_fail(job, rc, err);
        bidsim_job_join(job);
        bidsim_job_result(job, summary, NULL);
        bidsim_job_close(job);
        /* a failed or interrupted run: the other ranks may be mid-send */
        *abort_all = true;
        return rc;
      }
      /* all ranks are done: wait for the local threads, then write */
      for (;;) {
        bidsim_job_status_t js;
        bidsim_job_status(job, &js);
        if (js.done == js.pending || js.rc != BIDSIM_OK) break;
        nap_us(2000);
      }
      rc = bidsim_job_finish(job, summary, err);
    }
  }
  /* every rank reports rank 0's outcome */
  int all = rc;
  MPI_Bcast(&all, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (rank != 0 && all != BIDSIM_OK && rc == BIDSIM_OK)
    rc = bidsim_error_set(err, all, "mpi", "rank 0 failed");
  return rank == 0 ? rc : all;
}
