"""Tests of coursekit.photoz.model: the mixture head, the stable loss, the bare loop, training and save/load."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from coursekit.photoz import model as mdn
from coursekit.training import torch_threads

_trapezoid = np.trapezoid if hasattr(np, "trapezoid") else np.trapz  # numpy < 2 has only trapz


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny networks: one torch thread is faster, and much faster on shared cores."""
    with torch_threads(1):
        yield


def _out(logits, mu, sigma):
    return torch.tensor([list(logits) + list(mu) + list(sigma)], dtype=torch.float64)


def test_nll_single_gaussian_and_two_components_hand_values():
    out = _out([0.0], [0.5], [0.1])
    expected = -stats.norm.logpdf(0.62, 0.5, 0.1)
    assert float(mdn.mdn_nll(out, torch.tensor([0.62], dtype=torch.float64))) == pytest.approx(expected, rel=1e-10)
    # weights softmax([0, log 3]) = [0.25, 0.75]
    out = _out([0.0, math.log(3.0)], [0.2, 0.8], [0.05, 0.2])
    p = 0.25 * stats.norm.pdf(0.3, 0.2, 0.05) + 0.75 * stats.norm.pdf(0.3, 0.8, 0.2)
    assert float(mdn.mdn_nll(out, torch.tensor([0.3], dtype=torch.float64))) == pytest.approx(-np.log(p), rel=1e-10)


def test_nll_stays_finite_far_from_every_component():
    out = _out([0.0, 0.0], [0.1, 0.2], [1e-3, 1e-3]).float().requires_grad_(True)
    z = torch.tensor([0.9])
    naive = -torch.log((torch.softmax(out[:, :2], -1) * torch.exp(-0.5 * ((z - out[:, 2:4]) / out[:, 4:]) ** 2)
                        / (out[:, 4:] * math.sqrt(2 * math.pi))).sum(-1))
    assert torch.isinf(naive).all()  # the textbook formula underflows ...
    loss = mdn.mdn_nll(out, z)
    assert torch.isfinite(loss)  # ... the log-sum-exp one does not
    loss.backward()
    assert torch.isfinite(out.grad).all()
    # (0.9 - 0.2) / 1e-3 = 700 standard deviations from the nearest component
    assert float(loss.detach()) == pytest.approx(0.5 * 700**2 + math.log(1e-3 * math.sqrt(2 * math.pi)) + math.log(2), rel=1e-4)


def test_network_widths_positive_and_means_in_z_units():
    net = mdn.MixtureDensityNetwork(4, n_components=3, hidden=(16,), sigma_min=0.002)
    x = np.random.default_rng(0).normal(size=(50, 4))
    net.set_standardisation(x * 3 + 10, np.linspace(0.1, 0.9, 50))
    out = net(torch.as_tensor(x * 3 + 10, dtype=torch.float32))
    assert out.shape == (50, 9)
    _, mu, sigma = mdn.split_params(out)
    assert torch.all(sigma >= 0.002)
    assert mu.abs().max() < 5  # standardised inputs and de-standardised outputs: no huge numbers
    with pytest.raises(ValueError, match="n_features"):
        mdn.MixtureDensityNetwork(0)


def test_mixture_pdf_and_cdf_match_scipy():
    params = np.array([[0.0, math.log(3.0), 0.2, 0.8, 0.05, 0.2]])
    grid = np.linspace(-1, 3, 4001)
    pdf = mdn.mixture_pdf(params, grid)
    ref = 0.25 * stats.norm.pdf(grid, 0.2, 0.05) + 0.75 * stats.norm.pdf(grid, 0.8, 0.2)
    np.testing.assert_allclose(pdf[0], ref, rtol=1e-9, atol=1e-12)
    assert _trapezoid(pdf[0], grid) == pytest.approx(1.0, abs=1e-6)
    cdf = mdn.mixture_cdf(params, np.array([0.5]))
    assert cdf[0] == pytest.approx(0.25 * stats.norm.cdf(0.5, 0.2, 0.05) + 0.75 * stats.norm.cdf(0.5, 0.8, 0.2))


def test_loss_falls_when_overfitting_64_examples():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    z = (0.5 + 0.2 * np.tanh(x[:, 0])).astype(np.float32)
    net = mdn.MixtureDensityNetwork(3, 2, (32, 32))
    net.set_standardisation(x, z)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    xt, zt = torch.as_tensor(x), torch.as_tensor(z)
    first = float(mdn.mdn_nll(net(xt), zt).detach())
    for _ in range(300):
        opt.zero_grad()
        loss = mdn.mdn_nll(net(xt), zt)
        loss.backward()
        opt.step()
    assert float(loss.detach()) < first - 2.0  # log-likelihood up by > 2 nats per example


@pytest.mark.slow
def test_estimator_learns_a_calibrated_noisy_relation_and_round_trips(tmp_path):
    """z = 0.5 + 0.3 tanh(x0) + N(0, 0.04): the MDN recovers the 0.04 scatter and 68% coverage."""
    from coursekit.photoz import metrics as M

    rng = np.random.default_rng(2)
    x = rng.normal(size=(4000, 2))
    z = 0.5 + 0.3 * np.tanh(x[:, 0]) + 0.04 * rng.standard_normal(4000)
    cfg = mdn.MDNConfig(n_components=2, hidden=(32, 32), epochs=40, batch_size=128, lr=3e-3, patience=8)
    est = mdn.MDNPhotoZ(cfg).fit(x[:3000], z[:3000], progress=False)
    assert est.history.epochs >= 5 and est.history.best_val_loss < est.history.val_loss[0]
    grid = np.linspace(-0.5, 1.5, 801)
    pdf = est.predict_pdf(x[3000:], grid)
    cov = M.interval_coverage(grid, pdf, z[3000:], 0.68)
    assert 0.6 < cov < 0.76
    resid = est.predict(x[3000:], grid, "median") - z[3000:]
    assert 0.03 < np.std(resid) < 0.05
    path = est.save(tmp_path / "m.pt", bands="ab")
    again, extra = mdn.MDNPhotoZ.load(path)
    np.testing.assert_allclose(again.predict_params(x[3000:3010]), est.predict_params(x[3000:3010]), rtol=1e-6)
    assert extra == {"bands": "ab"} and again.training_range()["z"] == pytest.approx([z[:3000].min(), z[:3000].max()])


