using System.Text.Json.Serialization;
using Dojo.Domain.Datasets;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Kinds.LanguageModel;

/// <summary>The texts Dojo ships (datasets/README.md: provenance and licence).</summary>
public enum BuiltinText { Sherlock }

/// <summary>
/// A text read character by character: its alphabet (the distinct characters, in order) is the vocabulary, each
/// character a token. The text is split in order — training, then <see cref="ValidationPercent"/>, then
/// <see cref="TestPercent"/> — and each part cut into sequences of <see cref="SequenceLength"/> characters, each
/// learning the character after every one of its own.
/// </summary>
public sealed record TextDatasetSpec : DatasetSpec, IUploadedDataset
{
    public BuiltinText? Name { get; init; }

    /// <summary>A text a user uploaded (<c>POST /api/datasets/uploads</c> with the part <c>text</c>).</summary>
    public Guid? UploadId { get; init; }

    /// <summary>The upload's size and alphabet, filled in at submit.</summary>
    public UploadInfo? Upload { get; init; }

    /// <summary>Only the text's first this many characters (default: all of it); the alphabet stays the whole text's.</summary>
    public int? Characters { get; init; }

    public int SequenceLength { get; init; } = 64;
    public int ValidationPercent { get; init; } = 5;
    public int TestPercent { get; init; } = 5;

    /// <summary>What Dojo knows of its shipped texts without reading them (checked against the files by a test).</summary>
    public static (int Characters, string Alphabet) Describe(BuiltinText text) => text switch
    {
        BuiltinText.Sherlock => (562_521, "\n !\"&'(),-./0123456789:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzàâèé"),
        _ => throw new ArgumentOutOfRangeException(nameof(text), text, null),
    };

    public override string ForKind() => JobKinds.LanguageModel;

    /// <summary>The tokens: every character of the whole text, in ordinal order; a token is its index here.</summary>
    public string Alphabet() => Name is { } name ? Describe(name).Alphabet : Upload?.Alphabet ?? "";

    /// <summary>The characters used: the text's, or the first <see cref="Characters"/>.</summary>
    public int Length() => Math.Min(Characters ?? int.MaxValue, Name is { } name ? Describe(name).Characters : Upload?.Count ?? 0);

    public override int[] SampleShape() => [SequenceLength];

    public override int ClassCount() => Alphabet().Length;

    public override LabelEncoding Labels() => LabelEncoding.ClassIndex;

    /// <summary>Where validation and test start, as character indices.</summary>
    public (int ValidationStart, int TestStart) Parts()
    {
        int length = Length();
        int test = length - (int)((long)length * TestPercent / 100);
        return (test - (int)((long)length * ValidationPercent / 100), test);
    }

    /// <summary>How many sequences a part of <paramref name="characters"/> characters gives (each needs one more: its last target).</summary>
    public int Sequences(int characters) => Math.Max(characters - 1, 0) / SequenceLength;

    public override (int Train, int Validation, int Test) SplitSizes()
    {
        var (validation, test) = Parts();
        return (Sequences(validation), Sequences(test - validation), Sequences(Length() - test));
    }

    [JsonIgnore]
    public string Described => Name is { } name ? $"'{SpecJson.Name(name)}'" : $"upload {UploadId}";

    public string? Refuses(UploadInfo upload) => upload.Content == UploadContent.Text ? null : $"holds {upload.Describe()}, not a text; upload a UTF-8 file as the part text";

    public DatasetSpec WithUpload(UploadInfo upload) => this with { Upload = upload };

    public override void Validate(SpecLimits limits, ValidationErrors errors, string path)
    {
        if (Name is null == UploadId is null)
        {
            errors.Add($"{path}.name", $"give one of name ({SpecJson.AllowedNames<BuiltinText>()}) or uploadId");
            return;
        }
        if (UploadId is not null && Upload is null)
        {
            errors.Add($"{path}.uploadId", "is not an uploaded text");
            return;
        }
        if (Characters is < 1000) errors.Add($"{path}.characters", "must be at least 1000");
        if (SequenceLength is < 2 or > 1000) errors.Add($"{path}.sequenceLength", "must be between 2 and 1000");
        if (ValidationPercent is < 1 or > 50) errors.Add($"{path}.validationPercent", "must be between 1 and 50");
        if (TestPercent is < 1 or > 50) errors.Add($"{path}.testPercent", "must be between 1 and 50");
        if (errors.Count > 0) return;
        var (train, validation, test) = SplitSizes();
        if (Math.Min(train, Math.Min(validation, test)) < 1)
            errors.Add($"{path}.sequenceLength", $"is {SequenceLength}: {Described}'s {Length()} characters leave a part with no whole sequence (training {train}, validation {validation}, test {test})");
    }
}
