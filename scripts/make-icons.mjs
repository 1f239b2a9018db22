#!/usr/bin/env node
/**
 * Draws Keybridge's icons with Node built-ins only (PNG = zlib-deflated RGBA rows + CRC-checked chunks,
 * PNG spec §5 and §11) and writes them to build/:
 *   build/icon.png, build/icons/{512x512,256x256}.png   app icon: a white shield with a key on a gradient tile
 *   build/icons/tray/<state>-{light,dark}[@2x].png       Windows/Linux tray, 16 px and 32 px, for light and
 *                                                        dark panels (-light: dark glyph; -dark: light glyph)
 *   build/icons/tray/<state>Template[@2x].png            macOS template images (black + alpha)
 * States: signed-out (outlined shield), connected (solid shield, green dot), refreshing (blue ring),
 * attention (orange dot with "!"), limited (red dot with a bar: a usage limit is reached). The generated PNGs are committed; rerun after changing the drawing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---- PNG encoding --------------------------------------------------------------------------------------
const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- drawing: shapes are predicates on the unit square (y down), anti-aliased by supersampling ---------
const SS = 5;
/** layers: [{ inside(x, y) => boolean, color: [r, g, b, a] | (x, y) => [r, g, b, a] }], painted in order. */
function render(size, layers) {
  const out = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0; // premultiplied accumulation
      for (const layer of layers) {
        let hits = 0;
        for (let sy = 0; sy < SS; sy++) {
          for (let sx = 0; sx < SS; sx++) {
            if (layer.inside((px + (sx + 0.5) / SS) / size, (py + (sy + 0.5) / SS) / size)) hits++;
          }
        }
        if (hits === 0) continue;
        const cov = hits / (SS * SS);
        const c =
          typeof layer.color === 'function' ? layer.color((px + 0.5) / size, (py + 0.5) / size) : layer.color;
        const la = (c[3] ?? 1) * cov;
        r = c[0] * la + r * (1 - la);
        g = c[1] * la + g * (1 - la);
        b = c[2] * la + b * (1 - la);
        a = la + a * (1 - la);
      }
      const i = (py * size + px) * 4;
      out[i] = a > 0 ? Math.round(r / a) : 0;
      out[i + 1] = a > 0 ? Math.round(g / a) : 0;
      out[i + 2] = a > 0 ? Math.round(b / a) : 0;
      out[i + 3] = Math.round(a * 255);
    }
  }
  return out;
}

const hex = (h, a = 1) => [
  parseInt(h.slice(1, 3), 16),
  parseInt(h.slice(3, 5), 16),
  parseInt(h.slice(5, 7), 16),
  a,
];
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const rect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
const roundRect = (x0, y0, x1, y1, r) => (x, y) => {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
  const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
  return dx * dx + dy * dy <= r * r;
};
const union =
  (...fs) =>
  (x, y) =>
    fs.some((f) => f(x, y));
const minus =
  (f, ...gs) =>
  (x, y) =>
    f(x, y) && !gs.some((g) => g(x, y));

/**
 * A heraldic shield: straight sides from `top` to `mid`, then curving to a point at `bottom`; the top
 * corners are rounded by `r`.
 */
function shield({ cx = 0.5, top, mid, bottom, halfWidth, r = 0.04 }) {
  return (x, y) => {
    if (y < top || y > bottom) return false;
    let hw = halfWidth;
    if (y > mid) hw = halfWidth * (1 - ((y - mid) / (bottom - mid)) ** 1.7);
    const dx = Math.abs(x - cx);
    if (dx > hw) return false;
    // Rounded top corners.
    const ix = halfWidth - r;
    if (y < top + r && dx > ix) return (dx - ix) ** 2 + (top + r - y) ** 2 <= r * r;
    return true;
  };
}

// ---- app icon --------------------------------------------------------------------------------------------
function appIcon(size) {
  const tile = roundRect(0.06, 0.06, 0.94, 0.94, 0.2);
  const from = hex('#4f46e5');
  const to = hex('#0ea5e9');
  const gradient = (x, y) => {
    const t = Math.min(1, Math.max(0, (x + y - 0.12) / 1.76));
    return [0, 1, 2].map((i) => from[i] + (to[i] - from[i]) * t).concat(1);
  };
  const body = shield({ top: 0.2, mid: 0.5, bottom: 0.84, halfWidth: 0.27, r: 0.05 });
  // A key, bit down: ring head, shaft, two teeth — cut out of the shield so the tile shows through.
  const key = union(
    minus(circle(0.5, 0.39, 0.095), circle(0.5, 0.39, 0.042)),
    rect(0.474, 0.47, 0.526, 0.72),
    rect(0.526, 0.61, 0.58, 0.645),
    rect(0.526, 0.675, 0.565, 0.71),
  );
  const shadow = shield({ cx: 0.5, top: 0.215, mid: 0.515, bottom: 0.86, halfWidth: 0.275, r: 0.05 });
  return render(size, [
    { inside: tile, color: gradient },
    { inside: minus(shadow, body), color: [15, 23, 42, 0.18] },
    { inside: minus(body, key), color: hex('#ffffff') },
  ]);
}

