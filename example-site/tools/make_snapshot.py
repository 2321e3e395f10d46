"""Build example-site/sample-snapshot/ from the generated sample photos.

Writes originals/<blake3[:32]>.jpg and a feed.json in feedgen's snapshot format
(version 1): ten posts, among them a video (its poster) and a three-photo carousel.

usage: python3 make_snapshot.py PHOTOS_DIR SNAPSHOT_DIR   (needs: pip install blake3 pillow)
"""
import json
import os
import shutil
import sys

import blake3
from PIL import Image

CAPTIONS = [
    "First light over the ridge. #sunrise #mountains",
    "Dusk layers, no filter needed 🌄",
    "Panorama from the pass",
    None,
    "Night walk under a full moon 🌕 #nightsky",
    "Golden hour, three ways (swipe →)",
    None,
    None,
    "Quiet valley, loud colours. Which one is your favourite? #landscape",
    "A short clip from the summit (tap for the video) 🎥",
]


def main():
    photos, snap = sys.argv[1], sys.argv[2]
    orig_dir = os.path.join(snap, "originals")
    if os.path.isdir(orig_dir):
        shutil.rmtree(orig_dir)
    os.makedirs(orig_dir)
    originals = []
    for name in sorted(os.listdir(photos)):
        data = open(os.path.join(photos, name), "rb").read()
        file = blake3.blake3(data).hexdigest()[:32] + ".jpg"
        open(os.path.join(orig_dir, file), "wb").write(data)
        w, h = Image.open(os.path.join(photos, name)).size
        originals.append({"file": file, "width": w, "height": h})

    def asset(i, aid, role="image"):
        return {"id": aid, "role": role, "original": originals[i]}

    posts, photo = [], 0
    base_id = 17900000000000000
    for n, caption in enumerate(CAPTIONS):
        pid = str(base_id + 100 * (len(CAPTIONS) - n))
        day = 28 - 2 * n
        post = {
            "id": pid,
            "permalink": f"https://www.instagram.com/p/SAMPLE{n:02d}/",
            "timestamp": f"2026-10-{day:02d}T{8 + n:02d}:15:00Z",
        }
        if caption is not None:
            post["caption"] = caption
        if n == 5:
            post["kind"] = "carousel"
            post["assets"] = [asset(photo + k, f"{pid}{k + 1}") for k in range(3)]
            photo += 3
        elif n == 9:
            post["kind"] = "video"
            post["assets"] = [asset(photo, f"{pid}:poster", "video_poster")]
            photo += 1
        else:
            post["kind"] = "image"
            post["assets"] = [asset(photo, pid)]
            photo += 1
        if n == 2:
            post["alt_text"] = "A wide valley at dusk, three mountain ridges fading into a violet sky."
        posts.append(post)
    assert photo == len(originals), (photo, len(originals))
    doc = {
        "version": 1,
        "saved_at": "2026-11-01T00:00:00Z",
        "feed": {"account": {"id": "17841400000000000", "username": "feedgen.sample"}, "posts": posts},
    }
    with open(os.path.join(snap, "feed.json"), "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
