using Dojo.Domain.Kinds.Seq2Seq;

namespace Dojo.Domain.Datasets;

/// <summary>
/// One part's pairs as tokens: inputs [count, longest input] left-padded (the encoder ends on the last symbol), targets
/// [count, longest answer + 1] each ending in <see cref="Seq2SeqSpec.End"/> and right-padded, and the strings themselves.
/// </summary>
public sealed record PairTokens(long[] Inputs, long[] Targets, IReadOnlyList<(string Input, string Output)> Pairs, int InputLength, int TargetLength)
{
    public int Count => Pairs.Count;
}

/// <summary>
/// A seq2seq task's pairs (<see cref="SequencePairsDatasetSpec"/>): distinct inputs drawn from the seed, shuffled, and
/// split by input into test, validation and training parts; symbols are tokens from <see cref="Seq2SeqSpec.FirstSymbol"/>.
/// </summary>
public sealed class SequencePairsData
{
    private SequencePairsData(SequencePairsDatasetSpec spec, bool draw = true)
    {
        Spec = spec;
        var pairs = draw ? Draw(spec) : [];
        int test = pairs.Length * spec.TestPercent / 100, validation = pairs.Length * spec.ValidationPercent / 100;
        Test = Encode(pairs[..test]);
        Validation = Encode(pairs[test..(test + validation)]);
        Train = Encode(pairs[(test + validation)..]);
    }

    public SequencePairsDatasetSpec Spec { get; }
    public PairTokens Train { get; }
    public PairTokens Validation { get; }
    public PairTokens Test { get; }

    public static SequencePairsData Make(SequencePairsDatasetSpec spec) => new(spec);

    /// <summary>The task's encoding without its pairs (for a finished job answering new inputs).</summary>
    public static SequencePairsData Describe(SequencePairsDatasetSpec spec) => new(spec, draw: false);

    /// <summary>The answer the task wants for <paramref name="input"/>.</summary>
    public static string Answer(SequenceTask task, string input) => task switch
    {
        SequenceTask.Addition => (long.Parse(input[..input.IndexOf('+')]) + long.Parse(input[(input.IndexOf('+') + 1)..])).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => new string(input.Reverse().ToArray()),
    };

    /// <summary>Inputs as the encoder reads them: symbols as tokens, left-padded to the task's longest input.</summary>
    public long[] EncodeInputs(IReadOnlyList<string> inputs)
    {
        int length = Spec.LongestInput;
        var tokens = new long[inputs.Count * length]; // Pad is 0
        for (int n = 0; n < inputs.Count; n++)
            for (int k = 0; k < inputs[n].Length; k++)
                tokens[n * length + length - inputs[n].Length + k] = Seq2SeqSpec.FirstSymbol + Spec.Alphabet.IndexOf(inputs[n][k]);
        return tokens;
    }

    /// <summary>The string a decoder wrote: its symbols up to its first end token (a padding or start token ends it too).</summary>
    public string Decode(ReadOnlySpan<long> tokens)
    {
        var text = new System.Text.StringBuilder();
        foreach (long token in tokens)
        {
            if (token < Seq2SeqSpec.FirstSymbol) break;
            text.Append(Spec.Alphabet[(int)token - Seq2SeqSpec.FirstSymbol]);
        }
        return text.ToString();
    }

    private PairTokens Encode((string Input, string Output)[] pairs)
    {
        int targetLength = Spec.LongestOutput + 1;
        var targets = new long[pairs.Length * targetLength];
        for (int n = 0; n < pairs.Length; n++)
        {
            string output = pairs[n].Output;
            for (int k = 0; k < output.Length; k++) targets[n * targetLength + k] = Seq2SeqSpec.FirstSymbol + Spec.Alphabet.IndexOf(output[k]);
            targets[n * targetLength + output.Length] = Seq2SeqSpec.End;
        }
        return new PairTokens(EncodeInputs(pairs.Select(p => p.Input).ToList()), targets, pairs, Spec.LongestInput, targetLength);
    }

    /// <summary>Distinct inputs in the order drawn from the seed (already random: no further shuffle is needed).</summary>
    private static (string, string)[] Draw(SequencePairsDatasetSpec spec)
    {
        var random = new Random(spec.Seed);
        var seen = new HashSet<string>();
        var pairs = new List<(string, string)>(spec.Samples);
        while (pairs.Count < spec.Samples)
        {
            string input = spec.Task == SequenceTask.Addition
                ? $"{Number(random, random.Next(1, spec.MaxLength + 1))}+{Number(random, random.Next(1, spec.MaxLength + 1))}"
                : Digits(random, random.Next(spec.ShortestInput, spec.MaxLength + 1));
            if (seen.Add(input)) pairs.Add((input, Answer(spec.Task, input)));
        }
        return pairs.ToArray();
    }

    private static string Digits(Random random, int length) => string.Concat(Enumerable.Range(0, length).Select(_ => (char)('0' + random.Next(10))));

    /// <summary>A number of exactly <paramref name="digits"/> digits (no leading zero, unless it is the single digit 0).</summary>
    private static string Number(Random random, int digits) =>
        digits == 1 ? ((char)('0' + random.Next(10))).ToString() : (char)('1' + random.Next(9)) + Digits(random, digits - 1);
}
