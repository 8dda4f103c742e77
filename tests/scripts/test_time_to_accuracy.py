"""Tests of scripts/time-to-accuracy over synthetic metrics.jsonl files, run as a user runs it
(the script itself, through its own interpreter line). Standard library only; registered in
tests/CMakeLists.txt, so scripts/test.sh runs it."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "time-to-accuracy")


def script_python():
    with open(SCRIPT, encoding="utf-8") as f:
        return f.readline()[2:].strip()


def has_matplotlib():
    return subprocess.run([script_python(), "-c", "import matplotlib"],
                          stderr=subprocess.DEVNULL).returncode == 0


class TimeToAccuracy(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def run_dir(self, name, records):
        path = os.path.join(self.tmp.name, name)
        os.makedirs(path)
        with open(os.path.join(path, "metrics.jsonl"), "w", encoding="utf-8") as f:
            for record in records:
                f.write((record if isinstance(record, str) else json.dumps(record)) + "\n")
        return path

    def epochs(self, name, seconds_per_epoch, accuracies, start=5.0):
        return self.run_dir(name, [{"epoch": i + 1, "step": 10 * (i + 1), "train_loss": 1.0,
                                    "elapsed_seconds": start + seconds_per_epoch * (i + 1),
                                    "val_accuracy": a, "val_loss": 0.5}
                                   for i, a in enumerate(accuracies)])

    def tool(self, *args):
        return subprocess.run([SCRIPT, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)

    def report(self, *args):
        proc = self.tool(*args, "--json", "--no-plot")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout)

    def test_first_epoch_at_or_above_each_threshold(self):
        # 4650/5000 is exactly 93%: reached. 0.9399 is below 94%: not reached.
        run = self.epochs("fast", 60.0, [0.5, 0.91, 0.89, 0.925, 4650 / 5000, 0.9399, 0.935])
        r = self.report(run)["runs"][0]
        self.assertEqual([(x["threshold_percent"], x["epoch"], x["seconds"]) for x in r["reached"]],
                         [(90, 2, 125.0), (92, 4, 245.0), (93, 5, 305.0), (94, None, None)])
        self.assertEqual(r["final"], {"epoch": 7, "seconds": 425.0, "val_accuracy": 0.935,
                                      "val_tta": "none"})
        self.assertEqual(r["best"], {"epoch": 6, "seconds": 365.0, "val_accuracy": 0.9399,
                                     "val_tta": "none"})
        self.assertEqual(r["epochs"], 7)

    def test_table_and_ratio_between_runs(self):
        a = self.epochs("relunet", 60.0, [0.9, 0.93], start=0.0)
        b = self.epochs("pytorch", 150.0, [0.85, 0.92, 0.931], start=0.0)
        proc = self.tool(a, b, "--no-plot", "--thresholds", "90,93", "--labels", "rn,pt")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = proc.stdout.splitlines()
        rn = next(line for line in lines if line.startswith("rn "))
        pt = next(line for line in lines if line.startswith("pt "))
        self.assertRegex(rn, r"1\.0 min \(1\)\s+2\.0 min \(2\)\s+93\.00% \(2, 2\.0 min\)")
        self.assertRegex(pt, r"5\.0 min \(2\)\s+7\.5 min \(3\)\s+93\.10% \(3, 7\.5 min\)")
        # 90%: 300 s / 60 s; 93%: 450 s / 120 s.
        self.assertIn("pt took, relative to rn: 90%: 5.00x, 93%: 3.75x", proc.stdout)
        ratios = self.report(a, b, "--thresholds", "90,93,94")["runs"][1]["time_ratio_to_first"]
        self.assertEqual(ratios, {"90": 5.0, "93": 3.75, "94": None})

    def test_final_validation_with_tta_is_marked(self):
        run = self.run_dir("tta", [
            {"epoch": 1, "elapsed_seconds": 60.0, "val_accuracy": 0.92, "val_tta": "none"},
            {"epoch": 2, "elapsed_seconds": 130.0, "val_accuracy": 0.935,
             "val_tta": "flip-shift"}])
        proc = self.tool(run, "--no-plot")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("93.50% (2, 2.2 min, TTA flip-shift)", proc.stdout)
        self.assertEqual(self.report(run)["runs"][0]["reached"][2]["val_tta"], "flip-shift")

    def test_not_reached_in_table(self):
        run = self.epochs("slow", 60.0, [0.5, 0.6])
        proc = self.tool(run, "--no-plot")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        row = proc.stdout.splitlines()[-1]
        self.assertEqual(row.count("not reached"), 4, row)

    def test_resumed_run_last_record_of_an_epoch_wins(self):
        run = self.run_dir("resumed", [
            {"epoch": 1, "elapsed_seconds": 50.0, "val_accuracy": 0.95},
            {"epoch": 1, "elapsed_seconds": 60.0, "val_accuracy": 0.80},
            {"epoch": 2, "elapsed_seconds": 120.0, "val_accuracy": 0.91}])
        r = self.report(run)["runs"][0]
        self.assertEqual(r["reached"][0], {"threshold_percent": 90, "epoch": 2, "seconds": 120.0,
                                           "val_accuracy": 0.91, "val_tta": "none"})
        self.assertEqual([p["seconds"] for p in r["curve"]], [60.0, 120.0])

    def test_bad_inputs_are_one_line_errors(self):
        missing = os.path.join(self.tmp.name, "missing")
        no_val = self.run_dir("no-val", [{"epoch": 1, "elapsed_seconds": 3.0, "train_loss": 1}])
        broken = self.run_dir("broken", ['{"epoch": 1, "elapsed_seconds": 3.0,'])
        empty = self.run_dir("empty", [])
        cases = [((missing,), "metrics.jsonl does not exist"),
                 ((no_val,), 'epoch 1: no number "val_accuracy" (the run has no validation'),
                 ((broken,), "metrics.jsonl, line 1: invalid JSON"),
                 ((empty,), "has no epoch records yet")]
        for args, message in cases:
            proc = self.tool(*args, "--no-plot")
            self.assertEqual(proc.returncode, 1, args)
            self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
            self.assertTrue(proc.stderr.startswith("time-to-accuracy: "), proc.stderr)
            self.assertIn(message, proc.stderr)
            self.assertEqual(proc.stdout, "")

    def test_bad_command_lines(self):
        run = self.epochs("ok", 60.0, [0.9])
        for args, message in [(("--thresholds", "0.93"), "not a percentage"),
                              (("--thresholds", "ninety"), "comma-separated percentages"),
                              (("--labels", "a,b"), "--labels names 2 run(s)"),
                              (("--plot", "x.png", "--no-plot"), "not allowed with")]:
            proc = self.tool(run, *args)
            self.assertEqual(proc.returncode, 2, args)
            self.assertIn(message, proc.stderr)

    def test_plot(self):
        run = self.epochs("plotted", 60.0, [0.5, 0.91, 0.94])
        png = os.path.join(self.tmp.name, "out", "tta.png")
        proc = self.tool(run, "--plot", png)
        if has_matplotlib():
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn(f"plot: {png}", proc.stdout)
            with open(png, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
            default = self.tool(run)  # one run: the plot goes into its directory
            self.assertEqual(default.returncode, 0, default.stderr)
            self.assertTrue(os.path.isfile(os.path.join(run, "time-to-accuracy.png")))
        else:  # without matplotlib the plot is refused clearly and --no-plot still works
            self.assertEqual(proc.returncode, 1)
            self.assertIn("matplotlib is missing", proc.stderr)
            self.assertIn("--no-plot", proc.stderr)
            self.assertFalse(os.path.exists(png))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
