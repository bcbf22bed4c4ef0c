using SkiaSharp;

namespace Dojo.Worker.Training;

/// <summary>The pictures trainers keep (a GAN's samples, a DQN's episode and policy), encoded the one way.</summary>
public static class Png
{
    public static byte[] Encode(SKBitmap bitmap)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
