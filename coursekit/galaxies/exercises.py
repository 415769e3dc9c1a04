"""Exercises, build-it checks, experiment checks and the quiz of the galaxy-morphology lesson (notebook 02).

Registered with :mod:`coursekit.exercises`; the worked solutions live only in the solved notebook.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from coursekit.exercises import (
    Result,
    _register,
    compare_outputs,
    effect_exercise,
    exercise,
    function_exercise,
    get_exercise,
)

# --------------------------------------------------------------------------- concentration of a disc

#: C = 5 log10(r80 / r20) of an exponential disc, total light to infinity.
DISC_CONCENTRATION = 2.8008


@exercise("galaxies.disc_concentration", title="Concentration of an exponential disc",
          hints=("The light inside radius x = R/h of I = exp(-R/h) is L(<x)/L = 1 - (1 + x) exp(-x).",
                 "Solve L(<x)/L = 0.2 and 0.8 numerically (scipy.optimize.brentq), then C = 5 log10(x80 / x20)."))
def disc_concentration(answer) -> Result:
    value = float(answer)
    if abs(value - DISC_CONCENTRATION) < 0.03:
        return Result.ok(f"C = {value:.2f}. Ellipticals (de Vaucouleurs) reach C ~ 5; a simple cut near C = 3 "
                         "already separates early from late types (Conselice 2003).")
    if abs(value - np.log10(2.994 / 0.824)) < 0.03:
        return Result.fail("You have log10(r80/r20); the concentration index has a factor 5 in front.")
    if 5 < value < 5.6:
        return Result.fail("That is the value for a de Vaucouleurs (n = 4) profile; redo it for I ∝ exp(-R/h).")
    return Result.fail("Integrate I(R) = exp(-R/h) over the disc: L(<x)/L = 1 - (1 + x) e^(-x) with x = R/h; "
                       "solve for 20% and 80% of the light and take 5 log10(x80 / x20).")


# --------------------------------------------------------------------------- build it: the transfer recipe

def _tiny_trained_model(seed: int):
    """A ResNet18 galaxy classifier with random (seeded) weights, standing in for a trained one."""
    import torch

    from coursekit.galaxies.model import build_model

    torch.manual_seed(seed)
    return build_model(("elliptical", "spiral", "merger", "irregular"))


def _summary(model, optimizer, classes) -> dict:
    """What the recipe must get right, as comparable values."""
    import torch
    from torch import nn

    head = model.trunk.fc
    layers = [type(m).__name__ for m in head] if isinstance(head, nn.Sequential) else [type(head).__name__]
    shapes = [list(m.weight.shape) for m in head.modules() if isinstance(m, nn.Linear)]
    drops = [float(m.p) for m in head.modules() if isinstance(m, nn.Dropout)]
    trainable = {n: bool(p.requires_grad) for n, p in model.named_parameters()}
    if not isinstance(optimizer, torch.optim.Optimizer):
        return {"optimizer": type(optimizer).__name__}
    in_opt = {id(p) for g in optimizer.param_groups for p in g["params"]}
    group = optimizer.param_groups[0]
    return {
        "optimizer": type(optimizer).__name__,
        "lr": float(group["lr"]),
        "weight_decay": float(group["weight_decay"]),
        "head layers": "-".join(layers),
        "head Linear weight shapes": shapes,
        "head dropout": drops,
        "model.classes": "/".join(getattr(model, "classes", ())),
        "trainable": {n: t for n, t in trainable.items()},
        "optimised = trainable": {n: (id(p) in in_opt) == p.requires_grad for n, p in model.named_parameters()},
    }


@exercise("galaxies.transfer_setup", title="Build it: the transfer-learning set-up (new head, frozen early layers, AdamW)",
          hints=("Copy the model (copy.deepcopy), swap model.trunk.fc for classifier_head(512, len(classes)), freeze "
                 "the stem and layer1, and give AdamW only the parameters that still need gradients.",
                 "new = copy.deepcopy(model); new.trunk.fc = classifier_head(512, len(classes), hidden=256, "
                 "dropout=0.3); new.classes = tuple(classes); for name in ('conv1', 'bn1', 'layer1'): for p in "
                 "getattr(new.trunk, name).parameters(): p.requires_grad_(False); optimizer = torch.optim.AdamW("
                 "[p for p in new.parameters() if p.requires_grad], lr=lr, weight_decay=weight_decay)."))
def transfer_setup_check(answer) -> Result:
    """Run the student's ``transfer_setup(model, classes, lr, weight_decay)`` and coursekit's on the same fresh model."""
    from coursekit.galaxies.model import transfer_setup

    if not callable(answer):
        return Result.fail("Pass your function itself: check('galaxies.transfer_setup', transfer_setup).")
    trials = [(("elliptical", "spiral", "merger"), 1e-3, 0.05), (("smooth", "featured"), 3e-4, 0.01)]
    for i, (classes, lr, wd) in enumerate(trials, start=1):
        original = _tiny_trained_model(i)
        before = {n: p.detach().clone() for n, p in original.named_parameters()}
        ref_model, ref_opt = transfer_setup(_tiny_trained_model(i), classes, lr=lr, weight_decay=wd)
        try:
            got = answer(original, classes, lr, wd)
        except NotImplementedError:
            return Result.fail("Not attempted yet: write the body of transfer_setup.")
        except Exception as exc:  # the student's code
            return Result.fail(f"Input {i} (classes {classes}, lr {lr:g}, weight_decay {wd:g}): your function raised "
                               f"{type(exc).__name__}: {exc}")
        if not (isinstance(got, tuple) and len(got) == 2):
            return Result.fail("Return the pair (new_model, optimizer).")
        if got[0] is original:
            return Result.fail("You changed the model you were given: work on copy.deepcopy(model), so the "
                               "pretrained network stays usable (for the from-scratch comparison and the next run).")
        changed = [n for n, p in original.named_parameters() if not p.requires_grad or not np.array_equal(
            p.detach().numpy(), before[n].numpy())]
        if changed:
            return Result.fail(f"The original model was modified ({changed[0]}): work on a deep copy.")
        diff = compare_outputs(_summary(ref_model, ref_opt, classes), _summary(*got, classes), rtol=1e-9, atol=0,
                               where="your set-up")
        if diff:
            return Result.fail(f"Input {i} (classes {classes}, lr {lr:g}, weight_decay {wd:g}): {diff}.")
    return Result.ok("Same head, same frozen layers, same optimiser as coursekit's transfer_setup on both inputs.")


# A build-it check (the student writes a function) whose outputs, a module and an optimiser, are compared through a
# summary rather than elementwise: registered with its own checker, but of kind "function" like function_exercise's.
_register(replace(get_exercise("galaxies.transfer_setup"), kind="function"))


# --------------------------------------------------------------------------- build it: rotation TTA

def _pixel_linear(size: int, n_classes: int, seed: int):
    """A deterministic, orientation-sensitive test classifier: logits linear in the pixels."""
    import torch
    from torch import nn

    class PixelLinear(nn.Sequential):
        def __repr__(self) -> str:
            return f"a linear test classifier (3x{size}x{size} pixels -> {n_classes} classes)"

    torch.manual_seed(seed)
    return PixelLinear(nn.Flatten(), nn.Linear(3 * size * size, n_classes)).eval()


def _tta_inputs(rng: np.random.Generator):
    import torch

    size = int(rng.choice([6, 8, 11]))
    n, c = int(rng.integers(1, 5)), int(rng.integers(2, 5))
    model = _pixel_linear(size, c, int(rng.integers(0, 1000)))
    images = torch.as_tensor(rng.random((n, 3, size, size)), dtype=torch.float32)
    return (model, images), {}


function_exercise(
    "galaxies.predict_tta", title="Build it: rotation/flip test-time augmentation",
    reference="coursekit.galaxies.model:predict_tta", make_inputs=_tta_inputs, n_trials=4, rtol=1e-5, atol=1e-6,
    hints=("Make the 8 views: the image and its mirror image (x.flip(-1)), each rotated by 0, 1, 2, 3 quarter "
           "turns with torch.rot90(v, k, dims=(-2, -1)); average the softmax probabilities, not the logits.",
           "views = [torch.rot90(v, k, dims=(-2, -1)) for v in (x, x.flip(-1)) for k in range(4)]; "
           "return torch.stack([torch.softmax(model(v), dim=1) for v in views]).mean(0) (under torch.no_grad(), "
           "model.eval())."),
)


# --------------------------------------------------------------------------- expected calibration error

def calibration_exercise_data() -> tuple[np.ndarray, np.ndarray]:
    """Ten predictions of a 3-class classifier: probabilities (10, 3) and true labels (10,)."""
    probs = np.array([
        [0.95, 0.03, 0.02], [0.92, 0.05, 0.03], [0.10, 0.85, 0.05], [0.20, 0.75, 0.05], [0.55, 0.40, 0.05],
        [0.30, 0.35, 0.35], [0.05, 0.05, 0.90], [0.62, 0.30, 0.08], [0.15, 0.15, 0.70], [0.48, 0.46, 0.06],
    ])
    labels = np.array([0, 1, 1, 1, 1, 2, 2, 0, 2, 0])
    return probs, labels


@exercise("galaxies.ece", title="Expected calibration error by hand (5 bins)",
          hints=("Per bin of the top-class probability: |accuracy - mean confidence|, weighted by the bin's share.",
                 "conf = probs.max(1); correct = probs.argmax(1) == labels; for each bin (lo, hi] of "
                 "np.linspace(0, 1, 6): add inside.mean() * abs(correct[inside].mean() - conf[inside].mean())."))
def ece(answer) -> Result:
    from coursekit.galaxies.metrics import expected_calibration_error

    value = float(answer)
    probs, labels = calibration_exercise_data()
    ref = expected_calibration_error(probs, labels, n_bins=5)
    if abs(value - ref) < 1e-3:
        return Result.ok(f"ECE = {value:.3f}: on average the stated confidence is off by {100 * value:.0f} "
                         "percentage points, weighted by how many predictions fall in each bin.")
    if abs(value - (1 - np.mean(probs.argmax(1) == labels))) < 1e-3:
        return Result.fail("That is the error rate. The ECE compares confidence with accuracy inside each bin.")
    if abs(value - abs(np.mean(probs.argmax(1) == labels) - probs.max(1).mean())) < 1e-3:
        return Result.fail("You compared mean confidence and accuracy over all predictions at once (one bin); "
                           "use 5 bins and weight each |acc - conf| by the fraction of predictions in it.")
    return Result.fail("Per bin of the top-class probability (edges 0, 0.2, ..., 1): |accuracy - mean confidence|, "
                       "weighted by the fraction of the 10 predictions in the bin, summed over bins.")


# --------------------------------------------------------------------------- experiments

effect_exercise(
    "galaxies.rotation_invariance",
    title="Experiment: what do random rotations in training buy?",
    direction=+1, min_sigma=2.0, value_range=(0.02, 0.8),
    what="accuracy gain on turned galaxies (with - without rotations)",
    hints=("Run experiment.rotation_experiment(cfg, rotate=False) beside the rotate=True run and compare their "
           "accuracies on the test galaxies turned by 90 degrees (the same galaxies for both).",
           "effect = experiment.rotation_effect(with_rotations, without_rotations): a paired bootstrap over the same "
           "test galaxies of accuracy(with) - accuracy(without)."),
)

effect_exercise(
    "galaxies.mc_dropout_calibration",
    title="Experiment: does averaging over dropout masks change the calibration?",
    direction=0, min_sigma=3.0, value_range=(-0.05, 0.05), what="ECE change (MC dropout - single)",
    hints=("Compare the ECE of predict() and of predict_mc_dropout() on the same test galaxies, paired.",
           "cal = experiment.calibration_experiment(trained, sim, cfg); effect = cal.ece_change (a paired bootstrap "
           "of ECE(MC) - ECE(single))."),
)


# --------------------------------------------------------------------------- Galaxy10 -> four classes

@exercise("galaxies.galaxy10_mapping",
          title="Map the ten Galaxy10 DECaLS classes onto elliptical/spiral/merger/irregular",
          hints=("Smooth galaxies have no disc features; every disc (barred, tight, loose, edge-on) is a spiral.",
                 "0 disturbed -> irregular (3), 1 merging -> merger (2), 2-4 smooth -> elliptical (0), 5-9 -> spiral (1)."))
def galaxy10_mapping(answer) -> Result:
    from coursekit.galaxies.data import GALAXY10_CLASSES, GALAXY10_TO_FOUR
    from coursekit.galaxies.simulate import CLASSES

    mapping = {int(k): int(v) for k, v in dict(answer).items()}
    missing = sorted(set(range(10)) - set(mapping))
    if missing:
        return Result.fail(f"Give a class for every Galaxy10 index; missing {missing}.")
    wrong = [k for k in range(10) if mapping[k] != GALAXY10_TO_FOUR[k]]
    if not wrong:
        return Result.ok("Right. Smooth = elliptical, discs (barred, tight, loose, edge-on) = spiral; "
                         "'disturbed' is the closest to irregular, but it is a loose match.")
    k = wrong[0]
    if k in (8, 9):
        return Result.fail(f"{GALAXY10_CLASSES[k]}: an edge-on galaxy is a disc seen side on, so it belongs with "
                           "the spirals even though no arms are visible.")
    if k == 4:
        return Result.fail("Cigar-shaped smooth galaxies have no disc features: they are smooth, i.e. elliptical "
                           "(or edge-on S0s, which Galaxy Zoo also calls smooth).")
    return Result.fail(f"Look again at {GALAXY10_CLASSES[k]} (index {k}); you mapped it to "
                       f"{CLASSES[mapping[k]] if 0 <= mapping[k] < 4 else mapping[k]}.")
