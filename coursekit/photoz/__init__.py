"""Photometric redshifts: a physical ugriz simulator, a mixture density network and the photo-z metrics.

Modules: :mod:`~coursekit.photoz.simulate` (templates x filters -> catalogues),
:mod:`~coursekit.photoz.data` (CSV/BOSS/astroML loaders and features),
:mod:`~coursekit.photoz.mdn` (the MDN), :mod:`~coursekit.photoz.baselines`
(template fitting, kNN, random forest), :mod:`~coursekit.photoz.metrics`,
:mod:`~coursekit.photoz.evaluate` (run sizes and the side-by-side comparison)
and :mod:`~coursekit.photoz.plots`; ``cli``, ``bench`` and ``exercises`` plug
into the course tools. Heavy imports (torch, sklearn) stay inside those
modules, so ``import coursekit.photoz`` is cheap.
"""
