// Decode rate and time of QR decoders on the images of tools/decoder_bench_images.py.
//   node tools/decoder_bench.js IMAGES_DIR   (with jsqr and @zxing/library in NODE_PATH)
const fs = require("fs");
const path = require("path");
const dir = process.argv[2];
const index = JSON.parse(fs.readFileSync(path.join(dir, "index.json")));
const jsQR = require("jsqr");
const ZX = require("@zxing/library");

const decoders = {
  "jsqr (attemptBoth)": (img) => { const r = jsQR(img.data, img.width, img.height, { inversionAttempts: "attemptBoth" }); return r && r.data; },
  "jsqr (dontInvert)": (img) => { const r = jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" }); return r && r.data; },
  "@zxing/library (TRY_HARDER)": (() => {
    const reader = new ZX.QRCodeReader();
    const hints = new Map([[ZX.DecodeHintType.TRY_HARDER, true]]);
    return (img) => {
      const lum = new Uint8ClampedArray(img.width * img.height);
      for (let i = 0; i < lum.length; i++) lum[i] = img.data[i * 4];
      const source = new ZX.RGBLuminanceSource(lum, img.width, img.height);
      try { return reader.decode(new ZX.BinaryBitmap(new ZX.HybridBinarizer(source)), hints).getText(); } catch (e) { return null; }
    };
  })(),
};

for (const [name, decode] of Object.entries(decoders)) {
  let ok = 0; const byGroup = {}; let ms = 0;
  for (const item of index) {
    const img = { data: new Uint8ClampedArray(fs.readFileSync(path.join(dir, item.file))), width: item.width, height: item.height };
    const t = process.hrtime.bigint();
    const text = decode(img);
    ms += Number(process.hrtime.bigint() - t) / 1e6;
    const good = text === item.payload;
    ok += good;
    const key = `${item.module}px/${item.light}`;
    byGroup[key] = byGroup[key] || [0, 0];
    byGroup[key][0] += good; byGroup[key][1] += 1;
  }
  console.log(`${name}: ${ok}/${index.length} decoded, ${(ms / index.length).toFixed(1)} ms per image`);
  console.log("   " + Object.entries(byGroup).map(([k, [a, b]]) => `${k} ${a}/${b}`).join(", "));
}
