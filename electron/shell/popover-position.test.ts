import { describe, expect, it } from 'vitest';
import { POPOVER_MARGIN as M, popoverPosition, type Rect } from './popover-position';

const size = { width: 360, height: 480 };
const inside = (p: { x: number; y: number }, wa: Rect) =>
  p.x >= wa.x && p.y >= wa.y && p.x + size.width <= wa.x + wa.width && p.y + size.height <= wa.y + wa.height;

describe('popoverPosition', () => {
  it('opens below a macOS menu-bar icon, centred on it', () => {
    const workArea = { x: 0, y: 25, width: 1440, height: 875 };
    const tray = { x: 1000, y: 0, width: 22, height: 24 };
    expect(popoverPosition(tray, size, workArea)).toEqual({ x: 1011 - 180, y: 25 + M });
  });

  it('stays on screen for an icon at the far right of the menu bar', () => {
    const workArea = { x: 0, y: 25, width: 1440, height: 875 };
    const p = popoverPosition({ x: 1420, y: 0, width: 20, height: 24 }, size, workArea);
    expect(p).toEqual({ x: 1440 - 360 - M, y: 25 + M });
  });

  it('opens above an icon in a bottom Windows taskbar', () => {
    const workArea = { x: 0, y: 0, width: 1920, height: 1040 };
    const p = popoverPosition({ x: 1700, y: 1045, width: 24, height: 30 }, size, workArea);
    expect(p).toEqual({ x: 1712 - 180, y: 1040 - 480 - M });
  });

  it('opens beside an icon in a left or right taskbar', () => {
    const left = { x: 60, y: 0, width: 1860, height: 1080 };
    expect(popoverPosition({ x: 18, y: 900, width: 24, height: 24 }, size, left)).toEqual({
      x: 60 + M,
      y: 1080 - 480 - M,
    });
    const right = { x: 0, y: 0, width: 1860, height: 1080 };
    expect(popoverPosition({ x: 1878, y: 300, width: 24, height: 24 }, size, right)).toEqual({
      x: 1860 - 360 - M,
      y: 312 - 240,
    });
  });

  it('works on a second display with negative coordinates', () => {
    const workArea = { x: -1920, y: 0, width: 1920, height: 1040 };
    const p = popoverPosition({ x: -30, y: 1050, width: 24, height: 24 }, size, workArea);
    expect(inside(p, workArea)).toBe(true);
    expect(p.y).toBe(1040 - 480 - M);
  });

  it('opens next to an icon inside the work area (auto-hiding bar) on the side facing the screen', () => {
    const workArea = { x: 0, y: 0, width: 1920, height: 1080 };
    expect(popoverPosition({ x: 900, y: 2, width: 24, height: 24 }, size, workArea).y).toBe(26 + M);
    expect(popoverPosition({ x: 900, y: 1050, width: 24, height: 24 }, size, workArea).y).toBe(
      1050 - 480 - M,
    );
  });

  it('centres the window when the tray has no bounds (Linux) and stays inside a tiny screen', () => {
    const workArea = { x: 0, y: 0, width: 1280, height: 800 };
    expect(popoverPosition({ x: 0, y: 0, width: 0, height: 0 }, size, workArea)).toEqual({ x: 460, y: 160 });
    expect(popoverPosition(undefined, size, { x: 10, y: 20, width: 300, height: 400 })).toEqual({
      x: 10,
      y: 20,
    });
  });
});
