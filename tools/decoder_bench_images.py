"""Test images for choosing the door's QR decoder: small, dim, blurred, noisy badge codes.

    python -m tools.decoder_bench_images OUT_DIR   (then: node tools/decoder_bench.js OUT_DIR)

Each image is a raw RGBA file with its size in its name; the payloads are real check-in payloads.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from PIL import Image, ImageFilter

from eventapp.core.documents.qr import qr_matrix
from eventapp.core.tokens import new_checkin_token, qr_payload


def render(payload: str, module: int, dark: int, light: int, blur: float, noise: int, seed: int) -> Image.Image:
    matrix = qr_matrix(payload)
    n = len(matrix)
    side = 320
    img = Image.new("L", (side, side), light)
    offset = (side - n * module) // 2
    for y, row in enumerate(matrix):
        for x, dark_module in enumerate(row):
            if dark_module:
                img.paste(dark, (offset + x * module, offset + y * module, offset + (x + 1) * module,
                                 offset + (y + 1) * module))
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        rnd = random.Random(seed)
        px = img.load()
        for yy in range(side):
            for xx in range(side):
                px[xx, yy] = max(0, min(255, px[xx, yy] + rnd.randint(-noise, noise)))
    return img.convert("RGBA")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    index = []
    seed = 0
    for module in (2, 3, 4):
        for dark, light, name in ((0, 255, "bright"), (30, 110, "dim"), (20, 60, "very-dim")):
            for blur in (0, 0.8, 1.5):
                for noise in (0, 12):
                    seed += 1
                    payload = qr_payload(new_checkin_token())
                    img = render(payload, module, dark, light, blur, noise, seed)
                    file = f"qr-{seed:03d}-{img.width}x{img.height}.rgba"
                    (out / file).write_bytes(img.tobytes())
                    index.append({"file": file, "width": img.width, "height": img.height, "payload": payload,
                                  "module": module, "light": name, "blur": blur, "noise": noise})
    (out / "index.json").write_text(json.dumps(index, indent=1))
    print(f"{len(index)} images in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
