"""Add a profile picture and profile fields to the sample snapshot's account.

The picture is the centre of the first sample photo (CC0, see make_samples.py),
320 px square like Instagram's profile pictures, stored under originals/ by
its blake3 hash; the account gains a name, counts and the avatar asset that
`output.header = true` shows. Run after make_snapshot.py.

usage: python3 make_avatar.py SNAPSHOT_DIR   (needs: pip install blake3 pillow)
"""
import io
import json
import os
import sys

import blake3
from PIL import Image


def main():
    snap = sys.argv[1]
    path = os.path.join(snap, "feed.json")
    doc = json.load(open(path))
    account = doc["feed"]["account"]
    first = doc["feed"]["posts"][0]["assets"][0]["original"]["file"]
    img = Image.open(os.path.join(snap, "originals", first)).convert("RGB")
    side = min(img.size) // 2
    left, top = (img.width - side) // 2, (img.height - side) // 2
    avatar = img.crop((left, top, left + side, top + side)).resize((320, 320), Image.LANCZOS)
    buf = io.BytesIO()
    avatar.save(buf, "JPEG", quality=85)
    data = buf.getvalue()
    file = blake3.blake3(data).hexdigest()[:32] + ".jpg"
    open(os.path.join(snap, "originals", file), "wb").write(data)
    # feedgen names an avatar by the hash of its CDN path; the sample has none, so a fixed one.
    tag = blake3.blake3(b"/sample/profile_picture.jpg").hexdigest()[:12]
    account.update(
        {
            "name": "Feedgen Sample",
            "followers_count": 1280,
            "media_count": len(doc["feed"]["posts"]),
            "avatar": {
                "id": f"{account['id']}:avatar-{tag}",
                "role": "avatar",
                "original": {"file": file, "width": 320, "height": 320},
            },
        }
    )
    with open(path, "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
