"""cogov_sim: an agent-based simulation of grassroots co-governance (after Fang 2024).

The headless core is :class:`~cogov_sim.model.CoGovModel` built from a
:class:`~cogov_sim.scenario.Scenario`; see docs/odd.md for the model and README.md for use.
"""

from cogov_sim.model import CoGovModel
from cogov_sim.scenario import Scenario, load_scenario, parameter_specs

__version__ = "0.1.0"
__all__ = ["CoGovModel", "Scenario", "load_scenario", "parameter_specs", "__version__"]
