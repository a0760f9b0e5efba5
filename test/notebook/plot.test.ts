import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { inKernel, newOutput, notebookProgressFactory, showHtml, showPng, useNotebookProgress } from '../../lib/notebook/display';
import { figureHtml, lineFigure, linePlot, saveFigureHtml, showFigure } from '../../lib/notebook/plot';
import { linePlotPng, linePlotSvg, niceTicks, saveLinePlotPng } from '../../lib/notebook/svgPlot';

describe('notebook/plot and display outside a kernel', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anime-gan-plot-'));
  const spec = { x: [0, 1, 2, 3], ys: { a: [0, 1, 4, 9], b: { y: [1, 1, NaN, 1], dash: 'dash' as const } }, title: 'T <x>', xLabel: 'x', yLabel: 'y' };

  it('display helpers are no-ops outside the kernel instead of throwing', () => {
    expect(inKernel()).to.equal(false);
    expect(showHtml('<b>x</b>')).to.equal(false);
    expect(showPng(new Uint8Array([1, 2]))).to.equal(false);
    expect(showFigure(lineFigure(spec))).to.equal(false);
    expect(useNotebookProgress()).to.equal(false);
    newOutput().html('x');
    const p = notebookProgressFactory()('label', 3);
    p.update(1, { loss: 0.5 });
    p.stop();
  });

  it('builds one trace per series and rejects mismatched lengths', () => {
    const fig = lineFigure(spec);
    expect(fig.data).to.have.length(2);
    expect(fig.data[1]).to.include({ name: 'b' });
    expect(() => lineFigure({ x: [0, 1], ys: { a: [1, 2, 3] } })).to.throw(/3 values but 2 x values/);
  });

  it('writes an HTML page with the data as JSON, loading one plotly.min.js written once beside the pages', () => {
    const file = saveFigureHtml(lineFigure(spec), path.join(dir, 'fig'));
    expect(file.endsWith('fig.html')).to.equal(true);
    const html = fs.readFileSync(file, 'utf8');
    expect(html).to.include('<script type="text/javascript" src="plotly.min.js"></script>');
    expect(html.length, 'no inlined bundle').to.be.below(20_000);
    const bundle = path.join(dir, 'plotly.min.js');
    expect(fs.statSync(bundle).size).to.equal(fs.statSync(require.resolve('plotly.js-dist-min')).size);
    const written = fs.statSync(bundle).mtimeMs;
    saveFigureHtml(lineFigure(spec), path.join(dir, 'fig2.html'));
    expect(fs.statSync(bundle).mtimeMs, 'the bundle is written once per folder').to.equal(written);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.js'))).to.deep.equal(['plotly.min.js']);
    expect(figureHtml(lineFigure(spec), { plotly: 'inline' })).to.include('window.Plotly');
    expect(html).to.include('"name":"a"');
    expect(html).to.include('T &lt;x&gt;');
    // NaN becomes null (plotly draws a gap), "<" is escaped inside the script.
    expect(html).to.include('[1,1,null,1]');
    expect(figureHtml(lineFigure(spec))).to.not.include('"T <x>"');
    process.env.ANIME_GAN_FIGURES = dir;
    try {
      linePlot(spec, 'rel.html');
      expect(fs.existsSync(path.join(dir, 'rel.html'))).to.equal(true);
    } finally {
      delete process.env.ANIME_GAN_FIGURES;
    }
  });

  it('draws a static SVG/PNG line plot', async () => {
    const svg = linePlotSvg(spec);
    expect((svg.match(/<path /g) ?? []).length).to.equal(2);
    expect(niceTicks(0, 9)).to.deep.equal([0, 2, 4, 6, 8]);
    const png = await linePlotPng(spec, 360, 210);
    const meta = await sharp(png).metadata();
    expect(meta.format).to.equal('png');
    expect(meta.width).to.equal(720); // rendered at 2× for sharpness
    const file = await saveLinePlotPng(spec, path.join(dir, 'lines'));
    expect(fs.statSync(file).size).to.be.greaterThan(1000);
  });
});
