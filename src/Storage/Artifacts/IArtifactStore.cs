namespace Dojo.Storage.Artifacts;

/// <summary>A stored artifact: its key (<c>jobs/{id}/model.bin</c>) and size in bytes.</summary>
public sealed record ArtifactEntry(string Key, long Length);

/// <summary>
/// Where Dojo keeps what is not a row: checkpoints, trained weights, pictures a trainer keeps, uploaded data sets and
/// report files, each under a key of path segments (<c>jobs/{id}/checkpoint-4.bin</c>,
/// <c>datasets/{id}/images.idx.gz</c>, <c>files/ab/abcdef…</c>). Two stores: the data directory (the default: a key is
/// a path under it, the layout Dojo always had) and the database (<c>Dojo:Artifacts:Store=database</c>: for hosts that
/// share no disk, every process sees every artifact through the one database). Content is streamed both ways; a reader
/// sees an artifact whole or not at all.
/// </summary>
public interface IArtifactStore
{
    /// <summary>Stores <paramref name="content"/> (read to its end) under <paramref name="key"/>, replacing what was there.</summary>
    Task PutAsync(string key, Stream content, CancellationToken ct);

    /// <summary>Stores a local file under <paramref name="key"/> and removes the local file (the data directory moves it).</summary>
    Task PutFileAsync(string key, string localPath, CancellationToken ct);

    /// <summary>The artifact's content to read once, front to back; null when there is none.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken ct);

    /// <summary>Every artifact whose key starts with <paramref name="prefix"/>, by key.</summary>
    Task<IReadOnlyList<ArtifactEntry>> ListAsync(string prefix, CancellationToken ct);

    Task DeleteAsync(string key, CancellationToken ct);

    Task DeleteAllAsync(string prefix, CancellationToken ct);

    /// <summary>
    /// A local folder holding the artifacts under <paramref name="prefix"/> (which end in '/') as files, for readers that
    /// want paths (data set readers): the data directory's own folder, or a cached copy of what the database holds (for
    /// artifacts that never change once stored, such as an upload).
    /// </summary>
    Task<string> LocalFolderAsync(string prefix, CancellationToken ct);
}

/// <summary>Keys: ASCII letters, digits, '-', '_', '.', '/' separated segments, none of them "." or "..".</summary>
public static class ArtifactKeys
{
    public static string Checked(string key)
    {
        if (key.Length is 0 or > 300 || key.StartsWith('/') || key.Contains("//", StringComparison.Ordinal)
            || key.Split('/').Any(segment => segment is "." or "..")
            || key.Any(c => !(char.IsAsciiLetter(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.' or '/')))
            throw new ArgumentException($"'{key}' is not an artifact key", nameof(key));
        return key;
    }
}
