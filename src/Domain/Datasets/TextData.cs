using System.IO.Compression;
using System.Text;
using Dojo.Domain.Kinds.LanguageModel;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Datasets;

/// <summary>Sequences of one part of a text: inputs and targets [count, length] of token indices, each target the character after its input.</summary>
public sealed record TextSequences(long[] Inputs, long[] Targets, int Count, int Length);

/// <summary>
/// A text as a language model learns it (<see cref="TextDatasetSpec"/>): its characters as tokens (their index in the
/// alphabet), split in order into training, validation and test parts, each cut into sequences; and the unigram
/// model of the training part (add-one smoothed character frequencies), the baseline a language model must beat.
/// </summary>
public sealed class TextData
{
    private readonly double[] _unigramLogProbability;

    private TextData(TextDatasetSpec spec, string text)
    {
        Alphabet = spec.Alphabet();
        var index = new Dictionary<char, int>();
        for (int i = 0; i < Alphabet.Length; i++) index[Alphabet[i]] = i;
        int length = spec.Length();
        Tokens = new int[length];
        for (int i = 0; i < length; i++)
            Tokens[i] = index.TryGetValue(text[i], out int token) ? token
                : throw new InvalidDataException($"character {(int)text[i]} at {i} is not in the text's alphabet; the file does not match its description");
        var (validationStart, testStart) = spec.Parts();
        (ValidationStart, TestStart) = (validationStart, testStart);
        Train = Sequences(0, validationStart, spec.SequenceLength);
        Validation = Sequences(validationStart, testStart, spec.SequenceLength);
        Test = Sequences(testStart, length, spec.SequenceLength);

        var counts = new double[Alphabet.Length];
        for (int i = 0; i < validationStart; i++) counts[Tokens[i]]++;
        double total = validationStart + Alphabet.Length;
        _unigramLogProbability = counts.Select(c => Math.Log((c + 1) / total)).ToArray();
    }

    /// <summary>The tokens: token i is this string's character i.</summary>
    public string Alphabet { get; }

    public int[] Tokens { get; }
    public int ValidationStart { get; }
    public int TestStart { get; }
    public TextSequences Train { get; }
    public TextSequences Validation { get; }
    public TextSequences Test { get; }

    public static TextData Load(TextDatasetSpec spec, string builtinDirectory, string? uploadsDirectory) =>
        new(spec, Read(spec, builtinDirectory, uploadsDirectory));

    public static TextData From(TextDatasetSpec spec, string text) => new(spec, text);

    /// <summary>The unigram model's perplexity on the characters that the sequences of a part predict.</summary>
    public double UnigramPerplexity(TextSequences part) =>
        part.Targets.Length == 0 ? double.NaN : Math.Exp(-part.Targets.Average(t => _unigramLogProbability[t]));

    public int[] Encode(string text) => text.Select(c => Alphabet.IndexOf(c)).ToArray();

    private TextSequences Sequences(int from, int to, int length)
    {
        int count = Math.Max(to - from - 1, 0) / length;
        var inputs = new long[count * length];
        var targets = new long[count * length];
        for (int s = 0; s < count; s++)
            for (int k = 0; k < length; k++)
            {
                int at = from + s * length + k;
                inputs[s * length + k] = Tokens[at];
                targets[s * length + k] = Tokens[at + 1];
            }
        return new TextSequences(inputs, targets, count, length);
    }

    /// <summary>An uploaded text as stored: UTF-8, line ends as LF.</summary>
    public const string TextFile = "text.txt";

    /// <summary>The text: a shipped one (gzip) or an upload's.</summary>
    public static string Read(TextDatasetSpec spec, string builtinDirectory, string? uploadsDirectory)
    {
        if (spec.Name is { } name)
        {
            using var file = File.OpenRead(Path.Combine(builtinDirectory, "text", SpecJson.Name(name) + ".txt.gz"));
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, new UTF8Encoding(false, throwOnInvalidBytes: true));
            return reader.ReadToEnd();
        }
        return File.ReadAllText(Path.Combine(uploadsDirectory ?? throw new InvalidOperationException("uploads need the data directory"),
            spec.UploadId!.Value.ToString("N"), TextFile), new UTF8Encoding(false, throwOnInvalidBytes: true));
    }

    /// <summary>A text's alphabet: its distinct characters in ordinal order.</summary>
    public static string AlphabetOf(string text) => string.Concat(text.Distinct().Order());
}
