using Dojo.Domain.Kinds.Dqn;
using SkiaSharp;

namespace Dojo.Worker.Training.Dqn;

/// <summary>Pictures of what a DQN learnt, as PNG: a cart-pole episode as a strip of frames, a grid world's policy and values.</summary>
public static class DqnPictures
{
    /// <summary>
    /// Up to 20 frames of the episode, evenly spaced from its first step to its last, 5 to a row: the track (its ends
    /// at ±2.4 marked), the cart, and the pole — red once past 12°.
    /// </summary>
    public static byte[] CartPoleStrip(EpisodeTrace trace)
    {
        const int width = 200, height = 110, columns = 5;
        const float scale = width / 5.6f, ground = 80;
        int frames = Math.Min(20, trace.Steps.Count);
        int rows = (frames + columns - 1) / columns;
        using var bitmap = new SKBitmap(columns * width, Math.Max(1, rows) * height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap))
        using (var line = new SKPaint { Color = SKColors.Gray, StrokeWidth = 1, IsAntialias = true })
        using (var cart = new SKPaint { Color = new SKColor(40, 40, 40), IsAntialias = true })
        using (var pole = new SKPaint { Color = new SKColor(200, 140, 60), StrokeWidth = 5, StrokeCap = SKStrokeCap.Round, IsAntialias = true })
        using (var fallen = new SKPaint { Color = new SKColor(210, 40, 40), StrokeWidth = 5, StrokeCap = SKStrokeCap.Round, IsAntialias = true })
        {
            canvas.Clear(SKColors.White);
            for (int f = 0; f < frames; f++)
            {
                int step = frames == 1 ? 0 : (int)Math.Round((double)f * (trace.Steps.Count - 1) / (frames - 1));
                float[] state = trace.Steps[step].State;
                float left = f % columns * width, top = f / columns * height, centre = left + width / 2f;
                canvas.DrawLine(left + 4, top + ground, left + width - 4, top + ground, line);
                foreach (float end in new[] { -2.4f, 2.4f })
                    canvas.DrawLine(centre + end * scale, top + ground - 4, centre + end * scale, top + ground + 4, line);
                float x = centre + state[0] * scale, theta = state[2];
                canvas.DrawRect(x - 12, top + ground - 14, 24, 14, cart);
                float poleLength = (float)(2 * CartPole.HalfLength) * scale;
                canvas.DrawLine(x, top + ground - 14, x + poleLength * MathF.Sin(theta), top + ground - 14 - poleLength * MathF.Cos(theta),
                    Math.Abs(theta) > CartPole.ThetaLimit ? fallen : pole);
                float progress = (float)(step + 1) / trace.Steps.Count; // how far into the episode: a bar under the frame
                canvas.DrawRect(left + 4, top + height - 10, (width - 8) * progress, 3, line);
                canvas.DrawLine(left + width - 0.5f, top, left + width - 0.5f, top + height, line);
            }
        }
        return Png.Encode(bitmap);
    }

    /// <summary>
    /// The grid, 40 pixels a cell: walls dark, pits red, goals green; every other cell coloured by its value (max Q,
    /// blue low to yellow high) with an arrow for its greedy action; the start ringed.
    /// </summary>
    public static byte[] Policy(GridWorld world, float[][] values)
    {
        const int cell = 40;
        var cells = world.Cells().ToList();
        var open = cells.Select((c, i) => (c, i)).Where(x => world[x.c] is '.' or 'S').Select(x => values[x.i].Max()).DefaultIfEmpty(0).ToList();
        float low = open.Min(), high = Math.Max(open.Max(), low + 1e-6f);
        using var bitmap = new SKBitmap(world.Columns * cell + 1, world.Rows * cell + 1, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap))
        using (var fill = new SKPaint { IsAntialias = true })
        using (var grid = new SKPaint { Color = SKColors.White, StrokeWidth = 1, Style = SKPaintStyle.Stroke })
        using (var arrow = new SKPaint { Color = SKColors.Black, StrokeWidth = 3, StrokeCap = SKStrokeCap.Round, IsAntialias = true })
        using (var ring = new SKPaint { Color = SKColors.Black, StrokeWidth = 2, Style = SKPaintStyle.Stroke, IsAntialias = true })
        {
            canvas.Clear(SKColors.White);
            for (int i = 0; i < cells.Count; i++)
            {
                var (row, column) = cells[i];
                float left = column * cell, top = row * cell, cx = left + cell / 2f, cy = top + cell / 2f;
                char kind = world[cells[i]];
                fill.Color = kind switch
                {
                    '#' => new SKColor(60, 60, 60),
                    'P' => new SKColor(210, 50, 50),
                    'G' => new SKColor(50, 170, 70),
                    _ => Shade((values[i].Max() - low) / (high - low)),
                };
                canvas.DrawRect(left, top, cell, cell, fill);
                canvas.DrawRect(left, top, cell, cell, grid);
                if (kind is not ('.' or 'S')) continue;
                if (kind == 'S') canvas.DrawCircle(cx, cy, cell * 0.42f, ring);
                var (dx, dy) = QNetwork.ArgMax(values[i]) switch { 0 => (0f, -1f), 1 => (1f, 0f), 2 => (0f, 1f), _ => (-1f, 0f) };
                float reach = cell * 0.3f;
                var (tipX, tipY) = (cx + dx * reach, cy + dy * reach);
                canvas.DrawLine(cx - dx * reach, cy - dy * reach, tipX, tipY, arrow);
                canvas.DrawLine(tipX, tipY, tipX - dx * 7 + dy * 6, tipY - dy * 7 - dx * 6, arrow);
                canvas.DrawLine(tipX, tipY, tipX - dx * 7 - dy * 6, tipY - dy * 7 + dx * 6, arrow);
            }
        }
        return Png.Encode(bitmap);
    }

    /// <summary>0 → blue, 1 → yellow.</summary>
    private static SKColor Shade(float t)
    {
        t = Math.Clamp(float.IsFinite(t) ? t : 0, 0, 1);
        return new SKColor((byte)(60 + 190 * t), (byte)(90 + 140 * t), (byte)(200 - 150 * t));
    }
}