def test_estimator_errors():
    est = mdn.MDNPhotoZ()
    with pytest.raises(RuntimeError, match="not trained"):
        est.predict_params(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        est.fit(np.array([[np.nan, 1.0]] * 10), np.ones(10))
    with pytest.raises(ValueError, match=r"\(n, d\)"):
        est.fit(np.zeros((10, 2)), np.ones(9))
    from coursekit.checkpoint import ModelFileError

    with pytest.raises(ModelFileError, match="no such model file"):
        mdn.MDNPhotoZ.load("/nonexistent/model.pt")
    with pytest.raises(ValueError, match="kind"):
        est.model = mdn.MixtureDensityNetwork(2, 1, (4,))
        est.predict(np.zeros((1, 2)), kind="best")


def test_mixture_head_gives_normalised_weights_and_positive_widths():
    raw = torch.tensor([[0.0, math.log(3.0), 0.2, -0.7, -30.0, 2.0]], dtype=torch.float64)
    log_w, mu, sigma = mdn.mixture_head(raw, sigma_min=1e-3)
    np.testing.assert_allclose(log_w.exp().numpy(), [[0.25, 0.75]], rtol=1e-12)
    np.testing.assert_allclose(mu.numpy(), [[0.2, -0.7]])
    # softplus(-30) ~ 9.4e-14: the floor sigma_min keeps the width positive; softplus(2) = log(1 + e^2)
    np.testing.assert_allclose(sigma.numpy(), [[1e-3 + math.log1p(math.exp(-30.0)), 1e-3 + math.log1p(math.exp(2.0))]])
    with pytest.raises(ValueError, match="3K"):
        mdn.mixture_head(torch.zeros(2, 4))


def test_mixture_nll_matches_mdn_nll_and_scipy():
    rng = np.random.default_rng(3)
    log_w = torch.log_softmax(torch.as_tensor(rng.normal(size=(7, 3))), -1)
    mu, sigma = torch.as_tensor(rng.uniform(0, 1, (7, 3))), torch.as_tensor(rng.uniform(0.01, 0.2, (7, 3)))
    z = torch.as_tensor(rng.uniform(0, 1, 7))
    ref = -np.mean(np.log((log_w.exp().numpy() * stats.norm.pdf(z.numpy()[:, None], mu.numpy(), sigma.numpy())).sum(1)))
    assert float(mdn.mixture_nll(log_w, mu, sigma, z)) == pytest.approx(ref, rel=1e-10)
    assert float(mdn.mdn_nll(torch.cat([log_w, mu, sigma], -1), z)) == pytest.approx(ref, rel=1e-10)


def test_train_loop_one_step_equals_coursekit_fit():
    """The bare loop of the build-it section and training.fit take the same optimisation step."""
    from coursekit.training import fit

    rng = np.random.default_rng(4)
    x = torch.as_tensor(rng.normal(size=(32, 3)), dtype=torch.float32)
    z = torch.as_tensor(rng.uniform(0.1, 0.9, 32), dtype=torch.float32)
    loader = [(x, z)]
    torch.manual_seed(0)
    a = mdn.MixtureDensityNetwork(3, 2, (8,))
    b = mdn.MixtureDensityNetwork(3, 2, (8,))
    b.load_state_dict(a.state_dict())
    losses = mdn.train_loop(a, loader, torch.optim.SGD(a.parameters(), lr=0.05), epochs=1)
    fit(b, loader, loss_fn=mdn.mdn_nll, epochs=1, optimizer=torch.optim.SGD(b.parameters(), lr=0.05),
        progress=False, device="cpu")
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        torch.testing.assert_close(pa, pb, msg=name)
    assert len(losses) == 1 and np.isfinite(losses[0])


def test_out_of_range_flags_absurd_magnitudes_and_refuses_tampered_files(tmp_path):
    from coursekit.checkpoint import ModelFileError

    rng = np.random.default_rng(5)
    X = rng.uniform(16, 24, size=(300, 2))
    est = mdn.MDNPhotoZ(mdn.MDNConfig(n_components=1, hidden=(4,), epochs=1)).fit(X, rng.uniform(0.1, 0.9, 300),
                                                                                  progress=False)
    flags = est.out_of_range(np.array([[20.0, 20.0], [80.0, 20.0], [20.0, -50.0], [25.0, 15.0]]))
    np.testing.assert_array_equal(flags, [False, True, True, False])  # 25 and 15 are within half a span
    path = est.save(tmp_path / "m.pt")
    record = torch.load(path, weights_only=True)
    record["state_dict"]["head.bias"][0] += 1.0
    torch.save(record, tmp_path / "bad.pt")
    with pytest.raises(ModelFileError, match="changed"):
        mdn.MDNPhotoZ.load(tmp_path / "bad.pt")
