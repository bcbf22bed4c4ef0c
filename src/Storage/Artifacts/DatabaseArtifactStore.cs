using Microsoft.EntityFrameworkCore;

namespace Dojo.Storage.Artifacts;

/// <summary>An artifact in the database: its key once complete (<c>~pending/{id}</c> while its chunks are written).</summary>
public sealed class StoredArtifact
{
    public Guid Id { get; init; }
    public required string Key { get; set; }
    public long Length { get; set; }
    public DateTime CreatedAt { get; init; }
}

/// <summary>One piece of an artifact's content, in order by <see cref="Index"/>.</summary>
public sealed class ArtifactChunk
{
    public Guid ArtifactId { get; init; }
    public int Index { get; init; }
    public required byte[] Data { get; init; }
}

/// <summary>
/// Artifacts in Dojo's database (bytea on PostgreSQL, a blob on SQLite) as chunks of <c>Dojo:Artifacts:ChunkBytes</c>
/// (1 MiB), so neither side ever holds a large artifact whole: a writer stores chunk after chunk under a pending key,
/// then, in one transaction, drops the artifact the key named before and gives the key to the new one; a reader fetches
/// one chunk at a time. Chosen over PostgreSQL's large objects because it is plain rows on either provider (the same
/// tests run on both) and needs no clean-up of orphaned objects. A process that dies mid-write leaves a pending
/// artifact that <see cref="RemoveAbandonedAsync"/> clears.
/// </summary>
public sealed class DatabaseArtifactStore(IDbContextFactory<DojoDb> contexts, string cacheRoot, int chunkBytes, TimeProvider clock) : IArtifactStore
{
    private const string PendingPrefix = "~pending/";

    public async Task PutAsync(string key, Stream content, CancellationToken ct)
    {
        ArtifactKeys.Checked(key);
        var id = Guid.CreateVersion7();
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            db.Artifacts.Add(new StoredArtifact { Id = id, Key = PendingPrefix + id.ToString("N"), CreatedAt = clock.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync(ct);
        }
        try
        {
            long length = 0;
            var buffer = new byte[chunkBytes];
            for (int index = 0; ; index++)
            {
                int filled = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
                if (filled == 0) break;
                await using (var db = await contexts.CreateDbContextAsync(ct))
                {
                    db.ArtifactChunks.Add(new ArtifactChunk { ArtifactId = id, Index = index, Data = buffer[..filled] });
                    await db.SaveChangesAsync(ct);
                }
                length += filled;
                if (filled < buffer.Length) break;
            }
            await using (var db = await contexts.CreateDbContextAsync(ct))
            await using (var transaction = await db.Database.BeginTransactionAsync(ct))
            {
                await db.Database.LockAsync("artifact:" + key, ct);
                await RemoveAsync(db, db.Artifacts.Where(a => a.Key == key), ct);
                await db.Artifacts.Where(a => a.Id == id).ExecuteUpdateAsync(a => a.SetProperty(x => x.Key, key).SetProperty(x => x.Length, length), ct);
                await transaction.CommitAsync(ct);
            }
        }
        catch
        {
            await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
            await RemoveAsync(db, db.Artifacts.Where(a => a.Id == id), CancellationToken.None);
            throw;
        }
    }

    public async Task PutFileAsync(string key, string localPath, CancellationToken ct)
    {
        await using (var file = File.OpenRead(localPath)) await PutAsync(key, file, ct);
        File.Delete(localPath);
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var found = await db.Artifacts.AsNoTracking().Where(a => a.Key == ArtifactKeys.Checked(key)).Select(a => new { a.Id, a.Length }).FirstOrDefaultAsync(ct);
        return found is null ? null : new ChunkStream(contexts, key, found.Id, found.Length);
    }

    public async Task<IReadOnlyList<ArtifactEntry>> ListAsync(string prefix, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Artifacts.AsNoTracking().Where(a => a.Key.StartsWith(prefix)).OrderBy(a => a.Key)
            .Select(a => new ArtifactEntry(a.Key, a.Length)).ToListAsync(ct);
    }

    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await RemoveAsync(db, db.Artifacts.Where(a => a.Key == key), ct);
    }

    public async Task DeleteAllAsync(string prefix, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await RemoveAsync(db, db.Artifacts.Where(a => a.Key.StartsWith(prefix)), ct);
        // This process's local copy too (another process's copy stays until its cache is cleared).
        string cached = Path.Combine(cacheRoot, ArtifactKeys.Checked(prefix.TrimEnd('/')));
        if (prefix.EndsWith('/') && Directory.Exists(cached)) Directory.Delete(cached, recursive: true);
    }

    /// <summary>Pending artifacts older than <paramref name="age"/>: their writer died before it finished.</summary>
    public async Task<int> RemoveAbandonedAsync(TimeSpan age, CancellationToken ct)
    {
        var before = clock.GetUtcNow().UtcDateTime - age;
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await RemoveAsync(db, db.Artifacts.Where(a => a.Key.StartsWith(PendingPrefix) && a.CreatedAt < before), ct);
    }

    /// <summary>A copy under <c>{DataDirectory}/cache/{prefix}</c>, made once: the artifacts land in a folder of their own, then it is renamed into place.</summary>
    public async Task<string> LocalFolderAsync(string prefix, CancellationToken ct)
    {
        string target = Path.Combine(cacheRoot, ArtifactKeys.Checked(prefix.TrimEnd('/')));
        if (Directory.Exists(target)) return target;
        string incoming = Path.Combine(cacheRoot, "~incoming", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(incoming);
        try
        {
            foreach (var artifact in await ListAsync(prefix, ct))
            {
                string path = Path.Combine(incoming, artifact.Key[prefix.Length..]);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await using var source = (await OpenReadAsync(artifact.Key, ct))!;
                await using var file = File.Create(path);
                await source.CopyToAsync(file, ct);
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            try { Directory.Move(incoming, target); }
            catch (IOException) when (Directory.Exists(target)) { } // another job made it meanwhile
            return target;
        }
        finally
        {
            if (Directory.Exists(incoming)) Directory.Delete(incoming, recursive: true);
        }
    }

    private static async Task<int> RemoveAsync(DojoDb db, IQueryable<StoredArtifact> artifacts, CancellationToken ct)
    {
        var ids = await artifacts.Select(a => a.Id).ToListAsync(ct);
        if (ids.Count == 0) return 0;
        await db.ArtifactChunks.Where(c => ids.Contains(c.ArtifactId)).ExecuteDeleteAsync(ct);
        return await db.Artifacts.Where(a => ids.Contains(a.Id)).ExecuteDeleteAsync(ct);
    }

    /// <summary>Reads an artifact's chunks in order, one query each, none held beyond the one being read.</summary>
    private sealed class ChunkStream(IDbContextFactory<DojoDb> contexts, string key, Guid id, long length) : Stream
    {
        private byte[] _chunk = [];
        private int _offset;
        private int _next;
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            if (_read >= length || buffer.Length == 0) return 0;
            if (_offset == _chunk.Length)
            {
                await using var db = await contexts.CreateDbContextAsync(ct);
                int index = _next;
                _chunk = await db.ArtifactChunks.AsNoTracking().Where(c => c.ArtifactId == id && c.Index == index).Select(c => c.Data).FirstOrDefaultAsync(ct)
                    ?? throw new IOException($"{key} was replaced or deleted while it was read");
                _offset = 0;
                _next++;
            }
            int n = Math.Min(buffer.Length, _chunk.Length - _offset);
            _chunk.AsMemory(_offset, n).CopyTo(buffer);
            _offset += n;
            _read += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
