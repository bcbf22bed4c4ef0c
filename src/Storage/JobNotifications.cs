using Microsoft.EntityFrameworkCore;

namespace Dojo.Storage;

/// <summary>
/// On PostgreSQL a worker's commit of points (or of the final state) also sends <c>NOTIFY dojo_job_progress, '{job id}'</c>,
/// delivered when the transaction commits, so an API process listening on the channel reads the new points at once
/// instead of at its next poll (<c>Dojo:Watch:Notify</c>; the poll stays, slower, for anything else that changes a job).
/// Nothing on SQLite, whose processes share one machine and poll.
/// </summary>
public static class JobNotifications
{
    public const string Channel = "dojo_job_progress";

    public static async Task NotifyAsync(DojoDb db, Guid jobId, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql()) return;
        string payload = jobId.ToString("N");
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, {payload})", ct);
    }
}
