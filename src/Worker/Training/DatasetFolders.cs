using Dojo.Storage;
using Microsoft.Extensions.Options;

namespace Dojo.Worker.Training;

/// <summary>
/// Where data sets are: the shipped ones in <c>datasets/</c> beside the program (the build copies them there), uploads
/// in <c>{DataDirectory}/datasets</c>, shared with the API (none without storage options: a trainer run on its own).
/// </summary>
public sealed record DatasetFolders(string Builtin, string? Uploads)
{
    public static DatasetFolders From(IOptions<DojoOptions>? storage) =>
        new(Path.Combine(AppContext.BaseDirectory, "datasets"), storage is null ? null : Path.Combine(storage.Value.FullDataDirectory, "datasets"));
}
