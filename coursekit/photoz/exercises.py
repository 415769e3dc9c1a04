"""Exercises, build-it checks, experiment checks and quiz of notebook 03 (photometric redshifts).

Worked solutions live in ``notebooks/03_photometric_redshifts.ipynb`` between the solution markers (not here).

* ``photoz.nmad``: NMAD and the outlier fraction by hand (either NMAD of the literature is accepted, with a note);
* ``photoz.break_4000``: when the 4000 A break leaves the g band;
* build it: ``photoz.mixture_head`` (weights, means, positive widths), ``photoz.mixture_nll`` (the
  log-sum-exp loss) and ``photoz.train_loop`` (the bare loop), each compared with coursekit's version;
* experiments: ``photoz.components`` (K = 1 vs K = 5), ``photoz.domain_shift`` (bright-trained, faint-tested)
  and ``photoz.errors_input`` (magnitude errors as inputs), checked on the measured effect and its uncertainty;
* ``quiz("photoz")``: its questions are in ``notebooks/quizzes/photoz.yaml`` (packaged encoded).
"""

from __future__ import annotations

import numpy as np

from coursekit.exercises import Result, effect_exercise, exercise, function_exercise


@exercise("photoz.nmad", title="NMAD and outlier fraction by hand",
          hints=("Work with dz = (z_phot - z_spec) / (1 + z_spec); NMAD is 1.48 times a median of |dz|.",
                 "dz = (z_phot - z_spec) / (1 + z_spec); answer = (1.48 * np.median(np.abs(dz)), "
                 "np.mean(np.abs(dz) > 0.15))"))
def nmad_by_hand(answer, *, z_phot=None, z_spec=None) -> Result:
    """``answer = (nmad, outlier_fraction)`` for the arrays passed as context."""
    if z_phot is None or z_spec is None:
        raise ValueError("call check('photoz.nmad', answer, z_phot=..., z_spec=...)")
    value, frac = (float(a) for a in answer)
    zp, zs = np.asarray(z_phot, float), np.asarray(z_spec, float)
    dz = (zp - zs) / (1 + zs)
    ilbert = 1.48 * np.median(np.abs(dz))
    brammer = 1.4826 * np.median(np.abs(dz - np.median(dz)))
    ref_frac = np.mean(np.abs(dz) > 0.15)
    note = ""
    if np.isclose(value, brammer, rtol=1e-3) and not np.isclose(value, ilbert, rtol=1e-3):
        note = (f" You computed the bias-subtracted NMAD of Brammer et al. (2008), {brammer:.4f}; the course quotes "
                f"1.48 median(|dz|) (Ilbert et al. 2006), {ilbert:.4f}, which also counts the bias. Both are "
                "accepted; say which one you quote.")
    elif np.isclose(value, 1.48 * np.median(np.abs(zp - zs)), rtol=1e-6) and not np.isclose(value, ilbert, rtol=1e-3):
        return Result.fail("Divide the residual by (1 + z_spec) before taking the median.")
    elif not np.isclose(value, ilbert, rtol=1e-3):
        return Result.fail(f"NMAD should be 1.48 * median(|z_phot - z_spec| / (1 + z_spec)); you gave {value:.4g}.")
    if not np.isclose(frac, ref_frac, atol=1e-9):
        if np.isclose(frac, 100 * ref_frac):
            return Result.fail("NMAD is right. Give the outlier fraction as a fraction, not a percentage." + note)
        return Result.fail("NMAD is right. The outlier fraction is the fraction with |dz| > 0.15 (a fraction, "
                           "not a count)." + note)
    return Result.ok(f"NMAD = {value:.4f}, outliers = {100 * ref_frac:.2f}%." + note)


@exercise("photoz.break_4000", title="When does the 4000 A break leave the g band?",
          hints=("A rest-frame wavelength is observed at lambda x (1 + z).",
                 "Solve 4000 A x (1 + z) = 5500 A (the g/r boundary) for z."))
def break_4000(answer) -> Result:
    """Redshift at which the 4000 A break crosses from g into r (g/r boundary ~5400-5600 A)."""
    z = float(answer)
    if 0.33 <= z <= 0.42:
        return Result.ok(f"z = {z:.2f}: 4000 A x (1 + z) reaches the g/r boundary near 5500 A; the g - r colour "
                         "of the El template jumps there, which is what makes red galaxies easy photo-z targets. "
                         "(The Balmer break proper is at 3646 A; the 4000 A break is the pile-up of metal lines "
                         "in old stars.)")
    if 1.33 <= z <= 1.42:
        return Result.fail("That is 1 + z. Solve 4000 A x (1 + z) = 5500 A for z itself.")
    if abs(z - (5500 / 3646 - 1)) < 0.02:
        return Result.fail("That is the Balmer break (3646 A); the feature here is the 4000 A break.")
    if z > 0.42:
        return Result.fail("Too far: by then the break is already deep in r. Use the g/r boundary near 5500 A.")
    return Result.fail("Not far enough: the observed break wavelength is 4000 A x (1 + z); set it to ~5500 A.")


# --------------------------------------------------------------------------- build it

