"""Galaxy morphology with CNNs (notebook 02), on the roles of the course's spine.

:mod:`~coursekit.galaxies.config` (run sizes), :mod:`~coursekit.galaxies.data` (real cut-outs through the data
cache), :mod:`~coursekit.galaxies.simulate` (four-class g/r/z cut-outs and their Lupton colour images),
:mod:`~coursekit.galaxies.model` (ResNet18, transfer recipe, rotation TTA, MC dropout, save/load),
:mod:`~coursekit.galaxies.baseline` (morphology features + random forest), :mod:`~coursekit.galaxies.metrics`,
:mod:`~coursekit.galaxies.plots`, :mod:`~coursekit.galaxies.exercises`, :mod:`~coursekit.galaxies.experiment`
(the lesson's steps), :mod:`~coursekit.galaxies.cli` and :mod:`~coursekit.galaxies.bench`.

Importing this package is cheap: torch is only imported with :mod:`~coursekit.galaxies.model`.
"""

from coursekit.galaxies.simulate import BANDS, CLASSES, simulate_galaxies

__all__ = ["BANDS", "CLASSES", "simulate_galaxies"]
