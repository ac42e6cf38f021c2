/* Reading badges: the camera (BarcodeDetector where the browser has one, else jsQR on a centred
   crop), the torch and the choice of camera, and keyboard-wedge scanners typing into #wedge.
   Whatever is read goes to the one handler given to wireScanning(); nothing here decides. */
import { T, $ } from "./page.js";

let stream = null, detector = null, scanning = false, torchOn = false;
let cameraSeen = { text: null, at: 0 };
let onCode = () => {};

function cameraMsg(t) { $("camera-msg").textContent = t || ""; }

function listCameras(current) {
  navigator.mediaDevices.enumerateDevices().then((devs) => {
    const cams = devs.filter((d) => d.kind === "videoinput");
    const sel = $("camera-select");
    sel.textContent = "";
    cams.forEach((d, i) => {
      const o = document.createElement("option");
      o.value = d.deviceId; o.textContent = d.label || ("Camera " + (i + 1));
      if (d.deviceId === current) o.selected = true;
      sel.appendChild(o);
    });
    sel.hidden = cams.length < 2;
  });
}

function showStream(s) {
  stream = s;
  const v = $("video");
  v.srcObject = s; v.hidden = false;
  v.play();
  $("camera-start").hidden = true; $("camera-stop").hidden = false;
  const track = s.getVideoTracks()[0];
  const caps = track.getCapabilities ? track.getCapabilities() : {};
  $("torch").hidden = !caps.torch;
  listCameras(track.getSettings ? track.getSettings().deviceId : null);
  cameraMsg("");
}

/** Starts the decoding loop, with the browser's QR detector when it has one. */
function startDecoding() {
  if (!("BarcodeDetector" in window)) { loop(); return; }
  window.BarcodeDetector.getSupportedFormats().then((f) => {
    if (f.indexOf("qr_code") >= 0) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  }).catch(() => {}).then(loop);
}

export function startCamera(deviceId) {
  if (!window.isSecureContext) { cameraMsg(T.camera_insecure); return; }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { cameraMsg(T.no_camera); return; }
  stopCamera();
  const video = { width: { ideal: 1280 }, height: { ideal: 720 } };
  if (deviceId) video.deviceId = { exact: deviceId }; else video.facingMode = { ideal: "environment" };
  navigator.mediaDevices.getUserMedia({ video: video, audio: false }).then((s) => {
    showStream(s);
    startDecoding();
  }, (err) => {
    cameraMsg(err && err.name === "NotAllowedError" ? T.camera_denied : T.no_camera);
  });
}

export function stopCamera() {
  scanning = false;
  if (stream) stream.getTracks().forEach((t) => t.stop());
  stream = null;
  $("video").hidden = true; $("camera-start").hidden = false; $("camera-stop").hidden = true; $("torch").hidden = true;
}

function onDecoded(text) {
  const now = Date.now();
  // The camera sees the same badge for seconds: one scan per badge presentation.
  if (text === cameraSeen.text && now - cameraSeen.at < 3000) { cameraSeen.at = now; return; }
  cameraSeen = { text: text, at: now };
  onCode(text, "qr");
}

/** jsQR on a centred square crop, scaled to at most 640 px: small codes stay readable. */
function decodeWithJsQR(v, canvas, ctx) {
  const side = Math.min(v.videoWidth, v.videoHeight);
  const out = Math.min(side, 640);
  canvas.width = out; canvas.height = out;
  ctx.drawImage(v, (v.videoWidth - side) / 2, (v.videoHeight - side) / 2, side, side, 0, 0, out, out);
  const img = ctx.getImageData(0, 0, out, out);
  const code = window.jsQR && window.jsQR(img.data, out, out, { inversionAttempts: "dontInvert" });
  return code && code.data ? code.data : null;
}

function loop() {
  scanning = true;
  const v = $("video"), canvas = $("frame"), ctx = canvas.getContext("2d", { willReadFrequently: true });
  function tick() {
    if (!scanning || !stream) return;
    if (v.readyState >= 2 && v.videoWidth) {
      if (detector) {
        detector.detect(v).then((codes) => { if (codes.length) onDecoded(codes[0].rawValue); })
          .catch(() => {}).then(() => { setTimeout(tick, 120); });
        return;
      }
      const text = decodeWithJsQR(v, canvas, ctx);
      if (text) onDecoded(text);
    }
    setTimeout(tick, 150);
  }
  tick();
}

function toggleTorch() {
  if (!stream) return;
  torchOn = !torchOn;
  stream.getVideoTracks()[0].applyConstraints({ advanced: [{ torch: torchOn }] }).catch(() => {});
}

/** Puts the focus back on the scanner field, unless someone is typing in another field. */
export function focusWedge() {
  const active = document.activeElement;
  if (!$("tab-scan").hidden && active !== $("wedge") &&
      (!active || ["INPUT", "SELECT", "TEXTAREA"].indexOf(active.tagName) < 0 || active === $("rapid"))) {
    $("wedge").focus({ preventScroll: true });
  }
}

/** Wires the scanner field and the camera controls; handler(raw, source) gets every code read. */
export function wireScanning(handler) {
  onCode = handler;
  $("wedge-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = $("wedge").value;
    $("wedge").value = "";
    onCode(v, "wedge");
  });
  $("camera-start").addEventListener("click", () => startCamera());
  $("camera-stop").addEventListener("click", stopCamera);
  $("torch").addEventListener("click", toggleTorch);
  $("camera-select").addEventListener("change", (ev) => startCamera(ev.target.value));
}
