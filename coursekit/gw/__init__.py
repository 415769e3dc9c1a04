"""Gravitational-wave detection: GWOSC strain I/O, whitening, a BBH injection simulator,
a 1D CNN detector, a matched-filter baseline and a sliding-window scan.

Modules (named after what they do, as in ml4gw):

``io``            read/write GWOSC (LOSC) HDF5 strain files, resample
``spectral``      PSDs (aLIGO design, Welch), coloured noise, whitening, band-pass, SNR
``waveforms``     BBH prior, an IMRPhenomD waveform bank, H1/L1 projection
``simulate``      whitened training/test windows with injections at a chosen network SNR
``model``         the multi-scale 1D CNN (outputs logits)
``matched_filter`` template bank and a batched FFT matched filter (checked against PyCBC)
``evaluate``      thresholds at a false-alarm probability, efficiency, ROC, false alarms per day
``scan``          sliding-window scan of real strain, triggers
``pipeline``      the run-size config and the train/evaluate/scan steps the notebook, CLI and bench share

Heavy back-ends (pycbc, torch, gwpy) are imported inside the functions that need them.
"""

import warnings as _warnings

# LALSuite warns once per IPython session that it redirects stdout; the message is noise in a notebook.
_warnings.filterwarnings("ignore", message="Wswiglal-redir-stdio")
