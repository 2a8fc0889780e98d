"""Validation and verification: the docking cases (``docking``) checked against published models
(``checks``, with ``cogov_sim/data/published.toml``), the whole model against observed patterns
(``patterns``), and the per-agent Mesa reference of the resident rules used to verify the
vectorised core (``reference``).
"""
