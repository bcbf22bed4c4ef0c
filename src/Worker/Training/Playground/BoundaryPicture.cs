using Dojo.Domain.Datasets;
using Dojo.Domain.Playground;
using SkiaSharp;

namespace Dojo.Worker.Training.Playground;

/// <summary>
/// The page's picture of a trained network: its output over the plane [−6, 6]² (100 × 100 cells, as the page's heat
/// map; blue +1, orange −1, white 0), the training points ringed in white and the test points in black. Drawn for the
/// exact playground run (<see cref="PageRun"/>) and for any supervised network on a playground data set.
/// </summary>
public static class BoundaryPicture
{
    public const string Name = "boundary.png";
    private const int Density = 100, Zoom = 3, Side = Density * Zoom;
    private const double Extent = 6;

    public static byte[] Draw(PageRun run) => Draw(run.Outputs, run.TrainPoints, run.TestPoints);

    /// <param name="outputs">The network's output, in [−1, 1], at each of the given points of the plane.</param>
    public static byte[] Draw(Func<(double X, double Y)[], double[]> outputs, IReadOnlyList<Example2D> train, IReadOnlyList<Example2D> test)
    {
        using var bitmap = new SKBitmap(Side, Side, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var pixels = new SKColor[Side * Side]; // filled here and handed over at once: SetPixel per pixel cost more than the training
        var cells = (from i in Enumerable.Range(0, Density) from j in Enumerable.Range(0, Density) select (i, j)).ToList();
        var values = outputs([.. cells.Select(c => (-Extent + 2 * Extent * c.i / (Density - 1), Extent - 2 * Extent * c.j / (Density - 1)))]);
        for (int c = 0; c < cells.Count; c++)
        {
            var ((i, j), colour) = (cells[c], Colour(values[c]));
            for (int dy = 0; dy < Zoom; dy++)
                Array.Fill(pixels, colour, (j * Zoom + dy) * Side + i * Zoom, Zoom);
        }
        bitmap.Pixels = pixels;
        using (var canvas = new SKCanvas(bitmap))
        using (var fill = new SKPaint { IsAntialias = true })
        using (var ring = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 1 })
        {
            foreach (var (points, edge) in new[] { (train, SKColors.White), (test, SKColors.Black) })
                foreach (var point in points)
                {
                    float px = (float)((point.X + Extent) / (2 * Extent) * Side), py = (float)((Extent - point.Y) / (2 * Extent) * Side);
                    fill.Color = Colour(Math.Clamp(point.Label, -1, 1), strong: true);
                    ring.Color = edge;
                    canvas.DrawCircle(px, py, 3, fill);
                    canvas.DrawCircle(px, py, 3, ring);
                }
        }
        return Png.Encode(bitmap);
    }

    /// <summary>−1 orange, 0 white, +1 blue (the page's colours); points stronger than the background.</summary>
    private static SKColor Colour(double value, bool strong = false)
    {
        double t = Math.Clamp(double.IsFinite(value) ? value : 0, -1, 1) * (strong ? 1 : 0.75);
        var (r, g, b) = t >= 0 ? (8, 119, 189) : (245, 147, 34);
        double a = Math.Abs(t);
        return new SKColor((byte)(255 + (r - 255) * a), (byte)(255 + (g - 255) * a), (byte)(255 + (b - 255) * a));
    }
}
