using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Storage;

public static class DbErrors
{
    /// <summary>
    /// Whether saving failed on a unique key: another request stored the same key first (two users with one
    /// number, one extension granted twice at once). The database decided the race; the loser answers 409.
    /// </summary>
    public static bool IsUniqueViolation(this DbUpdateException exception) => exception.InnerException switch
    {
        // SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        // PostgreSQL's unique_violation.
        Npgsql.PostgresException postgres => postgres.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation,
        _ => false,
    };
}
