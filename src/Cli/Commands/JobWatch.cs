using System.Globalization;
using System.Text.Json;
using Dojo.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;

namespace Dojo.Cli.Commands;

/// <summary>
/// Follows a job over the gRPC WatchJob stream to its final state. A dropped connection is resumed after the last
/// point received (<c>from_seq</c>), so no point is shown twice or missed. On a terminal: a live progress bar with
/// the epoch, loss and accuracy; piped: a line per epoch; with --json: every point and the final state as JSON lines.
/// Exit code 0 when the job succeeded, 3 when it ended otherwise.
/// </summary>
public static class JobWatch
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(2);

    public static async Task<int> RunAsync(DojoConfig config, DojoApi api, Guid jobId, bool json, CancellationToken ct)
    {
        var job = await api.GetAsync($"/api/jobs/{jobId}", ct);
        int? epochs = Total(job.GetProperty("spec"));
        IProgressView view = json ? new JsonView() : AnsiConsole.Profile.Capabilities.Interactive ? new BarView(epochs) : new LineView(epochs);
        return await view.RunAsync(report => FollowAsync(config, jobId, report, ct));
    }

    /// <summary>The stream, reconnecting after a drop from the point after the last one received; answers the final state.</summary>
    private static async Task<JobStateChanged> FollowAsync(DojoConfig config, Guid jobId, Action<JobEvent> report, CancellationToken ct)
    {
        long next = 1;
        var lastContact = DateTime.UtcNow;
        var headers = new Metadata { { "authorization", $"Bearer {config.Token}" } };
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                using var channel = GrpcChannel.ForAddress(config.Grpc);
                var client = new Jobs.JobsClient(channel);
                using var call = client.WatchJob(new WatchJobRequest { JobId = jobId.ToString(), FromSeq = next }, headers, cancellationToken: ct);
                await foreach (var e in call.ResponseStream.ReadAllAsync(ct))
                {
                    lastContact = DateTime.UtcNow;
                    attempt = 0;
                    if (e.EventCase == JobEvent.EventOneofCase.State) return e.State;
                    if (e.Metric.Seq < next) continue; // never twice
                    next = e.Metric.Seq + 1;
                    report(e);
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                throw new CliException(ExitCodes.Refused, $"no job {jobId} (or not yours)");
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
            {
                throw new CliException(ExitCodes.NotLoggedIn, "the token was refused; run dojo login again");
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && ex is RpcException or IOException or HttpRequestException)
            {
                if (DateTime.UtcNow - lastContact > GiveUpAfter)
                    throw new CliException(ExitCodes.Unreachable, $"lost {config.Grpc} for {GiveUpAfter.TotalMinutes:0} minutes: {ex.Message}");
                await Console.Error.WriteLineAsync($"dojo: connection lost ({Short(ex)}); resuming after point {next - 1}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(250 * (1 << Math.Min(attempt, 5)), 5000)), ct);
        }
    }

    private static string Short(Exception ex) => ex is RpcException rpc ? rpc.Status.StatusCode.ToString() : ex.GetType().Name;

    /// <summary>The epochs (or a DQN's episodes) the spec asks for, when it says.</summary>
    private static int? Total(JsonElement spec)
    {
        if (spec.TryGetProperty("training", out var training))
            foreach (var name in new[] { "epochs", "episodes" })
                if (training.TryGetProperty(name, out var value) && value.TryGetInt32(out int total)) return total;
        return null;
    }

    private static int ExitCode(JobStateChanged final) =>
        final.State == Protos.V1.JobState.Succeeded ? ExitCodes.Ok : ExitCodes.JobNotSucceeded;

    private static string StateName(Protos.V1.JobState state) => state.ToString().ToLowerInvariant();

    private interface IProgressView
    {
        Task<int> RunAsync(Func<Action<JobEvent>, Task<JobStateChanged>> follow);
    }

    /// <summary>The latest value of each metric in the epoch under way.</summary>
    private sealed class Epoch(int? total)
    {
        private readonly SortedDictionary<string, double> _values = new(StringComparer.Ordinal);

        public int Number { get; private set; }

        /// <summary>Takes a point; when it starts a new epoch, the one before is complete and comes back described.</summary>
        public bool Take(MetricPoint point, out string? finished)
        {
            finished = point.Epoch > Number && Number > 0 ? Describe() : null;
            if (point.Epoch > Number)
            {
                _values.Clear();
                Number = point.Epoch;
            }
            if (point.Name != "samples_per_sec") _values[point.Name] = point.Value;
            return finished is not null;
        }

        /// <summary>"epoch 7/20  accuracy 0.94  loss 0.1123  val_accuracy 0.95  val_loss 0.1002".</summary>
        public string Describe() =>
            $"epoch {Number}{(total is { } t ? $"/{t}" : "")}  " + string.Join("  ", _values.Select(v => $"{v.Key} {v.Value.ToString("0.####", CultureInfo.InvariantCulture)}"));
    }

    private sealed class LineView(int? total) : IProgressView
    {
        public async Task<int> RunAsync(Func<Action<JobEvent>, Task<JobStateChanged>> follow)
        {
            var epoch = new Epoch(total);
            var final = await follow(e =>
            {
                if (epoch.Take(e.Metric, out var finished)) Console.Out.WriteLine(finished);
            });
            if (epoch.Number > 0) Console.Out.WriteLine(epoch.Describe());
            Console.Out.WriteLine($"{StateName(final.State)}{(final.Reason.Length > 0 ? ": " + final.Reason : "")}");
            return ExitCode(final);
        }
    }

    private sealed class BarView(int? total) : IProgressView
    {
        public async Task<int> RunAsync(Func<Action<JobEvent>, Task<JobStateChanged>> follow)
        {
            var epoch = new Epoch(total);
            JobStateChanged final = null!;
            await AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask("waiting for the first epoch", maxValue: total ?? 1);
                    final = await follow(e =>
                    {
                        epoch.Take(e.Metric, out _);
                        task.Description = Markup.Escape(epoch.Describe());
                        task.Value = total is null ? 0 : epoch.Number;
                    });
                    if (final.State == Protos.V1.JobState.Succeeded) task.Value = task.MaxValue;
                    task.StopTask();
                });
            AnsiConsole.MarkupLineInterpolated($"[bold]{StateName(final.State)}[/]{(final.Reason.Length > 0 ? ": " + final.Reason : "")}");
            return ExitCode(final);
        }
    }

    private sealed class JsonView : IProgressView
    {
        public async Task<int> RunAsync(Func<Action<JobEvent>, Task<JobStateChanged>> follow)
        {
            var final = await follow(e => Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                seq = e.Metric.Seq, epoch = e.Metric.Epoch, step = e.Metric.Step, name = e.Metric.Name,
                value = double.IsFinite(e.Metric.Value) ? e.Metric.Value : (double?)null,
            })));
            Console.Out.WriteLine(JsonSerializer.Serialize(new { state = StateName(final.State), reason = final.Reason, nextSeq = final.NextSeq }));
            return ExitCode(final);
        }
    }
}
