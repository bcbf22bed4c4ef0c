using Dojo.Storage;
using Dojo.Storage.Artifacts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Dojo.Api.Tests;

/// <summary>
/// Both artifact stores through the one interface: the data directory, and the database (here SQLite, with 1 KiB chunks so
/// that a few kilobytes span several; PostgreSQL runs it too under the *PostgresTests classes).
/// </summary>
public sealed class ArtifactStoreTests : IDisposable
{
    private readonly DojoOptions _options = new() { DataDirectory = Directory.CreateTempSubdirectory("dojo-artifacts-").FullName };

    private async Task<IArtifactStore> StoreAsync(string kind)
    {
        if (kind == "files") return new FileArtifactStore(_options.FullDataDirectory);
        var builder = new DbContextOptionsBuilder<DojoDb>();
        StorageExtensions.Configure(builder, _options);
        var contexts = new PooledDbContextFactory<DojoDb>(builder.Options);
        await DatabaseSchema.MigrateAsync(contexts, _options, CancellationToken.None);
        return new DatabaseArtifactStore(contexts, Path.Combine(_options.FullDataDirectory, "cache"), chunkBytes: 1024, TimeProvider.System);
    }

    private static byte[] Bytes(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(i * 31 + seed)).ToArray();

    private static async Task<byte[]?> ReadAsync(IArtifactStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key, CancellationToken.None);
        if (stream is null) return null;
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Theory]
    [InlineData("files")]
    [InlineData("database")]
    public async Task Artifacts_round_trip_replace_list_and_delete(string kind)
    {
        var store = await StoreAsync(kind);
        var big = Bytes(5000, 1); // five chunks of 1 KiB, the last partial
        await store.PutAsync("jobs/abc/checkpoint-1.bin", new MemoryStream(big), CancellationToken.None);
        await store.PutAsync("jobs/abc/files/boundary.png", new MemoryStream(Bytes(10, 2)), CancellationToken.None);
        await store.PutAsync("jobs/abd/model.bin", new MemoryStream([]), CancellationToken.None);
        Assert.Equal(big, await ReadAsync(store, "jobs/abc/checkpoint-1.bin"));
        Assert.Equal(0, (await ReadAsync(store, "jobs/abd/model.bin"))?.Length);
        Assert.Null(await ReadAsync(store, "jobs/abc/checkpoint-2.bin"));

        var replaced = Bytes(2048, 3);
        await store.PutAsync("jobs/abc/checkpoint-1.bin", new MemoryStream(replaced), CancellationToken.None);
        Assert.Equal(replaced, await ReadAsync(store, "jobs/abc/checkpoint-1.bin"));
        Assert.Equal([("jobs/abc/checkpoint-1.bin", 2048L), ("jobs/abc/files/boundary.png", 10L)],
            (await store.ListAsync("jobs/abc/", CancellationToken.None)).Select(a => (a.Key, a.Length)));

        await store.DeleteAsync("jobs/abc/files/boundary.png", CancellationToken.None);
        await store.DeleteAllAsync("jobs/abc/", CancellationToken.None);
        Assert.Empty(await store.ListAsync("jobs/abc/", CancellationToken.None));
        Assert.Single(await store.ListAsync("jobs/", CancellationToken.None));
    }

    [Theory]
    [InlineData("files")]
    [InlineData("database")]
    public async Task A_write_that_fails_midway_leaves_the_old_artifact_whole(string kind)
    {
        var store = await StoreAsync(kind);
        var old = Bytes(3000, 4);
        await store.PutAsync("datasets/u1/images.idx.gz", new MemoryStream(old), CancellationToken.None);
        await Assert.ThrowsAsync<IOException>(() => store.PutAsync("datasets/u1/images.idx.gz", new FailingStream(Bytes(2500, 5)), CancellationToken.None));
        Assert.Equal(old, await ReadAsync(store, "datasets/u1/images.idx.gz"));
        Assert.Single(await store.ListAsync("datasets/", CancellationToken.None));
        if (kind == "files") Assert.Single(Directory.EnumerateFiles(Path.Combine(_options.FullDataDirectory, "datasets", "u1"))); // no half-written file beside it

        // A local folder of the prefix, for readers that want paths: the same bytes.
        string folder = await store.LocalFolderAsync("datasets/u1/", CancellationToken.None);
        Assert.Equal(old, await File.ReadAllBytesAsync(Path.Combine(folder, "images.idx.gz")));
        await store.DeleteAllAsync("datasets/u1/", CancellationToken.None);
        Assert.False(Directory.Exists(folder), "the local copy outlived the artifacts");
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("/jobs/x")]
    [InlineData("jobs//x")]
    [InlineData("jobs/x y")]
    public async Task Keys_that_could_leave_the_store_are_refused(string key)
    {
        foreach (var kind in new[] { "files", "database" })
            await Assert.ThrowsAsync<ArgumentException>(async () => await (await StoreAsync(kind)).PutAsync(key, new MemoryStream([1]), CancellationToken.None));
    }

    /// <summary>Gives some bytes, then fails as a dropped upload or a dying disk would.</summary>
    private sealed class FailingStream(byte[] first) : MemoryStream(first)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            int n = await base.ReadAsync(buffer, ct);
            return n > 0 ? n : throw new IOException("the connection dropped");
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = base.Read(buffer, offset, count);
            return n > 0 ? n : throw new IOException("the connection dropped");
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_options.DataDirectory, recursive: true); } catch (IOException) { }
    }
}
