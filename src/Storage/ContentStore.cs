using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Dojo.Storage;

/// <summary>A stored file: its SHA-256 (lower-case hex), which is also its only name on disk, and its size.</summary>
public sealed record StoredContent(string Sha256, long Length);

/// <summary>An upload longer than the limit; nothing of it is kept.</summary>
public sealed class ContentTooLargeException(long limit) : IOException($"the file is larger than {limit} bytes")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// Uploaded files (report submissions) stored by content under <c>{DataDirectory}/files/ab/abcdef…</c>:
/// no part of a user-supplied name ever reaches a path, identical uploads are stored once, and a file is
/// in place only once it is complete (written beside, hashed while streaming, then renamed).
/// </summary>
public sealed partial class ContentStore(IOptions<DojoOptions> options)
{
    private string Root => Path.Combine(options.Value.FullDataDirectory, "files");

    public async Task<StoredContent> PutAsync(Stream content, long maxBytes, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(Root, "incoming"));
        string temp = Path.Combine(Root, "incoming", Guid.NewGuid().ToString("N"));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, ct)) > 0)
                {
                    length += read;
                    if (length > maxBytes) throw new ContentTooLargeException(maxBytes);
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            string sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            string path = PathOf(sha256);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (File.Exists(path)) File.Delete(temp);
            else File.Move(temp, path);
            return new StoredContent(sha256, length);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Opens stored content by its hash; null when there is none (or the text is not a SHA-256).</summary>
    public Stream? OpenRead(string sha256)
    {
        if (!Sha256Pattern().IsMatch(sha256)) return null;
        string path = PathOf(sha256);
        return File.Exists(path) ? File.OpenRead(path) : null;
    }

    private string PathOf(string sha256) => Path.Combine(Root, sha256[..2], sha256);

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();
}
