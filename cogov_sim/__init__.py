"""cogov_sim: an agent-based simulation of grassroots co-governance (after Fang 2024).

The headless core (:mod:`cogov_sim.model`) is :class:`CoGovModel` built from a :class:`Scenario`;
around it stand running and experiments (:mod:`cogov_sim.experiments`), analysis
(:mod:`cogov_sim.analysis`), validation and verification (:mod:`cogov_sim.validation`),
presentation (:mod:`cogov_sim.present`) and the command line (:mod:`cogov_sim.cli`).
See docs/architecture.md for the layers, docs/odd.md for the model and README.md for use.
"""

from cogov_sim.model import CoGovModel, Scenario, load_scenario, parameter_specs

__version__ = "0.1.0"
__all__ = ["CoGovModel", "Scenario", "load_scenario", "parameter_specs", "__version__"]
