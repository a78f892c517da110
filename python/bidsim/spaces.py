"""The two spaces bidsim's environments need, with the meaning and methods
of Gymnasium's Box and Dict (Debian ships no gymnasium): a Box is a
possibly unbounded box of float64 values of one shape; a Dict is a mapping
of names to spaces. Code written against gymnasium.spaces reads them the
same way (low, high, shape, dtype, sample(), contains(), spaces)."""
import numpy as np


class Box:
    def __init__(self, low, high, shape=(), dtype=np.float64):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.low = np.broadcast_to(np.asarray(low, dtype=self.dtype), self.shape).copy()
        self.high = np.broadcast_to(np.asarray(high, dtype=self.dtype), self.shape).copy()

    def sample(self, rng=None):
        """A uniform draw (bounded sides); exponential or normal on unbounded ones, as Gymnasium does."""
        rng = rng if rng is not None else np.random.default_rng()
        lo, hi = self.low, self.high
        x = np.where(np.isfinite(lo) & np.isfinite(hi), rng.uniform(np.where(np.isfinite(lo), lo, 0),
                                                                      np.where(np.isfinite(hi), hi, 1), self.shape),
                     np.where(np.isfinite(lo), lo + rng.exponential(size=self.shape),
                              np.where(np.isfinite(hi), hi - rng.exponential(size=self.shape),
                                       rng.normal(size=self.shape))))
        return x.astype(self.dtype) if self.shape else self.dtype.type(x)

    def contains(self, x):
        a = np.asarray(x, dtype=self.dtype)
        return a.shape == self.shape and bool(np.all(a >= self.low) and np.all(a <= self.high))

    __contains__ = contains

    def __repr__(self):
        if self.shape == ():
            return f"Box({self.low.item()}, {self.high.item()}, (), {self.dtype})"
        return f"Box({self.low.min()}, {self.high.max()}, {self.shape}, {self.dtype})"


class Dict:
    def __init__(self, spaces):
        self.spaces = dict(spaces)

    def sample(self, rng=None):
        rng = rng if rng is not None else np.random.default_rng()
        return {k: s.sample(rng) for k, s in self.spaces.items()}

    def contains(self, x):
        return isinstance(x, dict) and x.keys() == self.spaces.keys() and all(
            s.contains(x[k]) for k, s in self.spaces.items())

    __contains__ = contains

    def flatten(self, x):
        """The values of observation x in this space's key order, as one float64 vector."""
        return np.concatenate([np.ravel(np.asarray(x[k], dtype=np.float64)) for k in self.spaces])

    def __getitem__(self, key):
        return self.spaces[key]

    def keys(self):
        return self.spaces.keys()

    def __repr__(self):
        return "Dict(" + ", ".join(f"{k}: {s!r}" for k, s in self.spaces.items()) + ")"
