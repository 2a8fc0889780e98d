"""The headless core: the model of a grassroots jurisdiction and nothing around it.

``parameters`` (the one table of every parameter), ``scenario`` (reading and checking scenario
files), ``rng`` (named random streams), ``networks``, ``population`` (residents as arrays),
``rules`` (the behaviour rules as small pure functions), ``institutions`` (the government,
enterprises and social organisations as Mesa agents), ``pilots``, ``outcomes`` (the one
definition of every outcome and their records) and ``model`` (:class:`CoGovModel`, whose step
reads as the theory). The core imports only numpy, scipy, networkx and Mesa: no I/O beyond
reading its own input files, no plotting, no dataframes.
"""

from cogov_sim.model.model import CoGovModel
from cogov_sim.model.parameters import parameter_specs
from cogov_sim.model.scenario import Scenario, load_scenario

__all__ = ["CoGovModel", "Scenario", "load_scenario", "parameter_specs"]
