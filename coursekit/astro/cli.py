"""``python -m coursekit astro ...``: the topic's verbs on a user's FITS files, and the lesson's ``run``.

Examples::

    python -m coursekit astro simulate --seed 1 --out field.fits
    python -m coursekit astro detect field.fits --out catalogue.fits --fwhm 3
    python -m coursekit astro locate plate.fits --object M67          # a cluster: its density peak
    python -m coursekit astro locate plate.fits --ra 132.825 --dec 11.8 --nearest   # the nearest source
    python -m coursekit astro run --json
"""

from __future__ import annotations

import argparse

from coursekit.cli_util import UsageError, finite_float, nonneg_int, positive_float, positive_int


def _hdu(text: str | None):
    return int(text) if text is not None and str(text).isdigit() else text


def _cmd_detect(args: argparse.Namespace) -> int:
    from pathlib import Path

    import numpy as np
    from astropy import units as u

    from coursekit.astro.data import read_image
    from coursekit.astro.detect import detect
    from coursekit.cli_util import check_out_path

    out = check_out_path(args.out, args.file)
    if out.exists() and not args.overwrite:
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    img = read_image(args.file, hdu=_hdu(args.hdu))
    if args.box_size > min(img.shape):
        raise UsageError(f"--box-size {args.box_size} exceeds the image's smaller side ({min(img.shape)} pix)")
    det = detect(img.data, img.wcs, fwhm=args.fwhm, n_sigma=args.nsigma, n_pixels=args.npixels,
                 box_size=args.box_size, unit=img.unit)
    cat = det.catalog
    if len(cat) == 0:
        raise ValueError(f"no sources above {args.nsigma} sigma in {Path(args.file).name}; lower --nsigma or check "
                         "--fwhm (nothing was written)")
    cat.meta.update({"SOURCE": Path(args.file).name, "CREATOR": "python -m coursekit astro detect",
                     "FRAME": img.frame})
    cat.write(out, format="fits", overwrite=args.overwrite)
    snr = np.asarray(cat["snr"], float)
    print(f"{len(cat)} sources in {Path(args.file).name} ({img.shape[1]}x{img.shape[0]} pix, "
          f"{img.pixel_scale.to_value(u.arcsec):.3f} arcsec/pix, frame {img.frame}); "
          f"median S/N {np.nanmedian(snr):.1f}; written to {out}")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from coursekit.astro.simulate import simulate_field, write_field
    from coursekit.cli_util import check_out_path

    out = check_out_path(args.out)
    if out.exists() and not args.overwrite:
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    if args.size < 64:
        raise UsageError(f"--size {args.size} is too small: give at least 64 pixels")
    field = simulate_field(seed=args.seed, shape=(args.size, args.size), n_stars=args.stars, n_galaxies=args.galaxies)
    write_field(out, field, overwrite=args.overwrite)
    print(f"simulated {args.size}x{args.size} field, {args.stars} stars + {args.galaxies} galaxies "
          f"(seed {args.seed}) -> {out} (image + TRUTH table)")
    return 0


