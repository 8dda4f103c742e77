"""scripts/pytorch/relunet_split.py against relunet's own split (src/data/splits.cpp, run as the
split_dump test program, whose path is the first argument) and against the C++ standard's
definition of std::mt19937_64. Standard library only."""
import os
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "pytorch"))
import relunet_split  # noqa: E402

SPLIT_DUMP = None


class RelunetSplit(unittest.TestCase):
    def test_mt19937_64_is_the_standard_one(self):
        # [rand.predef]: the 10000th consecutive invocation of a default-constructed
        # std::mt19937_64 produces 9981545732273789042.
        rng = relunet_split.Mt19937_64()
        for _ in range(9999):
            rng()
        self.assertEqual(rng(), 9981545732273789042)

    def test_same_validation_images_as_relunet(self):
        for n, val_size, seed in [(50000, 5000, 1), (50000, 5000, 2), (1000, 100, 12345678901234),
                                  (7, 3, 0)]:
            out = subprocess.run([SPLIT_DUMP, str(n), str(val_size), str(seed)], check=True,
                                 stdout=subprocess.PIPE, text=True).stdout
            expected = [int(line) for line in out.split()]
            self.assertEqual(len(expected), val_size)
            train, val = relunet_split.split_train_val(n, val_size, seed)
            self.assertEqual(val, expected, (n, val_size, seed))
            self.assertEqual(sorted(train + val), list(range(n)))

    def test_seeds_give_different_splits(self):
        self.assertNotEqual(relunet_split.split_train_val(100, 10, 1)[1],
                            relunet_split.split_train_val(100, 10, 2)[1])

    def test_refuses_a_split_without_training_images(self):
        with self.assertRaisesRegex(ValueError, "leaves no training images"):
            relunet_split.split_train_val(10, 10, 1)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.access(sys.argv[1], os.X_OK):
        sys.exit("usage: test_relunet_split.py PATH_TO_split_dump")
    SPLIT_DUMP = sys.argv[1]
    unittest.main(argv=sys.argv[:1], verbosity=2)
