"""coursekit.sbi.model: NPE wiring (amortised and sequential), features, self-checking model files."""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
import pytest

from coursekit.sbi.config import REDUCED
from coursekit.sbi.model import features, load_posterior, save_posterior, train_posterior, train_sequential
from coursekit.sbi.simulate import PLANCK18_THETA, PRIOR_HIGH, PRIOR_LOW, sample_prior, simulate

TINY = replace(REDUCED, n_simulations=1000, hidden_features=16, num_transforms=2, training_batch_size=250,
               max_epochs=3, stop_after_epochs=2)


@pytest.fixture(scope="module")
def training_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("npe_cwd")


@pytest.fixture(scope="module")
def tiny_posterior(training_dir):
    import os

    cwd = os.getcwd()
    os.chdir(training_dir)  # trained from here: sbi must leave no files behind (see the test below)
    try:
        return train_posterior(config=TINY, seed=0, show_progress=False)
    finally:
        os.chdir(cwd)


def test_training_writes_no_tensorboard_logs(tiny_posterior, training_dir):
    import inspect

    from sbi.inference import NPE

    if "tracker" not in inspect.signature(NPE.__init__).parameters:
        pytest.skip("this sbi has no tracker argument; it writes ./sbi-logs")
    assert list(training_dir.iterdir()) == []


def test_import_sbi_inside_coursekit_sbi_is_the_library(tiny_posterior):
    # coursekit/sbi/model.py does `from sbi.inference import NPE`: an absolute import of the library
    lib = sys.modules["sbi"]
    assert "coursekit" not in lib.__file__
    from sbi.inference import NPE, DirectPosterior

    assert NPE.__module__.startswith("sbi.")
    assert isinstance(tiny_posterior.posterior, DirectPosterior)


def test_train_posterior_shapes_and_prior_support(tiny_posterior):
    tp = tiny_posterior
    assert tp.n_simulations == 1000 and 1 <= tp.epochs <= 4  # sbi may run one epoch past max_num_epochs
    assert len(tp.train_loss) == tp.epochs
    hist = tp.history()
    assert hist.epochs == tp.epochs and hist.best_epoch == int(np.argmin(tp.val_loss))
    x_obs = simulate(PLANCK18_THETA, 0)
    samples = tp.sample(200, x_obs, seed=1)
    assert samples.shape == (200, 2)
    assert np.all(samples >= PRIOR_LOW - 1e-6) and np.all(samples <= PRIOR_HIGH + 1e-6)
    batched = tp.sample_batched(50, simulate(sample_prior(3, 1), 2))
    assert batched.shape == (50, 3, 2)
    assert tp.log_prob(samples[:5], x_obs).shape == (5,)


def test_train_posterior_rejects_bad_input(tiny_posterior):
    with pytest.raises(ValueError, match="both theta and x"):
        train_posterior(theta=np.zeros((10, 2)), config=TINY)
    with pytest.raises(ValueError, match=r"x must have shape \(10, 12\)"):
        train_posterior(theta=sample_prior(10, 0), x=np.ones((10, 5)), config=TINY)
    with pytest.raises(ValueError, match=r"theta must have shape \(n, 3\)"):
        train_posterior(theta=sample_prior(10, 0), x=np.ones((10, 12)), config=TINY, problem="bias")
    with pytest.raises(ValueError, match="at least 50"):
        train_posterior(config=TINY, n_simulations=10)
    with pytest.raises(ValueError, match=r"x_obs must have shape \(12,\)"):
        tiny_posterior.sample(10, np.ones(7))
    with pytest.raises(ValueError, match="NaN"):
        tiny_posterior.sample(10, np.full(12, np.nan))


def test_features_are_log_band_powers():
    x = np.array([[100.0, np.e**3], [-5.0, 1.0]])
    np.testing.assert_allclose(features(x), [[np.log(100.0), 3.0], [0.0, 0.0]])
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(features(torch.tensor(x)).numpy(), features(x))