def _cmd_locate(args: argparse.Namespace) -> int:
    from astropy import units as u
    from astropy.coordinates import SkyCoord

    from coursekit.astro.baseline import locate_on_plate
    from coursekit.astro.data import object_position, read_image
    from coursekit.data import offline
    from coursekit.jsonio import print_json

    if args.object is None and (args.ra is None or args.dec is None):
        raise UsageError("give --object NAME, or both --ra and --dec (degrees, ICRS)")
    if args.object is not None and (args.ra is not None or args.dec is not None):
        raise UsageError("give either --object or --ra/--dec, not both")
    if args.dec is not None and not -90 <= args.dec <= 90:
        raise UsageError(f"--dec must lie between -90 and 90 degrees, got {args.dec}")
    plate = read_image(args.file, hdu=_hdu(args.hdu))
    if args.object is not None:
        target = object_position(args.object, online=not offline())
        name = args.object
    else:
        target = SkyCoord(args.ra % 360 * u.deg, args.dec * u.deg, frame="icrs")
        name = f"({args.ra:.4f}, {args.dec:+.4f})"
    method = "source" if args.nearest else "cluster"
    loc, _ = locate_on_plate(plate, target, method=method, fwhm=args.fwhm, n_sigma=args.nsigma,
                             smoothing=args.smoothing * u.arcmin)
    found = loc.found.icrs
    if args.json:
        print_json({"file": str(args.file), "target": name, "method": loc.method, "n_sources": loc.n_sources,
                    "found_ra_deg": float(found.ra.deg), "found_dec_deg": float(found.dec.deg),
                    "target_ra_deg": float(target.icrs.ra.deg), "target_dec_deg": float(target.icrs.dec.deg),
                    "offset_arcmin": float(loc.offset.to_value(u.arcmin)),
                    "offset_err_arcmin": float(loc.offset_err.to_value(u.arcmin))})
    else:
        print(f"{name} on {args.file}: {loc.method} of {loc.n_sources} detected sources at RA {found.ra.deg:.4f}, "
              f"Dec {found.dec.deg:+.4f} deg; offset from the catalogued position {loc.measurement()}")
    return 0


def register(subparsers) -> None:
    from coursekit.experiment import add_run_command

    p = subparsers.add_parser("astro", help="FITS images: detect sources, locate an object, simulate a field; run")
    sub = p.add_subparsers(dest="astro_cmd", metavar="ACTION", required=True)

    q = sub.add_parser("detect", help="background, segmentation, deblending and a source catalogue (FITS table)")
    q.add_argument("file", help="FITS image with a celestial WCS")
    q.add_argument("--out", required=True, help="output catalogue (.fits); never one of the inputs")
    q.add_argument("--hdu", default=None, help="HDU index or name (default: first image HDU)")
    q.add_argument("--fwhm", type=positive_float, default=3.0, help="PSF FWHM in pixels (detection kernel)")
    q.add_argument("--nsigma", type=positive_float, default=3.0, help="threshold in background RMS units")
    q.add_argument("--npixels", type=positive_int, default=5, help="minimum connected pixels")
    q.add_argument("--box-size", type=positive_int, default=64, help="background mesh size in pixels")
    q.add_argument("--overwrite", action="store_true")
    q.set_defaults(func=_cmd_detect)

    q = sub.add_parser("locate", help="find an object on a plate: a cluster's density peak or the nearest source, "
                                      "and its offset from the catalogued position")
    q.add_argument("file", help="FITS image with a celestial WCS")
    q.add_argument("--object", help="object name (M67 offline; others resolved online with Sesame)")
    q.add_argument("--ra", type=finite_float, help="right ascension, degrees (ICRS)")
    q.add_argument("--dec", type=finite_float, help="declination, degrees (ICRS)")
    q.add_argument("--nearest", action="store_true", help="the nearest detected source instead of a cluster")
    q.add_argument("--hdu", default=None, help="HDU index or name (default: first image HDU)")
    q.add_argument("--fwhm", type=positive_float, default=3.0, help="PSF FWHM in pixels")
    q.add_argument("--nsigma", type=positive_float, default=5.0, help="detection threshold in background RMS units")
    q.add_argument("--smoothing", type=positive_float, default=1.5, help="density kernel sigma, arcmin")
    q.add_argument("--json", action="store_true", help="print strict JSON")
    q.set_defaults(func=_cmd_locate)

    q = sub.add_parser("simulate", help="write a simulated field (TAN WCS, stars, galaxies, noise) with its truth")
    q.add_argument("--out", required=True, help="output image (.fits)")
    q.add_argument("--seed", type=nonneg_int, default=0)
    q.add_argument("--size", type=positive_int, default=512, help="image side in pixels")
    q.add_argument("--stars", type=nonneg_int, default=150)
    q.add_argument("--galaxies", type=nonneg_int, default=150)
    q.add_argument("--overwrite", action="store_true")
    q.set_defaults(func=_cmd_simulate)

    def run(mode=None):  # imports torch only when the lesson runs
        from coursekit.astro.experiment import run as run_lesson

        return run_lesson(mode)

    add_run_command(sub, "astro", run)
