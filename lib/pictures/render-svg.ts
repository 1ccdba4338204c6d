// SVG → PNG with resvg, in the font shipped as a dependency (dejavu-fonts-ttf's DejaVu Sans)
// and no system fonts: the same text has the same glyphs on every machine, and the widths that
// svg-text.ts estimates for wrapping are the widths drawn. resvg does not wrap text; callers
// break lines themselves.
import { renderAsync } from '@resvg/resvg-js';

export const PICTURE_FONT_FAMILY = 'DejaVu Sans';
export const PICTURE_FONT_FILE = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');

/** A rendered picture: PNG bytes (RGBA) and its size in pixels. */
export interface Picture {
  png: Buffer;
  width: number;
  height: number;
}

/** Rasterises an SVG document at its own width and height (one SVG unit = one pixel). */
export async function renderSvg(svg: string): Promise<Picture> {
  const rendered = await renderAsync(svg, {
    // Every family (serif, monospace, a name the SVG asks for) resolves to the one loaded font.
    font: { fontFiles: [PICTURE_FONT_FILE], loadSystemFonts: false, defaultFontFamily: PICTURE_FONT_FAMILY, sansSerifFamily: PICTURE_FONT_FAMILY },
    logLevel: 'off',
  });
  return { png: rendered.asPng(), width: rendered.width, height: rendered.height };
}
