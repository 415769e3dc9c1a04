"""Astropy + ML: from a FITS image with a WCS to a source catalogue, postage stamps, a model and back.

The roles of the course's spine (import them explicitly; this package imports nothing heavy):

``config``      REDUCED / FULL run sizes and ``get_config``
``data``        the real plates (DSS M67, Spitzer GLIMPSE) through ``coursekit.data.resolve`` as astropy
                ``CCDData`` with their WCS; any FITS image with a celestial WCS (``read_image``)
``simulate``    a simulated field (TAN WCS, PSF stars, Sersic galaxies, noise) and the cluster-plate stand-in
``detect``      background, segmentation + deblending, ``SourceCatalog``, sky cross-match (photutils, astropy)
``stamps``      ``Cutout2D`` postage stamps (WCS-aware) and a torch ``Dataset``
``model``       the star/galaxy CNN: build, train, predict, save/load
``baseline``    the classical methods: concentration cut, random forest, the density peak of a cluster
``metrics``     completeness, purity, astrometric RMS, accuracies with binomial / bootstrap errors
``catalog``     predictions -> FITS table with units and provenance, and back
``plots``       figures for notebook 08
``exercises``   build-it, experiment and quiz checks of notebook 08
``experiment``  the lesson's named steps and ``run(mode) -> Report``
"""

from __future__ import annotations

from coursekit.astro.config import FULL, REDUCED, AstroConfig, get_config

__all__ = ["AstroConfig", "REDUCED", "FULL", "get_config"]
