"""``python -m coursekit sbi simulate|posterior|train|run``: the simulator, the exact and the neural posterior.

Thin verbs over :mod:`coursekit.sbi.simulate`, :mod:`~coursekit.sbi.baseline` and :mod:`~coursekit.sbi.model`;
``run`` is the lesson's whole experiment (:func:`coursekit.sbi.experiment.run`).
"""

from __future__ import annotations

import argparse
import math

from coursekit.cli_util import UsageError, nonneg_int, positive_float, positive_int


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _theta(args: argparse.Namespace):
    import numpy as np

    from coursekit.sbi.simulate import check_theta

    values = [args.omega_m, args.sigma8] + ([args.bias] if args.problem == "bias" else [])
    try:
        return check_theta(np.array(values), problem=args.problem)[0]
    except ValueError as exc:
        raise UsageError(f"--omega-m/--sigma8{'/--bias' * (args.problem == 'bias')}: {exc}") from None


def _survey(args: argparse.Namespace):
    from coursekit.sbi.simulate import FIDUCIAL_SURVEY, Survey

    if not 1e3 <= args.volume <= 1e12:
        raise UsageError(f"--volume {args.volume:g} (Mpc/h)^3 is outside 1e3-1e12: the exact posterior's grid is "
                         "built for surveys in that range (the fiducial one is 1e8)")
    return Survey(volume=args.volume, n_bar=args.n_bar, k_min=FIDUCIAL_SURVEY.k_min, k_max=FIDUCIAL_SURVEY.k_max,
                  n_bins=FIDUCIAL_SURVEY.n_bins)


def _cmd_simulate(args: argparse.Namespace) -> int:
    from coursekit.jsonio import print_json
    from coursekit.sbi.simulate import band_power_model, band_power_sigma, simulate

    survey, theta = _survey(args), _theta(args)
    x = simulate(theta, args.seed, survey, args.problem)
    model = band_power_model(theta, survey, problem=args.problem)[0]
    sig = band_power_sigma(model, survey)
    if args.json:
        print_json({"problem": args.problem, "theta": theta.tolist(), "k_h_per_mpc": survey.k_eff.round(5).tolist(),
                    "band_power": x.round(2).tolist(), "model": model.round(2).tolist(),
                    "sigma": sig.round(2).tolist()}, indent=None)
        return 0
    names = ", ".join(f"{n} = {v:g}" for n, v in zip(_names(args.problem), theta))
    print(f"{names}, V = {survey.volume:.3g} (Mpc/h)^3, n_bar = {survey.n_bar:g} (h/Mpc)^3 [{args.problem}]")
    print(f"{'k [h/Mpc]':>10} {'P_obs':>10} {'P_model':>10} {'sigma':>8}   [(Mpc/h)^3]")
    for row in zip(survey.k_eff, x, model, sig):
        print(f"{row[0]:10.4f} {row[1]:10.1f} {row[2]:10.1f} {row[3]:8.1f}")
    return 0


def _names(problem: str) -> tuple[str, ...]:
    from coursekit.sbi.simulate import get_problem

    return get_problem(problem).param_names


