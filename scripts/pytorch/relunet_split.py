"""relunet_split.py — relunet's seeded train/validation split (src/data/splits.cpp), reproduced
exactly, so the PyTorch anchor validates on the very images relunet validates on.

relunet shuffles 0..n-1 with a Fisher-Yates shuffle driven by std::mt19937_64 seeded with --seed
(its output is fixed by the C++ standard) and rejection sampling for uniform integers
(src/data/seeded_random.cpp); the last val_size entries, sorted, are the validation split, the
rest, sorted, the training split. Standard library only.
"""

MASK64 = (1 << 64) - 1


class Mt19937_64:
    """std::mt19937_64: the 64-bit Mersenne Twister with the C++ standard's parameters."""
    N, M = 312, 156
    MATRIX_A, UPPER, LOWER = 0xB5026F5AA96619E9, 0xFFFFFFFF80000000, 0x7FFFFFFF

    def __init__(self, seed=5489):
        state = [seed & MASK64]
        for i in range(1, self.N):
            state.append((6364136223846793005 * (state[-1] ^ (state[-1] >> 62)) + i) & MASK64)
        self.state, self.index = state, self.N

    def _twist(self):
        s, n, m = self.state, self.N, self.M
        for i in range(n):
            x = (s[i] & self.UPPER) | (s[(i + 1) % n] & self.LOWER)
            s[i] = s[(i + m) % n] ^ (x >> 1) ^ (self.MATRIX_A if x & 1 else 0)
        self.index = 0

    def __call__(self):
        if self.index >= self.N:
            self._twist()
        y = self.state[self.index]
        self.index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        return (y ^ (y >> 43)) & MASK64


def uniform_below(rng, n):
    """relunet's uniform_below: a uniform integer in [0, n) by rejection of the biased draws."""
    reject_below = (-n) % n  # 2^64 mod n, as (0 - n) % n in uint64_t
    while True:
        x = rng()
        if x >= reject_below:
            return x % n


def split_train_val(n, val_size, seed):
    """(training indices, validation indices), both sorted, as relunet's split_train_val."""
    if not 0 <= val_size < n:
        raise ValueError(f"validation split of {val_size} images leaves no training images "
                         f"out of {n}")
    order = list(range(n))
    rng = Mt19937_64(seed)
    for i in range(n, 1, -1):
        j = uniform_below(rng, i)
        order[i - 1], order[j] = order[j], order[i - 1]
    cut = n - val_size
    return sorted(order[:cut]), sorted(order[cut:])
