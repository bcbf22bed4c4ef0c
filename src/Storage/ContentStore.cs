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
/// Uploaded files (report submissions) stored by content in the <see cref="Artifacts.IArtifactStore"/> under
/// <c>files/ab/abcdef…</c>: no part of a user-supplied name ever reaches a key, identical uploads are stored once, and a
/// file is stored only once it is complete (received into <c>{DataDirectory}/files/incoming</c>, hashed while streaming).
/// </summary>
public sealed partial class ContentStore(IOptions<DojoOptions> options, Artifacts.IArtifactStore store)
{
    private string Incoming => Path.Combine(options.Value.FullDataDirectory, "files", "incoming");

    public async Task<StoredContent> PutAsync(Stream content, long maxBytes, CancellationToken ct)
    {
        Directory.CreateDirectory(Incoming);
        string temp = Path.Combine(Incoming, Guid.NewGuid().ToString("N"));
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
            string key = KeyOf(sha256);
            if ((await store.ListAsync(key, ct)).Any(a => a.Key == key)) File.Delete(temp);
            else await store.PutFileAsync(key, temp, ct);
            return new StoredContent(sha256, length);
        }
        finally
        {
            File.Delete(temp); // gone already unless something failed
        }
    }

    /// <summary>Opens stored content by its hash; null when there is none (or the text is not a SHA-256).</summary>
    public Task<Stream?> OpenReadAsync(string sha256, CancellationToken ct) =>
        Sha256Pattern().IsMatch(sha256) ? store.OpenReadAsync(KeyOf(sha256), ct) : Task.FromResult<Stream?>(null);

    private static string KeyOf(string sha256) => $"files/{sha256[..2]}/{sha256}";

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();
}
