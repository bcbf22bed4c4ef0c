namespace Dojo.Storage.Artifacts;

/// <summary>
/// Artifacts as files under the data directory, a key being the path below it. A file is written beside its place
/// (<c>.tmp</c>) and renamed into it, so a reader never sees half of one. No fsync: a file written before a process
/// crash is intact (the kernel has it); a machine crash may lose the newest, as SQLite's own WAL may lose the newest commit.
/// </summary>
public sealed class FileArtifactStore(string root) : IArtifactStore
{
    private const string Partial = ".tmp";

    public string PathOf(string key) => Path.Combine(root, ArtifactKeys.Checked(key));

    public async Task PutAsync(string key, Stream content, CancellationToken ct)
    {
        string path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + Partial;
        try
        {
            await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
                await content.CopyToAsync(file, ct);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp); // gone already unless the write failed
        }
    }

    public Task PutFileAsync(string key, string localPath, CancellationToken ct)
    {
        string path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Move(localPath, path, overwrite: true);
        return Task.CompletedTask;
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken ct)
    {
        string path = PathOf(key);
        try
        {
            return Task.FromResult<Stream?>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, useAsync: true));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public Task<IReadOnlyList<ArtifactEntry>> ListAsync(string prefix, CancellationToken ct)
    {
        // The folder the prefix ends in, then the keys in it that start with the prefix.
        int slash = prefix.LastIndexOf('/');
        string folder = slash < 0 ? root : PathOf(prefix[..slash]);
        if (!Directory.Exists(folder)) return Task.FromResult<IReadOnlyList<ArtifactEntry>>([]);
        var found = new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => !f.Name.EndsWith(Partial, StringComparison.Ordinal))
            .Select(f => new ArtifactEntry(Path.GetRelativePath(root, f.FullName).Replace(Path.DirectorySeparatorChar, '/'), f.Length))
            .Where(a => a.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
        return Task.FromResult<IReadOnlyList<ArtifactEntry>>(found);
    }

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    public async Task DeleteAllAsync(string prefix, CancellationToken ct)
    {
        if (prefix.EndsWith('/') && Directory.Exists(PathOf(prefix.TrimEnd('/'))))
        {
            Directory.Delete(PathOf(prefix.TrimEnd('/')), recursive: true);
            return;
        }
        foreach (var artifact in await ListAsync(prefix, ct)) File.Delete(PathOf(artifact.Key));
    }

    public Task<string> LocalFolderAsync(string prefix, CancellationToken ct) => Task.FromResult(PathOf(prefix.TrimEnd('/')));
}
