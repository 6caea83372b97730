// The borderless table renderer behind `ls`, `runs` and `show`: widths, gaps, painting, wide characters, line breaks.
import { describe, expect, it } from 'vitest';
import { displayWidth, renderGrid, type GridCell } from '../../src/display/grid.js';

const cell = (text: string, paint?: (line: string) => string): GridCell => (paint ? { text, paint } : { text });
const cells = (...texts: string[]): GridCell[] => texts.map((t) => cell(t));
const red = (line: string): string => `<${line}>`;

// The expected texts are what cli-table3 printed for the same cells with blank borders and no padding (lines trimmed).
describe('renderGrid', () => {
  it('pads every column to its widest cell, two spaces apart, without trailing spaces', () => {
    expect(renderGrid(cells('NAME', 'STATUS', 'PID'), [cells('web', 'running', '41023'), cells('a-long-name', 'idle', '-')])).toBe([
      'NAME         STATUS   PID',
      'web          running  41023',
      'a-long-name  idle     -',
    ].join('\n'));
  });

  it('prints the headers alone when there are no rows', () => {
    expect(renderGrid(cells('A', 'BB'), [])).toBe('A  BB');
  });

  it('paints the text and not the padding; an empty cell stays empty', () => {
    const out = renderGrid([cell('A', red), cell('BB')], [[cell('x', red), cell('')], [cell('yyy'), cell('z', red)]]);
    expect(out).toBe(['<A>    BB', '<x>', 'yyy  <z>'].join('\n'));
  });

  it('counts wide characters and emoji as two columns, combining marks as none', () => {
    const out = renderGrid(cells('A', 'BB'), [cells('日本', 'x'), cells('e\u0301', 'y'), cells('🚀 go', 'z'), cells('👨‍👩‍👧 f', 'w'), cells('ｆ…', 'v')]);
    expect(out).toBe(['A      BB', '日本   x', 'e\u0301      y', '🚀 go  z', '👨‍👩‍👧 f   w', 'ｆ…    v'].join('\n'));
  });

  it('breaks a cell holding a newline over several lines of its row', () => {
    expect(renderGrid(cells('A', 'BB', 'C'), [cells('a\nbb', 'line1\nline2\nline3', 'c')])).toBe([
      'A   BB     C', 'a   line1  c', 'bb  line2', '    line3',
    ].join('\n'));
  });
});

describe('displayWidth', () => {
  it.each([
    ['', 0], ['web', 3], ['日本', 4], ['e\u0301', 1], ['🚀', 2], ['a\u0007b', 2], ['ｆｕｌｌ', 8], ['…', 1],
  ])('%j takes %i columns', (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });
});
