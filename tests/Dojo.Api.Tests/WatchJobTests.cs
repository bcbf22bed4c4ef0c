using Dojo.Api.Tests.Infrastructure;
using Dojo.Protos.V1;
using Grpc.Core;
using Grpc.Reflection.V1Alpha;

namespace Dojo.Api.Tests;

public abstract class WatchJobSuite(DojoFactory factory)
{
    private readonly DojoClient _client = new(factory.CreateClient());

    private static async Task<(List<MetricPoint> Points, JobStateChanged? Final)> WatchAsync(Protos.V1.Jobs.JobsClient jobs, Guid id, long fromSeq)
    {
        var points = new List<MetricPoint>();
        JobStateChanged? final = null;
        using var call = jobs.WatchJob(new WatchJobRequest { JobId = id.ToString(), FromSeq = fromSeq });
        await foreach (var e in call.ResponseStream.ReadAllAsync())
        {
            Assert.Null(final); // nothing may follow the final state
            if (e.EventCase == JobEvent.EventOneofCase.Metric) points.Add(e.Metric);
            else final = e.State;
        }
        return (points, final);
    }

    [Fact]
    public async Task Watchers_from_the_start_get_every_point_once_in_order_then_the_final_state()
    {
        var request = DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 150));
        var job = await _client.SubmitAsync(request);
        var jobs = new Protos.V1.Jobs.JobsClient(factory.CreateGrpcChannel());

        // Ten watchers join while the job runs: some replay from the database, then all follow live.
        var watchers = Enumerable.Range(0, 10).Select(_ => WatchAsync(jobs, job.Id, 1)).ToList();
        var results = await Task.WhenAll(watchers);

        var stored = await _client.AllMetricsAsync(job.Id);
        foreach (var (points, final) in results)
        {
            Assert.Equal(stored.Select(p => p.Seq), points.Select(p => p.Seq));
            Assert.Equal(stored.Select(p => p.Value), points.Select(p => p.Value));
            Assert.Equal(Protos.V1.JobState.Succeeded, final!.State);
            Assert.Equal(stored.Count + 1, final.NextSeq);
        }
    }

    /// <summary>The server-sent events of a job: each point's seq and name, and the final state's data, reading until the stream ends or <paramref name="stopAfter"/> points.</summary>
    private async Task<(List<(long Seq, string Name)> Points, System.Text.Json.Nodes.JsonObject? Final)> EventsAsync(Guid id, long? lastEventId = null, int stopAfter = int.MaxValue)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{id}/events");
        if (lastEventId is { } last) request.Headers.Add("Last-Event-ID", last.ToString());
        using var response = await _client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var points = new List<(long, string)>();
        System.Text.Json.Nodes.JsonObject? final = null;
        string? type = null;
        while (points.Count < stopAfter && await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var data = System.Text.Json.Nodes.JsonNode.Parse(line["data: ".Length..])!.AsObject();
                Assert.Null(final); // nothing may follow the final state
                if (type == "metric") points.Add((data["seq"]!.GetValue<long>(), data["name"]!.GetValue<string>()));
                else final = data;
            }
        }
        return (points, final);
    }

    [Fact]
    public async Task The_browsers_event_stream_carries_every_point_once_and_a_reconnect_resumes_after_the_last_event_id()
    {
        var job = await _client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 100)));
        // One watcher drops after 40 points and comes back with the last id it saw; together it has every point once.
        var (first, _) = await EventsAsync(job.Id, stopAfter: 40);
        var (rest, final) = await EventsAsync(job.Id, lastEventId: first[^1].Seq);
        var stored = await _client.AllMetricsAsync(job.Id);
        Assert.Equal(stored.Select(p => (p.Seq, p.Name)), first.Concat(rest));
        Assert.Equal("succeeded", final!["state"]!.GetValue<string>());
        Assert.Equal(stored.Count + 1, final["nextSeq"]!.GetValue<long>());

        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await _client.Http.GetAsync($"/api/jobs/{Guid.NewGuid()}/events")).StatusCode);
        var (_, student) = await factory.CreateStudentAsync("覗き見");
        using var stranger = factory.CreateClient(student.Secret);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/jobs/{job.Id}/events")).StatusCode);
    }

    [Fact]
    public async Task Reconnecting_with_from_seq_resumes_there()
    {
        var job = await _client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 20)));
        await _client.WaitFinishedAsync(job.Id);
        var jobs = new Protos.V1.Jobs.JobsClient(factory.CreateGrpcChannel());

        var (points, final) = await WatchAsync(jobs, job.Id, 37);

        Assert.Equal(37, points[0].Seq);
        Assert.Equal(Enumerable.Range(37, points.Count).Select(i => (long)i), points.Select(p => p.Seq));
        Assert.Equal(points[^1].Seq + 1, final!.NextSeq);
    }

    [Fact]
    public async Task Bad_ids_are_invalid_argument_and_unknown_jobs_not_found()
    {
        var jobs = new Protos.V1.Jobs.JobsClient(factory.CreateGrpcChannel());
        var invalid = await Assert.ThrowsAsync<RpcException>(() => WatchAsync(jobs, Guid.Empty, -1));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        var bad = await Assert.ThrowsAsync<RpcException>(async () => await jobs.GetJobAsync(new GetJobRequest { JobId = "nope" }));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await jobs.GetJobAsync(new GetJobRequest { JobId = Guid.NewGuid().ToString() }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task GetJob_reports_state_and_results()
    {
        var job = await _client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 5)));
        await _client.WaitFinishedAsync(job.Id);
        var info = await new Protos.V1.Jobs.JobsClient(factory.CreateGrpcChannel()).GetJobAsync(new GetJobRequest { JobId = job.Id.ToString() });
        Assert.Equal(Protos.V1.JobState.Succeeded, info.State);
        Assert.Contains("test_accuracy", info.Result.Keys);
        Assert.Equal(1, info.Attempts);
    }

    /// <summary>Reflection answers without a token (it describes the public protos in src/Protos, nobody's data), as the README says; the services themselves do not.</summary>
    [Fact]
    public async Task Server_reflection_lists_the_jobs_service_without_a_token()
    {
        var reflection = new ServerReflection.ServerReflectionClient(factory.CreateGrpcChannel(token: null));
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("dojo.v1.Jobs", services);
        var anonymous = new Protos.V1.Jobs.JobsClient(factory.CreateGrpcChannel(token: null));
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await anonymous.GetJobAsync(new GetJobRequest { JobId = Guid.NewGuid().ToString() }));
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Theory]
    [InlineData("GetJob", MethodType.Unary)]
    [InlineData("WatchJob", MethodType.ServerStreaming)]
    public async Task A_request_that_is_not_protobuf_is_InvalidArgument(string name, MethodType type)
    {
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(type, "dojo.v1.Jobs", name, bytes, bytes);
        var invoker = factory.CreateGrpcChannel().CreateCallInvoker();
        byte[] garbage = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF];

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            if (type == MethodType.Unary) await invoker.AsyncUnaryCall(method, null, new CallOptions(), garbage);
            else await invoker.AsyncServerStreamingCall(method, null, new CallOptions(), garbage).ResponseStream.MoveNext(CancellationToken.None);
        });

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("dojo.v1.", error.Status.Detail);
        Assert.DoesNotContain("\n", error.Status.Detail);
    }
}

/// <summary>The WatchJob tests on SQLite with artifacts in the data directory (the defaults).</summary>
public sealed class WatchJobTests(DojoFactory factory) : WatchJobSuite(factory), IClassFixture<DojoFactory>;

/// <summary>The same tests on PostgreSQL with artifacts in the database: the several-machines configuration.</summary>
public sealed class WatchJobPostgresTests(PostgresFactory factory) : WatchJobSuite(factory), IClassFixture<PostgresFactory>;
