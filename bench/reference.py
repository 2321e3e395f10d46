"""High-quality 640 px references for SSIM: Pillow's Lanczos, lossless PNG.

A third implementation, so neither tool is judged against its own resizer.
usage: python3 reference.py IN OUT
"""
import os
import sys

from PIL import Image, ImageOps

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
for name in sorted(os.listdir(src)):
    if not name.endswith(".jpg"):
        continue
    im = ImageOps.exif_transpose(Image.open(os.path.join(src, name))).convert("RGB")
    h = round(im.height * 640 / im.width)
    im.resize((640, h), Image.LANCZOS).save(os.path.join(out, name[:-4] + ".png"))
