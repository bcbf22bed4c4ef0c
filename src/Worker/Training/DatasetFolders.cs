using Dojo.Storage;
using Microsoft.Extensions.Options;

namespace Dojo.Worker.Training;

/// <summary>
/// Where data sets are: the shipped ones in <c>datasets/</c> beside the program (the build copies them there), uploads
/// in <c>{DataDirectory}/datasets</c> — or, where the database holds artifacts, the copies in <c>{DataDirectory}/cache/datasets</c>
/// (<see cref="JobFiles.EnsureUploadLocalAsync"/> makes them before a job reads) — none without storage options: a trainer run on its own.
/// </summary>
public sealed record DatasetFolders(string Builtin, string? Uploads)
{
    public static DatasetFolders From(IOptions<DojoOptions>? storage) =>
        new(Path.Combine(AppContext.BaseDirectory, "datasets"), storage is null ? null
            : storage.Value.Artifacts.InDatabase ? Path.Combine(storage.Value.FullDataDirectory, "cache", "datasets") : Path.Combine(storage.Value.FullDataDirectory, "datasets"));
}
