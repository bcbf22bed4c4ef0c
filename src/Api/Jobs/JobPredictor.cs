using System.Text.Json;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Worker.Training;
using Dojo.Worker.Training.Supervised;
using Microsoft.Extensions.Options;
using SkiaSharp;
using static TorchSharp.torch;

namespace Dojo.Api.Jobs;

/// <summary>
/// Answers requests to finished jobs' trained networks, loaded once per job by <see cref="ModelCache"/>: a JSON body
/// goes to the kind's own model (<see cref="ITrainedJob.Answer"/>: a classifier's inputs, a forecast's steps, …);
/// images (PNG, JPEG, …) for a job trained on images are turned grey, resized to the data set's size and scaled like
/// the training pixels here, then classified.
/// </summary>
public sealed class JobPredictor(ModelCache models, IOptions<PredictionOptions> options)
{
    public object Answer(Job job, JsonElement request)
    {
        using var lease = models.Acquire(job);
        return lease.Model.Answer(request);
    }

    /// <summary>Images, decoded, made grey (luminance), resized to the data set's height and width, scaled as in training.</summary>
    public PredictResponse PredictImages(Job job, IReadOnlyList<byte[]> images, bool invert)
    {
        using var lease = models.Acquire(job);
        if (lease.Model is not SupervisedModel model)
            throw new PredictionInputException("body", "this job was not trained on images; it answers JSON requests (content-type: application/json)");
        // An image [1, height, width], or one read row by row [height, width] (a recurrent network's).
        if (model.Evaluation?.Input is not { } scaling || scaling.SampleShape.Length != 3)
            throw new PredictionInputException("image", "this job was not trained on images; send numbers as { \"inputs\": [...] }");
        if (images.Count is 0 or > SupervisedModel.MaxInputs) throw new PredictionInputException("image", $"send 1 to {SupervisedModel.MaxInputs} images");
        int height = scaling.SampleShape[1], width = scaling.SampleShape[2], size = height * width;
        var values = new float[images.Count * size];
        for (int n = 0; n < images.Count; n++)
        {
            string field = images.Count == 1 ? "image" : $"image[{n}]";
            using var data = SKData.CreateCopy(images[n]);
            using var codec = (images[n].Length == 0 ? null : SKCodec.Create(data)) // null: not an image Skia can read
                ?? throw new PredictionInputException(field, "is not a PNG, JPEG, GIF, BMP or WebP image");
            // The header's size, before a byte is decoded: a small file can declare a huge image.
            if ((long)codec.Info.Width * codec.Info.Height > options.Value.MaxImagePixels)
                throw new PredictionInputException(field, $"is {codec.Info.Width}×{codec.Info.Height} pixels; the limit is {options.Value.MaxImagePixels:N0} (Dojo:Predictions:MaxImagePixels)");
            using var decoded = SKBitmap.Decode(codec) ?? throw new PredictionInputException(field, "could not be decoded");
            using var resized = decoded.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
                ?? throw new PredictionInputException(field, "could not be resized");
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    var pixel = resized.GetPixel(x, y);
                    double grey = (0.299 * pixel.Red + 0.587 * pixel.Green + 0.114 * pixel.Blue) * pixel.Alpha / 255.0;
                    if (invert) grey = 255 - grey;
                    double raw = grey * scaling.PixelMax / 255.0;
                    values[n * size + y * width + x] = (float)((raw - scaling.Offset) * scaling.Scale);
                }
        }
        return model.Predict(values, images.Count);
    }
}
