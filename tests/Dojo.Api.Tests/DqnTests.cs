using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Jobs;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Dqn;
using Dojo.Domain.Specs;
using Dojo.Worker.Training;
using Dojo.Worker.Training.Dqn;
using Xunit.Abstractions;

namespace Dojo.Api.Tests;

/// <summary>DQN jobs: the grid world's shortest path through the real API and worker, the act endpoint, kept files, exact resume, bad specs.</summary>
public sealed class DqnTests(DojoFactory factory, ITestOutputHelper output) : IClassFixture<DojoFactory>
{
    /// <summary>DOJO_FULL_DQN=1 trains the cart-pole sample as shipped (100,000 steps, about a minute); by default 15,000 of them.</summary>
    private static readonly bool Full = Environment.GetEnvironmentVariable("DOJO_FULL_DQN") == "1";

    private readonly DojoClient _client = new(factory.CreateClient());

    /// <summary>A submit request's spec (the request less its name).</summary>
    private static DqnSpec Spec(JsonObject request)
    {
        request.Remove("name");
        return (DqnSpec)SpecJson.Deserialize<JobSpec>(request.ToJsonString())!;
    }

    private void Show(RecordingSession session, params string[] names)
    {
        foreach (var name in names)
            output.WriteLine($"{name}: {string.Join(" ", session.Epochs.SelectMany(e => e.Metrics).Where(m => m.Name == name).Select(m => m.Value.ToString("G3")))}");
    }

