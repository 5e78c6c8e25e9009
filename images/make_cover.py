"""Draw the brochure's cover picture: an abstract landscape of ridges in IOM blues.

The picture is made here, not downloaded: layered mountain ridges (the Alborz behind Tehran,
loosely), a warm sun and a dotted road winding towards the horizon, a journey. Nothing in it
has a reading direction, so both editions use it unmirrored.

Run from the project folder to regenerate images/cover.jpg (the output is deterministic):

    python images/make_cover.py
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1500, 1400  # about 360 dpi over the cover panel and its bleed
SUPERSAMPLE = 2
SEED = 1951

SKY_TOP = (217, 224, 241)  # --tint-15
SKY_HORIZON = (246, 248, 252)
SUN = (226, 117, 27)  # --accent
RIDGES = [  # far to near: pale tints to IOM blue and its dark shade
    (196, 208, 234),
    (158, 178, 222),
    (110, 140, 205),
    (58, 96, 184),
    (0, 51, 160),  # --iom-blue
    (0, 34, 112),  # --iom-blue-dark
]


def ridge(rng: random.Random, width: int, base: float, amplitude: float) -> list[float]:
    """Heights of one ridge line: a few sine waves of random phase, smooth but irregular."""
    waves = [
        (rng.uniform(0.6, 1.4) * k, rng.uniform(0, 2 * math.pi), amplitude / k**0.9)
        for k in (1, 2.3, 4.1, 7.7, 13.0)
    ]
    return [
        base - sum(a * math.sin(2 * math.pi * f * x / width + phase) for f, phase, a in waves)
        for x in range(width + 1)
    ]


def draw(width: int = WIDTH, height: int = HEIGHT) -> Image.Image:
    rng = random.Random(SEED)
    w, h = width * SUPERSAMPLE, height * SUPERSAMPLE
    image = Image.new("RGB", (w, h))
    pixels = ImageDraw.Draw(image)
    for y in range(h):  # sky: tint at the top, nearly white at the horizon
        t = min(1.0, y / (h * 0.55))
        colour = tuple(round(a + (b - a) * t) for a, b in zip(SKY_TOP, SKY_HORIZON, strict=True))
        pixels.line([(0, y), (w, y)], fill=colour)

    # A soft warm sun low over the far ridges.
    glow = Image.new("L", (w, h), 0)
    cx, cy, r = w * 0.68, h * 0.33, w * 0.085
    ImageDraw.Draw(glow).ellipse([cx - r * 1.9, cy - r * 1.9, cx + r * 1.9, cy + r * 1.9], fill=70)
    glow = glow.filter(ImageFilter.GaussianBlur(w * 0.03))
    image.paste(Image.new("RGB", (w, h), (250, 214, 176)), mask=glow)
    pixels.ellipse([cx - r, cy - r, cx + r, cy + r], fill=SUN)

    road: list[tuple[float, float]] = []
    for index, colour in enumerate(RIDGES):
        base = h * (0.40 + 0.095 * index)
        heights = ridge(rng, w, base, h * (0.05 + 0.012 * index))
        outline = [(x, heights[x]) for x in range(0, w + 1, 4)]
        pixels.polygon([*outline, (w, h), (0, h)], fill=colour)
        if index == 3:  # the road fades out where it meets this ridge
            road = [(x, heights[int(x)] + h * 0.02) for x in range(0, w, 8)]

    # A dotted road from the near foreground up to the ridge line: dots grow towards the viewer.
    path = []
    for step in range(72):
        t = step / 71
        x = w * (0.10 + 0.50 * t + 0.14 * math.sin(2.4 * t * math.pi))
        y = h * (0.99 - 0.42 * t**0.75)
        path.append((x, y, 1 - t))
    ridge_y = dict(road)
    for x, y, near in path:
        limit = ridge_y.get(round(x / 8) * 8, 0)
        if y < limit:
            break
        radius = w * (0.0025 + 0.006 * near)
        pixels.ellipse([x - radius, y - radius, x + radius, y + radius], fill=(255, 255, 255))

    return image.resize((width, height), Image.Resampling.LANCZOS)


def main() -> None:
    target = Path(__file__).resolve().parent / "cover.jpg"
    draw().save(target, "JPEG", quality=86, optimize=True, progressive=False, subsampling="4:2:0")
    print(f"wrote {target} ({target.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
