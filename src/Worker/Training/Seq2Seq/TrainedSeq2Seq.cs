using System.Text.Json;
using System.Text.RegularExpressions;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Seq2Seq;
using Dojo.Domain.Specs;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Seq2Seq;

/// <summary>One input's answer, with the task's true answer beside it (none for an input the task would not pose).</summary>
public sealed record Seq2SeqAnswer(string Input, string Output, string? Expected, bool? Correct);

public sealed record Seq2SeqResponse(IReadOnlyList<Seq2SeqAnswer> Answers);

/// <summary>A finished seq2seq job: its encoder and decoder. Answers <c>{ "inputs": ["12345", …] }</c> greedily, as it was evaluated.</summary>
public sealed partial class TrainedSeq2Seq(Seq2SeqNetworks networks, SequencePairsData data) : ITrainedJob
{
    public const int MaxInputs = 1000;

    public sealed class Loader : ITrainedJobLoader
    {
        public ITrainedJob Load(JobSpec spec, Evaluation? evaluation, Func<string, string> weights)
        {
            var seq2seq = (Seq2SeqSpec)spec;
            var networks = new Seq2SeqNetworks(seq2seq.Model, seq2seq.Vocabulary, seq2seq.Pairs.LongestOutput + 1, NetworkInit.ForLoading);
            try
            {
                networks.Encoder.load(weights(ModelNames.Encoder));
                networks.Decoder.load(weights(ModelNames.Decoder));
                networks.Train(false);
                return new TrainedSeq2Seq(networks, SequencePairsData.Describe(seq2seq.Pairs));
            }
            catch
            {
                networks.Dispose();
                throw;
            }
        }
    }

    public object Answer(JsonElement request)
    {
        PredictionInputException.OnlyMembers(request, "inputs");
        var spec = data.Spec;
        if (!request.TryGetProperty("inputs", out var given) || given.ValueKind != JsonValueKind.Array || given.GetArrayLength() is 0 or > MaxInputs)
            throw new PredictionInputException("inputs", $"must be an array of 1 to {MaxInputs} strings");
        var inputs = new List<string>();
        foreach (var input in given.EnumerateArray())
        {
            string field = $"inputs[{inputs.Count}]";
            string text = input.ValueKind == JsonValueKind.String ? input.GetString()! : throw new PredictionInputException(field, "must be a string");
            if (text.Length == 0 || text.Length > spec.LongestInput)
                throw new PredictionInputException(field, $"has {text.Length} symbols; the model reads 1 to {spec.LongestInput}");
            if (text.Any(c => !spec.Alphabet.Contains(c)))
                throw new PredictionInputException(field, $"may hold only the task's symbols: {spec.Alphabet}");
            inputs.Add(text);
        }
        long[] written;
        using (var scope = NewDisposeScope())
        using (no_grad())
            written = networks.Greedy(tensor(data.EncodeInputs(inputs), [inputs.Count, spec.LongestInput])).data<long>().ToArray();
        int length = networks.AnswerLength;
        return new Seq2SeqResponse(inputs.Select((input, n) =>
        {
            string output = data.Decode(written.AsSpan(n * length, length));
            string? expected = Poses(spec, input) ? SequencePairsData.Answer(spec.Task, input) : null;
            return new Seq2SeqAnswer(input, output, expected, expected is null ? null : output == expected);
        }).ToList());
    }

    /// <summary>Whether the task would pose this input: any digits to reverse; numbers joined by one plus sign to add.</summary>
    private static bool Poses(SequencePairsDatasetSpec spec, string input) => spec.Task != SequenceTask.Addition || Sum().IsMatch(input);

    [GeneratedRegex(@"^\d+\+\d+$")]
    private static partial Regex Sum();

    public void Dispose() => networks.Dispose();
}