    /// <summary>
    /// The grid-world sample as shipped: its greedy return equals the best there is (the shortest path that keeps off
    /// the pits), the act endpoint's greedy actions walk that path from the start, and the job keeps its trace and policy picture.
    /// </summary>
    [Fact]
    public async Task The_grid_world_dqn_learns_the_shortest_path()
    {
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(DojoClient.Sample("dqn-grid"))).Id, TimeSpan.FromMinutes(3));

        Assert.True(job.State == JobState.Succeeded, $"{job.State}: {job.Reason}");
        var points = await _client.AllMetricsAsync(job.Id);
        string ByEpisode(string name) => string.Join(" ", points.Where(p => p.Name == name).Select(p => p.Value.ToString("G3")));
        output.WriteLine($"greedy return every 10 episodes: {ByEpisode(DqnMetrics.EvalReturn)}");
        output.WriteLine($"mean max-Q by episode: {ByEpisode(DqnMetrics.MeanMaxQ)}");
        double optimal = job.Result![DqnMetrics.OptimalReturn];
        output.WriteLine($"greedy return {job.Result[DqnMetrics.FinalReturn]} (optimum {optimal}) after {job.Result[DqnMetrics.EnvironmentSteps]} steps, {(job.FinishedAt - job.StartedAt)!.Value.TotalSeconds:F1} s");
        Assert.Equal(optimal, job.Result[DqnMetrics.FinalReturn], 9);
        Assert.Equal(200, points.Count(p => p.Name == DqnMetrics.EpisodeReturn));
        Assert.Equal(20, points.Count(p => p.Name == DqnMetrics.EvalReturn));

        // Walk the greedy policy through the act endpoint: it reaches the goal in the fewest steps there are.
        var spec = (DqnSpec)job.Spec;
        var world = (GridWorld)spec.Environment.Create(1);
        world.Reset();
        int steps = 0;
        for (var done = false; !done && steps < 50; steps++)
        {
            var answer = await ActAsync(job.Id, new { cells = new[] { new[] { world.Position.Row, world.Position.Column } } });
            Assert.Equal(QNetwork.ArgMax(answer.QValues[0]), answer.Actions[0]);
            done = world.Step(answer.Actions[0]).Done;
        }
        Assert.Equal('G', world[world.Position]);
        Assert.Equal(optimal, 1 + steps * spec.Environment.StepPenalty, 9);
        var byState = await ActAsync(job.Id, new { states = new[] { world.ObservationOf((0, 0)) } });
        Assert.Equal(4, byState.QValues[0].Length);

        var files = (await _client.Http.GetFromJsonAsync<List<JobFileDto>>($"/api/jobs/{job.Id}/files"))!;
        Assert.Equal([DqnFiles.Trace, DqnFiles.Policy], files.Select(f => f.Name));
        var trace = await _client.Http.GetFromJsonAsync<JsonObject>($"/api/jobs/{job.Id}/files/{DqnFiles.Trace}");
        Assert.Equal(steps, trace!["steps"]!.AsArray().Count);
        Assert.Equal(optimal, trace["return"]!.GetValue<double>(), 9);
        var png = await _client.Http.GetByteArrayAsync($"/api/jobs/{job.Id}/files/{DqnFiles.Policy}");
        using (var picture = SkiaSharp.SKBitmap.Decode(png))
            Assert.Equal((world.Columns * 40 + 1, world.Rows * 40 + 1), (picture.Width, picture.Height));
        File.WriteAllBytes(Path.Combine(AppContext.BaseDirectory, "dqn-grid-policy.png"), png);
        foreach (var name in new[] { ModelNames.Q, ModelNames.Target })
            Assert.Equal(HttpStatusCode.OK, (await _client.Http.GetAsync($"/api/jobs/{job.Id}/model?name={name}")).StatusCode);

        foreach (var (body, field) in new (object, string)[] { (new { cells = new[] { new[] { 9, 0 } } }, "cells[0]"), (new { states = new[] { new[] { 1f } } }, "states[0]"), (new { actions = 1 }, "actions") })
        {
            var refused = await _client.Http.PostAsJsonAsync($"/api/jobs/{job.Id}/act", body);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(field, (await refused.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ValidationProblemDetails>())!.Errors.Keys);
        }
    }

    /// <summary>
    /// The cart-pole sample through the real API and worker: as shipped (DOJO_FULL_DQN=1) its kept Q-network balances the
    /// pole for a mean of at least 475 of the 500 steps over 100 greedy episodes; the fast variant, a sixth of the steps,
    /// must still hold it up several times longer than the untrained network. The largest checkpoint file it wrote is
    /// reported (networks, optimizer, the full replay buffer, environment and generators).
    /// </summary>
    [Fact]
    public async Task The_cart_pole_dqn_balances_the_pole()
    {
        var request = Full ? DojoClient.Sample("dqn-cartpole") : DojoClient.With(DojoClient.Sample("dqn-cartpole"), ("training.steps", 15000));
        var submitted = await _client.SubmitAsync(request);
        string directory = Path.Combine(factory.DataDirectory, "jobs", submitted.Id.ToString("N"));
        long largestCheckpoint = 0;
        var deadline = DateTime.UtcNow.AddMinutes(Full ? 15 : 4);
        JobDto job;
        while (!(job = await _client.GetAsync(submitted.Id)).State.IsTerminal())
        {
            Assert.True(DateTime.UtcNow < deadline, "the cart-pole job did not finish");
            foreach (var file in Directory.Exists(directory) ? new DirectoryInfo(directory).GetFiles("checkpoint-*.bin") : [])
                try { largestCheckpoint = Math.Max(largestCheckpoint, file.Length); } catch (IOException) { }
            await Task.Delay(500);
        }

        Assert.True(job.State == JobState.Succeeded, $"{job.State}: {job.Reason}");
        var points = await _client.AllMetricsAsync(job.Id);
        var evaluations = points.Where(p => p.Name == DqnMetrics.EvalReturn).ToList();
        output.WriteLine($"greedy return every 10 episodes: {string.Join(" ", evaluations.Select(p => p.Value.ToString("G3")))}");
        double final = job.Result![DqnMetrics.FinalReturn], untrained = evaluations[0].Value;
        output.WriteLine($"mean greedy return over 100 episodes {final} (lowest {job.Result[DqnMetrics.FinalLowest]}); first evaluation {untrained}; " +
            $"{job.Result[DqnMetrics.EnvironmentSteps]} environment steps in {points.Count(p => p.Name == DqnMetrics.EpisodeReturn)} episodes, " +
            $"{(job.FinishedAt - job.StartedAt)!.Value.TotalSeconds:F0} s on one thread; largest checkpoint {largestCheckpoint / 1e6:F2} MB");
        if (Full) Assert.True(final >= 475, $"mean greedy return {final}");
        else Assert.True(final >= 5 * untrained && final >= 100, $"mean greedy return {final}; untrained {untrained}");

        var files = (await _client.Http.GetFromJsonAsync<List<JobFileDto>>($"/api/jobs/{job.Id}/files"))!;
        Assert.Equal([DqnFiles.CartPoleStrip, DqnFiles.Trace], files.Select(f => f.Name));
        var trace = (await _client.Http.GetFromJsonAsync<JsonObject>($"/api/jobs/{job.Id}/files/{DqnFiles.Trace}"))!;
        var steps = trace["steps"]!.AsArray();
        Assert.Equal(steps.Count, trace["return"]!.GetValue<double>()); // a reward of 1 per step
        var strip = await _client.Http.GetByteArrayAsync($"/api/jobs/{job.Id}/files/{DqnFiles.CartPoleStrip}");
        using (var picture = SkiaSharp.SKBitmap.Decode(strip))
            Assert.Equal(5 * 200, picture.Width);
        File.WriteAllBytes(Path.Combine(AppContext.BaseDirectory, "dqn-cartpole-episode.png"), strip);

        // The act endpoint answers as the trace's greedy actions were taken.
        var states = steps.Take(50).Select(s => s!["state"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray()).ToArray();
        var answer = await ActAsync(job.Id, new { states });
        Assert.Equal(steps.Take(50).Select(s => s!["action"]!.GetValue<int>()), answer.Actions);
        Assert.All(answer.QValues, q => Assert.Equal(2, q.Length));
    }

    private async Task<ActResponse> ActAsync(Guid job, object body)
    {
        var response = await _client.Http.PostAsJsonAsync($"/api/jobs/{job}/act", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ActResponse>(SpecJson.Options))!;
    }

    /// <summary>A short grid run, resumed from its second episode's checkpoint, ends with the same bits: every variant of the loop.</summary>
    [Theory]
    [InlineData("{}", "q,target")]
    [InlineData("""{ "target.tau": 0.05, "doubleDqn": true, "gradientClipping": 0.5, "environment.slip": 0.2 }""", "q,target")]
    [InlineData("""{ "techniques.replay": false, "techniques.targetNetwork": false, "techniques.huberLoss": false, "evaluation.keepBest": false }""", "q")]
    public void A_resumed_dqn_ends_as_an_uninterrupted_one(string changes, string models)
    {
        var request = DojoClient.With(DojoClient.Sample("dqn-grid"), ("training.episodes", 8), ("replay.learningStarts", 30), ("replay.capacity", 500),
            ("target.updateEvery", 40), ("exploration.decaySteps", 300), ("evaluation.every", 3), ("evaluation.keepBest", true),
            ("network.layers[0]", JsonNode.Parse("""{ "type": "dense", "units": 16 }""")));
        foreach (var (path, value) in JsonNode.Parse(changes)!.AsObject()) request = DojoClient.With(request, (path, value?.DeepClone()));
        var spec = Spec(request);

        var run = ResumeCheck.AssertResumesExactly(new DqnTrainer(new DeviceResolver()), spec, models.Split(','));

        var steps = run.Epochs.Select(e => e.Metrics.Single(m => m.Name == DqnMetrics.EnvironmentSteps).Value).ToList();
        output.WriteLine($"environment steps by episode: {string.Join(" ", steps)}; checkpoint of episode 2: {run.Epochs[1].Checkpoint.State.Own.Length} bytes of own state");
        Assert.True(steps[^1] > 30, "the run should have taken gradient steps before it ended");
        Assert.Contains(run.Epochs.SelectMany(e => e.Metrics), m => m.Name == DqnMetrics.TdLoss);
    }

    [Theory]
    [InlineData("""{ "gamma": 1.5 }""", "gamma")]
    [InlineData("""{ "gamma": -0.1 }""", "gamma")]
    [InlineData("""{ "replay.batchSize": 20000 }""", "replay.batchSize")]
    [InlineData("""{ "network.layers[2].units": 3 }""", "network.layers[2]")]
    [InlineData("""{ "environment.name": "mountainCarToo" }""", "environment.name")]
    [InlineData("""{ "environment.map": ["S..", ".#."] }""", "environment.map")]
    [InlineData("""{ "environment.map": ["S..", ".#"] }""", "environment.map")]
    [InlineData("""{ "environment.slip": 1 }""", "environment.slip")]
    [InlineData("""{ "target.tau": 0 }""", "target.tau")]
    [InlineData("""{ "exploration.end": 2 }""", "exploration.end")]
    [InlineData("""{ "evaluation.every": 0 }""", "evaluation.keepBest")]
    [InlineData("""{ "training.episodes": 0 }""", "training.episodes")]
    [InlineData("""{ "replay.capacity": 2000000 }""", "replay.capacity")]
    public async Task An_invalid_dqn_spec_is_refused_naming_the_field(string changes, string field)
    {
        var request = DojoClient.With(DojoClient.Sample("dqn-grid"), ("evaluation.keepBest", true));
        var problem = await _client.AssertRefusedAsync(request, changes, field);
        output.WriteLine(string.Join("; ", problem.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
    }

    [Fact]
    public async Task A_cartpole_q_network_must_give_two_values()
    {
        var problem = await _client.AssertRefusedAsync(DojoClient.Sample("dqn-cartpole"), """{ "network.layers[4].units": 4 }""", "network.layers[4]");
        Assert.Contains("[2]", problem.Errors["network.layers[4]"][0]);
    }
}