def _raw_output(rng: np.random.Generator):
    import torch

    n, k = int(rng.integers(3, 9)), int(rng.integers(1, 6))
    raw = torch.as_tensor(rng.normal(0, 3, size=(n, 3 * k)))
    return (raw,), {"sigma_min": float(rng.choice([1e-3, 0.01]))}


def _mixture(rng: np.random.Generator):
    import torch

    n, k = int(rng.integers(3, 9)), int(rng.integers(1, 6))
    log_w = torch.log_softmax(torch.as_tensor(rng.normal(size=(n, k))), -1)
    mu = torch.as_tensor(rng.uniform(0, 1.2, size=(n, k)))
    sigma = torch.as_tensor(rng.uniform(1e-3, 0.3, size=(n, k)))
    z = torch.as_tensor(rng.uniform(0, 1.2, size=n))
    # one galaxy hundreds of sigma from every component: the naive formula underflows to log(0) there
    sigma[0] = 1e-3
    z[0] = mu[0].max() + 0.5
    return (log_w, mu, sigma, z), {}


def _training_setup(rng: np.random.Generator):
    """A small MDN, one fixed batch per epoch, plain SGD: the losses of 3 epochs show every step taken."""
    import torch

    from coursekit.photoz.model import MixtureDensityNetwork

    torch.manual_seed(int(rng.integers(0, 2**31)))
    x = torch.as_tensor(rng.normal(size=(24, 4)), dtype=torch.float32)
    z = torch.as_tensor(rng.uniform(0.1, 0.9, 24), dtype=torch.float32)
    net = MixtureDensityNetwork(4, 2, (8,))
    net.set_standardisation(x.numpy(), z.numpy())
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    return (net, [(x, z)], opt), {"epochs": 3}


function_exercise(
    "photoz.mixture_head", title="Mixture head: weights, means and positive widths from a raw (n, 3K) output",
    reference="coursekit.photoz.model:mixture_head", make_inputs=_raw_output, n_trials=5, rtol=1e-6, atol=1e-9,
    hints=("Split the K + K + K columns with .chunk(3, dim=-1); weights need a softmax, widths a positive map.",
           "return torch.log_softmax(logits, -1), mu, F.softplus(s) + sigma_min"))

function_exercise(
    "photoz.mixture_nll", title="Negative log-likelihood of a Gaussian mixture with logsumexp",
    reference="coursekit.photoz.model:mixture_nll", make_inputs=_mixture, n_trials=5, rtol=1e-6, atol=1e-9,
    hints=("Work in logs: log pi_k + log N(z | mu_k, sigma_k) per component, then combine the K terms.",
           "log_n = -0.5 * ((z[:, None] - mu) / sigma)**2 - log(sigma) - 0.5 log(2 pi); "
           "return -torch.logsumexp(log_weights + log_n, dim=-1).mean()"))

function_exercise(
    "photoz.train_loop", title="A bare training loop: zero_grad, loss, backward, step",
    reference="coursekit.photoz.model:train_loop", make_inputs=_training_setup, n_trials=3, rtol=1e-5, atol=1e-7,
    hints=("For each epoch and each (x, z) batch: clear the gradients, compute mdn_nll(model(x), z), "
           "backpropagate, step; return the mean loss of each epoch.",
           "optimizer.zero_grad(); loss = mdn_nll(model(x), z); loss.backward(); optimizer.step(); "
           "accumulate float(loss) * len(z) and divide by the number of examples per epoch"))


# --------------------------------------------------------------------------- experiments

effect_exercise(
    "photoz.components", title="K = 1 against K = 5: CRPS of K=1 minus K=5", direction=+1, min_sigma=2.0,
    value_range=(0.0, 0.02), what="CRPS(K=1) - CRPS(K=5)",
    hints=("Train a second MDN with n_components=1 and the same epochs, then compare it with the K = 5 one on "
           "the same test galaxies.",
           "k1 = experiment.train_mdn(data, CFG, n_components=1, epochs=CFG.experiment_epochs); "
           "effect = experiment.compare(k1, k5, data, 'crps').difference"))

effect_exercise(
    "photoz.domain_shift", title="Train on bright galaxies, test on faint ones: CRPS of bright-trained minus "
    "random-trained", direction=+1, min_sigma=2.0, value_range=(0.0, 0.05), what="CRPS(bright) - CRPS(random)",
    hints=("Both arms must see the same number of training galaxies; only which galaxies differs. Score both on "
           "the faint test galaxies only.",
           "shift = experiment.domain_shift(data, CFG); effect = shift.effects['crps'].difference"))


effect_exercise(
    "photoz.errors_input", title="Magnitude errors as inputs, over four training seeds: PIT KS distance with errors "
    "minus without", direction=0, min_sigma=3.0, value_range=(-0.05, 0.05),
    what="KS(errors in) - KS(errors out), mean of the seeds",
    hints=("One training is not enough: train both arms with several seeds (replace(CFG, seed=s)), take the effect "
           "of each seed, then the mean, with an error that includes the seed-to-seed scatter.",
           "res = experiment.errors_as_input(data, CFG, reference=reference); "
           "effect = res.effects['pit_ks'].difference"))
