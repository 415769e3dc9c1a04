"""Tests of coursekit.astro.stamps: WCS-aware cut-outs, the normalisation and the torch Dataset."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from astropy.table import Table

from coursekit.astro.model import StarGalaxyCNN, dihedral_augment, predict_proba
from coursekit.astro.simulate import gaussian_psf_stamp, make_tan_wcs
from coursekit.astro.stamps import (
    StampDataset,
    cutout_stamps,
    neighbour_masks,
    normalise_stamps,
    ring_background,
    stamp_tensor,
    table_to_dataset,
)


def _gauss_image(shape=(40, 50), x=20.0, y=15.0, flux=1000.0, sky=10.0):
    img = np.full(shape, sky)
    st, x0, y0 = gaussian_psf_stamp(x, y, 3.0, 10)
    img[y0 : y0 + st.shape[0], x0 : x0 + st.shape[1]] += flux * st
    return img


def test_cutout_centre_and_offsets():
    img = np.arange(30 * 40, dtype=float).reshape(30, 40)
    stamps, edge, off = cutout_stamps(img, [10.2, 20.0], [12.6, 15.0], 5)
    assert stamps.shape == (2, 5, 5) and not edge.any()
    assert stamps[0, 2, 2] == img[13, 10] and stamps[1, 2, 2] == img[15, 20]
    np.testing.assert_allclose(off[0], [0.2, -0.4], atol=1e-12)
    np.testing.assert_array_equal(stamps[1], img[13:18, 18:23])


def test_cutout_near_edges_is_padded_with_nan():
    img = np.ones((20, 20))
    stamps, edge, _ = cutout_stamps(img, [0.0, 19.0, 10.0], [0.0, 10.0, 10.0], 7)
    assert edge.tolist() == [True, True, False]
    assert stamps.shape == (3, 7, 7)
    # corner source: the 3 rows/columns below/left of the image are NaN, the rest is data
    assert np.isnan(stamps[0, :3, :]).all() and np.isnan(stamps[0, :, :3]).all()
    assert (stamps[0, 3:, 3:] == 1).all()
    assert np.isnan(stamps[1, :, 4:]).all() and (stamps[1, :, :4] == 1).all()


def test_cutout_bad_input():
    img = np.zeros((10, 10))
    with pytest.raises(ValueError, match="odd"):
        cutout_stamps(img, [5], [5], 4)
    with pytest.raises(ValueError, match="outside"):
        cutout_stamps(img, [50], [50], 5)
    with pytest.raises(ValueError, match="equal length"):
        cutout_stamps(img, [1, 2], [1], 5)
    with pytest.raises(ValueError, match="non-finite"):
        cutout_stamps(img, [np.nan], [1], 5)


def test_normalisation_is_brightness_and_sky_independent():
    a = _gauss_image(flux=500.0, sky=10.0)
    b = _gauss_image(flux=5000.0, sky=300.0)
    sa, _, _ = cutout_stamps(a, [20.0], [15.0], 21)
    sb, _, _ = cutout_stamps(b, [20.0], [15.0], 21)
    na, fa = normalise_stamps(sa)
    nb, fb = normalise_stamps(sb)
    assert na.dtype == np.float32
    np.testing.assert_allclose(na, nb, atol=1e-6)
    assert fb[0] / fa[0] == pytest.approx(10.0, rel=1e-3)
    # pixels inside the flux circle sum to 1
    yy, xx = np.mgrid[:21, :21] - 10
    assert na[0][(xx**2 + yy**2) <= 9.5**2].sum() == pytest.approx(1.0, abs=1e-5)
    assert ring_background(sb)[0] == pytest.approx(300.0, abs=1e-3)


def test_normalisation_edges_and_noise_floor(rng):
    img = _gauss_image(flux=1000.0, sky=0.0)
    st, edge, _ = cutout_stamps(img, [1.0], [1.0], 9)
    n, _ = normalise_stamps(st, background=0.0)
    assert edge[0] and np.isfinite(n).all() and (n[0, :3, :3] == 0).all()
    noise = rng.normal(0, 1.0, (1, 21, 21))
    noise[0, 5:16, 5:16] -= 5.0  # negative "flux": divisor falls back on the noise floor
    nn, flux = normalise_stamps(noise, background=0.0)
    assert flux[0] > 0 and np.abs(nn).max() < 1.0
    with pytest.raises(ValueError, match="2 values for 1 stamps"):
        normalise_stamps(noise, background=np.zeros(2))


def test_table_to_dataset():
    img = _gauss_image(flux=800.0)
    st, _, _ = cutout_stamps(img, [20.0, 20.0, 30.0], [15.0, 15.0, 20.0], 11)
    t = Table({"id": [1, 2, 3], "is_galaxy": [0, 1, 0]})
    ds = table_to_dataset(t, st)
    assert isinstance(ds, torch.utils.data.Dataset) and len(ds) == 3 and ds.stamp_size == 11
    x, y = ds[1]
    assert x.shape == (1, 11, 11) and x.dtype == torch.float32 and y.item() == 1.0
    assert "norm_flux" in ds.table.colnames and len(ds.table) == 3
    loader = torch.utils.data.DataLoader(ds, batch_size=2)
    xb, yb = next(iter(loader))
    assert xb.shape == (2, 1, 11, 11) and yb.shape == (2,)
    with pytest.raises(ValueError, match="3 rows but there are 2"):
        StampDataset(st[:2], t)
    with pytest.raises(KeyError, match="no label column"):
        StampDataset(st, t, label="kind")
    assert StampDataset(st, t, label=None)[0][1].item() == 0.0


def test_dataset_with_catalogue_features():
    img = _gauss_image(flux=800.0)
    st, _, _ = cutout_stamps(img, [20.0, 20.0, 30.0], [15.0, 15.0, 20.0], 11)
    t = Table({"is_galaxy": [0, 1, 0], "log_snr": [1.0, 2.0, np.nan], "fwhm": [3.0, 3.0, 3.0]})
    ds = StampDataset(st, t, features=("log_snr", "fwhm"))
    x, f, y = ds[0]
    assert x.shape == (1, 11, 11) and f.shape == (2,) and ds.n_features == 2
    mean, std = ds.feature_stats
    np.testing.assert_allclose(mean, [1.5, 3.0])
    np.testing.assert_allclose(std, [0.5, 1.0])  # a constant column keeps std 1
    np.testing.assert_allclose(ds.f.numpy(), [[-1, 0], [1, 0], [0, 0]], atol=1e-6)  # NaN -> the mean
    test = StampDataset(st, t, features=("log_snr", "fwhm"), feature_stats=ds.feature_stats)
    assert torch.equal(test.f, ds.f)
    with pytest.raises(KeyError, match="no feature columns"):
        StampDataset(st, t, features=("gini",))
    with pytest.raises(ValueError, match="length 2"):
        StampDataset(st, t, features=("log_snr", "fwhm"), feature_stats=(np.zeros(1), np.ones(1)))
    m = StarGalaxyCNN(n_features=2)
    xb, fb, _ = next(iter(torch.utils.data.DataLoader(ds, batch_size=3)))
    assert m(xb, fb).shape == (3,)
    with pytest.raises(ValueError, match="needs"):
        m(xb)
    with pytest.raises(ValueError, match="takes no features"):
        StarGalaxyCNN()(xb, fb)
    p = predict_proba(m, ds)
    assert p.shape == (3,)
    (xa, fa), _ = dihedral_augment([xb, fb], torch.zeros(3))
    assert torch.equal(fa, fb)

def test_stamp_tensor_is_wcs_aware_and_brightness_free():
    wcs = make_tan_wcs((40, 50), 150.0, 2.0, 0.4)
    pos = wcs.pixel_to_world(20.0, 15.0)
    a = stamp_tensor(_gauss_image(flux=1000.0, sky=10.0), wcs, pos, 11)
    b = stamp_tensor(_gauss_image(flux=5000.0, sky=30.0), wcs, pos, 11)
    assert a.shape == (1, 11, 11) and a.dtype == torch.float32
    assert float(a.sum()) == pytest.approx(1.0, abs=1e-5)
    torch.testing.assert_close(a, b, atol=1e-4, rtol=0)
    assert int(a[0].argmax()) == 5 * 11 + 5       # the source is at the centre
    edge = stamp_tensor(_gauss_image(), wcs, wcs.pixel_to_world(1.0, 15.0), 11)
    assert torch.isfinite(edge).all() and int((edge[0, :, :4] == 0).all())   # off-image pixels are 0



def test_neighbour_masks_hand_computed():
    seg = np.zeros((7, 9), int)
    seg[2:5, 1:4] = 1   # the source
    seg[2:5, 5:7] = 2   # its neighbour
    seg[0, 7] = 3       # another neighbour
    m = neighbour_masks(seg, [1], [4.0], [3.0], 5)  # stamp: image x 2..6, y 1..5
    expected = np.zeros((5, 5), bool)
    expected[1:4, 3:5] = True  # segment 2: image x 5..6, y 2..4 -> stamp x 3..4, y 1..3; segment 3 is outside
    np.testing.assert_array_equal(m[0], expected)
    m2 = neighbour_masks(seg, [2], [5.0], [2.0], 5)  # the neighbour's stamp: image x 3..7, y 0..4
    expected = np.zeros((5, 5), bool)
    expected[2:5, 0] = True  # segment 1 at image x = 3
    expected[0, 4] = True    # segment 3 at image (x, y) = (7, 0)
    np.testing.assert_array_equal(m2[0], expected)
    assert not neighbour_masks(seg, [1], [0.0], [0.0], 5)[0][:2].any()  # off-image rows stay unmasked
    with pytest.raises(ValueError, match="integer label image"):
        neighbour_masks(seg.astype(float), [1], [2.0], [3.0], 5)
    with pytest.raises(ValueError, match="one label per source"):
        neighbour_masks(seg, [1, 2], [2.0], [3.0], 5)


def test_masking_a_neighbour_restores_the_isolated_stamp():
    """A star with a bright neighbour 7 px away: masking the neighbour's pixels brings its normalised stamp back
    to that of the same star alone (the neighbour's flux no longer enters the background or the divisor)."""
    alone = _gauss_image(shape=(40, 50), x=20.0, y=15.0, flux=1000.0, sky=10.0)
    pair = alone + _gauss_image(shape=(40, 50), x=27.0, y=15.0, flux=3000.0, sky=0.0)
    seg = np.zeros(pair.shape, int)
    seg[9:22, 14:24] = 1
    seg[9:22, 24:34] = 2  # the neighbour's segment starts 3.5 px from the star
    st_alone, _, _ = cutout_stamps(alone, [20.0], [15.0], 21)
    st_pair, _, _ = cutout_stamps(pair, [20.0], [15.0], 21)
    mask = neighbour_masks(seg, [1], [20.0], [15.0], 21)
    clean = StampDataset(st_alone, Table({"is_galaxy": [0]}), background=10.0).x[0, 0].numpy()
    raw = StampDataset(st_pair, Table({"is_galaxy": [0]}), background=10.0).x[0, 0].numpy()
    masked_ds = StampDataset(st_pair, Table({"is_galaxy": [0]}), background=10.0, mask=mask)
    masked = masked_ds.x[0, 0].numpy()
    assert (masked[mask[0]] == 0).all()
    keep = ~mask[0]
    assert np.abs(masked - clean)[keep].max() < 0.1 * np.abs(raw - clean)[keep].max()
    assert masked_ds.table["norm_flux"][0] == pytest.approx(1000.0, rel=0.02)  # the star's own flux
    with pytest.raises(ValueError, match="mask shape"):
        StampDataset(st_pair, Table({"is_galaxy": [0]}), mask=mask[:, :5])
