#!/usr/bin/python3
"""Tests of scripts/pytorch/relunet_model.py's training translation (patch whitening, dirac
init, frozen convs, batch norm without scale, output scale, parameter groups) and of the
anchor's schedule and budget arithmetic (scripts/pytorch/train_fast.py). Needs Debian's
PyTorch (hence /usr/bin/python3); exits 77, which CTest reports as skipped, without it."""
import json
import math
import os
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "pytorch"))
try:
    import torch
except ImportError:
    print("PyTorch is not installed for this Python: skipped")
    sys.exit(77)
import relunet_model  # noqa: E402
import train_fast  # noqa: E402

LAYERS = [
    {"type": "conv", "filters": 24, "kernel": 2, "init": "patch-whitening", "frozen": True},
    {"type": "relu"},
    {"type": "conv", "filters": 32, "kernel": 3, "pad": 1, "bias": False, "init": "dirac",
     "init_std": 0.05},
    {"type": "maxpool", "kernel": 2},
    {"type": "batchnorm", "scale": False, "momentum": 0.4, "eps": 1e-12},
    {"type": "relu"},
    {"type": "conv", "filters": 16, "kernel": 3, "pad": 1, "bias": False, "init": "dirac"},
    {"type": "batchnorm"},
    {"type": "relu"},
    {"type": "maxpool", "kernel": 15},
    {"type": "fc", "units": 10, "bias": False, "scale": 0.125, "init_std": 0.03},
]