def _cmd_posterior(args: argparse.Namespace) -> int:
    from coursekit.jsonio import print_json
    from coursekit.sbi.baseline import reference_posterior
    from coursekit.sbi.simulate import simulate

    trained = None
    if args.model is not None:
        from coursekit.sbi.model import load_posterior

        trained = load_posterior(args.model)
        if trained.problem != args.problem:
            raise UsageError(f"{args.model} is a posterior for problem {trained.problem!r}, not {args.problem!r}: "
                             f"pass --problem {trained.problem}")
    survey, theta = _survey(args), _theta(args)
    if trained is not None and (trained.survey.volume, trained.survey.n_bar) != (survey.volume, survey.n_bar):
        raise UsageError(f"{args.model} was trained for V = {trained.survey.volume:g}, n_bar = {trained.survey.n_bar:g}: "
                         "pass the same --volume and --n-bar")
    x = simulate(theta, args.seed, survey, args.problem)
    post = reference_posterior(x, survey, problem=args.problem)
    mean, std = post.mean(), post.std()
    out = {"problem": args.problem, "truth": theta.tolist(), "mean": mean.round(5).tolist(),
           "std": std.round(5).tolist()}
    if trained is not None:
        s = trained.sample(args.samples, x, seed=args.seed)
        out["npe_mean"], out["npe_std"] = s.mean(0).round(5).tolist(), s.std(0).round(5).tolist()
    if args.json:
        print_json(out, indent=None)
        return 0
    print(f"exact posterior (grid), V = {survey.volume:.3g} (Mpc/h)^3, seed {args.seed} [{args.problem}]:")
    for d, name in enumerate(_names(args.problem)):
        npe = f"   NPE {out['npe_mean'][d]:.4f} +- {out['npe_std'][d]:.4f}" if trained is not None else ""
        print(f"  {name:8} = {mean[d]:.4f} +- {std[d]:.4f}   (truth {theta[d]:g}){npe}")
    print("  Planck 2018: Omega_m = 0.315 +- 0.007, sigma_8 = 0.811 +- 0.006")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from coursekit.cli_util import check_out_path
    from coursekit.sbi.config import get_config
    from coursekit.sbi.model import save_posterior, train_posterior

    out = check_out_path(args.out)
    if out.exists() and out.is_dir():
        raise UsageError(f"--out {out} is a folder: give a file name such as npe.pt")
    survey = _survey(args)
    trained = train_posterior(config=get_config(args.mode), seed=args.seed, problem=args.problem,
                              n_simulations=args.simulations, survey=survey)
    path = save_posterior(trained, out)
    print(f"trained NPE ({args.problem}) on {trained.n_simulations} simulations in {trained.epochs} epochs "
          f"({trained.wall_s:.1f} s); written to {path}")
    return 0


def register(subparsers) -> None:
    """Add ``sbi simulate|posterior|train|run`` to ``python -m coursekit``."""
    from coursekit.experiment import add_run_command
    from coursekit.sbi.experiment import run
    from coursekit.sbi.simulate import PROBLEMS

    p = subparsers.add_parser("sbi", help="band-power simulator, exact and neural posteriors of (Omega_m, sigma_8)")
    sub = p.add_subparsers(dest="sbi_cmd", metavar="ACTION", required=True)
    for name, func, helptext in (
        ("simulate", _cmd_simulate, "simulate band powers for one (Omega_m, sigma_8[, b])"),
        ("posterior", _cmd_posterior, "simulate, then print the exact posterior (and an NPE model's) mean and width"),
        ("train", _cmd_train, "train an amortised neural posterior on fresh simulations and save it"),
    ):
        q = sub.add_parser(name, help=helptext)
        q.add_argument("--problem", choices=tuple(PROBLEMS), default="eh",
                       help="eh: matter P(k) (default); toy: the guide's sigma_8 Omega_m k^-2; bias: free galaxy bias")
        if name != "train":
            q.add_argument("--omega-m", type=_finite, default=0.315, help="Omega_m in [0.1, 0.5] (default 0.315)")
            q.add_argument("--sigma8", type=_finite, default=0.811, help="sigma_8 in [0.6, 1.0] (default 0.811)")
            q.add_argument("--bias", type=_finite, default=1.5, help="galaxy bias b in [1, 2] (problem bias; 1.5)")
            q.add_argument("--json", action="store_true", help="machine-readable output (strict JSON)")
        q.add_argument("--volume", type=positive_float, default=1e8, help="survey volume in (Mpc/h)^3 (default 1e8)")
        q.add_argument("--n-bar", type=positive_float, default=5e-4, help="number density in (h/Mpc)^3 (default 5e-4)")
        q.add_argument("--seed", type=nonneg_int, default=0)
        if name == "posterior":
            q.add_argument("--model", metavar="NPE.pt", default=None, help="also sample this trained posterior")
            q.add_argument("--samples", type=positive_int, default=2000, help="NPE samples (default 2000)")
        if name == "train":
            q.add_argument("--simulations", type=positive_int, default=None,
                           help="training simulations (default: the mode's config, 10,000 reduced)")
            q.add_argument("--mode", choices=("reduced", "full"), default=None, help="network size (default reduced)")
            q.add_argument("--out", required=True, metavar="NPE.pt", help="model file to write")
        q.set_defaults(func=func)
    add_run_command(sub, "sbi", run)
