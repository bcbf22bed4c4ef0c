using System.Text.Json;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.LanguageModel;
using Dojo.Domain.Specs;
using TorchSharp.Modules;

namespace Dojo.Worker.Training.LanguageModel;

/// <summary>What a language model answers: the text it wrote, prompt first.</summary>
public sealed record GenerateResponse(string Text, string Prompt, int Length, double Temperature, int Seed);

/// <summary>
/// A finished language model: its network and the text's alphabet. Answers <c>{ "prompt", "length", "temperature",
/// "seed" }</c> (each defaulting to the job's sample settings, seed 1) with generated text; the same seed writes the
/// same text.
/// </summary>
public sealed class TrainedLanguageModel(Sequential net, LanguageModelSpec spec) : ITrainedJob
{
    public sealed class Loader : ITrainedJobLoader
    {
        public ITrainedJob Load(JobSpec spec, Evaluation? evaluation, Func<string, string> weights)
        {
            var language = (LanguageModelSpec)spec;
            return new TrainedLanguageModel(TrainedNetwork.Load(language.Scores, language.Dataset.SampleShape(), weights(ModelNames.Default)), language);
        }
    }

    public object Answer(JsonElement request)
    {
        PredictionInputException.OnlyMembers(request, "prompt", "length", "temperature", "seed");
        string alphabet = spec.Text.Alphabet();
        string prompt = spec.Sample.Prompt;
        if (request.TryGetProperty("prompt", out var given))
        {
            prompt = given.ValueKind == JsonValueKind.String ? given.GetString()! : throw new PredictionInputException("prompt", "must be a string");
            if (prompt.Length == 0) throw new PredictionInputException("prompt", "must hold at least one character");
            if (SampleSpec.Unknown(prompt, alphabet) is { Length: > 0 } unknown)
                throw new PredictionInputException("prompt", $"holds characters the text never uses: {unknown}");
        }
        int length = PredictionInputException.Count(request, "length", 1, SampleSpec.MaxLength, absent: spec.Sample.Length);
        double temperature = spec.Sample.Temperature;
        if (request.TryGetProperty("temperature", out var t) && (t.ValueKind != JsonValueKind.Number || !((temperature = t.GetDouble()) >= 0) || temperature > 100))
            throw new PredictionInputException("temperature", "must be a number from 0 (the likeliest character each time) to 100");
        int seed = PredictionInputException.Count(request, "seed", 0, int.MaxValue, absent: 1);
        string text = TextGenerator.Write(net, alphabet, prompt, length, temperature, spec.Text.SequenceLength, new Random(seed));
        return new GenerateResponse(text, prompt, length, temperature, seed);
    }

    public void Dispose() => net.Dispose();
}