class Translation(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.path = os.path.join(tmp.name, "fast.json")
        with open(self.path, "w") as f:
            json.dump({"name": "fast", "input": {"channels": 3, "height": 32, "width": 32},
                       "classes": 10, "layers": LAYERS}, f)
        torch.manual_seed(3)
        self.model, _, _ = relunet_model.load(self.path)
        relunet_model.initialize(self.model)
        self.layers = [layer.module for layer in self.model.relunet_layers]

    def test_whitening_whitens_training_patches(self):
        # Correlated channels, as in real images: the whitened patches have covariance
        # diag(l / (l + eps)), close to the identity for the large eigenvalues.
        base = torch.randn(64, 1, 32, 32)
        images = torch.cat([base, 0.5 * base + 0.1 * torch.randn(64, 1, 32, 32),
                            torch.randn(64, 1, 32, 32)], 1)
        relunet_model.whiten(self.model, images)
        w = self.layers[0].weight.double()
        out = torch.nn.functional.conv2d(images.double(), w)
        half = out[:, :12].permute(1, 0, 2, 3).reshape(12, -1)
        covariance = half @ half.T / half.shape[1]
        patches = torch.nn.functional.unfold(images.double(), 2).transpose(1, 2).reshape(-1, 12)
        values = torch.linalg.eigvalsh(patches.T @ patches / patches.shape[0]).flip(0)
        expected = torch.diag(values / (values + relunet_model.WHITENING_EPS))
        self.assertTrue(torch.allclose(covariance, expected, atol=1e-6), covariance - expected)
        self.assertTrue(torch.equal(self.layers[0].weight[12:], -self.layers[0].weight[:12]))
        self.assertFalse(self.layers[0].weight.requires_grad)
        self.assertTrue(self.layers[0].bias.requires_grad)

    def test_dirac_filters_are_the_identity_and_the_rest_random(self):
        w = self.layers[2].weight  # 32 filters on 24 inputs
        identity = torch.zeros(24, 24, 3, 3)
        identity[range(24), range(24), 1, 1] = 1
        self.assertTrue(torch.equal(w[:24], identity))
        self.assertAlmostEqual(w[24:].std().item(), 0.05, delta=0.01)  # init_std
        w2 = self.layers[6].weight  # 16 filters on 32 inputs: every filter is the identity
        self.assertTrue(torch.equal(w2[range(16), range(16), 1, 1], torch.ones(16)))
        self.assertEqual(w2.abs().sum().item(), 16)

    def test_batchnorm_without_scale_and_output_scale(self):
        bn = self.layers[4]
        self.assertIsNone(bn.weight)
        self.assertEqual((bn.momentum, bn.eps), (0.4, 1e-12))
        self.assertIsNotNone(self.layers[7].weight)
        x = torch.randn(2, 3, 32, 32)
        self.model.eval()
        unscaled = self.model[:-1](x)
        self.assertTrue(torch.allclose(self.model(x), 0.125 * unscaled))

    def test_parameter_groups_and_count(self):
        groups = relunet_model.parameter_groups(self.model)
        count = {g: sum(p.numel() for p in ps) for g, ps in groups.items()}
        # weights: dirac convs and fc (the frozen whitening conv is in no group)
        self.assertEqual(count, {"weight": 32 * 24 * 9 + 16 * 32 * 9 + 10 * 16,
                                 "bias": 24, "norm": 32 + 2 * 16, "slope": 0})
        self.assertEqual(relunet_model.parameter_count(self.model),
                         sum(count.values()) + 24 * 3 * 4)

    def test_prelu_slopes_gain_and_group(self):
        # models/tiny-prelu.json: a slope per channel (per unit after fc), starting at init_slope,
        # He's gain for it on the layer before, and the slope group (no decay).
        model, _, _ = relunet_model.load(os.path.join(ROOT, "models", "tiny-prelu.json"))
        torch.manual_seed(4)
        relunet_model.initialize(model)
        layers = model.relunet_layers
        slopes = [layer.module.weight for layer in layers if layer.kind == "prelu"]
        self.assertEqual([tuple(w.shape) for w in slopes], [(8,), (16,), (32,)])
        self.assertTrue(torch.all(slopes[0] == 0.25) and torch.all(slopes[2] == 0.1))
        self.assertEqual(relunet_model.parameter_groups(model)["slope"], slopes)
        conv2 = layers[3].module.weight  # 16 x 8 x 3 x 3: He 0.162 (Xavier would be 0.096)
        he = math.sqrt(2 / (1 + 0.25 ** 2) / 72)
        self.assertAlmostEqual(conv2.std().item(), he, delta=0.1 * he)
        x = torch.randn(2, 3, 32, 32)
        features = model[:2](x)  # conv1, prelu1
        conv1 = model[0](x)
        self.assertTrue(torch.allclose(features, torch.where(conv1 > 0, conv1, 0.25 * conv1)))

    def test_test_time_augmentation_views(self):
        train_fast.torch_ref = torch
        self.model.eval()
        x = torch.randn(2, 3, 32, 32)
        with torch.no_grad():
            plain, mirrored = self.model(x), self.model(x.flip(-1))
            self.assertTrue(torch.equal(train_fast.tta_logits(self.model, x, "none"), plain))
            self.assertTrue(torch.allclose(train_fast.tta_logits(self.model, x, "flip"),
                                           0.5 * (plain + mirrored)))
            # Every view of a constant image is the image: the weights must sum to 1.
            flat = torch.full((2, 3, 32, 32), 0.7)
            self.assertTrue(torch.allclose(train_fast.tta_logits(self.model, flat, "flip-shift"),
                                           self.model(flat), atol=1e-6))
            # A shifted view differs from the plain ones on an image that is not constant.
            self.assertFalse(torch.allclose(train_fast.tta_logits(self.model, x, "flip-shift"),
                                            0.5 * (plain + mirrored), atol=1e-6))

    def test_triangle_schedule_and_budget(self):
        o = {"lr": 1.5, "schedule": "triangle", "warmup": 0.25, "lr-div": 5, "lr-final": 0.07}
        lrs = [train_fast.lr_at(o, step, 100, 10) for step in (0, 25, 100, 1000)]
        self.assertTrue(all(math.isclose(a, b) for a, b in zip(lrs, [0.3, 1.5, 0.105, 0.105])),
                        lrs)
        self.assertTrue(math.isclose(train_fast.lr_at(o, 10, 100, 10), 0.3 + 1.2 * 0.4))
        # Deadline 0.985 x 1000 s; 1 s per step, 10 steps and a 5 s validation per epoch:
        # t + 5 ceil(t / 10) <= 985 holds up to t = 655 (655 + 330), not at 656 (656 + 330).
        plan = train_fast.BudgetPlan(1000, 10, 1000)
        speed = {"step_seconds": 1.0, "epoch_end_seconds": 5.0, "final_extra_seconds": 0.0}
        self.assertEqual(plan.total_steps(0.0, 0, speed), 655)
        # 100 s spent at step 50; the TTA views of the last validation cost 25 s more:
        # 100 + (t - 50) + 5 (ceil(t / 10) - 5) + 25 <= 985: t + 5 ceil(t / 10) <= 935, which
        # holds at t = 620 (620 + 310), not at 621 (621 + 315).
        speed["final_extra_seconds"] = 25.0
        self.assertEqual(plan.total_steps(100.0, 50, speed), 620)
        self.assertEqual(train_fast.BudgetPlan(1e6, 10, 300).total_steps(0.0, 0, speed), 300)
        self.assertEqual(plan.total_steps(2000.0, 40, speed), 40)  # never fewer than taken


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
