using System.Text.Json;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;

namespace Dojo.Worker.Training;

/// <summary>
/// A finished job's trained networks, loaded once to answer requests (<c>POST /api/jobs/{id}/predict</c>): a
/// classifier's probabilities, a forecast past the series' end, generated text, a seq2seq model's outputs. What a
/// request holds is the kind's own (a JSON body); a request that cannot be answered throws
/// <see cref="PredictionInputException"/> naming the field.
/// </summary>
public interface ITrainedJob : IDisposable
{
    /// <summary>The answer to a JSON request, as an object that serialises to the response body.</summary>
    object Answer(JsonElement request);
}

/// <summary>Loads a kind's finished jobs (registered with the kind: <c>AddJobKind&lt;TSpec, TTrainer, TLoader&gt;</c>).</summary>
public interface ITrainedJobLoader
{
    /// <param name="weights">The file of a trained network's weights (TorchSharp's format), by its model name.</param>
    ITrainedJob Load(JobSpec spec, Evaluation? evaluation, Func<string, string> weights);
}

/// <summary>What a kind's loader shares: one of a finished job's networks, built from its spec and loaded in evaluation mode.</summary>
public static class TrainedNetwork
{
    /// <param name="file">The file of its trained weights (TorchSharp's format).</param>
    public static TorchSharp.Modules.Sequential Load(NetworkSpec network, int[] input, string file)
    {
        var net = ModelBuilder.Build(network, input, NetworkInit.ForLoading).Net;
        try
        {
            net.load(file);
            net.eval();
            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }
}

/// <summary>An answer that is a picture (a GAN's samples as an image grid): the API sends it as <c>image/png</c>.</summary>
public sealed record PictureAnswer(byte[] Png);

/// <summary>An input that cannot be answered, keyed by the field to name in the 400.</summary>
public sealed class PredictionInputException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>] at <paramref name="field"/>, or its default when absent.</summary>
    public static int Count(JsonElement request, string field, int min, int max, int? absent = null)
    {
        if (!request.TryGetProperty(field, out var value))
            return absent ?? throw new PredictionInputException(field, $"is required: a whole number from {min} to {max}");
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int number) || number < min || number > max)
            throw new PredictionInputException(field, $"must be a whole number from {min} to {max}");
        return number;
    }

    /// <summary>A JSON object's members must all be known: a misspelt one is named, not ignored.</summary>
    public static void OnlyMembers(JsonElement request, params string[] known)
    {
        if (request.ValueKind != JsonValueKind.Object) throw new PredictionInputException("body", "must be a JSON object");
        foreach (var member in request.EnumerateObject())
            if (!known.Contains(member.Name))
                throw new PredictionInputException(member.Name, $"is not a member of this kind's request; it takes {string.Join(", ", known)}");
    }
}
