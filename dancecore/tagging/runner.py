"""Many files: one process per core (classification is CPU-bound), a progress bar with ETA, outcomes
in input order. Ctrl-C stops handing out files and lets the ones in progress finish (each write is
atomic; in a single process the file in progress is dropped before its rename)."""
from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from tqdm import tqdm

from dancecore.tagging import worker
from dancecore.tagging.job import JobOptions, Outcome


def run(files: list[Path], options: JobOptions, workers: int, model_path: str | None = None,
        cache_dir: str | None = None, classifier: Any = None,
        report: Callable[[Outcome], None] = lambda outcome: None) -> tuple[list[Outcome], bool]:
    """Process `files` with `workers` processes (1: in this process, with `classifier` when given).

    model_path / cache_dir: what the workers classify with (see dancecore.tagging.worker);
    `report` is called with each outcome as it arrives (print through tqdm.write to keep the bar whole).
    Returns the outcomes of the files done, in input order, and whether Ctrl-C stopped the run.
    """
    outcomes: list[Outcome | None] = [None] * len(files)
    bar = tqdm(total=len(files), unit="file", desc="checking" if options.dry_run else "tagging",
               file=sys.stderr, disable=len(files) < 2, dynamic_ncols=True)
    interrupted = False
    try:
        if workers <= 1 or len(files) <= 1:
            worker.init(model_path, cache_dir, classifier)
            for i, path in enumerate(files):
                outcomes[i] = _done(worker.run(path, options), bar, report)
        else:
            with ProcessPoolExecutor(min(workers, len(files)), mp_context=get_context("spawn"),
                                     initializer=worker.init_worker, initargs=(model_path, cache_dir)) as pool:
                jobs: dict[Future, int] = {pool.submit(worker.run, path, options): i for i, path in enumerate(files)}
                try:
                    for job in as_completed(jobs):
                        outcomes[jobs[job]] = _done(job.result(), bar, report)
                except KeyboardInterrupt:
                    interrupted = True
                    pool.shutdown(wait=True, cancel_futures=True)
                    for job, i in jobs.items():
                        if outcomes[i] is None and job.done() and not job.cancelled() and job.exception() is None:
                            outcomes[i] = _done(job.result(), bar, report)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    return [o for o in outcomes if o is not None], interrupted


def _done(outcome: Outcome, bar: tqdm, report: Callable[[Outcome], None]) -> Outcome:
    report(outcome)
    bar.update()
    return outcome
