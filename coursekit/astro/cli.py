"""``python -m coursekit astro ...``: detect sources in a FITS image, or write a simulated field.

Examples::

    python -m coursekit astro simulate --seed 1 --out field.fits
    python -m coursekit astro detect field.fits --out catalogue.fits --fwhm 3
"""

from __future__ import annotations

import argparse


def _cmd_detect(args: argparse.Namespace) -> int:
    from pathlib import Path

    import numpy as np
    from astropy import units as u

    from coursekit.astro.detect import detect
    from coursekit.astro.fitsio import read_image

    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    hdu = int(args.hdu) if args.hdu is not None and str(args.hdu).isdigit() else args.hdu
    img = read_image(args.file, hdu=hdu)
    det = detect(img.data, img.wcs, fwhm=args.fwhm, n_sigma=args.nsigma, n_pixels=args.npixels,
                 box_size=args.box_size, unit=img.unit)
    cat = det.catalog
    cat.meta.update({"SOURCE": Path(args.file).name, "CREATOR": "python -m coursekit astro detect",
                     "FRAME": img.frame})
    cat.write(out, format="fits", overwrite=args.overwrite)
    snr = np.asarray(cat["snr"], float) if len(cat) else np.zeros(0)
    print(f"{len(cat)} sources in {Path(args.file).name} ({img.shape[1]}x{img.shape[0]} pix, "
          f"{img.pixel_scale.to_value(u.arcsec):.3f} arcsec/pix, frame {img.frame}); "
          f"median S/N {np.nanmedian(snr) if len(snr) else float('nan'):.1f}; written to {out}")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from coursekit.astro.simulate import simulate_field, write_field

    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    field = simulate_field(seed=args.seed, shape=(args.size, args.size), n_stars=args.stars, n_galaxies=args.galaxies)
    write_field(out, field, overwrite=args.overwrite)
    print(f"simulated {args.size}x{args.size} field, {args.stars} stars + {args.galaxies} galaxies "
          f"(seed {args.seed}) -> {out} (image + TRUTH table)")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("astro", help="FITS images: detect sources to a FITS catalogue; simulate a field")
    sub = p.add_subparsers(dest="astro_cmd", metavar="ACTION", required=True)

    q = sub.add_parser("detect", help="background, segmentation and a source catalogue (FITS table with units)")
    q.add_argument("file", help="FITS image with a celestial WCS")
    q.add_argument("--out", required=True, help="output catalogue (.fits)")
    q.add_argument("--hdu", default=None, help="HDU index or name (default: first image HDU)")
    q.add_argument("--fwhm", type=float, default=3.0, help="PSF FWHM in pixels (detection kernel)")
    q.add_argument("--nsigma", type=float, default=3.0, help="threshold in background RMS units")
    q.add_argument("--npixels", type=int, default=5, help="minimum connected pixels")
    q.add_argument("--box-size", type=int, default=64, help="background mesh size in pixels")
    q.add_argument("--overwrite", action="store_true")
    q.set_defaults(func=_cmd_detect)

    q = sub.add_parser("simulate", help="write a simulated field (TAN WCS, stars, galaxies, noise) with its truth")
    q.add_argument("--out", required=True, help="output image (.fits)")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--size", type=int, default=512, help="image side in pixels")
    q.add_argument("--stars", type=int, default=150)
    q.add_argument("--galaxies", type=int, default=150)
    q.add_argument("--overwrite", action="store_true")
    q.set_defaults(func=_cmd_simulate)
