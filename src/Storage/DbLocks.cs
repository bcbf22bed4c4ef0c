using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;

namespace Dojo.Storage;

/// <summary>
/// Serializes a read-then-write (count a student's active jobs, then add one; number an attempt) across every process on
/// one database. SQLite needs nothing more: Dojo's transactions there are IMMEDIATE, one writer at a time. PostgreSQL runs
/// them under Read Committed, where two such transactions would both read the old count; a transaction-scoped advisory
/// lock on the thing's name makes the second wait for the first to commit.
/// </summary>
public static class DbLocks
{
    /// <summary>Holds the lock named <paramref name="name"/> until the current transaction ends (one must be open).</summary>
    public static async Task LockAsync(this DatabaseFacade database, string name, CancellationToken ct)
    {
        if (!database.IsNpgsql()) return;
        if (database.CurrentTransaction is null) throw new InvalidOperationException("a lock is held for a transaction: begin one first");
        long key = KeyOf(name);
        await database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({key})", ct);
    }

    /// <summary>
    /// Holds a lock on a connection of its own while a process sets up a PostgreSQL database (Hangfire's schema, the
    /// migrations): processes that start together on an empty database take turns instead of racing each other's
    /// <c>CREATE TABLE</c>s. Null on SQLite.
    /// </summary>
    public static IDisposable? HoldForSetup(DojoOptions options)
    {
        if (!options.IsPostgres) return null;
        var connection = new NpgsqlConnection(options.DedicatedConnectionString);
        connection.Open();
        using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({KeyOf("dojo:setup")})", connection)) take.ExecuteNonQuery();
        return new Held(connection);
    }

    /// <summary>A 64-bit key for a name (the first 8 bytes of its SHA-256), the same in every process.</summary>
    private static long KeyOf(string name) => BinaryPrimitives.ReadInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(name)));

    private sealed class Held(NpgsqlConnection connection) : IDisposable
    {
        public void Dispose() => connection.Dispose(); // closing the session releases its advisory locks
    }
}
