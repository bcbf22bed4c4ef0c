using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Dojo.Storage.Postgres;

/// <summary>
/// Dojo's schema on PostgreSQL, as its own migrations (SQLite's are in Dojo.Storage):
/// <c>dotnet ef migrations add &lt;Name&gt; --project src/Storage.Postgres</c> after each one for SQLite. Only the model
/// matters here; no database is opened.
/// </summary>
public sealed class DesignTimeDojoDb : IDesignTimeDbContextFactory<DojoDb>
{
    public DojoDb CreateDbContext(string[] args) => new(StorageExtensions.Configure(new DbContextOptionsBuilder<DojoDb>(),
        new DojoOptions { Database = new() { Provider = "postgres", ConnectionString = "Host=127.0.0.1;Database=dojo_design_time" } }).Options as DbContextOptions<DojoDb>
        ?? throw new InvalidOperationException());
}
