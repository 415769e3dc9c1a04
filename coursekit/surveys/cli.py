"""``python -m coursekit surveys ...``: a survey design's data rate and galaxies, and the lesson's run."""

from __future__ import annotations

import argparse


def _cmd_design(args: argparse.Namespace) -> int:
    import astropy.units as u

    from coursekit.surveys.simulate import simulate_survey

    out = simulate_survey(args.area * u.deg**2, args.cadence * u.day, args.depth, args.years)
    if args.json:
        from coursekit.jsonio import print_json

        print_json({"exposure_s": out.exposure.to_value(u.s), "visits_per_night": out.visits_per_night.value,
                    "hours_per_night": out.hours_needed.to_value(u.hour), "feasible": out.feasible,
                    "tb_per_night": out.data_per_night.to_value(u.TB), "pb_total": out.data_total.to_value(u.PB),
                    "coadd_depth_i": out.coadd_depth, "galaxies": out.galaxies.value})
    else:
        print(out.summary())
    return 0


def register(subparsers) -> None:
    from coursekit.cli_util import positive_float
    from coursekit.experiment import add_run_command
    from coursekit.surveys import experiment

    p = subparsers.add_parser("surveys", help="survey data rates: design a survey, run the data-tsunami lesson")
    sub = p.add_subparsers(dest="surveys_cmd", metavar="ACTION", required=True)
    d = sub.add_parser("design", help="data per night and galaxies of a Rubin-like survey design")
    d.add_argument("--area", type=positive_float, default=18000.0, help="sky area [deg²] (default 18000)")
    d.add_argument("--cadence", type=positive_float, default=3.0, help="nights between visits (default 3)")
    d.add_argument("--depth", type=float, default=24.0, help="single-visit 5-sigma i depth [mag] (default 24.0)")
    d.add_argument("--years", type=positive_float, default=10.0, help="survey length [yr] (default 10)")
    d.add_argument("--json", action="store_true", help="machine-readable output")
    d.set_defaults(func=_cmd_design)
    add_run_command(sub, "surveys", experiment.run)
