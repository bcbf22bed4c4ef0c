using System.Text.RegularExpressions;

namespace Dojo.Domain.Jobs;

/// <summary>
/// The names a job's trained networks are kept and downloaded under: <see cref="Default"/> for a job of one network;
/// a kind with several names each (<c>generator</c> and <c>discriminator</c>; <c>q</c> and <c>target</c>). A name is
/// also a file name, so it is a lower-case letter followed by letters and digits (kind names follow the same rule).
/// </summary>
public static partial class ModelNames
{
    public const string Default = "model";

    /// <summary>A seq2seq job's two networks.</summary>
    public const string Encoder = "encoder", Decoder = "decoder";

    /// <summary>A GAN's two networks.</summary>
    public const string Generator = "generator", Discriminator = "discriminator";

    /// <summary>A DQN's online Q-network and its target network.</summary>
    public const string Q = "q", Target = "target";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    [GeneratedRegex("^[a-z][A-Za-z0-9]{0,31}$")]
    private static partial Regex Pattern();
}
