"""Generate the example site's sample photos: procedural landscapes, released as CC0.

Run once by a maintainer; the JPEGs it writes are committed under
example-site/sample-snapshot/originals/ so a fresh clone needs neither Python nor an
Instagram account. Deterministic: the same seed gives the same pixels.

usage: python3 make_samples.py OUT_DIR
"""
import os
import sys

import numpy as np
from PIL import Image, ImageFilter

PALETTES = [
    # sky top, sky horizon, sun, ridge near, ridge far
    ((18, 32, 74), (250, 160, 90), (255, 230, 170), (30, 24, 40), (120, 80, 110)),
    ((70, 140, 210), (200, 230, 250), (255, 255, 235), (40, 70, 50), (110, 150, 140)),
    ((10, 10, 30), (60, 50, 120), (240, 240, 255), (8, 8, 20), (40, 40, 80)),
    ((240, 120, 60), (255, 220, 150), (255, 250, 220), (90, 40, 30), (190, 110, 80)),
    ((90, 170, 200), (230, 240, 220), (255, 255, 250), (30, 90, 60), (90, 150, 120)),
    ((40, 20, 60), (230, 90, 120), (255, 200, 150), (25, 15, 35), (110, 50, 90)),
]
SIZES = [(1080, 1080), (1080, 1350), (1080, 566), (1080, 1080)]


def ridge(rng, width, base, rough):
    """A 1-D midpoint-displacement mountain profile."""
    n = 1
    pts = np.array([base + rng.uniform(-rough, rough), base + rng.uniform(-rough, rough)])
    amp = rough
    while n < width:
        mids = (pts[:-1] + pts[1:]) / 2 + rng.uniform(-amp, amp, len(pts) - 1)
        out = np.empty(len(pts) * 2 - 1)
        out[0::2], out[1::2] = pts, mids
        pts, n, amp = out, len(out), amp * 0.55
    xs = np.linspace(0, len(pts) - 1, width)
    return np.interp(xs, np.arange(len(pts)), pts)


def landscape(seed, size):
    rng = np.random.default_rng(seed)
    w, h = size
    top, hor, sun, near, far = (np.array(c, float) for c in PALETTES[seed % len(PALETTES)])
    y = np.linspace(0, 1, h)[:, None, None]
    img = top * (1 - y) + hor * y
    img = np.repeat(img, w, axis=1)
    # sun with a soft glow
    sx, sy, r = rng.uniform(0.2, 0.8) * w, rng.uniform(0.25, 0.5) * h, rng.uniform(0.05, 0.09) * w
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.hypot(xx - sx, yy - sy)
    glow = np.clip(1 - d / (r * 4), 0, 1)[..., None] ** 2
    img = img * (1 - glow * 0.6) + sun * glow * 0.6
    img[d < r] = sun
    # mountain ridges, far to near, hazier with distance
    layers = rng.integers(3, 5)
    for i in range(layers):
        t = i / max(layers - 1, 1)
        colour = far * (1 - t) + near * t
        base = h * (0.5 + 0.12 * i)
        prof = ridge(rng, w, base, h * 0.12)
        mask = yy > prof[None, :]
        shade = (1 - 0.25 * ((yy - prof[None, :]) / h).clip(0, 1))[..., None]
        img = np.where(mask[..., None], colour * shade, img)
    # film grain so encoders see photographic texture
    img += rng.normal(0, 4.0, img.shape)
    out = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    return out.filter(ImageFilter.GaussianBlur(0.6))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for i in range(12):
        im = landscape(1000 + i, SIZES[i % len(SIZES)])
        im.save(os.path.join(out, f"sample-{i + 1:02d}.jpg"), quality=85, optimize=True)


if __name__ == "__main__":
    main()
