"""Analysis of runs: intervals over replications (``stats``), comparisons of scenarios under
common random numbers (``compare``), sensitivity indices of sweeps (``sensitivity``) and plain
text tables (``textable``). Reads what the core and the running layer produce.
"""
