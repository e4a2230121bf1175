"""The formal evaluation (issue 15): did the pathfinders' campaigns raise screening coverage or
uptake? Pure statistics over DataFrames (numpy and pandas only; no database, no UI).

- ``did``: Callaway-Sant'Anna staggered difference-in-differences with a practice bootstrap.
- ``simulate``: seeded synthetic practice panels (tests and the sample programme).
"""

from wdp.evaluation.did import (
    DidResult,
    PooledEstimate,
    PreTrendTest,
    chi2_sf,
    estimate_did,
    holm,
    minimum_detectable_effect,
)
from wdp.evaluation.simulate import attach_design, simulate_panel, simulate_practices

__all__ = [
    "DidResult",
    "PooledEstimate",
    "PreTrendTest",
    "attach_design",
    "chi2_sf",
    "estimate_did",
    "holm",
    "minimum_detectable_effect",
    "simulate_panel",
    "simulate_practices",
]
