"""CRDS rules: mapping files as immutable objects, and how they select references.

Pure: no Dask, no network, no printing.
"""
