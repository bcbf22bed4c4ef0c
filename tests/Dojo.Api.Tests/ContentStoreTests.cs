using System.Security.Cryptography;
using System.Text;
using Dojo.Storage;
using Microsoft.Extensions.Options;

namespace Dojo.Api.Tests;

public sealed class ContentStoreTests : IDisposable
{
    private readonly DojoOptions _options = new() { DataDirectory = Directory.CreateTempSubdirectory("dojo-files-").FullName };
    private ContentStore Store => new(Options.Create(_options), new Dojo.Storage.Artifacts.FileArtifactStore(_options.DataDirectory));
    private string FilesRoot => Path.Combine(_options.DataDirectory, "files");

    private static MemoryStream Text(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task Content_is_stored_under_its_hash_once()
    {
        var first = await Store.PutAsync(Text("深層学習②のレポート"), 1024, CancellationToken.None);
        var again = await Store.PutAsync(Text("深層学習②のレポート"), 1024, CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("深層学習②のレポート"))), first.Sha256);
        Assert.Equal(first, again);
        Assert.Single(Directory.EnumerateFiles(FilesRoot, "*", SearchOption.AllDirectories));
        using var reader = new StreamReader((await Store.OpenReadAsync(first.Sha256, CancellationToken.None))!);
        Assert.Equal("深層学習②のレポート", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task Content_over_the_limit_is_refused_and_nothing_is_kept()
    {
        await Assert.ThrowsAsync<ContentTooLargeException>(() => Store.PutAsync(new MemoryStream(new byte[5000]), 4096, CancellationToken.None));
        Assert.Empty(Directory.EnumerateFiles(FilesRoot, "*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("ABCDEF")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    public async Task Only_an_existing_sha256_opens(string name)
    {
        Assert.Null(await Store.OpenReadAsync(name, CancellationToken.None));
    }

    public void Dispose() => Directory.Delete(_options.DataDirectory, recursive: true);
}
