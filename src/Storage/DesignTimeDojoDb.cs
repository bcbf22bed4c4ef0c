using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Dojo.Storage;

/// <summary>
/// What <c>dotnet ef migrations add &lt;Name&gt; --project src/Storage</c> builds the model with: the SQLite provider on a
/// throwaway file (only the model matters; nothing is written). Migrations live in <c>src/Storage/Migrations</c>.
/// </summary>
public sealed class DesignTimeDojoDb : IDesignTimeDbContextFactory<DojoDb>
{
    public DojoDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<DojoDb>().UseSqlite($"Data Source={Path.Combine(Path.GetTempPath(), "dojo-design-time.db")}").Options);
}
