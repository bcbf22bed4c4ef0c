// A small line chart on a canvas: named series of (epoch, value) points, redrawn as points arrive.
// The canvas's data-points attribute counts the points drawn (what a test or a person can watch grow).
const colours = ['#0877bd', '#f59322', '#2e7d32', '#8e24aa', '#c62828', '#00838f'];

export class LineChart {
  constructor(canvas, title) {
    this.canvas = canvas;
    this.title = title;
    this.series = new Map();
    this.count = 0;
  }

  add(name, x, y) {
    if (y === null || !Number.isFinite(y)) return;
    if (!this.series.has(name)) this.series.set(name, []);
    this.series.get(name).push([x, y]);
    this.count++;
    this.canvas.dataset.points = String(this.count);
    if (!this.pending) this.pending = requestAnimationFrame(() => { this.pending = 0; this.draw(); });
  }

  draw() {
    const ratio = window.devicePixelRatio || 1;
    const width = this.canvas.clientWidth || 480, height = this.canvas.clientHeight || 260;
    this.canvas.width = width * ratio;
    this.canvas.height = height * ratio;
    const g = this.canvas.getContext('2d');
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);
    const all = [...this.series.values()].flat();
    const left = 52, right = 110, top = 22, bottom = 28;
    g.fillStyle = '#222';
    g.font = '13px system-ui, sans-serif';
    g.fillText(this.title, left, 15);
    if (all.length === 0) return;
    const [x0, x1] = extent(all.map(p => p[0])), [y0, y1] = extent(all.map(p => p[1]));
    const px = x => left + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (width - left - right);
    const py = y => height - bottom - (y1 === y0 ? 0.5 : (y - y0) / (y1 - y0)) * (height - top - bottom);
    g.strokeStyle = '#999';
    g.beginPath();
    g.moveTo(left, top); g.lineTo(left, height - bottom); g.lineTo(width - right, height - bottom);
    g.stroke();
    g.fillStyle = '#555';
    g.font = '11px system-ui, sans-serif';
    for (const y of [y0, (y0 + y1) / 2, y1]) g.fillText(format(y), 4, py(y) + 4);
    for (const x of [x0, x1]) g.fillText(String(Math.round(x)), px(x) - 6, height - 10);
    let i = 0;
    for (const [name, points] of this.series) {
      const colour = colours[i % colours.length];
      g.strokeStyle = colour;
      g.lineWidth = 1.6;
      g.beginPath();
      points.forEach(([x, y], k) => (k === 0 ? g.moveTo(px(x), py(y)) : g.lineTo(px(x), py(y))));
      g.stroke();
      g.fillStyle = colour;
      g.fillText(name, width - right + 8, top + 14 * i + 8);
      i++;
    }
  }
}

function extent(values) {
  let low = Infinity, high = -Infinity;
  for (const v of values) { if (v < low) low = v; if (v > high) high = v; }
  return [low, high];
}

function format(value) {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
}
