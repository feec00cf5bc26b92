"""Build the demo cache and archive, then run affected datasets on it."""
from __future__ import annotations

import os
from collections.abc import Callable

from ..batch.affected import run_affected
from ..batch.cluster import ClusterOptions
from ..batch.plan import AffectedRequest
from ..batch.results import AffectedResult
from ..settings import environment
from .rules import DEMO_NEW_CONTEXT, DEMO_OLD_CONTEXT, write_demo_cache


def demo_environment(cache: str):
    """Point CRDS_PATH at the demo cache for the run (workers started inside inherit it)."""
    return environment({"CRDS_PATH": cache, "CRDS_CONTEXT": None})


#: Default share of generated datasets given a deliberate fault (an invalid value, or a date before the
#: first rule), so that the demo also shows how errors are reported.
DEMO_INVALID_FRACTION = 0.01


def run_demo(workdir: str, datasets: int = 200_000, cluster: ClusterOptions | None = None, *, seed: int = 0,
             invalid_fraction: float = DEMO_INVALID_FRACTION,
             log: Callable[[str], None] = lambda message: None,
             progress: Callable[[int, int], None] | None = None) -> AffectedResult:
    """Write the demo rules and a generated archive under ``workdir``, then find the affected datasets.

    ``invalid_fraction`` of the datasets get a deliberate invalid value and as
    many a date before the first rule (0: a clean archive, no errors).
    Results (Parquet changes, counts, summary) are written to ``workdir/results``.
    """
    from ..store import ingest
    from ..synth import generate, write_save

    cache = write_demo_cache(os.path.join(workdir, "cache"))
    with demo_environment(cache):
        save = os.path.join(workdir, "demo_archive.json")
        count = write_save(generate(DEMO_OLD_CONTEXT, datasets, seed=seed, invalid_fraction=invalid_fraction,
                                          early_fraction=invalid_fraction), save)
        log(f"Generated {count:,} CAMERA datasets from {DEMO_OLD_CONTEXT} into {save}")
        store_dir = os.path.join(workdir, "store")
        report = ingest([save], store_dir, replace=True)
        log(f"Ingested {report.datasets if hasattr(report, 'datasets') else count:,} datasets into the store {store_dir}")
        from ..store import Store

        request = AffectedRequest(DEMO_OLD_CONTEXT, DEMO_NEW_CONTEXT)
        result = run_affected(request, Store(store_dir), cluster, log=log, progress=progress)
    result.write(os.path.join(workdir, "results"))
    return result
