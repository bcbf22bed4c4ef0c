using System.Text.Json;
using Dojo.Api.People;
using Dojo.Protos.V1;
using Dojo.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Api.Jobs;

/// <summary>
/// The gRPC WatchJob stream as server-sent events, for browsers (whose fetch can stream a response but not speak
/// gRPC): the same events from the same <see cref="JobEventStream"/>, each point once and in order, from
/// <c>fromSeq</c> or from after the <c>Last-Event-ID</c> a reconnecting client sends. Points are
/// <c>event: metric</c> with the sequence number as the event id; the stream ends with one <c>event: state</c>.
/// </summary>
public static class JobEventsSse
{
    public static async Task StreamAsync(Guid id, HttpContext http, Viewer viewer, IDbContextFactory<DojoDb> contexts, JobEventStream events,
        CancellationToken ct, long? fromSeq = null)
    {
        long from = fromSeq ?? 1;
        if (long.TryParse(http.Request.Headers["Last-Event-ID"], out long lastSeen)) from = Math.Max(from, lastSeen + 1);
        if (from < 1)
        {
            await Extensions.Problems.Invalid("fromSeq", "must be 1 or more").ExecuteAsync(http);
            return;
        }
        if (await JobEventStream.LoadAsync(contexts, id, viewer, ct) is null)
        {
            await Results.NotFound().ExecuteAsync(http);
            return;
        }
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // a proxy in front must not hold the events back
        await response.Body.FlushAsync(ct);
        try
        {
            await events.StreamAsync(id, from, viewer, e => WriteAsync(response, e, ct), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the browser went away
        }
    }

    private static async Task WriteAsync(HttpResponse response, JobEvent e, CancellationToken ct)
    {
        string text = e.EventCase == JobEvent.EventOneofCase.Metric
            ? $"id: {e.Metric.Seq}\nevent: metric\ndata: {JsonSerializer.Serialize(new
            {
                seq = e.Metric.Seq,
                epoch = e.Metric.Epoch,
                step = e.Metric.Step,
                name = e.Metric.Name,
                value = double.IsFinite(e.Metric.Value) ? e.Metric.Value : (double?)null,
                text = e.Metric.Text.Length == 0 ? null : e.Metric.Text,
                recordedAt = e.Metric.RecordedAt.ToDateTime(),
            })}\n\n"
            : $"event: state\ndata: {JsonSerializer.Serialize(new
            {
                state = Domain.Specs.SpecJson.Name(JobEventStream.FromProto(e.State.State)),
                reason = e.State.Reason.Length == 0 ? null : e.State.Reason,
                nextSeq = e.State.NextSeq,
            })}\n\n";
        await response.WriteAsync(text, ct);
        await response.Body.FlushAsync(ct);
    }
}
