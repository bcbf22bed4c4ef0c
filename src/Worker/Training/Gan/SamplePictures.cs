using SkiaSharp;

namespace Dojo.Worker.Training.Gan;

/// <summary>Pictures of what a generator makes, as PNG: a grid of its images, or its points over the real ones.</summary>
public static class SamplePictures
{
    /// <summary>
    /// Images [channels, height, width] (1 channel: grey; 3: colour) in a grid of <paramref name="columns"/>, each
    /// pixel <paramref name="zoom"/>×<paramref name="zoom"/>, a pixel's value mapped from [<paramref name="low"/>,
    /// <paramref name="high"/>] (the real data's range) to black–white, with a grey line between images.
    /// </summary>
    public static byte[] Grid(float[] samples, int[] shape, int columns, float low, float high, int zoom)
    {
        int channels = shape[0], height = shape[1], width = shape[2], size = channels * height * width;
        int count = samples.Length / size, rows = (count + columns - 1) / columns;
        int cellWidth = width * zoom + 1, cellHeight = height * zoom + 1;
        using var bitmap = new SKBitmap(columns * cellWidth + 1, rows * cellHeight + 1, SKColorType.Rgba8888, SKAlphaType.Opaque);
        bitmap.Erase(new SKColor(128, 128, 128));
        byte Shade(float value) => (byte)Math.Clamp((int)MathF.Round((value - low) / (high - low) * 255), 0, 255);
        for (int n = 0; n < count; n++)
        {
            int left = n % columns * cellWidth + 1, top = n / columns * cellHeight + 1;
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    byte Channel(int c) => Shade(samples[n * size + Math.Min(c, channels - 1) * height * width + y * width + x]);
                    var colour = new SKColor(Channel(0), Channel(1), Channel(2));
                    for (int dy = 0; dy < zoom; dy++)
                        for (int dx = 0; dx < zoom; dx++)
                            bitmap.SetPixel(left + x * zoom + dx, top + y * zoom + dy, colour);
                }
        }
        return Png.Encode(bitmap);
    }

    /// <summary>Real points (grey) and generated ones (red) in the square ±<paramref name="extent"/>, 400 pixels a side.</summary>
    public static byte[] Points(float[] real, float[] made, double extent)
    {
        const int side = 400;
        using var bitmap = new SKBitmap(side, side, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap))
        using (var grey = new SKPaint { Color = new SKColor(150, 150, 150), IsAntialias = true })
        using (var red = new SKPaint { Color = new SKColor(220, 30, 30, 170), IsAntialias = true })
        {
            canvas.Clear(SKColors.White);
            float X(float value) => (float)((value + extent) / (2 * extent) * side);
            float Y(float value) => (float)((extent - value) / (2 * extent) * side);
            for (int i = 0; i + 1 < real.Length; i += 2) canvas.DrawCircle(X(real[i]), Y(real[i + 1]), 1.5f, grey);
            for (int i = 0; i + 1 < made.Length; i += 2) canvas.DrawCircle(X(made[i]), Y(made[i + 1]), 1.5f, red);
        }
        return Png.Encode(bitmap);
    }
}