// ---- tray icons ------------------------------------------------------------------------------------------
// The shield sits left of centre so the state badge in the bottom-right corner bites only its tip.
const BADGE = { cx: 0.79, cy: 0.79, r: 0.2 };
const badgeGap = circle(BADGE.cx, BADGE.cy, BADGE.r + 0.075);
const trayShield = shield({ cx: 0.45, top: 0.04, mid: 0.4, bottom: 0.96, halfWidth: 0.38, r: 0.07 });
const trayShieldInner = shield({ cx: 0.45, top: 0.165, mid: 0.43, bottom: 0.78, halfWidth: 0.255, r: 0.03 });
const keyhole = union(circle(0.45, 0.35, 0.11), rect(0.4, 0.35, 0.5, 0.62));
const smallKeyhole = union(circle(0.45, 0.38, 0.075), rect(0.415, 0.38, 0.485, 0.58));

function trayLayers(state, size, glyph, colors) {
  const withBadge = state !== 'signed-out';
  const cut = (f) => (withBadge ? minus(f, badgeGap) : f);
  const layers = [];
  if (state === 'signed-out') {
    layers.push({ inside: union(minus(trayShield, trayShieldInner), smallKeyhole), color: glyph });
  } else {
    layers.push({ inside: cut(minus(trayShield, keyhole)), color: glyph });
  }
  const dot = circle(BADGE.cx, BADGE.cy, BADGE.r);
  if (state === 'connected') layers.push({ inside: dot, color: colors.connected });
  if (state === 'refreshing') {
    layers.push({ inside: minus(dot, circle(BADGE.cx, BADGE.cy, BADGE.r * 0.5)), color: colors.refreshing });
  }
  if (state === 'attention') {
    const mark = union(rect(0.765, 0.665, 0.815, 0.815), circle(0.79, 0.875, 0.03));
    layers.push({ inside: size >= 32 ? minus(dot, mark) : dot, color: colors.attention });
  }
  if (state === 'limited') {
    // A "no entry" sign: the bar is cut out at both sizes, so even the 16 px template reads differently.
    const bar = size >= 32 ? rect(0.67, 0.765, 0.91, 0.815) : rect(0.66, 0.75, 0.92, 0.83);
    layers.push({ inside: minus(dot, bar), color: colors.limited });
  }
  return layers;
}

const PALETTES = {
  // For light panels: a dark glyph.
  light: {
    glyph: hex('#1f2937'),
    connected: hex('#16a34a'),
    refreshing: hex('#2563eb'),
    attention: hex('#ea580c'),
    limited: hex('#dc2626'),
  },
  // For dark panels: a light glyph.
  dark: {
    glyph: hex('#f3f4f6'),
    connected: hex('#22c55e'),
    refreshing: hex('#3b82f6'),
    attention: hex('#f97316'),
    limited: hex('#f87171'),
  },
};
const TEMPLATE = {
  glyph: hex('#000000'),
  connected: hex('#000000'),
  refreshing: hex('#000000'),
  attention: hex('#000000'),
  limited: hex('#000000'),
};
const STATES = ['signed-out', 'connected', 'refreshing', 'attention', 'limited'];

// ---- write -----------------------------------------------------------------------------------------------
const written = [];
function write(rel, size, rgba) {
  const path = join(root, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encodePng(size, rgba));
  written.push(rel);
}

const app512 = appIcon(512);
write('build/icon.png', 512, app512);
write('build/icons/512x512.png', 512, app512);
write('build/icons/256x256.png', 256, appIcon(256));

for (const state of STATES) {
  for (const [size, suffix] of [
    [16, ''],
    [32, '@2x'],
  ]) {
    for (const theme of ['light', 'dark']) {
      const p = PALETTES[theme];
      write(
        `build/icons/tray/${state}-${theme}${suffix}.png`,
        size,
        render(size, trayLayers(state, size, p.glyph, p)),
      );
    }
    write(
      `build/icons/tray/${state}Template${suffix}.png`,
      size,
      render(size, trayLayers(state, size, TEMPLATE.glyph, TEMPLATE)),
    );
  }
}
console.error(`make-icons: wrote ${written.length} PNGs under build/`);
