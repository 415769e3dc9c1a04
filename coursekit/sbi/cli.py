"""``python -m coursekit sbi simulate|posterior``: the band-power simulator and its exact posterior from the shell."""

from __future__ import annotations

import argparse
import json


def _theta(args: argparse.Namespace):
    import numpy as np

    from coursekit.sbi.simulate import check_theta

    return check_theta(np.array([args.omega_m, args.sigma8]))[0]


def _survey(args: argparse.Namespace):
    from coursekit.sbi.simulate import FIDUCIAL_SURVEY, Survey

    return Survey(volume=args.volume, n_bar=args.n_bar, k_min=FIDUCIAL_SURVEY.k_min, k_max=FIDUCIAL_SURVEY.k_max,
                  n_bins=FIDUCIAL_SURVEY.n_bins)


def _cmd_simulate(args: argparse.Namespace) -> int:
    from coursekit.sbi.simulate import band_power_model, band_power_sigma, simulate

    survey, theta = _survey(args), _theta(args)
    x = simulate(theta, args.seed, survey)
    model = band_power_model(theta, survey)[0]
    sig = band_power_sigma(model, survey)
    if args.json:
        print(json.dumps({"k_h_per_mpc": survey.k_eff.round(5).tolist(), "band_power": x.round(2).tolist(),
                          "model": model.round(2).tolist(), "sigma": sig.round(2).tolist()}))
        return 0
    print(f"Omega_m = {theta[0]}, sigma_8 = {theta[1]}, V = {survey.volume:.3g} (Mpc/h)^3, n_bar = {survey.n_bar}")
    print(f"{'k [h/Mpc]':>10} {'P_obs':>10} {'P_model':>10} {'sigma':>8}   [(Mpc/h)^3]")
    for row in zip(survey.k_eff, x, model, sig):
        print(f"{row[0]:10.4f} {row[1]:10.1f} {row[2]:10.1f} {row[3]:8.1f}")
    return 0


def _cmd_posterior(args: argparse.Namespace) -> int:
    from coursekit.sbi.reference import reference_posterior
    from coursekit.sbi.simulate import simulate

    survey, theta = _survey(args), _theta(args)
    post = reference_posterior(simulate(theta, args.seed, survey), survey)
    mean, std = post.mean(), post.std()
    if args.json:
        print(json.dumps({"mean": mean.round(5).tolist(), "std": std.round(5).tolist(), "truth": theta.tolist()}))
        return 0
    print(f"exact posterior (grid), V = {survey.volume:.3g} (Mpc/h)^3, seed {args.seed}:")
    print(f"  Omega_m = {mean[0]:.4f} +- {std[0]:.4f}   (truth {theta[0]})")
    print(f"  sigma_8 = {mean[1]:.4f} +- {std[1]:.4f}   (truth {theta[1]})")
    print("  Planck 2018: Omega_m = 0.315 +- 0.007, sigma_8 = 0.811 +- 0.006")
    return 0


def register(subparsers) -> None:
    """Add ``sbi simulate`` and ``sbi posterior`` to ``python -m coursekit``."""
    p = subparsers.add_parser("sbi", help="band-power simulator and exact posterior of (Omega_m, sigma_8)")
    sub = p.add_subparsers(dest="sbi_cmd", metavar="ACTION", required=True)
    for name, func, helptext in (
        ("simulate", _cmd_simulate, "simulate band powers for one (Omega_m, sigma_8)"),
        ("posterior", _cmd_posterior, "simulate, then print the exact posterior mean and width"),
    ):
        q = sub.add_parser(name, help=helptext)
        q.add_argument("--omega-m", type=float, default=0.315, help="Omega_m in [0.1, 0.5] (default 0.315)")
        q.add_argument("--sigma8", type=float, default=0.811, help="sigma_8 in [0.6, 1.0] (default 0.811)")
        q.add_argument("--volume", type=float, default=1e8, help="survey volume in (Mpc/h)^3 (default 1e8)")
        q.add_argument("--n-bar", type=float, default=5e-4, help="number density in (h/Mpc)^3 (default 5e-4)")
        q.add_argument("--seed", type=int, default=0)
        q.add_argument("--json", action="store_true", help="machine-readable output")
        q.set_defaults(func=func)
