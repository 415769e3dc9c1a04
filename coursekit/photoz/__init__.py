"""Photometric redshifts: real SDSS-III BOSS DR10 photometry, a mixture density network and the photo-z metrics.

The roles of the course's spine: :mod:`~coursekit.photoz.config` (run sizes),
:mod:`~coursekit.photoz.data` (the BOSS sample through the data cache, user tables,
features), :mod:`~coursekit.photoz.simulate` (the physical ugriz simulator behind the
stand-in), :mod:`~coursekit.photoz.model` (the MDN), :mod:`~coursekit.photoz.baseline`
(kNN, random forest, chi^2 template fitting), :mod:`~coursekit.photoz.metrics`,
:mod:`~coursekit.photoz.plots`, :mod:`~coursekit.photoz.exercises` and
:mod:`~coursekit.photoz.experiment` (the lesson's steps); ``cli`` and ``bench`` plug
into the course tools. Heavy imports (torch, sklearn) stay inside those modules, so
``import coursekit.photoz`` is cheap.
"""
