import { costPlotSvg } from '../bench/plot';

describe('the cost plot', () => {
  it('draws every series as SVG', () => {
    const svg = costPlotSvg({
      title: 'cost',
      series: [
        {
          name: 'postgres <anon>',
          points: [
            { x: 1e4, y: 0.5 },
            { x: 1e5, y: 0.6 },
            { x: 1e6, y: 0.7 },
          ],
        },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('postgres &lt;anon&gt;');
    expect(svg.match(/<circle/g)).toHaveLength(3);
    expect(svg).toContain('1M');
  });
});
