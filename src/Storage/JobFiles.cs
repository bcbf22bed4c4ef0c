using Dojo.Domain.Specs;
using Dojo.Storage.Artifacts;

namespace Dojo.Storage;

/// <summary>The formats trained weights are kept in: TorchSharp's, safetensors, and PyTorch's <c>torch.save</c> of the state dict.</summary>
public enum ModelFormat { TorchSharp, Safetensors, PyTorch }

/// <summary>
/// A job's artifacts in the <see cref="IArtifactStore"/>, under <c>jobs/{id}/</c>: checkpoints (<c>checkpoint-{epoch}.bin</c>),
/// each trained network under its name (<c>model.bin</c>, <c>generator.safetensors</c>, …; names are
/// <see cref="Domain.Jobs.ModelNames"/>), and what a trainer keeps for people to look at (<c>files/samples-epoch-007.png</c>).
/// The synchronous members are for the worker's training thread, which owns its OS thread and blocks on nothing else.
/// </summary>
public sealed class JobFiles(IArtifactStore store)
{
    public IArtifactStore Store => store;

    public static string Prefix(Guid jobId) => $"jobs/{jobId:N}/";
    public static string Checkpoint(Guid jobId, int epoch) => $"{Prefix(jobId)}checkpoint-{epoch}.bin";

    public static string Model(Guid jobId, string name, ModelFormat format) => Domain.Jobs.ModelNames.IsValid(name)
        ? Prefix(jobId) + name + Extension(format)
        : throw new ArgumentException($"'{name}' is not a model name", nameof(name));

    /// <summary>A file a trainer kept with the job (a GAN's sample grid of an epoch): <c>files/{name}</c>, a name <see cref="IsFileName"/> allows.</summary>
    public static string File(Guid jobId, string name) => IsFileName(name)
        ? $"{Prefix(jobId)}files/{name}"
        : throw new ArgumentException($"'{name}' is not a job file name", nameof(name));

    public Task WriteAsync(string key, byte[] content, CancellationToken ct) => store.PutAsync(key, new MemoryStream(content, writable: false), ct);

    public void Write(string key, byte[] content) => WriteAsync(key, content, CancellationToken.None).GetAwaiter().GetResult();

    public Task<Stream?> OpenReadAsync(string key, CancellationToken ct) => store.OpenReadAsync(key, ct);

    /// <summary>The whole artifact (checkpoints, weights and pictures are read whole by their readers); null when there is none.</summary>
    public async Task<byte[]?> ReadAllBytesAsync(string key, CancellationToken ct)
    {
        await using var stream = await store.OpenReadAsync(key, ct);
        if (stream is null) return null;
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, ct);
        return copy.ToArray();
    }

    public byte[]? ReadAllBytes(string key) => ReadAllBytesAsync(key, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>The names of the trained networks a job has (none until it has succeeded).</summary>
    public async Task<IReadOnlyList<string>> ModelNamesAsync(Guid jobId, CancellationToken ct) =>
        (await store.ListAsync(Prefix(jobId), ct)).Select(a => a.Key[Prefix(jobId).Length..])
            .Where(name => name.EndsWith(Extension(ModelFormat.TorchSharp), StringComparison.Ordinal))
            .Select(name => name[..^Extension(ModelFormat.TorchSharp).Length])
            .Where(Domain.Jobs.ModelNames.IsValid).Order(StringComparer.Ordinal).ToList();

    /// <summary>The files a trainer kept with the job, by name.</summary>
    public async Task<IReadOnlyList<(string Name, long Bytes)>> FilesAsync(Guid jobId, CancellationToken ct)
    {
        string prefix = Prefix(jobId) + "files/";
        return (await store.ListAsync(prefix, ct)).Select(a => (Name: a.Key[prefix.Length..], Bytes: a.Length))
            .Where(f => IsFileName(f.Name)).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Every checkpoint of the job but the one of <paramref name="keepEpoch"/>.</summary>
    public async Task DeleteCheckpointsAsync(Guid jobId, int keepEpoch, CancellationToken ct)
    {
        string keep = Checkpoint(jobId, keepEpoch);
        foreach (var artifact in await store.ListAsync(Prefix(jobId) + "checkpoint-", ct))
            if (artifact.Key != keep) await store.DeleteAsync(artifact.Key, ct);
    }

    /// <summary>How many bytes the job's artifacts take.</summary>
    public async Task<long> SizeAsync(Guid jobId, CancellationToken ct) => (await store.ListAsync(Prefix(jobId), ct)).Sum(a => a.Length);

    public Task DeleteAllAsync(Guid jobId, CancellationToken ct) => store.DeleteAllAsync(Prefix(jobId), ct);

    /// <summary>
    /// Makes the data set a spec trains on readable as local files where it is an upload (the database store copies it
    /// into the data directory's cache once; the file store has it in place). Nothing for shipped data sets.
    /// </summary>
    public async Task EnsureUploadLocalAsync(JobSpec spec, CancellationToken ct)
    {
        if (spec.TrainsOn() is IUploadedDataset { UploadId: { } uploadId }) await store.LocalFolderAsync(Upload(uploadId), ct);
    }

    /// <summary>The prefix of an uploaded data set's files.</summary>
    public static string Upload(Guid uploadId) => $"datasets/{uploadId:N}/";

    /// <summary>Lower-case letters, digits and dashes, then <c>.png</c> or <c>.json</c>: a name that is safe as a path and says what it holds.</summary>
    public static bool IsFileName(string? name) => name is not null && System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9][a-z0-9-]{0,63}\\.(png|json)$");

    /// <summary>The media type a kept file is served as, by its extension.</summary>
    public static string ContentType(string name) => name.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "image/png";

    public static string Extension(ModelFormat format) => format switch
    {
        ModelFormat.Safetensors => ".safetensors",
        ModelFormat.PyTorch => ".pt",
        _ => ".bin",
    };
}
