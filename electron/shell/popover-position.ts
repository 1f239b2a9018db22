/**
 * Where the popover goes: next to the tray icon, on the side facing the screen, and always inside the
 * display's work area (the screen minus menu bar, taskbar and docks). Pure math on rectangles, so the
 * placement is tested for each taskbar position without a screen.
 */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Size {
  width: number;
  height: number;
}

/** Gap between the tray icon (or the screen edge) and the popover. */
export const POPOVER_MARGIN = 6;

export function isEmptyRect(r: Rect | undefined): boolean {
  return !r || r.width <= 0 || r.height <= 0;
}

/**
 * The popover's top-left corner. The tray icon sits outside the work area, in the bar on one of its edges
 * (macOS menu bar: top; Windows taskbar: any edge); the popover opens away from that bar. With an
 * auto-hiding bar the icon lies inside the work area: then it opens below an icon in the upper half and
 * above one in the lower half. Without tray bounds (Linux reports none) it is centred in the work area.
 */
export function popoverPosition(tray: Rect | undefined, size: Size, workArea: Rect, margin = POPOVER_MARGIN) {
  const right = workArea.x + workArea.width;
  const bottom = workArea.y + workArea.height;
  let x: number;
  let y: number;

  if (!tray || isEmptyRect(tray)) {
    x = workArea.x + (workArea.width - size.width) / 2;
    y = workArea.y + (workArea.height - size.height) / 2;
  } else {
    const cx = tray.x + tray.width / 2;
    const cy = tray.y + tray.height / 2;
    if (cy < workArea.y) {
      x = cx - size.width / 2;
      y = workArea.y + margin;
    } else if (cy > bottom) {
      x = cx - size.width / 2;
      y = bottom - size.height - margin;
    } else if (cx < workArea.x) {
      x = workArea.x + margin;
      y = cy - size.height / 2;
    } else if (cx > right) {
      x = right - size.width - margin;
      y = cy - size.height / 2;
    } else {
      x = cx - size.width / 2;
      y =
        cy < workArea.y + workArea.height / 2 ? tray.y + tray.height + margin : tray.y - size.height - margin;
    }
  }

  return {
    x: Math.round(clamp(x, workArea.x + margin, right - size.width - margin, workArea.x)),
    y: Math.round(clamp(y, workArea.y + margin, bottom - size.height - margin, workArea.y)),
  };
}

/** Clamps into [min, max]; when the window is larger than the area (max < min) it starts at `fallback`. */
function clamp(v: number, min: number, max: number, fallback: number): number {
  if (max < min) return fallback;
  return Math.min(Math.max(v, min), max);
}
