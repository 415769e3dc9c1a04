"""Tests of coursekit.astro.model: the CNN, training, prediction, save/load through coursekit.checkpoint."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from astropy.table import Table

from coursekit.astro.model import StarGalaxyCNN, dihedral_augment, labelled_sample, load, predict_proba, save
from coursekit.astro.stamps import StampDataset


def test_cnn_shapes_and_bad_input():
    m = StarGalaxyCNN()
    out = m(torch.zeros(5, 1, 21, 21))
    assert out.shape == (5,)
    with pytest.raises(ValueError, match="batch, 1, size, size"):
        m(torch.zeros(5, 21, 21))
    assert sum(p.numel() for p in m.parameters()) < 30_000


def test_dihedral_augment_keeps_content():
    x = torch.arange(2 * 9, dtype=torch.float32).reshape(2, 1, 3, 3)
    (xa,), y = dihedral_augment([x], torch.tensor([0.0, 1.0]))
    assert xa.shape == x.shape and torch.equal(torch.sort(xa.flatten(1)).values, torch.sort(x.flatten(1)).values)


def test_cnn_overfits_small_sample(rng):
    """The loss must fall when fitting 64 stamps of point sources vs. wide blobs."""
    from coursekit.training import fit

    yy, xx = np.mgrid[:15, :15] - 7
    n = 64
    lab = np.arange(n) % 2
    width = np.where(lab == 1, 3.0, 1.2)
    stamps = np.exp(-(xx**2 + yy**2)[None] / (2 * width[:, None, None] ** 2)) + rng.normal(0, 0.02, (n, 15, 15))
    ds = StampDataset(stamps, Table({"is_galaxy": lab}), background=0.0)
    loader = torch.utils.data.DataLoader(ds, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))
    model = StarGalaxyCNN()
    hist = fit(model, loader, None, loss_fn=torch.nn.BCEWithLogitsLoss(), epochs=12, lr=5e-3, device="cpu",
               progress=False)
    assert hist.train_loss[-1] < 0.3 * hist.train_loss[0]
    p = predict_proba(model, ds)
    assert p.shape == (n,) and np.mean((p > 0.5) == lab) >= 0.95

def test_save_load_round_trip_and_refusals(tmp_path):
    from coursekit.checkpoint import ModelFileError, save_model

    m = StarGalaxyCNN(n_features=1)
    path = save(tmp_path / "sg.pt", m, stamp_size=21, features=("log_snr",),
                feature_stats=(np.array([1.0]), np.array([2.0])))
    back, cfg = load(path)
    assert cfg["stamp_size"] == 21 and cfg["features"] == ["log_snr"] and cfg["feature_stats"] == [[1.0], [2.0]]
    x, f = torch.randn(3, 1, 21, 21), torch.randn(3, 1)
    m.eval()
    torch.testing.assert_close(back(x, f), m(x, f))
    save_model(tmp_path / "gw.pt", topic="gw", state_dict=m.state_dict())
    with pytest.raises(ModelFileError, match="gw.pt"):
        load(tmp_path / "gw.pt")
    save_model(tmp_path / "bad.pt", topic="astro", state_dict={"w": torch.zeros(2)}, config={"n_features": 0})
    with pytest.raises(ModelFileError, match="do not fit a StarGalaxyCNN"):
        load(tmp_path / "bad.pt")


def test_labelled_sample_labels_and_stamps():
    from coursekit.astro.simulate import simulate_field

    f = simulate_field(seed=21, shape=(192, 192), n_stars=20, n_galaxies=20)
    s = labelled_sample(f, stamp_size=15)
    assert len(s) >= 30 and s.stamps.shape == (len(s), 15, 15)
    # every label is the matched injected source's type
    truth = f.truth
    by_id = {int(i): int(g) for i, g in zip(truth["id"], truth["is_galaxy"])}
    assert all(by_id[int(i)] == int(g) for i, g in zip(s.table["truth_id"], s.table["is_galaxy"]))



def test_labelled_sample_masks_only_other_segments():
    """Each stamp's neighbour mask holds exactly the stamp pixels of the *other* deblended segments."""
    from coursekit.astro.detect import detect
    from coursekit.astro.simulate import simulate_field

    f = simulate_field(seed=5, shape=(192, 192), n_stars=25, n_galaxies=25, min_separation=6.0)
    det = detect(f.data, f.wcs, fwhm=f.spec.psf_fwhm)
    s = labelled_sample(f, stamp_size=15, detection=det)
    seg = det.segmentation.data
    assert s.neighbours.shape == s.stamps.shape and s.neighbours.any()
    np.testing.assert_array_equal(s.table["n_neighbour_px"], s.neighbours.sum(axis=(1, 2)))
    for i in np.nonzero(s.table["n_neighbour_px"])[0][:5]:
        xc, yc = int(round(float(s.table["x"][i]))), int(round(float(s.table["y"][i])))
        labs = seg[yc - 7 : yc + 8, xc - 7 : xc + 8]  # away from the edges in this field
        if labs.shape != (15, 15):
            continue
        own = int(s.table["id"][i])
        np.testing.assert_array_equal(s.neighbours[i], (labs > 0) & (labs != own))
    # the dataset blanks them; without masks a sample refuses to pretend
    ds = s.dataset()
    i = int(np.argmax(s.table["n_neighbour_px"]))
    assert (ds.x[i, 0].numpy()[s.neighbours[i]] == 0).all()
    raw = s.dataset(mask_neighbours=False)
    assert not torch.equal(raw.x[i], ds.x[i])
    from coursekit.astro.model import LabelledSample

    with pytest.raises(ValueError, match="no neighbour masks"):
        LabelledSample(s.table, s.stamps, s.background).dataset()
    sub = s.subset(np.arange(len(s)) < 3)
    assert sub.neighbours.shape == (3, 15, 15)
