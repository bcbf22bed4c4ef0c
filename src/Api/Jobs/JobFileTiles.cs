using SkiaSharp;

namespace Dojo.Api.Jobs;

/// <summary>
/// The pictures a job kept over its epochs (a GAN's <c>samples-epoch-0001.png</c>, …) as one: up to
/// <see cref="MaxTiles"/> of them, evenly spaced from the first epoch to the last, scaled into tiles of a grid,
/// each with its epoch written above it — how the samples changed as the job trained, in one image.
/// </summary>
public static class JobFileTiles
{
    public const string Name = "samples-over-epochs.png";
    public const int MaxTiles = 20, Columns = 5, TileWidth = 200, Caption = 18;

    /// <summary>The epoch pictures to tile, in epoch order: every one when few, else evenly spaced, first and last included.</summary>
    public static IReadOnlyList<string> Choose(IReadOnlyList<string> epochFiles)
    {
        if (epochFiles.Count <= MaxTiles) return epochFiles;
        return Enumerable.Range(0, MaxTiles).Select(i => epochFiles[(int)Math.Round(i * (epochFiles.Count - 1) / (double)(MaxTiles - 1))]).Distinct().ToList();
    }

    public static byte[] Render(IReadOnlyList<(string Name, byte[] Png)> pictures)
    {
        var decoded = pictures.Select(p => (p.Name, Bitmap: SKBitmap.Decode(p.Png))).Where(p => p.Bitmap is not null).ToList();
        try
        {
            int tileHeight = decoded.Count == 0 ? TileWidth : decoded.Max(p => (int)Math.Ceiling(p.Bitmap.Height * (double)TileWidth / p.Bitmap.Width));
            int rows = Math.Max(1, (decoded.Count + Columns - 1) / Columns);
            using var canvasBitmap = new SKBitmap(Columns * TileWidth, rows * (tileHeight + Caption), SKColorType.Rgba8888, SKAlphaType.Opaque);
            using (var canvas = new SKCanvas(canvasBitmap))
            using (var font = new SKFont(SKTypeface.Default, 13))
            using (var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true })
            using (var sampling = new SKPaint())
            {
                canvas.Clear(SKColors.White);
                for (int i = 0; i < decoded.Count; i++)
                {
                    var (name, bitmap) = decoded[i];
                    float left = i % Columns * TileWidth, top = i / Columns * (tileHeight + Caption);
                    canvas.DrawText(name.Replace("samples-", "").Replace(".png", "").Replace('-', ' '), left + 4, top + 14, font, ink);
                    int height = (int)Math.Round(bitmap.Height * (double)TileWidth / bitmap.Width);
                    using var image = SKImage.FromBitmap(bitmap);
                    canvas.DrawImage(image, new SKRect(left, top + Caption, left + TileWidth, top + Caption + height), new SKSamplingOptions(SKFilterMode.Nearest), sampling);
                }
            }
            using var encoded = SKImage.FromBitmap(canvasBitmap).Encode(SKEncodedImageFormat.Png, 100);
            return encoded.ToArray();
        }
        finally
        {
            foreach (var (_, bitmap) in decoded) bitmap.Dispose();
        }
    }
}
