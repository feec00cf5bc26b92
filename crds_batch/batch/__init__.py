"""Archive-scale jobs as Dask graphs: affected datasets, context checks."""