def test_model_file_round_trip_and_tampering(tiny_posterior, tmp_path):
    from coursekit.checkpoint import ModelFileError

    path = save_posterior(tiny_posterior, tmp_path / "npe.pt")
    again = load_posterior(path)
    x_obs = simulate(PLANCK18_THETA, 0)
    theta = tiny_posterior.sample(20, x_obs, seed=2)
    np.testing.assert_allclose(again.log_prob(theta, x_obs), tiny_posterior.log_prob(theta, x_obs), atol=1e-5)
    assert again.problem == "eh" and again.survey == tiny_posterior.survey and again.config == TINY
    # flip bytes inside the archive: refused with one line naming the file
    raw = bytearray(path.read_bytes())
    mid = len(raw) // 2
    raw[mid:mid + 8] = bytes(b ^ 0xFF for b in raw[mid:mid + 8])
    bad = tmp_path / "bad.pt"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="bad.pt"):
        load_posterior(bad)


def test_sequential_posterior_is_for_one_observation(tmp_path):
    x_obs = simulate(PLANCK18_THETA, 7)
    seq = train_sequential(x_obs, 400, 2, config=TINY, seed=0, show_progress=False)
    assert seq.n_simulations == 400 and seq.x_obs is not None
    s = seq.sample(100, x_obs, seed=0)
    assert s.shape == (100, 2) and np.all(s >= PRIOR_LOW - 1e-6) and np.all(s <= PRIOR_HIGH + 1e-6)
    with pytest.raises(ValueError, match="one observation"):
        save_posterior(seq, tmp_path / "seq.pt")
    with pytest.raises(ValueError, match="per round"):
        train_sequential(x_obs, 100, 3, config=TINY)


@pytest.mark.slow
def test_npe_matches_the_exact_posterior_at_the_fiducial():
    """Ground truth: the reduced NPE configuration must be hard to tell from the exact posterior (C2ST <= 0.6)."""
    from coursekit.sbi.baseline import reference_posterior
    from coursekit.sbi.metrics import c2st

    trained = train_posterior(config=REDUCED, seed=0, show_progress=False)
    x_obs = simulate(PLANCK18_THETA, 7)
    exact = reference_posterior(x_obs)
    npe = trained.sample(2000, x_obs, seed=0)
    assert c2st(npe, exact.sample(2000, 1)).value <= 0.60
    np.testing.assert_allclose(npe.mean(0), exact.mean(), atol=0.3 * exact.std().max())
    np.testing.assert_allclose(npe.std(0), exact.std(), rtol=0.5)


class _OutsideBox:
    """A stand-in posterior whose raw samples all lie outside the prior box (as NPE's do at sigma_8 = 1.15)."""

    def __init__(self):
        self.rejecting_calls = 0

    def sample(self, shape, x, show_progress_bars=False, reject_outside_prior=True):
        import torch

        if reject_outside_prior:  # sbi would loop here for ever, accepting nothing
            self.rejecting_calls += 1
            raise AssertionError("rejection sampling must not be attempted")
        return torch.tensor([[0.3, 1.08]]).repeat(shape[0], 1)


def test_an_observation_outside_the_prior_is_refused_not_sampled_for_ever():
    from coursekit.sbi.model import TrainedPosterior
    from coursekit.sbi.simulate import FIDUCIAL_SURVEY

    post = _OutsideBox()
    tp = TrainedPosterior(posterior=post, survey=FIDUCIAL_SURVEY, n_simulations=1, epochs=1)
    x_obs = simulate(PLANCK18_THETA, 0)
    inside = tp.mass_inside_prior(x_obs, n_pilot=500)
    assert inside.value == 0.0 and inside.err == pytest.approx(1 / 500)
    with pytest.raises(ValueError, match="reject_outside_prior=False"):
        tp.sample(10, x_obs)
    assert post.rejecting_calls == 0
    raw = tp.sample(10, x_obs, reject_outside_prior=False)
    assert raw.shape == (10, 2) and np.all(raw[:, 1] > 1.0)


def test_small_budgets_get_small_batches():
    """A budget of 300 with batches of 512 took one gradient step per epoch and barely trained (the budget curve
    was flat from 300 to 1000 simulations); batches now hold at most n/16 simulations, the main run keeps 512."""
    from coursekit.sbi.model import _train_kwargs

    assert _train_kwargs(REDUCED, 300)["training_batch_size"] == 64
    assert _train_kwargs(REDUCED, 2000)["training_batch_size"] == 125
    assert _train_kwargs(REDUCED, 10000)["training_batch_size"] == 512
