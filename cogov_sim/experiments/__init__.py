"""Running the model: one run to a folder of results (``runner``), experiment designs
(``design``), where runs execute (``executors``: this process, a local pool, a Dask cluster) and
sweeps streamed to a Parquet dataset (``sweep``). Imports the core; never re-states a rule.
"""
